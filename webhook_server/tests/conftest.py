"""Shared pytest configuration: registers the fixture plugins of the suite."""

pytest_plugins = [
    "webhook_server.tests.fake_github.fixtures",
]
