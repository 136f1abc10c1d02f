"""Pull-request code runs in the bubblewrap sandbox: the real server against the fake GitHub.

A hostile PR whose custom check and whose tox.ini try to read the server's config, App key, ledger and
environment, other repositories' mirrors, and to connect to the server's port: every attempt fails and the
check output holds none of the secrets (raw, base64 or hex). When bwrap cannot start, PR-code checks are
refused with a clear check run and log line, unless the operator allowed running without the sandbox.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from webhook_server.libs.checks.outcome import SANDBOX_REFUSED_SUMMARY
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET
from webhook_server.tests.pr_workflow.conftest import EnvFactory, PrEnv
from webhook_server.utils.private_files import write_private_text

SERVER_ENV_SECRET = "server-env-secret-7f3a9c21d4"  # in the server's own environment
OTHER_MIRROR_SECRET = "other-repository-content-5b8e0d"  # in another repository's mirror
TOOL_PATHS = list(dict.fromkeys((sys.prefix, sys.base_prefix)))
VENV_BIN = Path(sys.executable).parent

# Each attempt prints `LEAK <name>` when it got anything, and every attempt announces itself.
ATTACK = r"""#!/bin/sh
read -r data port < target.txt
try() { name="$1"; shift; echo "attempt $name"; out=$("$@" 2>/dev/null) && [ -n "$out" ] && {
  echo "LEAK $name"; printf '%s' "$out" | base64; printf '%s' "$out" | od -An -tx1; printf '%s\n' "$out"; }; }
try config-absolute cat "$data/config.yaml"
try config-relative cat ../../config.yaml
try key-absolute cat "$data/webhook-server.private-key.pem"
try key-relative cat ../../webhook-server.private-key.pem
try ledger cat "$data/webhook-ledger.sqlite3"
try logs ls "$data/logs"
try other-mirror cat "$data/git-mirrors/acme/other.git/SECRET"
try mirrors-listing ls "$data/git-mirrors/acme"
try other-worktrees sh -c 'ls .. | grep -v -x "$(basename "$PWD")"'
try other-worktree cat ../other-wt/SECRET
try proc-1-environ cat /proc/1/environ
try proc-all-environ sh -c 'cat /proc/[0-9]*/environ | tr "\0" "\n" | grep -e SERVER_ENV -e TOKEN -e ^HOME= |
  grep -v -x HOME=/home/sandbox'
try parent-environ sh -c 'cat /proc/$PPID/environ | tr "\0" "\n" | grep SERVER_ENV'
try own-environ sh -c 'env | grep -e SERVER_ENV -e ghp_ -e WEBHOOK'
try find-pem sh -c 'find / -name "*.pem" -path "*webhook*" 2>/dev/null | xargs -r cat'
try find-config sh -c 'find / -name config.yaml 2>/dev/null | xargs -r grep -h github-tokens'
try root-home ls /root
try server-port python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 2); print('connected')"
try server-port-ipv6 python3 -c "import socket; socket.create_connection(('::1', $port), 2); print('connected')"
echo "attempts done"
"""

TOX_INI = """\
[tox]
skipsdist = true

[testenv:attack]
skip_install = true
allowlist_externals = sh
commands = sh attack.sh
"""


def secret_forms(secret: str) -> list[str]:
    """The secret as it could appear: raw, hex (od and plain), and base64 at each of the three alignments."""
    raw = secret.encode()
    forms = [secret, raw.hex(), " ".join(f"{byte:02x}" for byte in raw)]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        forms.append(encoded[4 if offset else 0 : -4])  # drop the characters mixed with neighbouring bytes
    return forms


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets for form in secret_forms(secret) if form and form in text]


@pytest.fixture
def uvx_shim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`uvx tox ...` runs the tox of this virtualenv (nothing is downloaded); a stub at the process boundary."""
    bin_dir = tmp_path / "tools"
    bin_dir.mkdir()
    shim = bin_dir / "uvx"
    shim.write_text(f'#!/bin/sh\n[ "$1" = tox ] && shift && exec {VENV_BIN / "tox"} "$@"\nexit 99\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("SERVER_ENV_SECRET", SERVER_ENV_SECRET)
    return bin_dir


def plant_other_repositories(data_dir: Path) -> None:
    other = data_dir / "git-mirrors" / "acme" / "other.git"
    other.mkdir(parents=True)
    (other / "SECRET").write_text(OTHER_MIRROR_SECRET)
    other_worktree = data_dir / "worktrees" / "other-wt"
    other_worktree.mkdir(parents=True)
    (other_worktree / "SECRET").write_text(OTHER_MIRROR_SECRET)


def server_secrets(env: PrEnv) -> list[str]:
    data_dir = env.server.data_dir
    key_lines = (data_dir / "webhook-server.private-key.pem").read_text().splitlines()[1:-1]
    config = yaml.safe_load((data_dir / "config.yaml").read_text())
    return [*config["github-tokens"], WEBHOOK_SECRET, SERVER_ENV_SECRET, OTHER_MIRROR_SECRET, *key_lines[:3]]


async def test_hostile_pr_reads_no_secret_and_reaches_no_server_port(make_env: EnvFactory, uvx_shim: Path) -> None:
    env = await make_env(
        {
            "custom-check-runs": [
                {"name": "hostile", "command": "sh attack.sh", "network": False},
                {"name": "hostile-with-network", "command": "sh attack.sh"},  # slirp4netns: no host loopback
            ],
            "tox": {"main": "attack"},
            "check-network": {"tox": False},
        },
        sandbox={"read-only-paths": [*TOOL_PATHS, str(uvx_shim)]},
    )
    data_dir = env.server.data_dir
    plant_other_repositories(data_dir)
    port = urlsplit(env.server.base_url).port
    files = {"attack.sh": ATTACK, "tox.ini": TOX_INI, "target.txt": f"{data_dir} {port}\n"}
    number = await env.open_pr(files=files)

    secrets = server_secrets(env)
    for name in ("hostile", "hostile-with-network", "tox"):
        run = env.check(number, name)
        text = run["output"]["text"]
        assert run["status"] == "completed", name
        assert text.count("attempt ") == 19, (name, text[-2000:])
        assert "attempts done" in text, name
        assert "LEAK" not in text, (name, text[-3000:])
        assert leaked(text, secrets) == [], name


async def test_without_the_sandbox_the_same_attacks_leak_when_the_operator_allows_it(
    make_env: EnvFactory, uvx_shim: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The control case: the attacks above are real (unsandboxed, they read the config and the key)."""
    caplog.set_level(logging.INFO)
    env = await make_env(
        {"custom-check-runs": [{"name": "hostile", "command": "sh attack.sh"}]},
        sandbox={"bwrap-path": "/nonexistent/bwrap"},
        unsafe_run_checks_without_sandbox=True,
    )
    assert "PR-code checks run WITHOUT a sandbox" in caplog.text
    data_dir = env.server.data_dir
    plant_other_repositories(data_dir)
    port = urlsplit(env.server.base_url).port
    number = await env.open_pr(files={"attack.sh": ATTACK, "target.txt": f"{data_dir} {port}\n"})

    run = env.check(number, "hostile")
    text = run["output"]["text"]
    for attempt in (
        "config-absolute",
        "key-relative",
        "other-mirror",
        "other-worktree",
        "server-port",
        "proc-all-environ",
    ):
        assert f"LEAK {attempt}" in text, attempt
    assert leaked(text, server_secrets(env)) != []  # base64/hex forms get past exact-value masking


async def test_pr_code_checks_are_refused_when_bwrap_cannot_start(
    make_env: EnvFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    env = await make_env(
        {"custom-check-runs": [{"name": "hostile", "command": "sh attack.sh"}]},
        sandbox={"bwrap-path": "/nonexistent/bwrap"},
    )
    assert "PR-code checks are refused: the sandbox is unavailable (cannot start /nonexistent/bwrap" in caplog.text
    number = await env.open_pr(files={"attack.sh": "touch /tmp/ran-unsandboxed\n"})

    run = env.check(number, "hostile")
    assert (run["conclusion"], run["output"]["summary"]) == ("failure", SANDBOX_REFUSED_SUMMARY)
    assert "cannot start /nonexistent/bwrap" in run["output"]["text"]
    assert "unsafe-run-checks-without-sandbox" in run["output"]["text"]
    assert "Refusing to run check hostile" in caplog.text


async def test_the_server_keeps_its_files_owner_only(make_env: EnvFactory) -> None:
    env = await make_env({"custom-check-runs": [{"name": "lint", "command": "true"}]})
    await env.open_pr()
    data_dir = env.server.data_dir
    files = [
        data_dir / "config.yaml",  # written 0644 by the test, tightened at startup
        data_dir / "webhook-server.private-key.pem",
        data_dir / "webhook-ledger.sqlite3",
        data_dir / "webhook-ledger.sqlite3-wal",
        *(data_dir / "logs").glob("webhooks_*.json"),
    ]
    assert len(files) >= 5
    modes = {path.name: oct(path.stat().st_mode & 0o777) for path in files}
    assert set(modes.values()) == {"0o600"}, modes


def test_hook_records_and_colour_files_are_written_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        target = tmp_path / "records.json"
        write_private_text(target, "{}")
        write_private_text(target, '{"a": 1}')
    finally:
        os.umask(previous)
    assert (target.read_text(), oct(target.stat().st_mode & 0o777)) == ('{"a": 1}', "0o600")
