"""Local git: one bare mirror per repository, worktrees per operation, reading files at
a commit, and credentials handed to git through its environment (never argv or `.git/config`). May
import `process/`, `rules/` and `utils/`.
"""
