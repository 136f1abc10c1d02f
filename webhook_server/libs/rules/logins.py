"""GitHub login helpers: strip a leading `@`, compare case-insensitively, de-duplicate and sort."""

from collections.abc import Iterable


def normalize_login(login: str) -> str:
    """Trim whitespace and one or more leading `@`."""
    return login.strip().lstrip("@")


def login_key(login: str) -> str:
    """The comparison key of a login: normalised and casefolded."""
    return normalize_login(login).casefold()


def same_login(first: str, second: str) -> bool:
    """Whether two logins name the same user."""
    return login_key(first) == login_key(second)


def contains_login(logins: Iterable[str], login: str) -> bool:
    """Whether `login` is among `logins` (case-insensitive, `@` ignored)."""
    key = login_key(login)
    return any(login_key(candidate) == key for candidate in logins)


def unique_sorted_logins(logins: Iterable[str]) -> tuple[str, ...]:
    """Normalised logins, de-duplicated case-insensitively (first spelling kept), sorted case-insensitively."""
    by_key: dict[str, str] = {}
    for login in logins:
        normalized = normalize_login(login)
        if normalized:
            by_key.setdefault(normalized.casefold(), normalized)
    return tuple(by_key[key] for key in sorted(by_key))


def without_login(logins: Iterable[str], excluded: str) -> tuple[str, ...]:
    """`logins` minus `excluded` (case-insensitive), order kept."""
    key = login_key(excluded)
    return tuple(login for login in logins if login_key(login) != key)
