"""``GET /logs/api/export`` body: entries spooled to a temporary file, then streamed after the metadata.

The streamed bytes equal ``json.dumps(document, indent=2)`` of
``{"export_metadata": ..., "log_entries": [...]}``; memory stays bounded whatever the entry count.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from webhook_server.libs.log_store.filters import EntryFilter
from webhook_server.libs.log_store.query import scan
from webhook_server.utils.masking import mask_structure

MAX_EXPORT_ENTRIES = 50_000
_SPOOL_IN_MEMORY = 1024 * 1024
_READ_SIZE = 64 * 1024
_EMPTY_LIST_TAIL = "[]\n}"


def spool_entries(logs_dir: Path, entry_filter: EntryFilter, limit: int) -> tuple[IO[bytes], int]:
    """Write up to ``limit`` matching entries (newest first) as indented JSON items; rewound spool and count."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY, mode="w+b")  # noqa: SIM115
    count = 0
    for item in scan(logs_dir, entry_filter):
        text = json.dumps(mask_structure(item.entry, keyword_masking=False), indent=2)
        indented = "    " + text.replace("\n", "\n    ")
        spool.write((",\n" + indented if count else indented).encode())
        count += 1
        if count >= limit:
            break
    spool.seek(0)
    return spool, count


def export_metadata(generated_at: datetime, filters_applied: Mapping[str, Any], total_entries: int) -> dict[str, Any]:
    """The ``export_metadata`` object."""
    return {
        "generated_at": generated_at.isoformat(),
        "filters_applied": dict(filters_applied),
        "total_entries": total_entries,
        "export_format": "json",
    }


def export_filename(generated_at: datetime) -> str:
    """``webhook_logs_YYYYMMDD_HHMMSS.json`` in UTC."""
    return f"webhook_logs_{generated_at:%Y%m%d_%H%M%S}.json"


def stream_document(metadata: Mapping[str, Any], spool: IO[bytes], count: int) -> Iterator[bytes]:
    """The export document in chunks; closes the spool when done."""
    try:
        head = json.dumps({"export_metadata": metadata, "log_entries": []}, indent=2)
        if count == 0:
            yield head.encode()
            return
        yield (head[: -len(_EMPTY_LIST_TAIL)] + "[\n").encode()
        while chunk := spool.read(_READ_SIZE):
            yield chunk
        yield b"\n  ]\n}"
    finally:
        spool.close()
