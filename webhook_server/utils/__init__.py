"""The ground floor: the per-delivery context (steps, API-call count), logging and its file
writer, secret masking, metrics and HMAC signatures. Imports nothing from `libs/` or `web/`.
"""
