"""The cherry-pick records of the effects table (`intake.md` §4.4, `release.md` §1.2 step 9).

`cherry-pick:<repo>#<pr>:<target>` holds the state of the cherry-pick to one target (`pushing` before the
push, `created` with the PR number once the PR exists, `cleared` after `/cherry-pick-retry`). The same record
is also written under `cherry-pick-branch:<repo>:<new branch>`, so the new PR's own delivery recognises it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pr.verified import cherry_pick_branch_key

PUSHING = "pushing"
CREATED = "created"
CLEARED = "cleared"


@dataclass(frozen=True)
class CherryPickRecord:
    """One cherry-pick of one PR to one target branch."""

    target: str
    branch: str
    state: str
    ai_resolved: bool = False
    ai_model: str | None = None
    pr_number: int | None = None
    pr_url: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CherryPickRecord:
        return cls(**json.loads(text))


def record_key(full_name: str, number: int, target: str) -> str:
    """`cherry-pick:<repo>#<pr>:<target>`."""
    return f"cherry-pick:{full_name}#{number}:{target}"


async def read_record(ledger: Ledger, full_name: str, number: int, target: str) -> CherryPickRecord | None:
    """The live record (a cleared one counts as none)."""
    value = await ledger.effect_get(record_key(full_name, number, target))
    if value is None:
        return None
    record = CherryPickRecord.from_json(value)
    return None if record.state == CLEARED else record


async def write_record(ledger: Ledger, full_name: str, number: int, record: CherryPickRecord) -> None:
    """Write the record under its target key and under its branch key."""
    await ledger.effect_put(cherry_pick_branch_key(full_name, record.branch), record.to_json())
    await ledger.effect_put(record_key(full_name, number, record.target), record.to_json())


async def clear_record(ledger: Ledger, full_name: str, number: int, target: str) -> None:
    """Forget the cherry-pick to `target` (`/cherry-pick-retry`): the next run creates a new PR."""
    cleared = CherryPickRecord(target=target, branch="", state=CLEARED)
    await ledger.effect_put(record_key(full_name, number, target), cleared.to_json())
