"""Pytest fixtures that serve the fake GitHub (filled in by the fake GitHub work)."""
