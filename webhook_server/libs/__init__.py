"""The server's behaviour, one package per concern. Dependencies point downwards, and
`tests/architecture/test_layers.py` enforces it:

    runtime → handlers → commands → release → pr → checks, bootstrap → context → pipeline
            → github, git, log_store → config, process → rules → (utils)

A package may import the packages below it and never one above or beside it.
"""
