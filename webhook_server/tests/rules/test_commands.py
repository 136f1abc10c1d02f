"""Command parsing: lines, cancel form, ignored comments, unknown words, draft rule, /retest, build args."""

import pytest

from webhook_server.libs.rules.commands import (
    RETEST_ALL_COMBINED_REPLY,
    BuildArguments,
    DraftVerdict,
    ParsedCommand,
    RetestRequest,
    draft_refusal_reply,
    draft_verdict,
    granted_logins,
    is_ignored_comment,
    login_argument,
    missing_argument_reply,
    parse_build_arguments,
    parse_commands,
    parse_retest,
    rejected_build_arguments_reply,
    retest_unknown_reply,
    suggest_command,
    unknown_command_words,
    unknown_commands_reply,
)
from webhook_server.libs.rules.welcome_markers import REFERENCE_WELCOME_MARKER, WELCOME_MARKER

KNOWN = frozenset({"retest", "reprocess", "approve", "lgtm", "hold", "wip", "help", "cherry-pick", "test-oracle"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/lgtm", (ParsedCommand("lgtm"),)),
        ("   /hold cancel  \r\n", (ParsedCommand("hold", "cancel"),)),
        ("/retest tox pre-commit\n/approve", (ParsedCommand("retest", "tox pre-commit"), ParsedCommand("approve"))),
        ("text first\n /lgtm\n/hold", (ParsedCommand("hold"),)),
        ("//approve//", (ParsedCommand("approve"),)),
        ("/retest tox/", (ParsedCommand("retest", "tox"),)),
        ("/", ()),
        ("/hold  cancel", (ParsedCommand("hold", " cancel"),)),
        ("> /lgtm quoted", ()),
        ("```\n/lgtm\n```", (ParsedCommand("lgtm"),)),
        ("", ()),
        (None, ()),
        ("/LGTM", (ParsedCommand("LGTM"),)),
        ("/cherry-pick release-1 release-2", (ParsedCommand("cherry-pick", "release-1 release-2"),)),
    ],
    ids=[
        "single",
        "trimmed-cancel",
        "several-in-order",
        "only-column-zero-after-first-line",
        "slashes-stripped",
        "trailing-slash-stripped",
        "bare-slash",
        "double-space-not-cancel",
        "quote-is-not-command",
        "fenced-line-is-a-command-line",
        "empty",
        "none",
        "case-kept",
        "multi-args",
    ],
)
def test_parse_commands(body: str | None, expected: tuple[ParsedCommand, ...]) -> None:
    assert parse_commands(body) == expected


def test_cancel_form() -> None:
    assert ParsedCommand("hold", "cancel").is_cancel
    assert not ParsedCommand("hold", "cancel now").is_cancel
    assert not ParsedCommand("hold").is_cancel


@pytest.mark.parametrize(
    ("body", "author", "ignored"),
    [
        (f"{WELCOME_MARKER}\n/lgtm", "someone", True),
        (f"intro\n{REFERENCE_WELCOME_MARKER}\n/lgtm", "someone", True),
        ("/lgtm", "MyApp[bot]", True),
        ("/lgtm", "someone", False),
    ],
    ids=["our-marker", "reference-marker", "bot-author", "normal"],
)
def test_is_ignored_comment(body: str, author: str, ignored: bool) -> None:
    assert is_ignored_comment(body, author, "myapp[bot]") is ignored


def test_no_bot_login_known() -> None:
    assert not is_ignored_comment("/lgtm", "myapp[bot]", None)


def test_unknown_words_and_reply() -> None:
    commands = parse_commands("/lgtm\n/retset tox\n/usr/bin/env\n/frobnicate\n/retset\n/9lives")
    words = unknown_command_words(commands, KNOWN)
    assert words == ("retset", "frobnicate")
    reply = unknown_commands_reply(words, KNOWN)
    assert reply.splitlines()[0] == "Unknown command `/retset`. Did you mean `/retest`?"
    assert reply.splitlines()[1] == "Unknown command `/frobnicate`."
    assert "`/help`" in reply
    assert not any(line.startswith("/") for line in reply.splitlines())


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("aprove", "approve"),
        ("lgmt", "lgtm"),
        ("reprocesss", "reprocess"),
        ("zzzz", None),
        ("cherrypick", "cherry-pick"),
    ],
    ids=["approve", "lgtm", "reprocess", "nothing-close", "cherry-pick"],
)
def test_suggest_command(word: str, expected: str | None) -> None:
    assert suggest_command(word, KNOWN) == expected


@pytest.mark.parametrize(
    ("command", "allow_list", "expected"),
    [
        ("lgtm", None, DraftVerdict.IGNORED),
        ("test-oracle", None, DraftVerdict.ALLOWED),
        ("help", None, DraftVerdict.ALLOWED),
        ("lgtm", [], DraftVerdict.ALLOWED),
        ("lgtm", ["/lgtm", "hold"], DraftVerdict.ALLOWED),
        ("hold", ["/lgtm", "hold"], DraftVerdict.ALLOWED),
        ("approve", ["/lgtm", "hold"], DraftVerdict.REFUSED),
        ("test-oracle", ["lgtm"], DraftVerdict.ALLOWED),
        ("help", ["lgtm"], DraftVerdict.ALLOWED),
    ],
    ids=[
        "unset-ignores",
        "unset-allows-test-oracle",
        "unset-allows-help",
        "empty-allows-all",
        "listed-with-slash",
        "listed-without-slash",
        "not-listed-refused",
        "list-always-allows-test-oracle",
        "list-always-allows-help",
    ],
)
def test_draft_verdict(command: str, allow_list: list[str] | None, expected: DraftVerdict) -> None:
    assert draft_verdict(command, allow_list) is expected


def test_draft_refusal_reply_is_byte_exact() -> None:
    assert draft_refusal_reply("approve", ["/lgtm", "hold", "lgtm"]) == (
        "Command `/approve` is not allowed on draft PRs.\nAllowed commands on draft PRs: lgtm, hold"
    )


ENABLED = ("tox", "pre-commit", "python-module-install", "security-suspicious-paths")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("all", RetestRequest(names=ENABLED)),
        ("tox", RetestRequest(names=("tox",))),
        ("python-module-install", RetestRequest(names=("python-module-install",))),
        ("tox all", RetestRequest(names=(), all_combined=True)),
        ("tox  tox\tpre-commit", RetestRequest(names=("tox", "pre-commit"))),
        ("tox build-container nope", RetestRequest(names=("tox",), unknown=("build-container", "nope"))),
        ("allx", RetestRequest(names=(), unknown=("allx",))),
        ("", RetestRequest(names=())),
    ],
    ids=[
        "all",
        "one",
        "all-substring-not-matched",
        "all-combined",
        "dedup-whitespace",
        "unknown-and-disabled",
        "allx",
        "empty",
    ],
)
def test_parse_retest(args: str, expected: RetestRequest) -> None:
    assert parse_retest(args, ENABLED) == expected


def test_retest_replies() -> None:
    assert "`all`" in RETEST_ALL_COMBINED_REPLY
    assert retest_unknown_reply(["nope", "x"]) == "Not configured for this repository, so not run: `nope`, `x`"
    assert missing_argument_reply("retest") == "retest requires an argument"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", BuildArguments(accepted=())),
        ("--build-arg VERSION=1.2", BuildArguments(accepted=("--build-arg", "VERSION=1.2"))),
        ("--build-arg=_K1='a b'", BuildArguments(accepted=("--build-arg", "_K1=a b"))),
        (
            "--target prod --platform linux/arm64 --no-cache --pull",
            BuildArguments(accepted=("--target", "prod", "--platform", "linux/arm64", "--no-cache", "--pull")),
        ),
        ("--build-arg 1BAD=x", BuildArguments(accepted=(), rejected=("--build-arg", "1BAD=x"))),
        ("--build-arg NOEQUALS", BuildArguments(accepted=(), rejected=("--build-arg", "NOEQUALS"))),
        ("-v /:/host --no-cache", BuildArguments(accepted=("--no-cache",), rejected=("-v", "/:/host"))),
        ("--target --privileged", BuildArguments(accepted=(), rejected=("--target", "--privileged"))),
        ("--target", BuildArguments(accepted=(), rejected=("--target",))),
        ("--target=prod", BuildArguments(accepted=(), rejected=("--target=prod",))),
        ("--build-arg 'A=unterminated", BuildArguments(accepted=(), rejected=("--build-arg 'A=unterminated",))),
    ],
    ids=[
        "empty",
        "build-arg-pair",
        "build-arg-inline-quoted",
        "all-flags",
        "bad-key",
        "no-equals",
        "volume-rejected",
        "flag-as-value",
        "missing-value",
        "target-equals-form-not-listed",
        "unbalanced-quotes",
    ],
)
def test_parse_build_arguments(args: str, expected: BuildArguments) -> None:
    assert parse_build_arguments(args) == expected


def test_rejected_build_arguments_reply() -> None:
    reply = rejected_build_arguments_reply(["-v", "/:/host"])
    assert "`-v`, `/:/host`" in reply
    assert not any(line.startswith("/") for line in reply.splitlines())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/add-allowed-user @Bob", ("Bob",)),
        ("/add-allowed-user carol\n/add-allowed-user @dave\n/add-allowed-user @dave", ("carol", "dave")),
        ("/add-allowed-user @bob please", ()),
        ("/add-allowed-user", ()),
        ("/add-allowed-user @", ()),
        ("please /add-allowed-user @bob", ()),
    ],
    ids=["one", "several", "extra-words", "missing", "bare-at", "not-a-command-line"],
)
def test_granted_logins(body: str, expected: tuple[str, ...]) -> None:
    assert granted_logins(body) == expected


@pytest.mark.parametrize(
    ("args", "expected"), [("@bob", "bob"), ("bob extra", "bob"), ("", "")], ids=["at", "first-word", "empty"]
)
def test_login_argument(args: str, expected: str) -> None:
    assert login_argument(args) == expected
