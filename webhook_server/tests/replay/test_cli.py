"""`entrypoint.py replay` input handling in-process: unknown ids and unusable payload files end with exit 2 and
a clear message before anything is processed (the end-to-end runs are in `pr_workflow/test_replay.py`)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from webhook_server.cli import replay
from webhook_server.libs.config import ServerConfig, config_from_document
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.runtime.server import LEDGER_FILE
from webhook_server.tests.config.support import minimal_config


def config_in(data_dir: Path) -> ServerConfig:
    return config_from_document(data_dir, minimal_config(), require_private_key=False)


def run(config: ServerConfig, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = replay.main(config, list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_unknown_id_without_a_ledger(tmp_path: Path) -> None:
    code, out, err = run(config_in(tmp_path), "abc")

    assert (code, out) == (2, "")
    assert err == f"replay: Unknown delivery id 'abc': there is no ledger at {tmp_path / LEDGER_FILE}\n"


def test_unknown_id_in_an_existing_ledger(tmp_path: Path) -> None:
    async def create() -> None:
        await (await Ledger.open(tmp_path / LEDGER_FILE)).close()

    asyncio.run(create())

    code, _, err = run(config_in(tmp_path), "abc")

    assert code == 2
    assert "Unknown delivery id 'abc': it is not in the ledger" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "Cannot read payload", id="missing-file"),
        pytest.param("{not json", "Cannot read payload", id="not-json"),
        pytest.param("[1]", "is not a JSON object with a `repository`", id="not-an-object"),
        pytest.param('{"action": "opened"}', "is not a JSON object with a `repository`", id="no-repository"),
    ],
)
def test_unusable_payload_files(tmp_path: Path, content: str | None, message: str) -> None:
    payload = tmp_path / "payload.json"
    if content is not None:
        payload.write_text(content)

    code, _, err = run(config_in(tmp_path), "--payload", str(payload), "--event", "pull_request")

    assert code == 2
    assert message in err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="nothing"),
        pytest.param(["abc", "--payload", "p.json", "--event", "x"], id="both-sources"),
        pytest.param(["--payload", "p.json"], id="payload-without-event"),
        pytest.param(["abc", "--apply", "--dry-run"], id="both-modes"),
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        replay.parse_arguments(argv)

    assert exited.value.code == 2


def test_dry_run_is_the_default() -> None:
    assert replay.parse_arguments(["abc"]).apply is False
    assert replay.parse_arguments(["abc", "--apply"]).apply is True
