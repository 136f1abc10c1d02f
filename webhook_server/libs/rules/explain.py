"""`/explain`: every merge requirement of a PR with its state and where it came from (provenance).

Pure: the gathering (`pr/explain.py`) hands over the `can-be-merged` snapshot plus the origins of the
config keys, of the labels and of the branch protection; this module decides each requirement's state with
the same rules as `can_be_merged` and renders the reply and the JSON.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from webhook_server.libs.rules.can_be_merged import (
    CheckClass,
    MergeSnapshot,
    classify_check,
    evaluate_merge,
    latest_check_runs,
    latest_statuses,
    lgtm_eligible,
)
from webhook_server.libs.rules.labels import APPROVED_PREFIX, CHANGES_REQUESTED_PREFIX, HOLD, LGTM_PREFIX, VERIFIED, WIP
from webhook_server.libs.rules.logins import contains_login, login_key
from webhook_server.libs.rules.owners import OwnersFile
from webhook_server.libs.rules.reviewer_state import logins_with_label_prefix

EXPLAIN_HEADER = "## 🔎 Why this PR can or cannot merge"
MINIMUM_LGTM_KEY = "minimum-lgtm"
REQUIRED_LABELS_KEY = "can-be-merged-required-labels"
CONVERSATION_KEY = "branch-protection.required_conversation_resolution"


class RequirementState(StrEnum):
    MET = "met"
    NOT_MET = "not met"
    NOT_REQUIRED = "not required"


class ConfigLayer(StrEnum):
    """Where a config value came from, most specific first (`config.md` §7)."""

    LOCAL = "repo-local"
    REPOSITORY = "repository entry"
    SERVER = "server config"
    DEFAULT = "default"


@dataclass(frozen=True)
class ConfigOrigin:
    """The effective value of one config key and the layer that set it; `location` names the file and key."""

    key: str
    value: Any
    layer: ConfigLayer
    location: str


@dataclass(frozen=True)
class LabelOrigin:
    """Who put a label on the PR and how (`how` is a command comment URL or the label event)."""

    label: str
    added_by: str | None
    how: str


@dataclass(frozen=True)
class Source:
    """One piece of provenance: kind is config, owners, check-run, status, label, branch-protection, github,
    review-thread."""

    kind: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Requirement:
    name: str
    state: RequirementState
    detail: str
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class ExplainFacts:
    """Everything `explain` reads. `check_keys` maps a required check to the config key enabling it."""

    snapshot: MergeSnapshot
    pr_number: int
    head_sha: str
    base_ref: str
    config: Mapping[str, ConfigOrigin]
    protection_contexts: tuple[str, ...] = ()
    check_keys: Mapping[str, str] = field(default_factory=dict)
    label_origins: Mapping[str, LabelOrigin] = field(default_factory=dict)
    protection_conversation_resolution: bool | None = None  # GitHub's branch protection setting, when readable


@dataclass(frozen=True)
class Explanation:
    pr_number: int
    head_sha: str
    can_merge: bool
    requirements: tuple[Requirement, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the HTTP endpoint."""
        return {
            "pr_number": self.pr_number,
            "head_sha": self.head_sha,
            "can_merge": self.can_merge,
            "requirements": [
                {
                    "name": item.name,
                    "state": item.state.value,
                    "detail": item.detail,
                    "sources": [{"kind": s.kind, "text": s.text, "url": s.url} for s in item.sources],
                }
                for item in self.requirements
            ],
        }


def explain(facts: ExplainFacts) -> Explanation:
    """Every requirement in the `can-be-merged` order, each with its state and sources."""
    requirements = (
        _mergeable(facts),
        *_checks(facts),
        _blocker_label(facts, HOLD),
        _blocker_label(facts, WIP),
        _changes_requested(facts),
        _required_labels(facts),
        _conversations(facts),
        *_approvals(facts),
        _lgtm(facts),
    )
    verdict = evaluate_merge(facts.snapshot)
    return Explanation(facts.pr_number, facts.head_sha, verdict.can_merge, requirements)


def config_source(origin: ConfigOrigin) -> Source:
    layer = "" if origin.layer is ConfigLayer.DEFAULT else f" ({origin.layer.value})"
    return Source("config", f"{origin.location} = {_value_text(origin.value)}{layer}")


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


def _config_sources(facts: ExplainFacts, key: str) -> tuple[Source, ...]:
    origin = facts.config.get(key)
    return (config_source(origin),) if origin is not None else ()


def _mergeable(facts: ExplainFacts) -> Requirement:
    mergeable = facts.snapshot.mergeable
    source = Source("github", f"GitHub `mergeable` of PR #{facts.pr_number}: {_value_text(mergeable)}")
    if mergeable is None:
        return Requirement("PR is mergeable", RequirementState.NOT_MET, "not known yet", (source,))
    state = RequirementState.MET if mergeable else RequirementState.NOT_MET
    return Requirement("PR is mergeable", state, "no conflicts" if mergeable else "conflicts", (source,))


def _checks(facts: ExplainFacts) -> list[Requirement]:
    snapshot = facts.snapshot
    runs, statuses = latest_check_runs(snapshot.check_runs), latest_statuses(snapshot.statuses)
    requirements = []
    for name in dict.fromkeys(snapshot.required_checks):
        check_class = classify_check(name, runs, statuses)
        state = RequirementState.MET if check_class is CheckClass.PASSED else RequirementState.NOT_MET
        sources = list(_why_required(facts, name))
        run, status = runs.get(name), statuses.get(name)
        if run is not None:
            outcome = run.conclusion or run.status
            sources.append(
                Source("check-run", f"check run `{name}` on {facts.head_sha[:7]}: {outcome}", run.url or None)
            )
        elif status is not None:
            sources.append(Source("status", f"commit status `{name}` on {facts.head_sha[:7]}: {status.state}"))
        else:
            sources.append(Source("check-run", f"no check run or status `{name}` on {facts.head_sha[:7]}"))
        if name == VERIFIED and VERIFIED in facts.label_origins:
            sources.append(_label_source(facts.label_origins[VERIFIED]))
        requirements.append(Requirement(f"Check `{name}`", state, check_class.value.replace("_", " "), tuple(sources)))
    return requirements


def _why_required(facts: ExplainFacts, name: str) -> list[Source]:
    sources = []
    if name in facts.protection_contexts:
        text = f"branch protection of `{facts.base_ref}` on GitHub requires the status check `{name}`"
        sources.append(Source("branch-protection", text))
    key = facts.check_keys.get(name)
    if key is not None:
        sources.extend(_config_sources(facts, key))
    return sources


def _label_source(origin: LabelOrigin) -> Source:
    who = f"@{origin.added_by}" if origin.added_by else "an unknown user"
    return Source("label", f"label `{origin.label}` added by {who} ({origin.how})")


def _blocker_label(facts: ExplainFacts, label: str) -> Requirement:
    name = f"No `{label}` label"
    if label not in facts.snapshot.labels:
        return Requirement(name, RequirementState.MET, "label absent")
    origin = facts.label_origins.get(label, LabelOrigin(label, None, "label event not found"))
    return Requirement(name, RequirementState.NOT_MET, "label present", (_label_source(origin),))


def _owners_source(owners_file: OwnersFile, role: str, login: str) -> Source:
    line = owners_file.line_of(role, login)
    where = f"`{owners_file.path or owners_file.directory}`" + (f" line {line}" if line is not None else "")
    return Source("owners", f"{where}: @{login} is listed in `{role}`")


def _approver_sources(facts: ExplainFacts, login: str) -> list[Source]:
    return [
        _owners_source(owners_file, "approvers", login)
        for owners_file in facts.snapshot.owners.applicable
        if contains_login(owners_file.approvers, login)
    ]


def _changes_requested(facts: ExplainFacts) -> Requirement:
    snapshot = facts.snapshot
    requesters = logins_with_label_prefix(snapshot.labels, CHANGES_REQUESTED_PREFIX)
    blocking = [login for login in requesters if contains_login(snapshot.owners.approvers, login)]
    name = "No changes requested by an approver"
    if not blocking:
        return Requirement(name, RequirementState.MET, "none")
    sources = []
    for login in blocking:
        sources.append(Source("label", f"label `{CHANGES_REQUESTED_PREFIX}{login}` (review by @{login})"))
        sources.extend(_approver_sources(facts, login))
    return Requirement(name, RequirementState.NOT_MET, ", ".join(f"@{login}" for login in blocking), tuple(sources))


def _required_labels(facts: ExplainFacts) -> Requirement:
    required = tuple(dict.fromkeys(facts.snapshot.required_labels))
    sources = _config_sources(facts, REQUIRED_LABELS_KEY)
    if not required:
        return Requirement("Required labels", RequirementState.NOT_REQUIRED, "none configured", sources)
    missing = [label for label in required if label not in facts.snapshot.labels]
    state = RequirementState.NOT_MET if missing else RequirementState.MET
    detail = "missing: " + ", ".join(missing) if missing else "all present"
    return Requirement("Required labels", state, detail, sources)


def _conversations(facts: ExplainFacts) -> Requirement:
    name = "Review conversations resolved"
    sources = list(_config_sources(facts, CONVERSATION_KEY))
    origin = facts.config.get(CONVERSATION_KEY)
    if origin is not None and origin.value is False:
        return Requirement(name, RequirementState.NOT_REQUIRED, "not required", tuple(sources))
    if facts.protection_conversation_resolution is not None:
        flag = _value_text(facts.protection_conversation_resolution)
        text = f"branch protection of `{facts.base_ref}` on GitHub: required_conversation_resolution = {flag}"
        sources.append(Source("branch-protection", text))
    threads = facts.snapshot.unresolved_threads
    for thread in threads:
        location = thread.path if thread.line is None else f"{thread.path}:{thread.line}"
        sources.append(Source("review-thread", f"unresolved conversation at {location}", thread.url))
    state = RequirementState.NOT_MET if threads else RequirementState.MET
    return Requirement(name, state, f"{len(threads)} unresolved" if threads else "all resolved", tuple(sources))


def _approvals(facts: ExplainFacts) -> list[Requirement]:
    owners = facts.snapshot.owners
    approved_by = logins_with_label_prefix(facts.snapshot.labels, APPROVED_PREFIX)
    root_approval = [login for login in approved_by if contains_login(owners.root_approvers, login)]
    requirements = []
    for owners_file in owners.applicable:
        name = f"Approval from `{owners_file.path or owners_file.directory}`"
        sources = tuple(_owners_source(owners_file, "approvers", login) for login in owners_file.approvers)
        if not owners_file.approvers:
            requirements.append(Requirement(name, RequirementState.NOT_REQUIRED, "no approvers listed", sources))
            continue
        given = [login for login in approved_by if contains_login(owners_file.approvers, login)] or root_approval
        state = RequirementState.MET if given else RequirementState.NOT_MET
        detail = "approved by " + ", ".join(f"@{login}" for login in given) if given else "no approval yet"
        requirements.append(Requirement(name, state, detail, sources))
    if not requirements:
        requirements.append(Requirement("Approval", RequirementState.NOT_REQUIRED, "no OWNERS file applies"))
    return requirements


def _lgtm(facts: ExplainFacts) -> Requirement:
    snapshot = facts.snapshot
    name = "Minimum lgtm"
    sources = list(_config_sources(facts, MINIMUM_LGTM_KEY))
    if snapshot.minimum_lgtm <= 0:
        return Requirement(name, RequirementState.NOT_REQUIRED, "minimum-lgtm is 0", tuple(sources))
    eligible = lgtm_eligible(snapshot.owners, snapshot.pr_author)
    lgtm_logins = logins_with_label_prefix(snapshot.labels, LGTM_PREFIX)
    given = len({login_key(login) for login in lgtm_logins if contains_login(eligible, login)})
    met = given >= snapshot.minimum_lgtm or given == len(eligible)
    for login in eligible:
        sources.extend(_reviewer_sources(facts, login))
    detail = f"{given} of {snapshot.minimum_lgtm} given"
    return Requirement(name, RequirementState.MET if met else RequirementState.NOT_MET, detail, tuple(sources))


def _reviewer_sources(facts: ExplainFacts, login: str) -> list[Source]:
    """The OWNERS line that makes `login` eligible to lgtm: a reviewers entry first, else an approvers one."""
    applicable = facts.snapshot.owners.applicable
    for role in ("reviewers", "approvers"):
        for owners_file in applicable:
            if contains_login(getattr(owners_file, role), login):
                return [_owners_source(owners_file, role, login)]
    return [Source("owners", f"@{login} is a root approver or reviewer")]


_MARKS = {RequirementState.MET: "✅", RequirementState.NOT_MET: "❌", RequirementState.NOT_REQUIRED: "➖"}


def render_explanation(explanation: Explanation) -> str:
    """The `/explain` reply: a deterministic Markdown list (same PR state, same text)."""
    verdict = "can be merged" if explanation.can_merge else "cannot be merged yet"
    lines = [
        EXPLAIN_HEADER,
        "",
        f"PR #{explanation.pr_number} at `{explanation.head_sha[:7]}` {verdict}.",
        "",
    ]
    for item in explanation.requirements:
        lines.append(f"- {_MARKS[item.state]} **{item.name}**: {item.state.value} ({item.detail})")
        for source in item.sources:
            link = f" ([link]({source.url}))" if source.url else ""
            lines.append(f"  - {source.kind}: {source.text}{link}")
    return "\n".join(lines) + "\n"
