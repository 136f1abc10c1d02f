"""The image ships the tools the checks, release flows and AI features start, at the pinned versions, and the
run flags the README names make the sandbox (bubblewrap) and builds inside the container (podman) work."""

from __future__ import annotations

import json
import re

import pytest

from webhook_server.tests.container_image.image_build import PROJECT_ROOT, RUN_FLAGS, BuiltImage

pytestmark = [pytest.mark.container_image, pytest.mark.timeout(2400)]

SANDBOX = "bwrap --ro-bind / / --unshare-all --die-with-parent --dev /dev --tmpfs /tmp"
INNER_BUILD = (
    "mkdir -p /tmp/ctx && cd /tmp/ctx && echo hi > hello.txt"
    " && printf 'FROM scratch\\nCOPY hello.txt /hello.txt\\n' > Containerfile"
    " && podman build -q -t localhost/inner:1 . >/dev/null"
    " && podman image exists localhost/inner:1 && echo inner-build-ok"
)


def run_in_image(image: BuiltImage, script: str, *flags: str) -> str:
    """`bash -c script` as the image's user; returns stdout, fails with the output on a non-zero exit."""
    result = image.engine.podman(
        "run",
        "--rm",
        *RUN_FLAGS,
        "--health-cmd",
        "none",
        *flags,
        "--entrypoint",
        "bash",
        image.name,
        "-c",
        script,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def pinned_python_tools() -> dict[str, str]:
    text = (PROJECT_ROOT / "container" / "tools-constraints.txt").read_text()
    return dict(re.findall(r"^([a-z0-9-]+)==(\S+)$", text, flags=re.MULTILINE))


def test_tools_are_installed_at_the_pinned_versions(server_image: BuiltImage) -> None:
    output = run_in_image(
        server_image,
        "set -e; id -un; uv --version; tox --version; prek --version; pre-commit --version; twine --version;"
        " claude --version; gemini --version; git --version; podman --version; buildah --version; skopeo --version;"
        # a check's constructed environment: another HOME, an empty uv cache, no index: uvx uses the installed tox
        " env -i PATH=$PATH UV_TOOL_DIR=$UV_TOOL_DIR HOME=/tmp/check-home UV_CACHE_DIR=/tmp/check-home/uv"
        " uvx --offline tox --version",
    )
    pins = pinned_python_tools()
    npm_pins = json.loads((PROJECT_ROOT / "container" / "ai-clis" / "package.json").read_text())["dependencies"]
    assert output.splitlines()[0] == "podman"
    for expected in (
        f"uv {pins['uv']}",
        f"{pins['tox']} from /opt/uv-tools/tox/",
        f"prek {pins['prek']}",
        f"pre-commit {pins['pre-commit']}",
        f"twine version {pins['twine']}",
        f"{npm_pins['@anthropic-ai/claude-code']} (Claude Code)",
        npm_pins["@google/gemini-cli"],
        "git version",
        "skopeo version",
    ):
        assert expected in output
    assert output.count(f"{pins['tox']} from /opt/uv-tools/tox/") == 2  # tox itself and through uvx


@pytest.mark.parametrize(
    ("flags", "script", "expected"),
    [
        ((), f"{SANDBOX} id -un", "podman"),
        (("--security-opt", "unmask=ALL"), f"{SANDBOX} --proc /proc cat /proc/self/comm", "cat"),
        (("--privileged",), f"{INNER_BUILD} && {SANDBOX} --proc /proc true && echo sandbox-ok", "sandbox-ok"),
    ],
    ids=["sandbox-default-flags", "sandbox-with-proc-unmask-all", "podman-in-podman-privileged"],
)
def test_run_flags_of_the_readme(server_image: BuiltImage, flags: tuple[str, ...], script: str, expected: str) -> None:
    output = run_in_image(server_image, script, *flags)
    assert expected in output.split()
    if "--privileged" in flags:
        assert "inner-build-ok" in output.split()
