"""The running server: `ServerRuntime` builds the long-lived services (ledger,
dispatcher, GitHub access, check service, bootstrap, config reload), `DeliveryRunner` takes one
delivery through the context and routes it to its event's handler, and the startup glue (check-run
recovery, IP allowlist). The top of `libs/`: it may import every other package; only `app.py` and
`web/` import it.
"""
