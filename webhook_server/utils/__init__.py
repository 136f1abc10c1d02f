"""The ground floor: the per-delivery context (steps, API-call count), logging and its file
writer, secret masking and ANSI stripping (the one copy of each: rules/ cannot import them, so its
callers pass cleaned text), metrics and HMAC signatures. Imports nothing from `libs/` or `web/`.
"""
