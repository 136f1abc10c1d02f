"""Which hook this server last wrote in each repository, and a salted digest of the secret it sent.

GitHub never returns a hook's secret, so without a record the only way to make sure a rotated secret
reaches GitHub is to send it on every start. The record lets a start with an unchanged secret skip the
write, and lets a hook of this server that still points at an old `webhook-ip` be recognised by its id.
The file holds no secret: only a PBKDF2 digest with a random salt.
"""

import asyncio
import hashlib
import json
import logging
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from webhook_server.utils.private_files import write_private_text

LOGGER = logging.getLogger(__name__)

RECORDS_FILE = "webhook-hooks.json"
DIGEST_ITERATIONS = 100_000
_FILE_LOCK = threading.Lock()


@dataclass(frozen=True)
class HookRecord:
    """The hook id written last, and the digest of the secret sent with it (None: no secret)."""

    hook_id: int
    secret_salt: str
    secret_digest: str | None


def _digest(secret: str | None, salt: str) -> str | None:
    if secret is None:
        return None
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), DIGEST_ITERATIONS).hex()


def new_record(hook_id: int, secret: str | None) -> HookRecord:
    """A record for a hook just written with `secret`."""
    salt = secrets.token_hex(16)
    return HookRecord(hook_id=hook_id, secret_salt=salt, secret_digest=_digest(secret, salt))


def record_confirms(record: HookRecord | None, hook_id: int, secret: str | None) -> bool:
    """Whether `record` proves hook `hook_id` was last written by us with exactly `secret`."""
    if record is None or record.hook_id != hook_id:
        return False
    return _digest(secret, record.secret_salt) == record.secret_digest


def _read(path: Path) -> dict[str, dict[str, object]]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        LOGGER.warning("Ignoring unreadable %s: %s", path, error)
        return {}
    return loaded if isinstance(loaded, dict) else {}


class HookRecords:
    """The records file in the data dir, keyed by repository full name (case-insensitive)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / RECORDS_FILE

    def _get(self, repository: str) -> HookRecord | None:
        with _FILE_LOCK:
            raw = _read(self.path).get(repository.casefold())
        if raw is None:
            return None
        try:
            return HookRecord(
                hook_id=int(str(raw["hook_id"])),
                secret_salt=str(raw["secret_salt"]),
                secret_digest=None if raw["secret_digest"] is None else str(raw["secret_digest"]),
            )
        except (KeyError, ValueError):
            LOGGER.warning("Ignoring a malformed hook record for %s in %s", repository, self.path)
            return None

    def _put(self, repository: str, record: HookRecord) -> None:
        with _FILE_LOCK:
            records = _read(self.path)
            records[repository.casefold()] = asdict(record)
            temporary = self.path.with_name(f"{self.path.name}.tmp")
            write_private_text(temporary, json.dumps(records, indent=2, sort_keys=True))
            os.replace(temporary, self.path)

    async def get(self, repository: str) -> HookRecord | None:
        return await asyncio.to_thread(self._get, repository)

    async def put(self, repository: str, record: HookRecord) -> None:
        await asyncio.to_thread(self._put, repository, record)
