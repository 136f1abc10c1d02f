"""The command registry (`commands.md` §3): every command with its permission class and argument rule, and the
help lines each repository config makes visible (§3.1) — the source of `/help` and the welcome section."""

from typing import Any

import pytest

from webhook_server.libs.commands.model import ArgumentRule
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.commands.registry import COMMANDS, COMMANDS_BY_NAME, command_named, visible_command_help
from webhook_server.libs.config import RepositoryConfig, repository_config
from webhook_server.libs.rules.welcome import NO_RETEST_LINE, render_command_section
from webhook_server.tests.config.support import minimal_config, snapshot

P = PermissionClass
A = ArgumentRule

SPEC_TABLE = [
    ("retest", P.VALID_USER, A.REQUIRED),
    ("reprocess", P.VALID_USER, A.NONE),
    ("regenerate-welcome", P.VALID_USER, A.NONE),
    ("assign-reviewers", P.VALID_USER, A.NONE),
    ("assign-reviewer", P.VALID_USER, A.REQUIRED),
    ("check-can-merge", P.VALID_USER, A.NONE),
    ("cherry-pick", P.VALID_USER, A.REQUIRED),
    ("cherry-pick-retry", P.VALID_USER, A.REQUIRED),
    ("rebase", P.REBASER, A.NONE),
    ("build-and-push-container", P.VALID_USER, A.OPTIONAL),
    ("test-oracle", P.VALID_USER, A.NONE),
    ("security-override", P.MAINTAINER, A.OPTIONAL),
    ("wip", P.PR_AUTHOR_OR_VALID_USER, A.OPTIONAL),
    ("hold", P.PR_AUTHOR_OR_PR_APPROVER, A.OPTIONAL),
    ("verified", P.PR_AUTHOR_OR_VALID_USER, A.OPTIONAL),
    ("lgtm", P.NOT_PR_AUTHOR, A.OPTIONAL),
    ("approve", P.PR_APPROVER, A.OPTIONAL),
    ("automerge", P.MAINTAINER_OR_REPOSITORY_APPROVER, A.OPTIONAL),
    ("add-allowed-user", P.MAINTAINER_OR_REPOSITORY_APPROVER, A.REQUIRED),
    ("help", P.ANYONE, A.NONE),
    ("explain", P.ANYONE, A.NONE),
]


@pytest.mark.parametrize(("name", "permission", "argument"), SPEC_TABLE, ids=[row[0] for row in SPEC_TABLE])
def test_registry_entry_matches_the_command_table(
    name: str, permission: PermissionClass, argument: ArgumentRule
) -> None:
    spec = command_named(name)
    assert spec is not None
    assert (spec.permission, spec.argument) == (permission, argument)


def test_registry_has_exactly_the_specified_commands() -> None:
    assert [spec.name for spec in COMMANDS] == list(COMMANDS_BY_NAME)
    assert set(COMMANDS_BY_NAME) == {row[0] for row in SPEC_TABLE}
    assert command_named("LGTM") is None


def test_draft_exemptions_and_label_commands() -> None:
    assert {spec.name for spec in COMMANDS if spec.draft_exempt} == {"test-oracle", "help", "explain"}
    assert {spec.name: spec.label for spec in COMMANDS if spec.label} == {
        "wip": "wip",
        "hold": "hold",
        "verified": "verified",
        "automerge": "automerge",
    }


def test_only_read_only_commands_skip_the_reaction() -> None:
    assert {spec.name for spec in COMMANDS if not spec.acknowledge} == {"explain"}


def test_commands_that_can_be_denied_say_who_may_run_them() -> None:
    answered_elsewhere = {P.ANYONE, P.VALID_USER, P.PR_AUTHOR_OR_VALID_USER}
    can_deny = [spec for spec in COMMANDS if spec.permission not in answered_elsewhere]
    missing = [spec.name for spec in can_deny if spec.denied_reply is None]
    assert missing == []


def config_of(**repository: Any) -> RepositoryConfig:
    document = minimal_config()
    document["repositories"]["my-repo"].update({key.replace("_", "-"): value for key, value in repository.items()})
    server = snapshot(document)
    entry = server.find_repository("my-org/my-repo")
    assert entry is not None
    return repository_config(server, entry)


ALWAYS = (
    "/reprocess",
    "/regenerate-welcome",
    "/lgtm",
    "/approve",
    "/assign-reviewers",
    "/check-can-merge",
    "/rebase",
    "/help",
)
LABEL_LINES = ("/wip", "/wip cancel", "/hold", "/hold cancel", "/verified", "/verified cancel", "/automerge")
ORACLE = {"server-url": "http://127.0.0.1:9/x", "ai-provider": "claude", "ai-model": "sonnet"}
CONTAINER = {"username": "u", "password": "p", "repository": "quay.io/org/app"}
NO_SECURITY = {"suspicious-paths": [], "committer-identity-check": False}
CUSTOM = [{"name": "lint", "command": "true", "mandatory": False}, {"name": "unit", "command": "true"}]

VISIBILITY = [
    (
        "defaults",
        {},
        (
            *ALWAYS,
            *LABEL_LINES,
            "/security-override",
            "/retest security-suspicious-paths",
            "/retest all",
            "/cherry-pick <branch>",
        ),
        ("/test-oracle", "/build-and-push-container"),
    ),
    (
        "no-label-categories",
        {"labels": {"enabled-labels": []}},
        ALWAYS,
        (*LABEL_LINES, "/cherry-pick <branch>", "/cherry-pick-retry <branch>", "/hold [cancel]"),
    ),
    ("only-hold", {"labels": {"enabled-labels": ["hold"]}}, ("/hold", "/hold [cancel]"), ("/wip", "/automerge")),
    ("advisory-security", {"security-checks": {"mandatory": False}}, ("/retest all",), ("/security-override",)),
    ("no-security-no-checks", {"security-checks": NO_SECURITY}, ALWAYS, ("/security-override", "/retest all")),
    ("oracle", {"test-oracle": ORACLE}, ("/test-oracle",), ()),
    ("container", {"container": CONTAINER}, ("/build-and-push-container", "/retest build-container"), ()),
    (
        "tox-and-custom",
        {"tox": {"main": "py311"}, "custom-check-runs": CUSTOM},
        ("/retest tox", "/retest lint", "/retest unit"),
        (),
    ),
]


@pytest.mark.parametrize(
    ("overrides", "shown", "hidden"), [row[1:] for row in VISIBILITY], ids=[row[0] for row in VISIBILITY]
)
def test_visible_help_follows_the_config(
    overrides: dict[str, Any], shown: tuple[str, ...], hidden: tuple[str, ...]
) -> None:
    syntaxes = {line.syntax for line in visible_command_help(config_of(**overrides))}
    assert set(shown) <= syntaxes
    assert not set(hidden) & syntaxes


def test_optional_custom_checks_are_marked() -> None:
    lines = {line.syntax: line.description for line in visible_command_help(config_of(custom_check_runs=CUSTOM))}
    assert lines["/retest lint"].endswith("(optional)")
    assert not lines["/retest unit"].endswith("(optional)")


def test_rendered_section_without_checks_says_none_are_configured() -> None:
    text = render_command_section(visible_command_help(config_of(security_checks=NO_SECURITY)))
    assert NO_RETEST_LINE in text
    assert "#### Label Management" in text
    assert not any(line.startswith("/") for line in text.splitlines())
