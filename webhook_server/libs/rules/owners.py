"""OWNERS files: parsing, discovery filter, which files apply to a PR, and the people they name (§7, §8)."""

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import yaml

from webhook_server.libs.rules.logins import contains_login, normalize_login, unique_sorted_logins

OWNERS_FILE_NAME = "OWNERS"
ROOT_DIRECTORY = "."
MAX_OWNERS_FILES = 1000
_LIST_KEYS = ("approvers", "reviewers", "allowed-users")


@dataclass(frozen=True)
class OwnersLine:
    """Where an OWNERS file names someone: `role` is the key (`approvers`, `reviewers`, `allowed-users`)."""

    role: str
    login: str
    line: int


@dataclass(frozen=True)
class OwnersFile:
    """One parsed OWNERS file. `directory` is `.` for the root; `path` and `lines` are its provenance
    (the file and the 1-based line naming each person), left out of equality."""

    directory: str
    approvers: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    allowed_users: tuple[str, ...] = ()
    root_approvers: bool = True
    path: str = field(default="", compare=False)
    lines: tuple[OwnersLine, ...] = field(default=(), compare=False)

    def line_of(self, role: str, login: str) -> int | None:
        """The line that names `login` under `role`, or None."""
        return next(
            (item.line for item in self.lines if item.role == role and contains_login((item.login,), login)), None
        )


@dataclass(frozen=True)
class OwnersParseError:
    """An OWNERS file that is ignored, with the reason for the WARNING that names it."""

    path: str
    reason: str


@dataclass(frozen=True)
class OwnersSelection:
    """OWNERS paths to read (at most 1000, in path order) and whether more were found."""

    paths: tuple[str, ...]
    truncated: bool


def owners_directory(path: str) -> str:
    """The directory an OWNERS file covers: `.` for `OWNERS`, `a/b` for `a/b/OWNERS`."""
    return posixpath.dirname(path) or ROOT_DIRECTORY


def is_owners_path(path: str) -> bool:
    """A file named exactly `OWNERS` with no path component starting with `.`."""
    parts = path.split("/")
    return parts[-1] == OWNERS_FILE_NAME and not any(part.startswith(".") for part in parts)


def select_owners_paths(paths: Iterable[str], limit: int = MAX_OWNERS_FILES) -> OwnersSelection:
    """The OWNERS files to read from a tree listing: the first `limit` in path order."""
    candidates = sorted(path for path in paths if is_owners_path(path))
    return OwnersSelection(paths=tuple(candidates[:limit]), truncated=len(candidates) > limit)


def parse_owners(path: str, text: str) -> OwnersFile | OwnersParseError:
    """Parse one OWNERS file. Bad YAML, a non-mapping, a non-list value, a non-string item or a non-bool
    `root-approvers` make the whole file invalid. Unknown keys are ignored."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return OwnersParseError(path, f"invalid YAML: {error}")
    if not isinstance(data, dict):
        return OwnersParseError(path, "not a YAML mapping")
    lists: dict[str, tuple[str, ...]] = {}
    for key in _LIST_KEYS:
        value = data.get(key, [])
        if not isinstance(value, list):
            return OwnersParseError(path, f"'{key}' is not a list")
        if not all(isinstance(item, str) for item in value):
            return OwnersParseError(path, f"'{key}' has a non-string item")
        lists[key] = tuple(login for login in (normalize_login(item) for item in value) if login)
    root_approvers = data.get("root-approvers", True)
    if not isinstance(root_approvers, bool):
        return OwnersParseError(path, "'root-approvers' is not a boolean")
    return OwnersFile(
        directory=owners_directory(path),
        approvers=lists["approvers"],
        reviewers=lists["reviewers"],
        allowed_users=lists["allowed-users"],
        root_approvers=root_approvers,
        path=path,
        lines=owners_lines(text),
    )


def owners_lines(text: str) -> tuple[OwnersLine, ...]:
    """The 1-based line of every login under the list keys of a valid OWNERS document."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return ()
    found: list[OwnersLine] = []
    for key_node, value_node in root.value:
        if key_node.value not in _LIST_KEYS or not isinstance(value_node, yaml.SequenceNode):
            continue
        for item in value_node.value:
            if not isinstance(item, yaml.ScalarNode):
                continue  # only a string names a login
            login = normalize_login(str(item.value))
            if login:
                found.append(OwnersLine(key_node.value, login, item.start_mark.line + 1))
    return tuple(found)


@dataclass(frozen=True)
class PrOwners:
    """The OWNERS view of one PR (`pr-workflow.md` §7.3)."""

    applicable: tuple[OwnersFile, ...]
    root_applies: bool
    approvers: tuple[str, ...]
    reviewers: tuple[str, ...]
    root_approvers: tuple[str, ...]
    root_reviewers: tuple[str, ...]

    @property
    def approvers_with_root(self) -> tuple[str, ...]:
        """PR approvers ∪ root approvers: who may `/approve`, `/hold` as approver, and so on."""
        return unique_sorted_logins((*self.approvers, *self.root_approvers))


def _contains_path(directory: str, path: str) -> bool:
    """Whether `directory` (non-root) is `path`'s folder or one of its ancestors."""
    return path == directory or path.startswith(f"{directory}/")


def _deepest_owners(sub_directories: Sequence[str], changed_file: str) -> str | None:
    folder = posixpath.dirname(changed_file)
    matches = [directory for directory in sub_directories if _contains_path(directory, folder)]
    return max(matches, key=len) if matches else None


def root_applies(owners: Mapping[str, OwnersFile], changed_files: Sequence[str]) -> bool:
    """Deterministic root inclusion: the root is left out only when every changed file's deepest
    non-root OWNERS says `root-approvers: false`. A PR with no changed files keeps the root (safe side)."""
    sub_directories = [directory for directory in owners if directory != ROOT_DIRECTORY]
    if not changed_files:
        return True
    for changed_file in changed_files:
        deepest = _deepest_owners(sub_directories, changed_file)
        if deepest is None or owners[deepest].root_approvers:
            return True
    return False


def resolve_pr_owners(owners: Mapping[str, OwnersFile], changed_files: Sequence[str]) -> PrOwners:
    """Which OWNERS files apply to the changed files, and the PR approvers and reviewers they give.

    `owners` maps directory (`.` for the root) to its parsed file; invalid files are simply absent.
    """
    folders = {posixpath.dirname(path) for path in changed_files}
    applicable = [
        owners[directory]
        for directory in sorted(owners)
        if directory != ROOT_DIRECTORY and any(_contains_path(directory, folder) for folder in folders)
    ]
    root = owners.get(ROOT_DIRECTORY)
    include_root = root_applies(owners, changed_files)
    if include_root and root is not None:
        applicable.insert(0, root)
    return PrOwners(
        applicable=tuple(applicable),
        root_applies=include_root,
        approvers=unique_sorted_logins(login for file in applicable for login in file.approvers),
        reviewers=unique_sorted_logins(login for file in applicable for login in file.reviewers),
        root_approvers=root.approvers if root else (),
        root_reviewers=root.reviewers if root else (),
    )


def repository_approvers(owners: Mapping[str, OwnersFile]) -> tuple[str, ...]:
    """Approvers of every OWNERS file (command permissions, `/automerge`)."""
    return unique_sorted_logins(login for file in owners.values() for login in file.approvers)


def repository_reviewers(owners: Mapping[str, OwnersFile]) -> tuple[str, ...]:
    """Reviewers of every OWNERS file."""
    return unique_sorted_logins(login for file in owners.values() for login in file.reviewers)


def allowed_users(owners: Mapping[str, OwnersFile]) -> tuple[str, ...]:
    """`allowed-users` of the root OWNERS only."""
    root = owners.get(ROOT_DIRECTORY)
    return root.allowed_users if root else ()


def reviewers_to_request(
    pr_reviewers: Iterable[str], pr_author: str, already_reviewed: Iterable[str], already_requested: Iterable[str]
) -> tuple[str, ...]:
    """PR reviewers to ask for a review in one call: not the author, not anyone who reviewed or is requested."""
    skipped = (pr_author, *already_reviewed, *already_requested)
    return tuple(login for login in pr_reviewers if not contains_login(skipped, login))


def assignee_candidates(pr_author: str, root_approvers: Sequence[str]) -> tuple[str, ...]:
    """Who to assign, in order of preference: the PR author, then the first root approver."""
    fallback = root_approvers[:1]
    return (normalize_login(pr_author), *(login for login in fallback if not contains_login((pr_author,), login)))
