"""The image's HEALTHCHECK: GET /webhook_server/healthcheck on the address and port of the data dir's config.

Exit 0 when the server answers 200, 1 otherwise. Reads only `ip-bind` and `port` (defaults 0.0.0.0 and 5000);
a wildcard bind address is reached through the loopback.
"""

import os
import sys
import urllib.request
from pathlib import Path

import yaml

WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - addresses to connect to, not to bind
TIMEOUT_SECONDS = 4.0


def healthcheck_url(config_path: Path) -> str:
    """The healthcheck URL of the server configured by `config_path`."""
    loaded = yaml.safe_load(config_path.read_text()) if config_path.exists() else None
    config: dict[str, object] = loaded if isinstance(loaded, dict) else {}
    address = str(config.get("ip-bind") or "")
    host = "127.0.0.1" if address in WILDCARD_ADDRESSES else address
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{int(str(config.get('port') or 5000))}/webhook_server/healthcheck"


def main() -> int:
    data_dir = Path(os.environ.get("WEBHOOK_SERVER_DATA_DIR", "/home/podman/data"))
    try:
        with urllib.request.urlopen(healthcheck_url(data_dir / "config.yaml"), timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return 0 if answer.status == 200 else 1
    except OSError as error:
        sys.stderr.write(f"unhealthy: {error}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
