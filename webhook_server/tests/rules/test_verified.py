"""`verified` rules (§11.1), clean-rebase mode and the clean-rebase verdict from diff digests."""

import pytest

from webhook_server.libs.rules.verified import (
    VerifiedCheckState,
    VerifiedInputs,
    clean_rebase_verified_check,
    decide_verified,
    diff_digest,
    is_auto_verified_user,
    is_clean_rebase,
)

ON = (True, VerifiedCheckState.SUCCESS)
OFF = (False, VerifiedCheckState.QUEUED)


def _inputs(**kwargs: object) -> VerifiedInputs:
    defaults: dict[str, object] = {
        "labels": (),
        "author": "someone",
        "auto_verified_users": ("trusted",),
        "api_users": ("bot-user",),
    }
    defaults.update(kwargs)
    return VerifiedInputs(**defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (_inputs(), OFF),
        (_inputs(author="Trusted"), ON),
        (_inputs(author="bot-user"), ON),
        (_inputs(author="trusted", labels=("ai-resolved-conflicts",)), OFF),
        (
            _inputs(
                author="app[bot]", labels=("ai-resolved-conflicts",), cherry_pick_record=True, author_is_our_bot=True
            ),
            OFF,
        ),
        (_inputs(author="trusted", labels=("CherryPicked-from-main",), auto_verify_cherry_picked=False), OFF),
        (
            _inputs(
                author="app[bot]", cherry_pick_record=True, author_is_our_bot=True, auto_verify_cherry_picked=False
            ),
            OFF,
        ),
        (_inputs(author="app[bot]", cherry_pick_record=True, author_is_our_bot=True), ON),
        (_inputs(author="app[bot]", author_is_our_bot=True, labels=("CherryPicked",)), OFF),
        (_inputs(author="someone", labels=("CherryPicked-from-main",)), OFF),
        (_inputs(author="trusted", labels=("CherryPicked-from-main",)), ON),
        (_inputs(author="someone", cherry_pick_record=True, author_is_our_bot=False), OFF),
    ],
    ids=[
        "1-plain-author",
        "4-auto-verified-case-insensitive",
        "4-api-user",
        "1-ai-resolved-beats-auto-verified",
        "1-ai-resolved-beats-bot",
        "2-cherry-pick-label-flag-false",
        "2-cherry-pick-record-flag-false",
        "3-our-bot-with-record",
        "3-bot-label-only-no-record",
        "5-cherry-pick-label-untrusted",
        "4-cherry-pick-label-trusted-author",
        "5-record-but-not-our-bot",
    ],
)
def test_decide_verified(inputs: VerifiedInputs, expected: tuple[bool, VerifiedCheckState]) -> None:
    decision = decide_verified(inputs)
    assert (decision.label_present, decision.check) == expected
    assert decision.reason


@pytest.mark.parametrize(
    ("labels", "expected"),
    [(("verified", "lgtm-a"), VerifiedCheckState.SUCCESS), (("lgtm-a",), VerifiedCheckState.QUEUED)],
    ids=["label-present", "label-absent"],
)
def test_clean_rebase_mode_mirrors_label(labels: tuple[str, ...], expected: VerifiedCheckState) -> None:
    assert clean_rebase_verified_check(labels) is expected


def test_diff_digest_is_sha256() -> None:
    assert diff_digest(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert diff_digest(b"diff --git a/x b/x\n") != diff_digest(b"diff --git a/y b/y\n")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [("aa", "aa", True), ("aa", "bb", False), (None, "aa", False), ("aa", None, False), (None, None, False)],
    ids=["equal", "different", "before-error", "after-error", "both-error"],
)
def test_is_clean_rebase(before: str | None, after: str | None, expected: bool) -> None:
    assert is_clean_rebase(before, after) is expected


def test_is_auto_verified_user_strips_at() -> None:
    assert is_auto_verified_user("@Trusted", ("trusted",))
    assert not is_auto_verified_user("other", ("trusted",), ("bot",))
