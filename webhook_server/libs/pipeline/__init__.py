"""The durable path of a delivery below the handlers: the immutable `Delivery`, the
SQLite ledger (deliveries, jobs, effects, owned check runs), the dispatcher's per-PR lanes, coalesced
merge evaluations, the job manager, deferred work (ledger-backed timers) and `ServerServices`, the
bundle handed to every delivery. May import `github/`, `config/`, `rules/` and `utils/`.
"""
