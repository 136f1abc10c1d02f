"""The one pagination helper: every item of a GitHub list endpoint.

It asks for 100 items a page and then follows the `Link: <...>; rel="next"` URL GitHub sends until there
is none, so a list whose length is a multiple of 100 costs no extra request. Each page is its own
`github_api_call`: a retry repeats only the page that failed.
"""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from github import Github

from webhook_server.libs.github.api_call import github_api_call

PER_PAGE = 100
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


def next_page_url(headers: Mapping[str, Any]) -> str | None:
    """The `rel="next"` URL of a `Link` header, or None on the last page."""
    link = next((value for key, value in headers.items() if key.lower() == "link"), None)
    found = _NEXT_LINK.search(link) if link else None
    return found.group(1) if found else None


def _first_request(url: str, parameters: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """The path and query of the first page (a query written into `url` joins `parameters`)."""
    split = urlsplit(url)
    query: dict[str, Any] = dict(parse_qsl(split.query, keep_blank_values=True))
    query.update(parameters or {})
    query["per_page"] = PER_PAGE
    return split._replace(query="").geturl(), query


async def get_all_pages(
    github: Github, url: str, parameters: Mapping[str, Any] | None = None, *, item_key: str | None = None
) -> list[Any]:
    """Every item of a paginated GET (`item_key` names the list inside an object answer, e.g. `check_runs`)."""
    path, query = _first_request(url, parameters)
    items: list[Any] = []
    next_url: str | None = path
    page_query: dict[str, Any] | None = query
    while next_url is not None:
        headers, data = await github_api_call(github.requester.requestJsonAndCheck, "GET", next_url, page_query)
        items.extend(data[item_key] if item_key else data)
        next_url = next_page_url(headers)
        page_query = None  # the `next` link carries the whole query
    return items
