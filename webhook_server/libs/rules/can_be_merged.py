"""The `can-be-merged` verdict: every failing merge requirement of a PR snapshot (`pr-workflow.md` §12)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from webhook_server.libs.rules.checks import CheckOutput
from webhook_server.libs.rules.labels import APPROVED_PREFIX, CHANGES_REQUESTED_PREFIX, HOLD, LGTM_PREFIX, WIP
from webhook_server.libs.rules.logins import contains_login, login_key, unique_sorted_logins, without_login
from webhook_server.libs.rules.owners import PrOwners
from webhook_server.libs.rules.reviewer_state import logins_with_label_prefix

CAN_BE_MERGED_TITLE = "Check if can be merged"
CAN_BE_MERGED_ERROR_TEXT = "Failed to check if can be merged, check logs"
_PASSED_CONCLUSIONS = frozenset({"success", "neutral", "skipped"})


class CheckClass(StrEnum):
    """How one required check counts."""

    PASSED = "passed"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"


class MergeReasonCode(StrEnum):
    """Machine-readable failure reasons, in evaluation order (recorded as the step `reason`)."""

    NOT_MERGEABLE = "not_mergeable"
    MERGEABILITY_UNKNOWN = "mergeability_unknown"
    CHECKS_IN_PROGRESS = "checks_in_progress"
    HOLD = "hold"
    WIP = "wip"
    CHECKS_FAILED = "checks_failed"
    CHECKS_NOT_STARTED = "checks_not_started"
    CHANGES_REQUESTED = "changes_requested"
    MISSING_LABELS = "missing_labels"
    UNRESOLVED_THREADS = "unresolved_threads"
    MISSING_APPROVAL = "missing_approval"
    MISSING_LGTM = "missing_lgtm"


@dataclass(frozen=True)
class CheckRunState:
    """A check run on the head SHA (any app). Among runs with one name, the highest `id` is the latest."""

    name: str
    status: str
    conclusion: str | None = None
    id: int = 0
    url: str = field(default="", compare=False)  # the run's page (`/explain` links it)


@dataclass(frozen=True)
class CommitStatus:
    """A commit status on the head SHA. Among statuses with one context, the highest `id` is the latest."""

    context: str
    state: str
    id: int = 0


@dataclass(frozen=True)
class ReviewThread:
    """An unresolved review thread (outdated ones included). `line` None prints the path alone."""

    path: str
    line: int | None
    url: str
    outdated: bool = False


@dataclass(frozen=True)
class MergeSnapshot:
    """Everything the evaluation reads about an open PR.

    `required_checks` comes from `checks.merge_required_checks`. `unresolved_threads` is empty when
    conversation resolution is not required.
    """

    mergeable: bool | None
    labels: tuple[str, ...]
    owners: PrOwners
    pr_author: str
    required_checks: tuple[str, ...] = ()
    check_runs: tuple[CheckRunState, ...] = ()
    statuses: tuple[CommitStatus, ...] = ()
    required_labels: tuple[str, ...] = ()
    unresolved_threads: tuple[ReviewThread, ...] = ()
    minimum_lgtm: int = 0


@dataclass(frozen=True)
class MergeReason:
    """One failing requirement and its output line(s), each ending with a newline."""

    code: MergeReasonCode
    text: str


@dataclass(frozen=True)
class MergeVerdict:
    """All failing reasons, in order. No reasons means the PR can be merged."""

    reasons: tuple[MergeReason, ...]

    @property
    def can_merge(self) -> bool:
        """Whether every requirement holds."""
        return not self.reasons

    @property
    def text(self) -> str:
        """The concatenated reason texts (the check-run output text)."""
        return "".join(reason.text for reason in self.reasons)

    @property
    def reason(self) -> str:
        """Comma-separated reason codes for the `check_merge_eligibility` step (empty on success)."""
        return ",".join(reason.code for reason in self.reasons)

    @property
    def recheck_later(self) -> bool:
        """Whether `mergeable` must be looked at again (a deferred re-check, then another evaluation)."""
        return any(reason.code is MergeReasonCode.MERGEABILITY_UNKNOWN for reason in self.reasons)

    @property
    def output(self) -> CheckOutput:
        """The `can-be-merged` check-run output."""
        if self.can_merge:
            return CheckOutput(title=CAN_BE_MERGED_TITLE, summary="All merge requirements are met")
        return CheckOutput(title=CAN_BE_MERGED_TITLE, summary="Merge requirements are not met", text=self.text)


def classify_check(name: str, runs: Mapping[str, CheckRunState], statuses: Mapping[str, CommitStatus]) -> CheckClass:
    """Classify a required check from its latest run, else its latest status (the §12 table).

    Completed runs with a conclusion outside success/neutral/skipped count as failed.
    """
    run = runs.get(name)
    if run is not None:
        if run.status == "completed":
            return CheckClass.PASSED if run.conclusion in _PASSED_CONCLUSIONS else CheckClass.FAILED
        return CheckClass.IN_PROGRESS if run.status == "in_progress" else CheckClass.NOT_STARTED
    status = statuses.get(name)
    if status is None or status.state == "pending":
        return CheckClass.NOT_STARTED
    return CheckClass.PASSED if status.state == "success" else CheckClass.FAILED


def latest_check_runs(runs: Iterable[CheckRunState]) -> dict[str, CheckRunState]:
    """The latest run per name (highest id)."""
    latest: dict[str, CheckRunState] = {}
    for run in runs:
        if run.name not in latest or run.id > latest[run.name].id:
            latest[run.name] = run
    return latest


def latest_statuses(statuses: Iterable[CommitStatus]) -> dict[str, CommitStatus]:
    """The latest status per context (highest id)."""
    latest: dict[str, CommitStatus] = {}
    for status in statuses:
        if status.context not in latest or status.id > latest[status.context].id:
            latest[status.context] = status
    return latest


def missing_approvers(owners: PrOwners, labels: Iterable[str]) -> tuple[str, ...]:
    """The approval rule (h): PR approvers still missing, in sorted order; empty when approved.

    A root approver's `approved-` label approves everything. Otherwise each applicable OWNERS file with
    at least one approval removes all of its approvers from the missing set.
    """
    approved_by = logins_with_label_prefix(labels, APPROVED_PREFIX)
    if any(contains_login(owners.root_approvers, login) for login in approved_by):
        return ()
    satisfied: set[str] = set()
    for owners_file in owners.applicable:
        if any(contains_login(approved_by, approver) for approver in owners_file.approvers):
            satisfied.update(login_key(approver) for approver in owners_file.approvers)
    return tuple(login for login in owners.approvers if login_key(login) not in satisfied)


def lgtm_eligible(owners: PrOwners, pr_author: str) -> tuple[str, ...]:
    """PR reviewers ∪ root approvers ∪ root reviewers, minus the PR author, sorted case-insensitively."""
    everyone = unique_sorted_logins((*owners.reviewers, *owners.root_approvers, *owners.root_reviewers))
    return without_login(everyone, pr_author)


def evaluate_merge(snapshot: MergeSnapshot) -> MergeVerdict:
    """Collect every failing reason in the spec's order (a to i)."""
    reasons = [
        *_mergeable_reasons(snapshot.mergeable),
        *_check_reasons(snapshot, only_in_progress=True),
        *_blocker_label_reasons(snapshot.labels),
        *_check_reasons(snapshot, only_in_progress=False),
        *_changes_requested_reasons(snapshot),
        *_required_label_reasons(snapshot),
        *_thread_reasons(snapshot.unresolved_threads),
        *_approval_reasons(snapshot),
        *_lgtm_reasons(snapshot),
    ]
    return MergeVerdict(reasons=tuple(reasons))


def _mergeable_reasons(mergeable: bool | None) -> list[MergeReason]:
    if mergeable is None:
        return [MergeReason(MergeReasonCode.MERGEABILITY_UNKNOWN, "PR mergeability is not known yet\n")]
    if not mergeable:
        return [MergeReason(MergeReasonCode.NOT_MERGEABLE, "PR is not mergeable: False\n")]
    return []


def _check_reasons(snapshot: MergeSnapshot, *, only_in_progress: bool) -> list[MergeReason]:
    runs = latest_check_runs(snapshot.check_runs)
    statuses = latest_statuses(snapshot.statuses)
    by_class: dict[CheckClass, list[str]] = {check_class: [] for check_class in CheckClass}
    for name in dict.fromkeys(snapshot.required_checks):
        by_class[classify_check(name, runs, statuses)].append(name)
    if only_in_progress:
        names = by_class[CheckClass.IN_PROGRESS]
        text = f"Some required check runs in progress {_join(names)}\n"
        return [MergeReason(MergeReasonCode.CHECKS_IN_PROGRESS, text)] if names else []
    reasons = []
    if by_class[CheckClass.FAILED]:
        text = f"Some check runs failed: {_join(by_class[CheckClass.FAILED])}\n"
        reasons.append(MergeReason(MergeReasonCode.CHECKS_FAILED, text))
    if by_class[CheckClass.NOT_STARTED]:
        text = f"Some check runs not started: {_join(by_class[CheckClass.NOT_STARTED])}\n"
        reasons.append(MergeReason(MergeReasonCode.CHECKS_NOT_STARTED, text))
    return reasons


def _blocker_label_reasons(labels: Sequence[str]) -> list[MergeReason]:
    reasons = []
    if HOLD in labels:
        reasons.append(MergeReason(MergeReasonCode.HOLD, "Hold label exists.\n"))
    if WIP in labels:
        reasons.append(MergeReason(MergeReasonCode.WIP, "WIP label exists.\n"))
    return reasons


def _changes_requested_reasons(snapshot: MergeSnapshot) -> list[MergeReason]:
    requesters = logins_with_label_prefix(snapshot.labels, CHANGES_REQUESTED_PREFIX)
    if any(contains_login(snapshot.owners.approvers, login) for login in requesters):
        return [MergeReason(MergeReasonCode.CHANGES_REQUESTED, "PR has changed requests from approvers\n")]
    return []


def _required_label_reasons(snapshot: MergeSnapshot) -> list[MergeReason]:
    missing = [label for label in dict.fromkeys(snapshot.required_labels) if label not in snapshot.labels]
    if missing:
        return [MergeReason(MergeReasonCode.MISSING_LABELS, f"Missing required labels: {_join(missing)}\n")]
    return []


def _thread_reasons(threads: Sequence[ReviewThread]) -> list[MergeReason]:
    if not threads:
        return []
    lines = [f"PR has {len(threads)} unresolved review conversation(s):\n"]
    for thread in threads:
        location = thread.path if thread.line is None else f"{thread.path}:{thread.line}"
        outdated = " (outdated)" if thread.outdated else ""
        lines.append(f"  - {location}{outdated} ({thread.url})\n")
    return [MergeReason(MergeReasonCode.UNRESOLVED_THREADS, "".join(lines))]


def _approval_reasons(snapshot: MergeSnapshot) -> list[MergeReason]:
    missing = missing_approvers(snapshot.owners, snapshot.labels)
    if missing:
        return [MergeReason(MergeReasonCode.MISSING_APPROVAL, f"Missing approved from approvers: {_join(missing)}\n")]
    return []


def _lgtm_reasons(snapshot: MergeSnapshot) -> list[MergeReason]:
    if snapshot.minimum_lgtm <= 0:
        return []
    eligible = lgtm_eligible(snapshot.owners, snapshot.pr_author)
    lgtm_logins = logins_with_label_prefix(snapshot.labels, LGTM_PREFIX)
    given = len({login_key(login) for login in lgtm_logins if contains_login(eligible, login)})
    if given >= snapshot.minimum_lgtm or given == len(eligible):
        return []
    text = (
        f"Missing lgtm from reviewers. Minimum {snapshot.minimum_lgtm} required, ({given} given). "
        f"Reviewers: {_join(eligible)}.\n"
    )
    return [MergeReason(MergeReasonCode.MISSING_LGTM, text)]


def _join(names: Iterable[str]) -> str:
    return ", ".join(names)
