"""Once per start: `podman login docker.io` with the root `docker` credentials (`bootstrap.md` §2).

The password goes to podman on stdin, never in argv; both values are registered for masking.
A failure is logged and nothing else happens.
"""

import asyncio
import logging

from webhook_server.libs.config import ServerConfig
from webhook_server.utils.masking import SECRETS

LOGGER = logging.getLogger(__name__)

DOCKER_REGISTRY = "docker.io"
LOGIN_TIMEOUT_SECONDS = 60.0


async def _podman_login(username: str, password: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "podman",
        "login",
        "--username",
        username,
        "--password-stdin",
        DOCKER_REGISTRY,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(password.encode()), LOGIN_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        return -1, f"timed out after {LOGIN_TIMEOUT_SECONDS:.0f}s"
    return process.returncode or 0, output.decode(errors="replace").strip()


async def docker_login(config: ServerConfig) -> bool:
    """Log podman in to docker.io when the root `docker` block is set; True when it succeeded."""
    block = config.raw.get("docker")
    if not block:
        return False
    username: str = block["username"]
    password: str = block["password"]
    SECRETS.add(username)
    SECRETS.add(password)
    try:
        status, output = await _podman_login(username, password)
    except OSError as error:
        LOGGER.error("podman login to %s failed: %s", DOCKER_REGISTRY, error)
        return False
    if status != 0:
        LOGGER.error("podman login to %s failed (exit %d): %s", DOCKER_REGISTRY, status, output)
        return False
    LOGGER.info("Logged in to %s with podman", DOCKER_REGISTRY)
    return True
