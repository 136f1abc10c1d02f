"""Subprocesses: the runner (timeouts, kill of the whole process group, masked output)
and the AI CLIs run through it. May import `utils/` only.
"""
