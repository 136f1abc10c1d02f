"""Check-run names, the check output types, and which checks are enabled, required or retestable."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

TOX = "tox"
PRE_COMMIT = "pre-commit"
PYTHON_MODULE_INSTALL = "python-module-install"
BUILD_CONTAINER = "build-container"
CONVENTIONAL_TITLE = "conventional-title"
CAN_BE_MERGED = "can-be-merged"
SECURITY_SUSPICIOUS_PATHS = "security-suspicious-paths"
SECURITY_COMMITTER_IDENTITY = "security-committer-identity"
VERIFIED = "verified"
CHERRY_PICKED = "CherryPicked"
PRE_COMMIT_CI = "pre-commit.ci - pr"

RESERVED_CHECK_NAMES: frozenset[str] = frozenset(
    {
        TOX,
        PRE_COMMIT,
        PYTHON_MODULE_INSTALL,
        BUILD_CONTAINER,
        CONVENTIONAL_TITLE,
        CAN_BE_MERGED,
        SECURITY_SUSPICIOUS_PATHS,
        SECURITY_COMMITTER_IDENTITY,
        VERIFIED,
        CHERRY_PICKED,
    }
)
SECURITY_CHECK_NAMES: tuple[str, ...] = (SECURITY_SUSPICIOUS_PATHS, SECURITY_COMMITTER_IDENTITY)
_CUSTOM_CHECK_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,64}$")


class CheckStatus(StrEnum):
    """Check-run status values written to GitHub."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class CheckConclusion(StrEnum):
    """Check-run conclusions this server writes."""

    SUCCESS = "success"
    FAILURE = "failure"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class CheckOutput:
    """The `output` object of a check run."""

    title: str
    summary: str
    text: str = ""


@dataclass(frozen=True)
class CheckResult:
    """A completed check: conclusion plus output."""

    conclusion: CheckConclusion
    output: CheckOutput

    @property
    def passed(self) -> bool:
        """Whether the conclusion is `success`."""
        return self.conclusion is CheckConclusion.SUCCESS


@dataclass(frozen=True)
class CustomCheck:
    """A valid `custom-check-runs` entry, reduced to what the rules need."""

    name: str
    mandatory: bool = True


@dataclass(frozen=True)
class EnabledChecks:
    """Which checks a repository's effective config enables (`checks.md` §1).

    Defaults follow the config defaults: `verified-job` true, suspicious paths (default list) and the
    committer-identity check on, security checks mandatory, everything else off.
    """

    tox: bool = False
    pre_commit: bool = False
    python_module_install: bool = False
    build_container: bool = False
    conventional_title: bool = False
    verified: bool = True
    suspicious_paths: bool = True
    committer_identity: bool = True
    security_mandatory: bool = True
    custom_checks: tuple[CustomCheck, ...] = ()

    @property
    def security_checks(self) -> tuple[str, ...]:
        """The enabled security check names, in spec order."""
        flags = (self.suspicious_paths, self.committer_identity)
        return tuple(name for name, enabled in zip(SECURITY_CHECK_NAMES, flags, strict=True) if enabled)


def is_valid_custom_check_name(name: str) -> bool:
    """Whether a custom check name matches `^[a-zA-Z0-9._-]{1,64}$` and is not reserved."""
    return bool(_CUSTOM_CHECK_NAME.match(name)) and name not in RESERVED_CHECK_NAMES


def command_check_names(enabled: EnabledChecks) -> tuple[str, ...]:
    """Checks that run a command as a job, in the order they are queued (`pr-workflow.md` §1.1)."""
    built_in = (
        (TOX, enabled.tox),
        (PRE_COMMIT, enabled.pre_commit),
        (PYTHON_MODULE_INSTALL, enabled.python_module_install),
        (BUILD_CONTAINER, enabled.build_container),
    )
    names = [name for name, on in built_in if on]
    names.extend(check.name for check in enabled.custom_checks)
    return tuple(names)


def inline_check_names(enabled: EnabledChecks) -> tuple[str, ...]:
    """Checks evaluated inline in the lane phase (`checks.md` §4)."""
    names = [CONVENTIONAL_TITLE] if enabled.conventional_title else []
    names.extend(enabled.security_checks)
    return tuple(names)


def retestable_check_names(enabled: EnabledChecks) -> tuple[str, ...]:
    """Names `/retest` accepts (`commands.md` §5.1); `all` means exactly these."""
    return command_check_names(enabled) + inline_check_names(enabled)


def optional_check_names(enabled: EnabledChecks) -> frozenset[str]:
    """Custom checks that are not mandatory (shown as `(optional)` in the welcome comment)."""
    return frozenset(check.name for check in enabled.custom_checks if not check.mandatory)


def merge_required_checks(enabled: EnabledChecks, protection_contexts: Iterable[str]) -> tuple[str, ...]:
    """The required set for the `can-be-merged` evaluation (`pr-workflow.md` §12), de-duplicated in order.

    `can-be-merged` itself is never included, even when branch protection lists it.
    """
    names = list(protection_contexts)
    conditional = (
        (TOX, enabled.tox),
        (VERIFIED, enabled.verified),
        (BUILD_CONTAINER, enabled.build_container),
        (PYTHON_MODULE_INSTALL, enabled.python_module_install),
        (PRE_COMMIT, enabled.pre_commit),
        (CONVENTIONAL_TITLE, enabled.conventional_title),
    )
    names.extend(name for name, on in conditional if on)
    names.extend(check.name for check in enabled.custom_checks if check.mandatory)
    if enabled.security_mandatory:
        names.extend(enabled.security_checks)
    return tuple(name for name in _unique(names) if name != CAN_BE_MERGED)


def branch_protection_required_checks(
    enabled: EnabledChecks,
    *,
    include_runs: Sequence[str] = (),
    exclude_runs: Sequence[str] = (),
    default_status_checks: Sequence[str] = (),
    has_pre_commit_config: bool = False,
) -> tuple[str, ...]:
    """Required status contexts for a protected branch (`bootstrap.md` §4.2).

    A non-empty `include_runs` is used verbatim. Otherwise the automatic list is built, de-duplicated
    keeping the first occurrence, minus `exclude_runs`. Custom and security checks are never added.
    """
    if include_runs:
        return tuple(include_runs)
    names = [*default_status_checks, CAN_BE_MERGED]
    conditional = (
        (TOX, enabled.tox),
        (VERIFIED, enabled.verified),
        (BUILD_CONTAINER, enabled.build_container),
        (PYTHON_MODULE_INSTALL, enabled.python_module_install),
        (PRE_COMMIT, enabled.pre_commit),
        (CONVENTIONAL_TITLE, enabled.conventional_title),
        (PRE_COMMIT_CI, has_pre_commit_config),
    )
    names.extend(name for name, on in conditional if on)
    excluded = set(exclude_runs)
    return tuple(name for name in _unique(names) if name not in excluded)


def _unique(names: Iterable[str]) -> list[str]:
    """Drop duplicates, keeping the first occurrence."""
    return list(dict.fromkeys(names))
