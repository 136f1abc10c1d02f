"""Tests of the log viewer, its log store, auth, MCP and metrics."""
