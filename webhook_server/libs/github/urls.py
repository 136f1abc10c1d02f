"""URLs derived from `github-api-url` (intake.md §10): one place, for the server, git and links."""

from urllib.parse import urlsplit

PUBLIC_API_URL = "https://api.github.com"


def git_base_url(api_url: str) -> str:
    """The web/git base derived from `github-api-url` (`intake.md` §10)."""
    url = api_url.rstrip("/")
    if url == PUBLIC_API_URL:
        return "https://github.com"
    if url.endswith("/api/v3"):
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
    return url
