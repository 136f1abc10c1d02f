"""The log viewer's JSON API under ``/logs/api`` (§6.4–§6.8): parameters, errors and response shapes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse

from webhook_server.libs.log_store.filters import FilterError, build_filter
from webhook_server.libs.log_store.pr_flow import build_pr_flow, parse_identifier
from webhook_server.libs.log_store.query import PR_FLOW_BUDGET, query_entries, scan
from webhook_server.libs.log_store.step_logs import build_step_logs, collect_step_logs, step_window
from webhook_server.libs.log_store.workflow_steps import MalformedSummaryError, build_workflow_steps, validate_summary
from webhook_server.utils.masking import mask_structure
from webhook_server.web.logs.auth import require_trusted_network
from webhook_server.web.logs.counts import format_count
from webhook_server.web.logs.export import (
    MAX_EXPORT_ENTRIES,
    export_filename,
    export_metadata,
    spool_entries,
    stream_document,
)
from webhook_server.web.logs.runtime import LogViewerRuntime
from webhook_server.web.viewer_auth import credentials_required

LOGGER = logging.getLogger("webhook_server.log_viewer")
DISABLED_DETAIL = "Log server is disabled. Set ENABLE_LOG_SERVER=true to enable."
FILTER_NAMES = (
    "hook_id",
    "pr_number",
    "repository",
    "event_type",
    "github_user",
    "level",
    "min_level",
    "start_time",
    "end_time",
    "search",
)


def filter_params(
    *,
    hook_id: Annotated[str | None, Query(description="Delivery id (exact)")] = None,
    pr_number: Annotated[int | None, Query(description="PR number (exact)")] = None,
    repository: Annotated[str | None, Query(description="Short name or org/repo")] = None,
    event_type: Annotated[str | None, Query(description="GitHub event (exact)")] = None,
    github_user: Annotated[str | None, Query(description="API user (exact)")] = None,
    level: Annotated[str | None, Query(description="Level or comma-separated levels, any case")] = None,
    min_level: Annotated[str | None, Query(description="Lowest level to include (DEBUG … CRITICAL)")] = None,
    start_time: Annotated[str | None, Query(description="ISO-8601, inclusive; no zone = UTC")] = None,
    end_time: Annotated[str | None, Query(description="ISO-8601, inclusive; no zone = UTC")] = None,
    search: Annotated[str | None, Query(description="Case-insensitive substring of the message")] = None,
) -> dict[str, Any]:
    """The filter query parameters shared by entries and export."""
    values = (hook_id, pr_number, repository, event_type, github_user, level, min_level, start_time, end_time, search)
    return dict(zip(FILTER_NAMES, values, strict=True))


FilterParams = Annotated[dict[str, Any], Depends(filter_params)]


@contextlib.contextmanager
def api_errors() -> Iterator[None]:
    """Map failures to the spec's answers: 400 for bad input, 500 with a fixed detail otherwise."""
    try:
        yield
    except HTTPException:
        raise
    except FilterError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    except MalformedSummaryError as error:
        LOGGER.warning("Malformed webhook summary: %s", error)
        raise HTTPException(status_code=500, detail="Malformed log entry") from error
    except OSError as error:
        LOGGER.exception("Reading the log files failed")
        raise HTTPException(status_code=500, detail="Error accessing log files") from error
    except Exception as error:
        LOGGER.exception("Log viewer request failed")
        raise HTTPException(status_code=500, detail="Internal server error") from error


def build_api_router(runtime: LogViewerRuntime) -> APIRouter:
    """The ``/logs/api`` routes; they answer 404 while the log server is disabled."""

    def require_enabled() -> None:
        if not runtime.log_server_enabled:
            raise HTTPException(status_code=404, detail=DISABLED_DETAIL)

    def require_step_logs_access(request: Request) -> None:
        if not credentials_required(runtime.auth):
            require_trusted_network(request)

    router = APIRouter(prefix="/logs/api", dependencies=[Depends(require_enabled)], tags=["logs"])
    _add_entries_routes(router, runtime)
    _add_delivery_routes(router, runtime, Depends(require_step_logs_access))
    return router


def _total_estimate(runtime: LogViewerRuntime) -> str:
    try:
        return format_count(runtime.index.total_records())
    except OSError:
        LOGGER.exception("Counting log records failed")
        return "Unknown"


def _add_entries_routes(router: APIRouter, runtime: LogViewerRuntime) -> None:
    @router.get("/entries", operation_id="get_log_entries")
    async def get_log_entries(
        filters: FilterParams,
        limit: Annotated[int, Query(ge=1, le=10000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Log entries, newest first, filtered and paginated."""
        with api_errors():
            entry_filter = build_filter(filters)
            page = await runtime.offload(
                lambda: query_entries(runtime.logs_dir, entry_filter, limit=limit, offset=offset)
            )
            total = await runtime.offload(_total_estimate, runtime)
            return {
                "entries": mask_structure(page.entries, keyword_masking=False),
                "entries_processed": f"{page.examined}+" if page.partial else page.examined,
                "filtered_count_min": len(page.entries) + offset,
                "total_log_count_estimate": total,
                "limit": limit,
                "offset": offset,
                "is_partial_scan": page.partial,
            }

    @router.get("/export", operation_id="export_logs", response_class=StreamingResponse)
    async def export_logs(
        filters: FilterParams,
        format_type: Annotated[str, Query(pattern="^json$")] = "json",
        format: Annotated[str | None, Query(pattern="^json$", description="Alias of format_type")] = None,
        limit: Annotated[int, Query(ge=1, le=100000)] = 10000,
    ) -> StreamingResponse:
        """Filtered entries as a downloadable JSON document."""
        if limit > MAX_EXPORT_ENTRIES:
            raise HTTPException(status_code=413, detail=f"Result set too large (max {MAX_EXPORT_ENTRIES} entries)")
        with api_errors():
            entry_filter = build_filter(filters)
            spool, count = await runtime.offload(spool_entries, runtime.logs_dir, entry_filter, limit)
            generated_at = datetime.now(UTC)
            applied = {name: value for name, value in filters.items() if value is not None} | {"limit": limit}
            metadata = export_metadata(generated_at, applied, count)
            return StreamingResponse(
                stream_document(metadata, spool, count),
                media_type="application/json",
                headers={"Content-Disposition": f"attachment; filename={export_filename(generated_at)}"},
            )


def _add_delivery_routes(router: APIRouter, runtime: LogViewerRuntime, step_logs_gate: Any) -> None:
    @router.get("/pr-flow/{hook_id}", operation_id="get_pr_flow_data")
    async def get_pr_flow_data(hook_id: str) -> dict[str, Any]:
        """Workflow stages of a delivery (``hook-<id>`` or an id) or of a PR (``pr-<n>`` or digits)."""
        with api_errors():
            target = parse_identifier(hook_id)
            entries = await runtime.offload(
                lambda: [item.entry for item in scan(runtime.logs_dir, target.as_filter(), PR_FLOW_BUDGET)]
            )
            if not entries:
                raise HTTPException(status_code=404, detail=f"No data found for hook_id: {hook_id}")
            return dict(mask_structure(build_pr_flow(hook_id, entries), keyword_masking=False))

    @router.get("/workflow-steps/{hook_id}", operation_id="get_workflow_steps")
    async def get_workflow_steps(hook_id: str) -> dict[str, Any]:
        """The delivery's steps from its summary (or from the running delivery)."""
        with api_errors():
            resolved = await runtime.resolve_summary(hook_id)
            if resolved is None:
                raise HTTPException(status_code=404, detail=f"No data found for hook ID: {hook_id}")
            response = build_workflow_steps(hook_id, resolved.record, live=resolved.live)
            return dict(mask_structure(response, keyword_masking=False))

    @router.get("/step-logs/{hook_id}/{step_name}", operation_id="get_step_logs", dependencies=[step_logs_gate])
    async def get_step_logs(
        hook_id: Annotated[str, Path(min_length=1, max_length=100)],
        step_name: Annotated[str, Path(min_length=1, max_length=100)],
    ) -> dict[str, Any]:
        """The delivery's log entries written during one step."""
        with api_errors():
            resolved = await runtime.resolve_summary(hook_id)
            if resolved is None:
                raise HTTPException(status_code=404, detail=f"No JSON log entry found for hook ID: {hook_id}")
            validate_summary(resolved.record, live=resolved.live)
            step = resolved.record["workflow_steps"].get(step_name)
            if step is None:
                raise HTTPException(status_code=404, detail=f"Step '{step_name}' not found for hook ID: {hook_id}")
            start, end = step_window(step)
            logs = await runtime.offload(collect_step_logs, runtime.logs_dir, hook_id, start, end)
            return dict(mask_structure(build_step_logs(step_name, step, logs), keyword_masking=False))
