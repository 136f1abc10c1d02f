"""One class per GitHub event (`pull_request`, `issue_comment`, `check_run`, ...) and the
routing table `registry.handler_for`. A handler adapts a resolved `GithubWebhook` to the PR workflow,
commands and release flows. It may import `commands/` and everything below it; a handler never
imports another handler, and only `runtime/` imports handlers.
"""
