"""The `auto-heal` block: defaults, explicit values, and errors that name the key path."""

from datetime import timedelta
from typing import Any

import pytest

from webhook_server.libs.config import ConfigError
from webhook_server.libs.config.auto_heal import AutoHealConfig, auto_heal_config
from webhook_server.tests.config.support import minimal_config, snapshot


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        pytest.param(
            None,
            AutoHealConfig(True, timedelta(hours=24), timedelta(minutes=10), timedelta(hours=6)),
            id="defaults",
        ),
        pytest.param(
            {"redeliver": False, "lookback-hours": 2, "interval-minutes": 0.5, "reconcile-interval-hours": 0},
            AutoHealConfig(False, timedelta(hours=2), timedelta(seconds=30), None),
            id="explicit-reconcile-off",
        ),
    ],
)
def test_auto_heal_config(block: dict[str, Any] | None, expected: AutoHealConfig) -> None:
    document = minimal_config() if block is None else minimal_config(auto_heal=block)
    assert auto_heal_config(snapshot(document)) == expected


@pytest.mark.parametrize(
    ("block", "expected_line"),
    [
        pytest.param(
            {"lookback-hours": 0}, "config.yaml: auto-heal.lookback-hours: 0 is less than or equal to the minimum of 0"
        ),
        pytest.param(
            {"lookback-hours": 100}, "config.yaml: auto-heal.lookback-hours: 100 is greater than the maximum of 72"
        ),
        pytest.param({"redeliver": "yes"}, "config.yaml: auto-heal.redeliver: 'yes' is not of type 'boolean'"),
    ],
    ids=["lookback-zero", "lookback-beyond-githubs-retention", "redeliver-not-bool"],
)
def test_invalid_auto_heal_names_the_key(block: dict[str, Any], expected_line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        snapshot(minimal_config(auto_heal=block))
    assert caught.value.errors == [expected_line]


def test_unknown_auto_heal_key_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        snapshot(minimal_config(auto_heal={"redeliver-everything": True}))
    [line] = caught.value.errors
    assert line.startswith("config.yaml: auto-heal.redeliver-everything: unknown key")
