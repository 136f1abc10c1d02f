"""`GET /webhook_server/explain/{owner}/{repo}/{number}`: the `/explain` content as JSON, behind the log
viewer's credentials (or, when none are configured, open to trusted networks only, like step logs)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from github import UnknownObjectException

from webhook_server.libs.runtime.explain_request import RepositoryNotFoundInConfigError
from webhook_server.web.logs.auth import require_trusted_network
from webhook_server.web.viewer_auth import EXPLAIN_PREFIX, ViewerAuth, credentials_required

Explain = Callable[[str, int], Awaitable[dict[str, Any]]]


def build_explain_router(explain: Explain, auth: ViewerAuth | None) -> APIRouter:
    """The explain route; `explain(full_name, number)` is the runtime's read-only explanation."""
    router = APIRouter(tags=["explain"])

    @router.get(EXPLAIN_PREFIX + "{owner}/{repo}/{number}", operation_id="explain_pull_request")
    async def explain_pull_request(
        request: Request, owner: str, repo: str, number: Annotated[int, Path(ge=1)]
    ) -> dict[str, Any]:
        if not credentials_required(auth):
            require_trusted_network(request)
        full_name = f"{owner}/{repo}"
        try:
            return await explain(full_name, number)
        except RepositoryNotFoundInConfigError:
            raise HTTPException(status_code=404, detail=f"Repository {full_name} is not configured") from None
        except UnknownObjectException:
            raise HTTPException(status_code=404, detail=f"Pull request {full_name}#{number} not found") from None

    return router
