"""The project's import graph read from source with `ast`: every `import` and `from … import` of a
`webhook_server` module, wherever it stands (top level, functions, `TYPE_CHECKING` blocks)."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
PROJECT = "webhook_server"


@dataclass(frozen=True)
class ImportEdge:
    importer: str
    imported: str
    line: int


def module_name(path: Path, root: Path = PACKAGE_ROOT) -> str:
    """`webhook_server/libs/pr/labels.py` → `webhook_server.libs.pr.labels` (packages without `.__init__`)."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules(root: Path = PACKAGE_ROOT) -> dict[str, Path]:
    """Every module of the product (tests excluded), by dotted name."""
    return {module_name(path, root): path for path in sorted(root.rglob("*.py")) if "tests" not in path.parts}


def _targets(node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names if alias.name in modules)
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        for alias in node.names:
            submodule = f"{node.module}.{alias.name}"
            if submodule in modules:
                yield submodule
            elif node.module in modules:
                yield node.module


def import_edges(modules: dict[str, Path]) -> list[ImportEdge]:
    """One edge per imported project module per import statement."""
    edges: list[ImportEdge] = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges.extend(ImportEdge(name, target, node.lineno) for target in _targets(node, modules))
    return edges


def cycles(edges: list[ImportEdge]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.imported)
        graph.setdefault(edge.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
