"""Tests of config loading, validation, precedence rules, reload and the entrypoint."""
