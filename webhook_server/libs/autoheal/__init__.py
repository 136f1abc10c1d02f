"""Auto-heal: recover deliveries GitHub could not send (ask it to redeliver those the ledger never saw) and
reconcile drift on open pull requests (labels, `can-be-merged`, missing or stuck check runs), as
background work paced behind deliveries. Sits just below `runtime/`, which starts it; may import `pr/`,
`checks/`, `bootstrap/`, `context/`, `pipeline/`, `github/`, `config/`, `rules/` and `utils/`.
"""
