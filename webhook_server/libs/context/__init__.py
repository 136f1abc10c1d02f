"""The per-delivery context `GithubWebhook`: the cheapest early exits, the repository
and its effective config, the pull request, the draft and staleness rules. It decides whether a
delivery goes on, and hands the resolved context back; routing to a handler happens above it, in
`runtime/`. May import `pipeline/`, `github/`, `config/`, `rules/` and `utils/` only.
"""
