"""Generate large synthetic JSONL webhook logs fast (memory test and ``benchmarks/logs_query.py``).

Each delivery is 24 ``log_entry`` lines and one ``webhook_summary``, in time order, spread over
several UTC day files. One delivery in ``NEEDLE_EVERY`` carries ``NEEDLE`` in a message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

LINES_PER_DELIVERY = 25
NEEDLE = "rare-needle-7d1f"
NEEDLE_EVERY = 5000
_MESSAGES = (
    "Processing webhook for org/repo-{r}",
    "Signature verification successful",
    "Resolved PR #{p} from payload; head sha 3f2a9c1e4b7d8a6f0e1c2b3a4d5e6f7a8b9c0d1e",
    "Adding label size/M to PR #{p} (previous labels: verified, lgtm-alice, can-be-merged)",
    "Requested reviewers ['bob', 'carol'] for PR #{p} from OWNERS in /repo-{r}/src",
    "check run tox queued for 3f2a9c1e4b7d8a6f0e1c2b3a4d5e6f7a8b9c0d1e with output summary pending",
)
_LEVELS = ("INFO", "INFO", "DEBUG", "INFO", "DEBUG", "WARNING")


@dataclass
class SyntheticLogs:
    """What was generated: files, byte and record counts, and some hook ids to query."""

    files: list[Path] = field(default_factory=list)
    total_bytes: int = 0
    records: int = 0
    oldest_hook_id: str = ""
    newest_hook_id: str = ""
    needle_hooks: int = 0


def _stamp(base: datetime, offset_us: int) -> str:
    return (base + timedelta(microseconds=offset_us)).isoformat()


def _delivery_lines(hook_id: str, number: int, started: datetime, spacing_us: int) -> list[str]:
    repo, pr = number % 40, number % 900 + 1
    step_us = spacing_us // (LINES_PER_DELIVERY + 1)
    lines = []
    for index in range(LINES_PER_DELIVERY - 1):
        message = _MESSAGES[index % len(_MESSAGES)].format(r=repo, p=pr)
        if index == 7 and number % NEEDLE_EVERY == 0:
            message += f" {NEEDLE}"
        level = "ERROR" if index == 20 and number % 50 == 0 else _LEVELS[index % len(_LEVELS)]
        lines.append(
            f'{{"type": "log_entry", "timestamp": "{_stamp(started, index * step_us)}", "level": "{level}", '
            f'"logger_name": "webhook-server.log", "message": "{message}", "hook_id": "{hook_id}", '
            f'"event_type": "pull_request", "repository": "repo-{repo}", "pr_number": {pr}, "api_user": "bot-user"}}'
        )
    completed = _stamp(started, (LINES_PER_DELIVERY - 1) * step_us)
    steps = {
        "webhook_routing": {"timestamp": started.isoformat(), "status": "completed", "error": None, "duration_ms": 5}
    }
    lines.append(
        json.dumps(
            {
                "hook_id": hook_id,
                "level": "COMPLETED",
                "status": "success" if number % 50 else "failed",
                "event_type": "pull_request",
                "action": "synchronize",
                "sender": "alice",
                "repository": f"repo-{repo}",
                "repository_full_name": f"org/repo-{repo}",
                "pr": {"number": pr, "title": "Synthetic change", "author": "alice"},
                "api_user": "bot-user",
                "timing": {"started_at": started.isoformat(), "completed_at": completed, "duration_ms": 1234},
                "workflow_steps": steps,
                "token_spend": 9,
                "initial_rate_limit": 5000,
                "final_rate_limit": 4991,
                "success": bool(number % 50),
                "error": None,
                "summary": "[SUCCESS] Webhook completed PR#1 [1s234ms, tokens:9] steps=[webhook_routing:completed]",
                "type": "webhook_summary",
            }
        )
    )
    return lines


def generate(logs_dir: Path, total_bytes: int, *, days: int = 8, last_day: date | None = None) -> SyntheticLogs:
    """Write about ``total_bytes`` of logs into ``days`` day files ending at ``last_day`` (default today)."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    result = SyntheticLogs()
    last_day = last_day or datetime.now(UTC).date()
    per_day = total_bytes // days
    deliveries_per_day = max(1, per_day // (LINES_PER_DELIVERY * 290))
    spacing_us = 86_400_000_000 // deliveries_per_day
    number = 0
    for day_index in range(days):
        day = last_day - timedelta(days=days - 1 - day_index)
        path = logs_dir / f"webhooks_{day.isoformat()}.json"
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        written = 0
        with path.open("w", encoding="utf-8") as handle:
            slot = 0
            while written < per_day and slot < deliveries_per_day:
                hook_id = f"{day_index:02d}{number:010d}-5b2c-4d1e-9f00-synthetic"
                chunk = (
                    "\n".join(
                        _delivery_lines(
                            hook_id, number, midnight + timedelta(microseconds=slot * spacing_us), spacing_us
                        )
                    )
                    + "\n"
                )
                handle.write(chunk)
                written += len(chunk)
                result.oldest_hook_id = result.oldest_hook_id or hook_id
                result.newest_hook_id = hook_id
                result.needle_hooks += number % NEEDLE_EVERY == 0
                result.records += LINES_PER_DELIVERY
                number += 1
                slot += 1
        result.files.append(path)
        result.total_bytes += path.stat().st_size
    return result
