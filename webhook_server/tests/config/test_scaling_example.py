"""The scale-out compose example (examples/docker-compose-scaling.yaml) hangs together: server replicas with the
intake and worker roles, each with its own data dir, waiting for a healthy PostgreSQL 15; and the `ledger-url`
the README and the compose file tell users to write reaches that database and passes the config schema."""

import re
from pathlib import Path
from typing import Any

import yaml

from webhook_server.tests.config.support import minimal_config, snapshot

REPO_ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO_ROOT / "examples" / "docker-compose-scaling.yaml"
LEDGER_URL = re.compile(r"ledger-url: (postgresql://\S+)")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


def server_replicas() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if "entrypoint.py" in service.get("command", [])
    }


def role_of(service: dict[str, Any]) -> str:
    command: list[str] = service["command"]
    return command[command.index("--role") + 1]


def image_data_dir() -> str:
    found = re.search(r"WEBHOOK_SERVER_DATA_DIR=(\S+)", (REPO_ROOT / "Dockerfile").read_text())
    assert found is not None
    return found.group(1)


def test_one_intake_and_several_workers_each_with_its_own_data_dir() -> None:
    replicas = server_replicas()
    roles = sorted(role_of(service) for service in replicas.values())
    assert roles.count("intake") == 1
    assert roles.count("worker") >= 2
    assert set(roles) == {"intake", "worker"}
    mounts = [service["volumes"][0].split(":") for service in replicas.values()]
    assert all(target == image_data_dir() for _, target, _ in mounts)
    sources = [source for source, _, _ in mounts]
    assert len(set(sources)) == len(sources), "replicas must not share a data dir"


def test_only_the_intake_is_published_beyond_the_loopback() -> None:
    for name, service in server_replicas().items():
        public = [port for port in service.get("ports", []) if not port.startswith("127.0.0.1:")]
        assert public == (["5000:5000"] if role_of(service) == "intake" else []), name


def test_replicas_wait_for_a_healthy_postgresql_15() -> None:
    postgres = compose()["services"]["postgres"]
    assert postgres["image"].endswith("postgres:15")
    assert "pg_isready" in postgres["healthcheck"]["test"]
    for name, service in server_replicas().items():
        assert service["depends_on"] == {"postgres": {"condition": "service_healthy"}}, name


def test_documented_ledger_url_reaches_the_compose_database_and_validates() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    scaling_section = readme.split("## Scaling out", 1)[1].split("\n## ", 1)[0]
    compose_steps = scaling_section.split("```bash", 1)[1].split("```", 1)[0]
    documented = LEDGER_URL.findall(compose_steps) + LEDGER_URL.findall(COMPOSE_FILE.read_text())
    environment = compose()["services"]["postgres"]["environment"]
    expected = re.compile(
        rf"postgresql://{environment['POSTGRES_USER']}:[^@]+@postgres:5432/{environment['POSTGRES_DB']}"
    )
    assert documented, "the README and the compose file show the ledger-url to set"
    for url in documented:
        assert expected.fullmatch(url), url
        snapshot(minimal_config(ledger_url=url))  # raises ConfigError if the schema refuses it


def test_workers_yield_the_cpu_to_the_intake() -> None:
    services = compose()["services"]
    weights = {name: service.get("cpu_shares", 1024) for name, service in services.items() if name != "postgres"}
    intake = [weight for name, weight in weights.items() if role_of(services[name]) == "intake"]
    workers = [weight for name, weight in weights.items() if role_of(services[name]) == "worker"]
    assert workers
    assert max(workers) < min(intake)
