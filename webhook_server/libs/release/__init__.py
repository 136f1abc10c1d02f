"""Release flows (`release.md`): cherry-picks, `/rebase`, container builds and pushes,
image tag cleanup, PyPI publishing on tag pushes and Slack notifications. Everything long-running here
runs as a job. May import `pr/` and everything below it; never commands, handlers or runtime.
"""
