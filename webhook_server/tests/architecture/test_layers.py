"""The architecture holds: no import circle between modules, and no package imports one above or beside it.

The layers are listed top to bottom; a module may import its own package and the packages of lower layers.
The same order is written in each package's `__init__` docstring and in CLAUDE.md.
"""

from pathlib import Path

import pytest

from webhook_server.tests.architecture.import_graph import ImportEdge, cycles, import_edges, source_modules

LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("app",),
    ("web",),
    ("libs.runtime",),
    ("libs.autoheal",),
    ("libs.handlers",),
    ("libs.commands",),
    ("libs.release",),
    ("libs.pr",),
    ("libs.checks", "libs.bootstrap"),
    ("libs.context",),
    ("libs.pipeline",),
    ("libs.github", "libs.git", "libs.log_store"),
    ("libs.config", "libs.process"),
    ("libs.rules",),
    ("utils",),
)
ROOT_MODULES = ("webhook_server", "webhook_server.libs")  # package docstrings only


def package_of(module: str) -> str:
    """The layer package a module belongs to (`webhook_server.libs.pr.labels` → `libs.pr`)."""
    relative = module.removeprefix("webhook_server.")
    for layer in LAYERS:
        for package in layer:
            if relative == package or relative.startswith(package + "."):
                return package
    raise LookupError(f"{module} belongs to no layer: add its package to LAYERS")


def layer_index(package: str) -> int:
    return next(position for position, layer in enumerate(LAYERS) if package in layer)


def violation(edge: ImportEdge) -> str | None:
    """Why this import breaks the layering, or None when it points down or stays in its package."""
    importer, imported = package_of(edge.importer), package_of(edge.imported)
    if importer == imported or layer_index(imported) > layer_index(importer):
        return None
    where = "beside" if layer_index(imported) == layer_index(importer) else "above"
    return f"{edge.importer}:{edge.line} imports {edge.imported} ({imported} is {where} {importer})"


def project_edges() -> list[ImportEdge]:
    modules = {name: path for name, path in source_modules().items() if name not in ROOT_MODULES}
    return import_edges(modules)


def test_every_module_belongs_to_a_layer() -> None:
    for name in source_modules():
        if name not in ROOT_MODULES:
            package_of(name)


def test_no_import_points_up_or_sideways() -> None:
    problems = [problem for edge in project_edges() if (problem := violation(edge))]
    assert problems == []


def test_no_import_circle() -> None:
    assert cycles(project_edges()) == []


def test_rules_import_nothing_of_the_project() -> None:
    rules_edges = [edge for edge in project_edges() if package_of(edge.importer) == "libs.rules"]
    assert [edge for edge in rules_edges if package_of(edge.imported) != "libs.rules"] == []


def _write(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for relative, text in files.items():
        path = root / "webhook_server" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return source_modules(root / "webhook_server")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"a.py": "import webhook_server.b\n", "b.py": "from webhook_server import a\n"},
            [["webhook_server.a", "webhook_server.b"]],
            id="two-module-circle",
        ),
        pytest.param(
            {
                "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from webhook_server.b import X\n",
                "b.py": "def f():\n    from webhook_server.a import Y\n",
            },
            [["webhook_server.a", "webhook_server.b"]],
            id="circle-through-type-checking-and-function-imports",
        ),
        pytest.param({"a.py": "import webhook_server.b\n", "b.py": "import os\n"}, [], id="no-circle"),
    ],
)
def test_cycle_detection_finds_circles_wherever_the_import_stands(
    tmp_path: Path, files: dict[str, str], expected: list[list[str]]
) -> None:
    assert cycles(import_edges(_write(tmp_path, files))) == expected


@pytest.mark.parametrize(
    ("importer", "imported", "broken"),
    [
        pytest.param("webhook_server.libs.rules.size", "webhook_server.libs.config.model", True, id="rules-up"),
        pytest.param("webhook_server.utils.context", "webhook_server.libs.github.api_call", True, id="utils-up"),
        pytest.param(
            "webhook_server.libs.context.github_webhook",
            "webhook_server.libs.handlers.registry",
            True,
            id="context-to-handlers",
        ),
        pytest.param(
            "webhook_server.libs.pr.welcome", "webhook_server.libs.commands.registry", True, id="pr-to-commands"
        ),
        pytest.param("webhook_server.libs.checks.service", "webhook_server.libs.bootstrap.model", True, id="sideways"),
        pytest.param("webhook_server.libs.runtime.server", "webhook_server.web.intake", True, id="runtime-to-web"),
        pytest.param("webhook_server.libs.handlers.push", "webhook_server.libs.release.tag_release", False, id="down"),
        pytest.param("webhook_server.libs.pr.labels", "webhook_server.libs.pr.snapshot", False, id="same-package"),
    ],
)
def test_violation_table(importer: str, imported: str, broken: bool) -> None:
    assert (violation(ImportEdge(importer, imported, 1)) is not None) is broken
