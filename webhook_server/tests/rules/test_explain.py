"""The `/explain` rule: each requirement's state agrees with the `can-be-merged` verdict, and names its sources."""

from __future__ import annotations

from dataclasses import replace

import pytest

from webhook_server.libs.rules.can_be_merged import (
    CheckRunState,
    CommitStatus,
    MergeSnapshot,
    ReviewThread,
    evaluate_merge,
)
from webhook_server.libs.rules.explain import (
    CONVERSATION_KEY,
    MINIMUM_LGTM_KEY,
    REQUIRED_LABELS_KEY,
    ConfigLayer,
    ConfigOrigin,
    ExplainFacts,
    LabelOrigin,
    Requirement,
    RequirementState,
    explain,
    render_explanation,
)
from webhook_server.libs.rules.owners import OwnersFile, owners_lines, parse_owners, resolve_pr_owners

ROOT_OWNERS = "approvers:\n  - alice\nreviewers:\n  - bob\n  - carol\n"
DOCS_OWNERS = "# docs\napprovers: [sam]\nreviewers:\n  - '@Rita'\n"
MET, NOT_MET, NOT_REQUIRED = RequirementState.MET, RequirementState.NOT_MET, RequirementState.NOT_REQUIRED
HEAD = "0123456789abcdef0123"


def owners_file(path: str, text: str) -> OwnersFile:
    parsed = parse_owners(path, text)
    assert isinstance(parsed, OwnersFile)
    return parsed


FILES = {".": owners_file("OWNERS", ROOT_OWNERS), "docs": owners_file("docs/OWNERS", DOCS_OWNERS)}


def facts(
    *,
    labels: tuple[str, ...] = (),
    changed: tuple[str, ...] = ("docs/a.md",),
    mergeable: bool | None = True,
    **snapshot_fields: object,
) -> ExplainFacts:
    snapshot = MergeSnapshot(
        mergeable=mergeable, labels=labels, owners=resolve_pr_owners(FILES, changed), pr_author="dave"
    )
    snapshot = replace(snapshot, **snapshot_fields)  # type: ignore[arg-type]
    config = {
        MINIMUM_LGTM_KEY: ConfigOrigin(MINIMUM_LGTM_KEY, snapshot.minimum_lgtm, ConfigLayer.DEFAULT, "default lgtm"),
        REQUIRED_LABELS_KEY: ConfigOrigin(REQUIRED_LABELS_KEY, [], ConfigLayer.SERVER, "`config.yaml` labels"),
        CONVERSATION_KEY: ConfigOrigin(CONVERSATION_KEY, True, ConfigLayer.DEFAULT, "conversations"),
        "verified-job": ConfigOrigin("verified-job", True, ConfigLayer.REPOSITORY, "`repositories.r.verified-job`"),
    }
    return ExplainFacts(
        snapshot=snapshot,
        pr_number=5,
        head_sha=HEAD,
        base_ref="main",
        config=config,
        protection_contexts=("ci",),
        check_keys={"verified": "verified-job"},
        label_origins={"hold": LabelOrigin("hold", "alice", "`/hold` comment https://c/1")},
    )


def requirement(explained_facts: ExplainFacts, name: str) -> Requirement:
    return next(item for item in explain(explained_facts).requirements if item.name == name)


def texts(item: Requirement) -> list[str]:
    return [source.text for source in item.sources]


@pytest.mark.parametrize(
    ("case", "name", "state", "source"),
    [
        pytest.param(facts(), "PR is mergeable", MET, "GitHub `mergeable` of PR #5: true", id="mergeable"),
        pytest.param(
            facts(mergeable=None),
            "PR is mergeable",
            NOT_MET,
            "GitHub `mergeable` of PR #5: None",
            id="mergeability-unknown",
        ),
        pytest.param(
            facts(required_checks=("ci",), check_runs=(CheckRunState("ci", "completed", "failure", 1, "https://r/1"),)),
            "Check `ci`",
            NOT_MET,
            "branch protection of `main` on GitHub requires the status check `ci`",
            id="failed-check-from-branch-protection",
        ),
        pytest.param(
            facts(required_checks=("verified",), statuses=(CommitStatus("verified", "success", 1),)),
            "Check `verified`",
            MET,
            "`repositories.r.verified-job` = true (repository entry)",
            id="passed-status-from-config",
        ),
        pytest.param(
            facts(required_checks=("verified",)),
            "Check `verified`",
            NOT_MET,
            "no check run or status `verified` on 0123456",
            id="check-not-started",
        ),
        pytest.param(
            facts(labels=("hold",)),
            "No `hold` label",
            NOT_MET,
            "label `hold` added by @alice (`/hold` comment https://c/1)",
            id="hold-with-its-author",
        ),
        pytest.param(
            facts(labels=("wip",)),
            "No `wip` label",
            NOT_MET,
            "label `wip` added by an unknown user (label event not found)",
            id="wip-author-unknown",
        ),
        pytest.param(
            facts(labels=("changes-requested-sam",)),
            "No changes requested by an approver",
            NOT_MET,
            "`docs/OWNERS` line 2: @sam is listed in `approvers`",
            id="changes-requested-by-sub-approver",
        ),
        pytest.param(
            facts(required_labels=("qe",)),
            "Required labels",
            NOT_MET,
            "`config.yaml` labels = [] (server config)",
            id="required-label-missing",
        ),
        pytest.param(
            facts(unresolved_threads=(ReviewThread("a.py", 3, "https://t/1"),)),
            "Review conversations resolved",
            NOT_MET,
            "unresolved conversation at a.py:3",
            id="unresolved-thread",
        ),
        pytest.param(
            facts(),
            "Approval from `docs/OWNERS`",
            NOT_MET,
            "`docs/OWNERS` line 2: @sam is listed in `approvers`",
            id="sub-approver-missing",
        ),
        pytest.param(
            facts(labels=("approved-alice",)),
            "Approval from `docs/OWNERS`",
            MET,
            "`docs/OWNERS` line 2: @sam is listed in `approvers`",
            id="root-approval-covers-subdirectory",
        ),
        pytest.param(
            facts(minimum_lgtm=2, labels=("lgtm-bob",)),
            "Minimum lgtm",
            NOT_MET,
            "`docs/OWNERS` line 4: @Rita is listed in `reviewers`",
            id="lgtm-short-names-reviewer-lines",
        ),
        pytest.param(facts(), "Minimum lgtm", NOT_REQUIRED, "default lgtm = 0", id="lgtm-not-required"),
    ],
)
def test_requirement_state_and_source(case: ExplainFacts, name: str, state: RequirementState, source: str) -> None:
    item = requirement(case, name)

    assert item.state is state
    assert source in texts(item)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(facts(), id="blocked"),
        pytest.param(facts(labels=("approved-alice",)), id="mergeable"),
        pytest.param(facts(labels=("approved-alice", "hold")), id="held"),
        pytest.param(facts(labels=("approved-sam",), changed=("docs/a.md", "src/b.py")), id="root-still-missing"),
    ],
)
def test_verdict_agrees_with_can_be_merged(case: ExplainFacts) -> None:
    explanation = explain(case)
    verdict = evaluate_merge(case.snapshot)

    assert explanation.can_merge is verdict.can_merge
    assert any(item.state is NOT_MET for item in explanation.requirements) is not verdict.can_merge


def test_render_is_deterministic_and_lists_every_requirement_with_links() -> None:
    case = facts(required_checks=("ci",), check_runs=(CheckRunState("ci", "completed", "failure", 1, "https://r/1"),))

    first, second = render_explanation(explain(case)), render_explanation(explain(case))

    assert first == second
    assert "PR #5 at `0123456` cannot be merged yet." in first
    assert "check-run: check run `ci` on 0123456: failure ([link](https://r/1))" in first
    assert first.count("\n- ") == len(explain(case).requirements)


def test_as_dict_carries_states_and_sources() -> None:
    data = explain(facts(labels=("hold",))).as_dict()

    hold = next(item for item in data["requirements"] if item["name"] == "No `hold` label")
    assert hold["state"] == "not met"
    assert hold["sources"][0]["kind"] == "label"
    assert (data["pr_number"], data["head_sha"], data["can_merge"]) == (5, HEAD, False)


def test_branch_protection_of_conversations_is_a_source_when_known() -> None:
    case = replace(facts(), protection_conversation_resolution=True)

    item = requirement(case, "Review conversations resolved")

    assert "branch protection of `main` on GitHub: required_conversation_resolution = true" in texts(item)
    assert not any(source.kind == "branch-protection" for source in requirement(facts(), item.name).sources)


def test_no_owners_file_means_no_approval_required() -> None:
    empty = replace(facts().snapshot, owners=resolve_pr_owners({}, ("a.py",)))
    item = requirement(replace(facts(), snapshot=empty), "Approval")

    assert item.state is NOT_REQUIRED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "approvers:\n  - alice\n  - '@Bob'\n", [("approvers", "alice", 2), ("approvers", "Bob", 3)], id="block-list"
        ),
        pytest.param("reviewers: [a, b]\n", [("reviewers", "a", 1), ("reviewers", "b", 1)], id="flow-list"),
        pytest.param(
            "# c\n\nallowed-users:\n- z\nother: [q]\n", [("allowed-users", "z", 4)], id="comments-and-unknown-keys"
        ),
        pytest.param("[a]\n", [], id="not-a-mapping"),
    ],
)
def test_owners_lines(text: str, expected: list[tuple[str, str, int]]) -> None:
    assert [(item.role, item.login, item.line) for item in owners_lines(text)] == expected
