"""`labeled`/`unlabeled` handling (§6) and forged review labels (§6.1)."""

import pytest

from webhook_server.libs.rules.label_events import (
    LabelAction,
    LabelEvent,
    LabelEventDecision,
    decide_label_event,
    forged_label_comment,
    is_forged_review_label,
    review_label_owner,
)
from webhook_server.libs.rules.verified import VerifiedCheckState

LABELED = LabelAction.LABELED
UNLABELED = LabelAction.UNLABELED
EVALUATE = LabelEventDecision(request_evaluation=True)
SKIP = LabelEventDecision(skip_reason="label")
FORGED = LabelEventDecision(remove_forged_label=True)


def _event(label: str, action: LabelAction = LABELED, sender: str = "bot-user", **kwargs: object) -> LabelEvent:
    defaults: dict[str, object] = {"api_users": ("bot-user",), "approvers": ("alice",)}
    defaults.update(kwargs)
    return LabelEvent(label=label, action=action, sender=sender, **defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (_event("can-be-merged"), SKIP),
        (_event("Can-Be-Merged", UNLABELED), SKIP),
        (_event("approved-alice"), EVALUATE),
        (_event("lgtm-bob", UNLABELED, sender="mallory"), EVALUATE),
        (_event("changes-requested-bob", sender="mallory"), EVALUATE),
        (_event("verified"), LabelEventDecision(request_evaluation=True, verified_check=VerifiedCheckState.SUCCESS)),
        (
            _event("verified", UNLABELED),
            LabelEventDecision(request_evaluation=True, verified_check=VerifiedCheckState.QUEUED),
        ),
        (_event("verified", verified_job=False), SKIP),
        (_event("wip"), EVALUATE),
        (_event("hold", UNLABELED), EVALUATE),
        (_event("automerge"), EVALUATE),
        (_event("signed-off", required_labels=("signed-off",)), EVALUATE),
        (_event("verified", verified_job=False, required_labels=("verified",)), EVALUATE),
        (_event("signed-off"), SKIP),
        (_event("size/XL"), SKIP),
        (_event("commented-bob"), SKIP),
        (_event("approved-alice", sender="mallory"), FORGED),
        (_event("lgtm-bob", sender="mallory"), FORGED),
    ],
    ids=[
        "can-be-merged-skipped",
        "can-be-merged-case-insensitive",
        "approved-by-api-user",
        "lgtm-removed-by-anyone",
        "changes-requested",
        "verified-labeled",
        "verified-unlabeled",
        "verified-without-job",
        "wip",
        "hold",
        "automerge",
        "required-label",
        "verified-as-required-label",
        "other-label",
        "size-label",
        "commented-label",
        "forged-approved",
        "forged-lgtm",
    ],
)
def test_decide_label_event(event: LabelEvent, expected: LabelEventDecision) -> None:
    assert decide_label_event(event) == expected


@pytest.mark.parametrize(
    ("event", "forged"),
    [
        (_event("approved-alice", sender="bot-user"), False),
        (_event("approved-alice", sender="BOT-USER"), False),
        (_event("approved-alice", sender="admin", sender_is_maintainer=True), False),
        (_event("approved-alice", sender="Alice"), False),
        (_event("approved-carol", sender="carol"), True),
        (_event("approved-carol", sender="dave"), True),
        (_event("lgtm-carol", sender="carol"), False),
        (_event("lgtm-carol", sender="dave"), True),
        (_event("lgtm-carol", UNLABELED, sender="dave"), False),
        (_event("hold", sender="dave"), False),
    ],
    ids=[
        "api-user",
        "api-user-case",
        "maintainer",
        "self-approver",
        "self-non-approver",
        "someone-else-approved",
        "self-lgtm",
        "someone-else-lgtm",
        "removal-never-forged",
        "not-review-label",
    ],
)
def test_forged_review_label(event: LabelEvent, forged: bool) -> None:
    assert is_forged_review_label(event) is forged


def test_review_label_owner_and_comment() -> None:
    assert review_label_owner("approved-alice") == "alice"
    assert review_label_owner("lgtm-bob") == "bob"
    assert review_label_owner("changes-requested-bob") is None
    comment = forged_label_comment("approved-alice", "mallory")
    assert "`/approve`" in comment
    assert not any(line.startswith("/") for line in comment.splitlines())
