"""Command-line tools beside the server (`entrypoint.py <tool> ...`): `replay` re-processes a stored or
file delivery, as a dry run by default. The top layer: may import everything below it except `app`
and `web` (it starts no HTTP server)."""
