"""The HTTP surface only: webhook intake, health, the log viewer and its auth, `/metrics` and
`/mcp`. It wires requests to `libs/` and holds no workflow logic; nothing in `libs/` or `utils/` imports it.
"""
