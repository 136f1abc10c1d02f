"""The test-oracle HTTP contract (`oracle-and-ai.md` §1.3) against a real local oracle that records requests."""

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from webhook_server.libs.config import TestOracleConfig
from webhook_server.libs.pipeline.ledger import JobState, Ledger
from webhook_server.libs.pr import test_oracle
from webhook_server.libs.pr.test_oracle import (
    INTERRUPTED_ERROR,
    ORACLE_JOB_KIND,
    OracleCall,
    abandon_interrupted_oracle_job,
    analyze_body,
    call_oracle,
    health_failure_comment,
    insecure_oracle_urls,
    warn_insecure_oracle_urls,
)
from webhook_server.tests.commands.oracle_server import OracleServer
from webhook_server.tests.config.support import minimal_config, snapshot

CONFIG = TestOracleConfig(server_url="unused", ai_provider="gemini", ai_model="pro", test_patterns=("tests/*.py",))
PR_URL = "https://github.example/org/repo/pull/7"


@pytest.fixture(scope="module")
def oracle() -> Iterator[OracleServer]:
    server = OracleServer()
    server.start()
    yield server
    server.stop()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_analyze_body_has_the_contract_fields() -> None:
    assert analyze_body(CONFIG, PR_URL, "ghp_token") == {
        "pr_url": PR_URL,
        "ai_provider": "gemini",
        "ai_model": "pro",
        "github_token": "ghp_token",
        "test_patterns": ["tests/*.py"],
    }
    without_patterns = TestOracleConfig(server_url="unused", ai_provider="claude", ai_model="opus")
    assert "test_patterns" not in analyze_body(without_patterns, PR_URL, "ghp_token")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (503, "Test Oracle server is not responding (status 503), skipping test analysis"),
        (None, "Test Oracle server is not responding, skipping test analysis"),
    ],
    ids=["with-status", "transport-error"],
)
def test_health_failure_comment(status: int | None, expected: str) -> None:
    assert health_failure_comment(status) == expected


async def test_healthy_oracle_gets_the_analysis(oracle: OracleServer, caplog: pytest.LogCaptureFixture) -> None:
    body = analyze_body(CONFIG, f"{PR_URL}/ok", "ghp_token")
    with caplog.at_level(logging.INFO):
        result = await call_oracle(OracleCall(oracle.url("ok") + "/", body))
    assert (result.outcome, result.summary) == ("analyzed", "2 tests recommended")
    assert oracle.recorder.analyses_for(f"{PR_URL}/ok") == [body]
    assert "2 tests recommended" in caplog.text


async def test_unhealthy_oracle_is_not_asked_to_analyze(oracle: OracleServer) -> None:
    before = oracle.recorder.count("down", "analyze")
    result = await call_oracle(OracleCall(oracle.url("down"), analyze_body(CONFIG, PR_URL, "ghp_token")))
    assert (result.outcome, result.health_status) == ("health_failed", 503)
    assert oracle.recorder.count("down", "analyze") == before


async def test_unreachable_oracle_fails_the_health_check_without_status() -> None:
    result = await call_oracle(OracleCall(closed_port_url(), analyze_body(CONFIG, PR_URL, "ghp_token")))
    assert result.health_failed
    assert result.health_status is None


@pytest.mark.parametrize(
    ("mode", "error", "logged"),
    [("broken", "HTTP 500", "analysis exploded"), ("badjson", "invalid JSON", "invalid JSON")],
    ids=["http-error", "invalid-json"],
)
async def test_analysis_errors_are_logged_only(
    oracle: OracleServer, caplog: pytest.LogCaptureFixture, mode: str, error: str, logged: str
) -> None:
    with caplog.at_level(logging.ERROR):
        result = await call_oracle(OracleCall(oracle.url(mode), analyze_body(CONFIG, PR_URL, "ghp_token")))
    assert (result.outcome, result.error) == ("failed", error)
    assert any(record.levelno == logging.ERROR and logged in record.getMessage() for record in caplog.records)


async def test_analysis_timeout_is_logged_only(
    oracle: OracleServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(test_oracle, "ANALYZE_TIMEOUT_SECONDS", 0.2)  # the contract's 300 s, shrunk
    with caplog.at_level(logging.ERROR):
        result = await call_oracle(OracleCall(oracle.url("slow"), analyze_body(CONFIG, PR_URL, "ghp_token")))
    assert (result.outcome, result.error) == ("failed", "ReadTimeout")
    assert "Test oracle analyze request failed: ReadTimeout" in caplog.text


async def test_interrupted_oracle_job_is_failed_not_resumed(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "ledger.sqlite3")
    try:
        job_id = await ledger.add_job(
            kind=ORACLE_JOB_KIND,
            repository="org/repo",
            pr_number=1,
            head_sha="a" * 40,
            name=ORACLE_JOB_KIND,
            spec={"trigger": "approved"},
            delivery_id="d-1",
        )
        await ledger.mark_job_running(job_id)
        job = await ledger.job(job_id)
        assert job is not None
        await abandon_interrupted_oracle_job(ledger, job)
        finished = await ledger.job(job_id)
        assert finished is not None
        assert (finished.status, finished.error) == (JobState.FAILED, INTERRUPTED_ERROR)
        assert await ledger.resumable_jobs() == []
    finally:
        await ledger.close()


INSECURE_URLS = [
    ("public-http", "http://oracle.example.com/api", True),
    ("public-ip-http", "http://8.8.8.8:8080", True),
    ("https", "https://oracle.example.com", False),
    ("loopback", "http://127.0.0.1:9000", False),
    ("localhost", "http://localhost:9000", False),
    ("private-network", "http://10.1.2.3", False),
    ("ipv6-loopback", "http://[::1]:9000", False),
]


@pytest.mark.parametrize(
    ("url", "warned"), [case[1:] for case in INSECURE_URLS], ids=[case[0] for case in INSECURE_URLS]
)
def test_plain_http_to_a_non_local_oracle_is_warned(url: str, warned: bool, caplog: pytest.LogCaptureFixture) -> None:
    document = minimal_config()
    document["repositories"]["my-repo"]["test-oracle"] = {"server-url": url, "ai-provider": "claude", "ai-model": "x"}
    config = snapshot(document)
    assert insecure_oracle_urls(config) == ((url,) if warned else ())
    with caplog.at_level(logging.WARNING):
        warn_insecure_oracle_urls(config)
    assert (url in caplog.text) is warned
