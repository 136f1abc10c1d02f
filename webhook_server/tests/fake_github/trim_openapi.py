"""Trims GitHub's REST OpenAPI description to the operations the fake serves (and what they reference).

Usage: python -m webhook_server.tests.fake_github.trim_openapi <api.github.com.json[.gz]> <out.json.gz>
The output is `fixtures/github/rest-api-description.trimmed.json.gz`, used by the conformance tests.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

from webhook_server.tests.fake_github.app import ROUTES

TRIMMED_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "github" / "rest-api-description.trimmed.json.gz"
PARAM_RE = re.compile(r"\{[^}]+\}")


def _literal_count(template: str) -> int:
    return sum(1 for segment in template.split("/") if segment and not segment.startswith("{"))


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("[^/]+".join(re.escape(part) for part in PARAM_RE.split(template)))


def spec_path_for(pattern: str, method: str, paths: dict[str, Any]) -> str | None:
    """The most specific OpenAPI path template that a fake route pattern serves, or None."""
    sample = PARAM_RE.sub("X", pattern)
    candidates = [
        template
        for template, operations in paths.items()
        if method.lower() in operations and _template_regex(template).fullmatch(sample)
    ]
    return max(candidates, key=_literal_count, default=None)


def served_operations(paths: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(METHOD, fake pattern) → OpenAPI template, for every fake route GitHub's description has."""
    found = {}
    for route in ROUTES:
        template = spec_path_for(route.pattern, route.method, paths)
        if template is not None:
            found[(route.method, route.pattern)] = template
    return found


def _strip_examples(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _strip_examples(value) for key, value in node.items() if key not in ("examples", "example")}
    if isinstance(node, list):
        return [_strip_examples(item) for item in node]
    return node


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    operations = served_operations(spec["paths"])
    paths: dict[str, Any] = {}
    for (method, _), template in operations.items():
        paths.setdefault(template, {})[method.lower()] = _strip_examples(spec["paths"][template][method.lower()])
    components: dict[str, dict[str, Any]] = {}
    pending = _refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        value = _strip_examples(spec["components"][section][name])
        components.setdefault(section, {})[name] = value
        pending |= _refs(value) - seen
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec["servers"],
        "paths": dict(sorted(paths.items())),
        "components": {section: dict(sorted(items.items())) for section, items in sorted(components.items())},
    }


def load(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
    return data


def main(argv: list[str]) -> int:
    source, target = Path(argv[1]), Path(argv[2])
    trimmed = trim(load(source))
    target.write_bytes(gzip.compress(json.dumps(trimmed, sort_keys=False).encode(), mtime=0))
    print(f"{len(trimmed['paths'])} paths, {target.stat().st_size} bytes → {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
