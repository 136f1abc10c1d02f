"""A stand-in AI CLI for tests: records each call and answers from a scenario file.

`install_stub(bin_dir, state_dir)` writes `claude`, `gemini` and `agent` executables into `bin_dir`; each
runs this module with the paths baked in (the server gives AI CLIs a scrubbed environment, so nothing can
come through variables). A call appends one JSON line to `calls.jsonl`: program name, arguments, stdin,
environment and working directory. It then acts on `scenario.json`:

| key | effect |
|---|---|
| `files` | `{relative path: text}` written under the workspace (the `--workspace` value, else the cwd) |
| `git` | argument lists run as `git <args>` in the workspace (for example `["rm", "-q", "x.py"]`) |
| `sleep` | seconds to sleep before answering (a timeout) |
| `stdout`, `stderr` | written as given |
| `exit_code` | the exit status (default 0) |
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROGRAMS = ("claude", "gemini", "agent")


@dataclass(frozen=True)
class StubFiles:
    """Where the stub reads its scenario and records its calls."""

    state_dir: Path

    @property
    def scenario(self) -> Path:
        return self.state_dir / "scenario.json"

    @property
    def calls_file(self) -> Path:
        return self.state_dir / "calls.jsonl"

    def answer(self, **scenario: Any) -> None:
        """Set what the next calls do (keys of the module docstring's table)."""
        self.scenario.write_text(json.dumps(scenario))

    def calls(self) -> list[dict[str, Any]]:
        """Every recorded call, oldest first."""
        if not self.calls_file.exists():
            return []
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]


def install_stub(bin_dir: Path, state_dir: Path, programs: tuple[str, ...] = PROGRAMS) -> StubFiles:
    """Write the stub executables into `bin_dir`; returns the handle for its scenario and records."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    for program in programs:
        script = bin_dir / program
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__)}" "{state_dir}" "$0" "$@"\n')
        script.chmod(0o755)
    files = StubFiles(state_dir)
    files.answer(stdout="")
    return files


def _workspace(arguments: list[str]) -> Path:
    if "--workspace" in arguments:
        return Path(arguments[arguments.index("--workspace") + 1])
    return Path.cwd()


def _act(scenario: dict[str, Any], workspace: Path) -> None:
    for relative, text in scenario.get("files", {}).items():
        (workspace / relative).write_text(text)
    for git_arguments in scenario.get("git", []):
        subprocess.run(["git", *git_arguments], cwd=workspace, check=True)
    time.sleep(scenario.get("sleep", 0))


def main(state_dir: Path, program: str, arguments: list[str]) -> int:
    """Record the call, act on the scenario, answer."""
    files = StubFiles(state_dir)
    record = {
        "program": Path(program).name,
        "argv": arguments,
        "stdin": sys.stdin.read(),
        "env": dict(os.environ),
        "cwd": str(Path.cwd()),
    }
    with files.calls_file.open("a") as sink:
        sink.write(json.dumps(record) + "\n")
    scenario = json.loads(files.scenario.read_text())
    _act(scenario, _workspace(arguments))
    sys.stdout.write(scenario.get("stdout", ""))
    sys.stderr.write(scenario.get("stderr", ""))
    exit_code: int = scenario.get("exit_code", 0)
    return exit_code


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:]))
