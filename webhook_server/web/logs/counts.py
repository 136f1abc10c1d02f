"""Human-readable record counts for ``total_log_count_estimate`` (``"950"``, ``"12.3K"``, ``"4.5M"``)."""

from __future__ import annotations


def format_count(count: int) -> str:
    """``"<n>"`` below 1000, else one decimal with ``K`` or ``M``."""
    if count < 1000:
        return str(count)
    if count < 999_950:  # would round to 1000.0K
        return f"{count / 1000:.1f}K"
    return f"{count / 1_000_000:.1f}M"
