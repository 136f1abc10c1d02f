"""Slash commands in PR comments: one module per command (parse, who may run it, its
effect, its help entry), the registry that drives `/help` and the welcome text, and the command
runner. Commands may import `release/`, `pr/` and everything below; never `handlers/` or `runtime/`.
"""
