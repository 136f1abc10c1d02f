"""Benchmarks: scripts run by hand that drive the real server and print figures."""
