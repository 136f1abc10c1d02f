"""Comment-command parsing (`commands.md` §1, §4, §5.1, §5.3, §6): lines to commands, and argument rules."""

import difflib
import re
import shlex
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from webhook_server.libs.rules.logins import normalize_login, same_login
from webhook_server.libs.rules.welcome_markers import contains_welcome_marker

CANCEL_ARGUMENT = "cancel"
RETEST_ALL = "all"
ADD_ALLOWED_USER = "add-allowed-user"
DRAFT_ALWAYS_ALLOWED: frozenset[str] = frozenset({"test-oracle", "help"})
SUGGESTION_CUTOFF = 0.6
_COMMAND_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_BUILD_ARG_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FLAGS_WITH_VALUE = ("--target", "--platform")
_STANDALONE_FLAGS = ("--no-cache", "--pull")


@dataclass(frozen=True)
class ParsedCommand:
    """One command line: the command word and the argument string (possibly empty)."""

    name: str
    args: str = ""

    @property
    def is_cancel(self) -> bool:
        """The cancel form: the argument string is exactly `cancel`."""
        return self.args == CANCEL_ARGUMENT


def is_ignored_comment(body: str | None, author: str, bot_login: str | None) -> bool:
    """Comments with a welcome marker, and comments by the bot login, are never parsed for commands."""
    return contains_welcome_marker(body) or (bot_login is not None and same_login(author, bot_login))


def parse_commands(body: str | None) -> tuple[ParsedCommand, ...]:
    """Every command line of the trimmed body, in order (§1). Lines with an empty command word are dropped."""
    commands = []
    for line in (body or "").strip().splitlines():
        if not line.startswith("/"):
            continue
        word, _, args = line.rstrip().strip("/").partition(" ")
        if word:
            commands.append(ParsedCommand(name=word, args=args))
    return tuple(commands)


def looks_like_command(word: str) -> bool:
    """Whether an unknown word deserves an answer (`^[A-Za-z][A-Za-z0-9_-]*$`); paths like `usr/bin` do not."""
    return bool(_COMMAND_WORD.match(word))


def unknown_command_words(commands: Sequence[ParsedCommand], known: Collection[str]) -> tuple[str, ...]:
    """Unknown command words worth a reply, de-duplicated in order."""
    words = (command.name for command in commands if command.name not in known and looks_like_command(command.name))
    return tuple(dict.fromkeys(words))


def suggest_command(word: str, known: Collection[str]) -> str | None:
    """The closest registry name with a difflib ratio of at least 0.6, if any."""
    matches = difflib.get_close_matches(word, sorted(known), n=1, cutoff=SUGGESTION_CUTOFF)
    return matches[0] if matches else None


def unknown_commands_reply(words: Sequence[str], known: Collection[str]) -> str:
    """The single reply listing every unknown command of a comment, with suggestions and a `/help` pointer."""
    lines = []
    for word in words:
        line = f"Unknown command `/{word}`."
        suggestion = suggest_command(word, known)
        if suggestion:
            line += f" Did you mean `/{suggestion}`?"
        lines.append(line)
    lines.extend(["", "Use `/help` to see the commands available on this pull request."])
    return "\n".join(lines)


def missing_argument_reply(command_name: str) -> str:
    """`<command> requires an argument` (§6)."""
    return f"{command_name} requires an argument"


class DraftVerdict(StrEnum):
    """What the draft rule (§4) says about a known command on a draft PR."""

    ALLOWED = "allowed"
    IGNORED = "ignored"
    REFUSED = "refused"


def _draft_names(allow_list: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(entry.strip().lstrip("/") for entry in allow_list if entry.strip().lstrip("/")))


def draft_verdict(command_name: str, allow_list: Sequence[str] | None) -> DraftVerdict:
    """`allow-commands-on-draft-prs`: None → only `test-oracle`/`help`; `[]` → all; a list → those plus both."""
    if command_name in DRAFT_ALWAYS_ALLOWED:
        return DraftVerdict.ALLOWED
    if allow_list is None:
        return DraftVerdict.IGNORED
    if not allow_list or command_name in _draft_names(allow_list):
        return DraftVerdict.ALLOWED
    return DraftVerdict.REFUSED


def draft_refusal_reply(command_name: str, allow_list: Sequence[str]) -> str:
    """The byte-exact reply for a known command refused on a draft PR."""
    allowed = ", ".join(_draft_names(allow_list))
    return f"Command `/{command_name}` is not allowed on draft PRs.\nAllowed commands on draft PRs: {allowed}"


@dataclass(frozen=True)
class RetestRequest:
    """`/retest` arguments resolved against the enabled checks."""

    names: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    all_combined: bool = False


def parse_retest(args: str, enabled_checks: Sequence[str]) -> RetestRequest:
    """Split on whitespace. `all` only as a whole word, and never with other names (then nothing runs)."""
    requested = tuple(dict.fromkeys(args.split()))
    if RETEST_ALL in requested:
        if len(requested) > 1:
            return RetestRequest(names=(), all_combined=True)
        return RetestRequest(names=tuple(enabled_checks))
    valid = tuple(name for name in requested if name in enabled_checks)
    unknown = tuple(name for name in requested if name not in enabled_checks)
    return RetestRequest(names=valid, unknown=unknown)


RETEST_ALL_COMBINED_REPLY = "`all` cannot be combined with other check names; nothing was run."


def retest_unknown_reply(names: Sequence[str]) -> str:
    """One reply for `/retest` names that are unknown or disabled."""
    listed = ", ".join(f"`{name}`" for name in names)
    return f"Not configured for this repository, so not run: {listed}"


@dataclass(frozen=True)
class BuildArguments:
    """`/build-and-push-container` arguments: accepted ones as an argument vector, and rejected tokens."""

    accepted: tuple[str, ...]
    rejected: tuple[str, ...] = ()


def _build_arg_value(value: str) -> bool:
    key, separator, _ = value.partition("=")
    return bool(separator) and bool(_BUILD_ARG_KEY.match(key))


def _flag_value_ok(flag: str, value: str) -> bool:
    """Whether `flag value` is an accepted pair: `--build-arg KEY=VALUE`, `--target x`, `--platform x`."""
    if flag == "--build-arg":
        return _build_arg_value(value)
    return flag in _FLAGS_WITH_VALUE and bool(value) and not value.startswith("-")


def parse_build_arguments(args: str) -> BuildArguments:
    """Allow-list the shell-split words (§5.3). Unbalanced quotes reject the whole argument string."""
    try:
        words = shlex.split(args)
    except ValueError:
        return BuildArguments(accepted=(), rejected=(args,))
    accepted: list[str] = []
    rejected: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else None
        inline_build_arg = word.removeprefix("--build-arg=")
        if word.startswith("--build-arg=") and _build_arg_value(inline_build_arg):
            accepted.extend(("--build-arg", inline_build_arg))
        elif value is not None and _flag_value_ok(word, value):
            accepted.extend((word, value))
            index += 1
        elif word in _STANDALONE_FLAGS:
            accepted.append(word)
        else:
            rejected.append(word)
        index += 1
    return BuildArguments(accepted=tuple(accepted), rejected=tuple(rejected))


def rejected_build_arguments_reply(rejected: Sequence[str]) -> str:
    """The reply for rejected `/build-and-push-container` tokens (no build happens)."""
    listed = ", ".join(f"`{token}`" for token in rejected)
    return (
        f"Rejected build arguments: {listed}. Nothing was built.\n"
        "Accepted: `--build-arg KEY=VALUE`, `--target <name>`, `--platform <value>`, `--no-cache`, `--pull`."
    )


def login_argument(args: str) -> str:
    """The login of `/assign-reviewer @<login>` or `/add-allowed-user @<login>`: first word, `@` stripped."""
    words = args.split()
    return normalize_login(words[0]) if words else ""


def granted_logins(body: str | None) -> tuple[str, ...]:
    """Logins granted by `/add-allowed-user @<login>` lines of a comment (one login per line; `@` optional).

    The caller checks that the comment's author is a maintainer or a repository approver.
    """
    grants = []
    for command in parse_commands(body):
        words = command.args.split()
        if command.name == ADD_ALLOWED_USER and len(words) == 1 and normalize_login(words[0]):
            grants.append(normalize_login(words[0]))
    return tuple(dict.fromkeys(grants))
