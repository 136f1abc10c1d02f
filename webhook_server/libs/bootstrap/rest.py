"""Plain REST calls for bootstrap through PyGithub's requester, each one inside `github_api_call`.

Bootstrap compares raw JSON with the desired state, so it reads and writes JSON directly instead of
going through PyGithub's lazy objects. The requester still applies the client's auth and transport.
"""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from github import Github, GithubException

from webhook_server.libs.github.api_call import github_api_call

PER_PAGE = 100
NOT_FOUND = 404
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')

Json = dict[str, Any]


def path_segment(value: str) -> str:
    """A value quoted for use as one URL path segment (label names and branches may contain `/`)."""
    return quote(value, safe="")


def next_page_url(headers: Mapping[str, Any]) -> str | None:
    """The `rel="next"` URL of a `Link` header (page or cursor pagination), or None on the last page."""
    link = next((value for key, value in headers.items() if key.lower() == "link"), None)
    found = _NEXT_LINK.search(link) if link else None
    return found.group(1) if found else None


def _get_or_none(github: Github, url: str, parameters: dict[str, Any]) -> Any:
    try:
        _, data = github.requester.requestJsonAndCheck("GET", url, parameters=parameters)
    except GithubException as error:
        if error.status == NOT_FOUND:
            return None
        raise
    return data


async def rest_get_or_none(github: Github, url: str, parameters: Mapping[str, Any] | None = None) -> Any:
    """GET `url`; None when GitHub answers 404 (missing branch, unprotected branch, missing file...).

    The 404 is turned into None in the worker thread, so the common "not there" answer is a plain
    result rather than an exception thrown into the awaiting coroutines.
    """
    return await github_api_call(_get_or_none, github, url, dict(parameters or {}))


async def rest_write(github: Github, verb: str, url: str, body: Mapping[str, Any] | None = None) -> Any:
    """Send a POST/PATCH/PUT/DELETE with a JSON body and return the decoded answer (None when empty)."""
    payload = dict(body) if body is not None else None
    _, data = await github_api_call(github.requester.requestJsonAndCheck, verb, url, input=payload)
    return data


def _all_pages(github: Github, url: str, parameters: Mapping[str, Any], item_key: str | None) -> list[Json]:
    items: list[Json] = []
    next_url: str | None = url
    query: dict[str, Any] | None = {"per_page": PER_PAGE, **parameters}
    while next_url is not None:
        headers, data = github.requester.requestJsonAndCheck("GET", next_url, parameters=query)
        items.extend(data[item_key] if item_key else data)
        next_url = next_page_url(headers)
        query = None  # the `next` link carries the query
    return items


async def rest_list(
    github: Github, url: str, parameters: Mapping[str, Any] | None = None, *, item_key: str | None = None
) -> list[Json]:
    """Every item of a paginated list (`item_key` names the list inside an object answer)."""
    return await github_api_call(_all_pages, github, url, parameters or {}, item_key)
