"""REST routes for the authenticated user, users, `/rate_limit`, `/meta`, the App and its installations."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from webhook_server.tests.fake_github.auth import rate_limit_document
from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Reply, RouteTable, not_found
from webhook_server.tests.fake_github.serializers import repo_json, user_json
from webhook_server.tests.fake_github.serializers_misc import APP_PERMISSIONS, app_json, installation_json
from webhook_server.tests.fake_github.state import Installation, Token, User

TABLE = RouteTable()
INSTALLATION_TOKEN_SECONDS = 3600
HOOK_NETWORKS = ["127.0.0.0/8", "::1/128"]


ROOT_LINKS = {
    "current_user_url": "/user",
    "current_user_authorizations_html_url": "/settings/connections/applications{/client_id}",
    "authorizations_url": "/authorizations",
    "code_search_url": "/search/code?q={query}{&page,per_page,sort,order}",
    "commit_search_url": "/search/commits?q={query}{&page,per_page,sort,order}",
    "emails_url": "/user/emails",
    "emojis_url": "/emojis",
    "events_url": "/events",
    "feeds_url": "/feeds",
    "followers_url": "/user/followers",
    "following_url": "/user/following{/target}",
    "gists_url": "/gists{/gist_id}",
    "hub_url": "/hub",
    "issue_search_url": "/search/issues?q={query}{&page,per_page,sort,order}",
    "issues_url": "/issues",
    "keys_url": "/user/keys",
    "label_search_url": "/search/labels?q={query}&repository_id={repository_id}{&page,per_page}",
    "notifications_url": "/notifications",
    "organization_url": "/orgs/{org}",
    "organization_repositories_url": "/orgs/{org}/repos{?type,page,per_page,sort}",
    "organization_teams_url": "/orgs/{org}/teams",
    "public_gists_url": "/gists/public",
    "rate_limit_url": "/rate_limit",
    "repository_url": "/repos/{owner}/{repo}",
    "repository_search_url": "/search/repositories?q={query}{&page,per_page,sort,order}",
    "current_user_repositories_url": "/user/repos{?type,page,per_page,sort}",
    "starred_url": "/user/starred{/owner}{/repo}",
    "starred_gists_url": "/gists/starred",
    "user_url": "/users/{user}",
    "user_organizations_url": "/user/orgs",
    "user_repositories_url": "/users/{user}/repos{?type,page,per_page,sort}",
    "user_search_url": "/search/users?q={query}{&page,per_page,sort,order}",
}


@TABLE.add("GET", "/")
def root(ctx: Ctx) -> Reply:
    return Reply(body={key: ctx.st.base_url + path for key, path in ROOT_LINKS.items()})


def profile_json(ctx: Ctx, user: User, *, private: bool) -> dict[str, Any]:
    """A user profile: `public-user`, or `private-user` for the authenticated user themself."""
    owned = [repo for repo in ctx.st.repos.values() if repo.owner.id == user.id]
    data = user_json(ctx.st, user)
    data.update(
        {
            "name": user.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": user.email,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": sum(1 for repo in owned if not repo.private),
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": user.created_at,
            "updated_at": user.created_at,
            "user_view_type": "private" if private else "public",
        }
    )
    if private:
        data.update(
            {
                "private_gists": 0,
                "total_private_repos": sum(1 for repo in owned if repo.private),
                "owned_private_repos": sum(1 for repo in owned if repo.private),
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": True,
                "plan": {"name": "pro", "space": 976562499, "collaborators": 0, "private_repos": 9999},
            }
        )
    return data


@TABLE.add("GET", "/user")
def authenticated_user(ctx: Ctx) -> Reply:
    if ctx.identity.kind != "user" or ctx.identity.user is None:
        raise ApiError(401 if ctx.identity.kind == "anonymous" else 403, "Requires authentication")
    return Reply(body=profile_json(ctx, ctx.identity.user, private=True))


@TABLE.add("GET", "/users/{login}")
def get_user(ctx: Ctx) -> Reply:
    user = ctx.st.user(ctx.params["login"])
    if user is None:
        raise not_found()
    return Reply(body=profile_json(ctx, user, private=False))


@TABLE.add("GET", "/rate_limit")
def rate_limit(ctx: Ctx) -> Reply:
    return Reply(body=rate_limit_document(ctx.st, ctx.identity))


@TABLE.add("GET", "/meta")
def meta(ctx: Ctx) -> Reply:
    return Reply(
        body={
            "verifiable_password_authentication": False,
            "hooks": list(HOOK_NETWORKS),
            "web": list(HOOK_NETWORKS),
            "api": list(HOOK_NETWORKS),
            "git": list(HOOK_NETWORKS),
        }
    )


@TABLE.add("GET", "/app", auth="app")
def get_app(ctx: Ctx) -> Reply:
    data = app_json(ctx.st)
    data["installations_count"] = len(ctx.st.installations)
    return Reply(body=data)


@TABLE.add("GET", "/app/installations", auth="app")
def list_installations(ctx: Ctx) -> Reply:
    return ctx.paginate([installation_json(ctx.st, item) for item in ctx.st.installations.values()])


def _installation(ctx: Ctx) -> Installation:
    installation = ctx.st.installations.get(ctx.int_param("installation_id"))
    if installation is None:
        raise not_found()
    return installation


@TABLE.add("GET", "/app/installations/{installation_id:int}", auth="app")
def get_installation(ctx: Ctx) -> Reply:
    return Reply(body=installation_json(ctx.st, _installation(ctx)))


@TABLE.add("POST", "/app/installations/{installation_id:int}/access_tokens", auth="app")
def create_installation_token(ctx: Ctx) -> Reply:
    installation = _installation(ctx)
    value = "ghs_" + secrets.token_hex(18)
    expires = time.time() + INSTALLATION_TOKEN_SECONDS
    ctx.st.tokens[value] = Token(value, "installation", ctx.st.app.bot, installation.id, expires)
    repos = [repo for repo in ctx.st.repos.values() if repo.id in installation.repo_ids]
    return Reply(
        201,
        {
            "token": value,
            "expires_at": datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": dict(APP_PERMISSIONS),
            "repository_selection": "selected",
            "repositories": [repo_json(ctx.st, repo) for repo in repos],
        },
    )


@TABLE.add("GET", "/repos/{owner}/{repo}/installation", auth="app")
def repo_installation(ctx: Ctx) -> Reply:
    repo = ctx.st.repo(f"{ctx.params['owner']}/{ctx.params['repo']}")
    if repo is None or repo.installation_id is None:
        raise not_found()
    return Reply(body=installation_json(ctx.st, ctx.st.installations[repo.installation_id]))


@TABLE.add("GET", "/orgs/{owner}/installation", auth="app")
@TABLE.add("GET", "/users/{owner}/installation", auth="app")
def account_installation(ctx: Ctx) -> Reply:
    for installation in ctx.st.installations.values():
        if installation.account.login.casefold() == ctx.params["owner"].casefold():
            return Reply(body=installation_json(ctx.st, installation))
    raise not_found()


@TABLE.add("GET", "/installation/repositories")
def installation_repositories(ctx: Ctx) -> Reply:
    if ctx.identity.kind != "installation":
        raise ApiError(403, "This endpoint can only be accessed with an installation token")
    installation = ctx.st.installations[int(ctx.identity.installation_id or 0)]
    repos = [repo_json(ctx.st, repo) for repo in ctx.st.repos.values() if repo.id in installation.repo_ids]
    page = ctx.paginate(repos)
    page.body = {"total_count": len(repos), "repository_selection": "selected", "repositories": page.body}
    return page
