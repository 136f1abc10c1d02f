"""Fixtures of the container image tests: the image built once per worker (shared build cache and lock), and
the scheduling rule that starts these long tests first so that they overlap the rest of the suite."""

from __future__ import annotations

import shutil

import pytest

from webhook_server.tests.container_image.image_build import BuiltImage, build_server_image, missing_tools

MARKER = "container_image"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: builds and runs the project's container image (minutes, cold)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Image tests first: under pytest-xdist the first items go out first, so the build overlaps other tests."""
    items.sort(key=lambda item: item.get_closest_marker(MARKER) is None)


@pytest.fixture(scope="session")
def server_image() -> BuiltImage:
    """The project's Dockerfile built on a local Debian trixie base (cached between runs)."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed: the container image cannot be built or run here")
    missing = missing_tools()
    assert not missing, f"podman is installed but {missing} are missing (apt-get install buildah mmdebstrap runc)"
    return build_server_image()
