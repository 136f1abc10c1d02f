"""Branch-protection request bodies (pure): GitHub's read form turned into the PUT form, the server's
managed fields laid over it, and whether a PUT would change anything (`bootstrap.md` §4.1)."""

from collections.abc import Mapping, Sequence
from typing import Any

from webhook_server.libs.config import BranchProtection

Json = dict[str, Any]
KEPT_FLAGS = ("allow_force_pushes", "allow_deletions", "block_creations", "lock_branch", "allow_fork_syncing")


def _logins(people: Sequence[Mapping[str, Any]]) -> list[str]:
    return [person["login"] for person in people]


def _slugs(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [item["slug"] for item in items]


def _actors(block: Mapping[str, Any]) -> Json:
    """A `{users, teams, apps}` read block as the PUT form (logins and slugs)."""
    return {
        "users": _logins(block.get("users", [])),
        "teams": _slugs(block.get("teams", [])),
        "apps": _slugs(block.get("apps", [])),
    }


def _status_checks(read: Mapping[str, Any]) -> Json:
    checks = [{"context": check["context"], "app_id": check.get("app_id")} for check in read.get("checks", [])]
    if not checks:
        checks = [{"context": context, "app_id": None} for context in read.get("contexts", [])]
    return {"strict": bool(read["strict"]), "checks": checks}


def _reviews(read: Mapping[str, Any]) -> Json:
    reviews: Json = {
        "dismiss_stale_reviews": bool(read.get("dismiss_stale_reviews", False)),
        "require_code_owner_reviews": bool(read.get("require_code_owner_reviews", False)),
        "required_approving_review_count": int(read.get("required_approving_review_count", 0)),
        "require_last_push_approval": bool(read.get("require_last_push_approval", False)),
        "bypass_pull_request_allowances": _actors(read.get("bypass_pull_request_allowances") or {}),
    }
    if read.get("dismissal_restrictions"):
        reviews["dismissal_restrictions"] = _actors(read["dismissal_restrictions"])
    return reviews


def put_form(read: Mapping[str, Any] | None) -> Json:
    """The PUT body that would recreate the current protection (None: an unprotected branch)."""
    current = read or {}
    checks = current.get("required_status_checks")
    reviews = current.get("required_pull_request_reviews")
    restrictions = current.get("restrictions")
    body: Json = {
        "required_status_checks": _status_checks(checks) if checks else None,
        "enforce_admins": bool((current.get("enforce_admins") or {}).get("enabled", False)),
        "required_pull_request_reviews": _reviews(reviews) if reviews else None,
        "restrictions": _actors(restrictions) if restrictions else None,
        "required_linear_history": bool((current.get("required_linear_history") or {}).get("enabled", False)),
        "required_conversation_resolution": bool(
            (current.get("required_conversation_resolution") or {}).get("enabled", False)
        ),
    }
    body.update({flag: bool((current.get(flag) or {}).get("enabled", False)) for flag in KEPT_FLAGS})
    return body


def _required_checks(contexts: Sequence[str], current: Mapping[str, Any] | None) -> list[Json]:
    """The contexts as `checks`, keeping an App pin GitHub already has for a context."""
    pinned = {check["context"]: check["app_id"] for check in (current or {}).get("checks", [])}
    checks: list[Json] = []
    for context in contexts:
        check: Json = {"context": context}
        if pinned.get(context) is not None:
            check["app_id"] = pinned[context]
        checks.append(check)
    return checks


def desired_put_body(
    current: Mapping[str, Any], settings: BranchProtection, contexts: Sequence[str], api_login: str
) -> Json:
    """`current` (PUT form) with the managed fields set; enforce_admins, restrictions and flags are kept."""
    reviews: Json = dict(current["required_pull_request_reviews"] or {})
    reviews.update(
        {
            "dismiss_stale_reviews": settings.dismiss_stale_reviews,
            "require_code_owner_reviews": settings.require_code_owner_reviews,
            "required_approving_review_count": settings.required_approving_review_count,
            "bypass_pull_request_allowances": {"users": [api_login], "teams": [], "apps": []},
        }
    )
    return {
        **current,
        "required_status_checks": {
            "strict": settings.strict,
            "checks": _required_checks(contexts, current["required_status_checks"]),
        },
        "required_pull_request_reviews": reviews,
        "required_linear_history": settings.required_linear_history,
        "required_conversation_resolution": settings.required_conversation_resolution,
    }


def _comparable(body: Mapping[str, Any]) -> Json:
    """The body with check order and unset App pins ignored (GitHub may list checks in another order)."""
    comparable = dict(body)
    checks = body["required_status_checks"]
    if checks is not None:
        pairs = sorted((check["context"], check.get("app_id") or 0) for check in checks["checks"])
        comparable["required_status_checks"] = {"strict": checks["strict"], "checks": pairs}
    return comparable


def protection_differs(current: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """Whether PUTting `desired` would change the branch's protection."""
    return _comparable(current) != _comparable(desired)
