"""The pull-request workflow steps: snapshot, labels, reviewers from OWNERS, welcome
comment, tracking issue, verified, inline checks, merge state, can-be-merged, auto-merge, the test
oracle and AI title help. Each step reads through the delivery context and writes through
`github_api_call`. May import `checks/`, `context/`, `pipeline/`, `github/`, `git/`, `process/`,
`config/`, `rules/` and `utils/`; never commands, handlers, release or runtime.
"""
