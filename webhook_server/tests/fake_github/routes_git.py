"""Git smart-HTTP transport at `<base>/<owner>/<repo>.git`, served by `git http-backend` (CGI) in a thread.

A push moves branches like any other ref change: push webhooks, PR heads and `synchronize`.
"""

from __future__ import annotations

import re
import subprocess
import threading
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from webhook_server.tests.fake_github.actions_git import apply_ref_updates
from webhook_server.tests.fake_github.gitrepo import ZERO_SHA, git_env
from webhook_server.tests.fake_github.protocol import ApiError, Identity
from webhook_server.tests.fake_github.state import PERMISSION_LEVELS, Repo, User

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

GIT_PATH_RE = re.compile(
    r"^/(?P<owner>[^/]+)/(?P<name>[^/]+?)(?:\.git)?/(?P<rest>info/refs|git-upload-pack|git-receive-pack)$"
)
PUSH_LOCKS: dict[str, threading.Lock] = {}
PUSH_LOCKS_GUARD = threading.Lock()


def is_git_path(path: str) -> bool:
    return GIT_PATH_RE.match(path) is not None


def _unauthorized() -> ApiError:
    return ApiError(401, "Requires authentication", headers={"WWW-Authenticate": 'Basic realm="GitHub"'})


def _may(repo: Repo, identity: Identity, level: str) -> bool:
    if identity.kind == "installation":
        return repo.installation_id == identity.installation_id
    if identity.user is None:
        return level == "read" and not repo.private
    if identity.user.id == repo.owner.id:
        return True
    entry = repo.collaborators.get(identity.user.login.casefold())
    if entry is not None and PERMISSION_LEVELS[entry[1]] >= PERMISSION_LEVELS[level]:
        return True
    return level == "read" and not repo.private


def _authorize(backend: Backend, owner: str, name: str, identity: Identity, push: bool) -> Repo:
    with backend.state.lock:
        repo = backend.state.repo(f"{owner}/{name}")
        if repo is None or not _may(repo, identity, "read"):
            if identity.kind == "anonymous":
                raise _unauthorized()
            raise ApiError(404, "Repository not found.")
        if push and not _may(repo, identity, "write"):
            if identity.kind == "anonymous":
                raise _unauthorized()
            raise ApiError(403, "Permission to push denied.")
        return repo


async def serve(backend: Backend, request: Request, identity: Identity) -> Response:
    found = GIT_PATH_RE.match(request.url.path)
    assert found is not None
    service = request.query_params.get("service") or found.group("rest")
    push = service.endswith("git-receive-pack")
    repo = _authorize(backend, found.group("owner"), found.group("name"), identity, push)
    body = await request.body()
    env = _cgi_env(backend, request, repo, found.group("rest"), len(body))
    if not push:
        output = await run_in_threadpool(_run_backend, env, body)
        return _cgi_response(output)
    pusher = backend.state.app.bot if identity.kind == "installation" else identity.user
    assert pusher is not None
    advertise = found.group("rest") == "info/refs"
    return await run_in_threadpool(lambda: _push(backend, repo, env, body, pusher=pusher, advertise=advertise))


def _cgi_env(backend: Backend, request: Request, repo: Repo, rest: str, length: int) -> dict[str, str]:
    relative = repo.git.path.relative_to(backend.git_root)
    env = git_env(
        {
            "GIT_PROJECT_ROOT": str(backend.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{relative}/{rest}",
            "REQUEST_METHOD": request.method,
            "QUERY_STRING": request.url.query,
            "CONTENT_TYPE": request.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(length),
            "REMOTE_USER": "git",
            "REMOTE_ADDR": request.client.host if request.client else "127.0.0.1",
        }
    )
    if request.headers.get("content-encoding"):
        env["HTTP_CONTENT_ENCODING"] = request.headers["content-encoding"]
    if request.headers.get("git-protocol"):
        env["GIT_PROTOCOL"] = request.headers["git-protocol"]
    return env


def _run_backend(env: dict[str, str], body: bytes) -> bytes:
    result = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
    if result.returncode != 0 and not result.stdout:
        raise ApiError(500, f"git http-backend failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _push(backend: Backend, repo: Repo, env: dict[str, str], body: bytes, *, pusher: User, advertise: bool) -> Response:
    """Run receive-pack for one repository at a time, then apply the ref changes it made."""
    if advertise:
        return _cgi_response(_run_backend(env, body))
    with PUSH_LOCKS_GUARD:
        lock = PUSH_LOCKS.setdefault(str(repo.git.path), threading.Lock())
    with lock:
        before = repo.git.refs("refs/heads/") | repo.git.refs("refs/tags/")
        output = _run_backend(env, body)
        after = repo.git.refs("refs/heads/") | repo.git.refs("refs/tags/")
    updates = [
        (ref, before.get(ref, ZERO_SHA), after.get(ref, ZERO_SHA))
        for ref in sorted(set(before) | set(after))
        if before.get(ref) != after.get(ref)
    ]
    with backend.state.lock:
        apply_ref_updates(backend, repo, updates, pusher)
    return _cgi_response(output)


def _cgi_response(output: bytes) -> Response:
    head, _, body = output.partition(b"\r\n\r\n")
    if not _ and b"\n\n" in output:
        head, _, body = output.partition(b"\n\n")
    status = 200
    headers: dict[str, str] = {}
    for line in head.decode(errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.split()[0])
        elif key:
            headers[key.strip()] = value.strip()
    return Response(body, status_code=status, headers=headers)
