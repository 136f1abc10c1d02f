"""The welcome-comment markers (`pr-workflow.md` §9.1): ours (written) and the reference's (recognised only)."""

WELCOME_MARKER = "<!-- github-webhook-server:welcome -->"
REFERENCE_WELCOME_MARKER = "Report bugs in [Issues](https://github.com/myakove/github-webhook-server/issues)"


def contains_welcome_marker(body: str | None) -> bool:
    """Whether a comment is a welcome comment (ours or the reference's); such comments carry no commands."""
    text = body or ""
    return WELCOME_MARKER in text or REFERENCE_WELCOME_MARKER in text
