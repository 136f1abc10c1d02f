"""Every GraphQL document the server's code defines validates against GitHub's schema and is answered
by the fake (documents are found as module-level string constants under `webhook_server/libs`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate

from webhook_server.tests.fake_github.graphql_schema import github_graphql_schema

LIBS = Path(__file__).resolve().parents[2] / "libs"


def _documents() -> list[tuple[str, str]]:
    found = []
    for path in sorted(LIBS.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)):
                continue
            text = node.value.value
            if isinstance(text, str) and text.strip().startswith(("query", "mutation")):
                name = node.targets[0].id if isinstance(node.targets[0], ast.Name) else "?"
                found.append((f"{path.relative_to(LIBS)}:{name}", text))
    return found


DOCUMENTS = _documents()


@pytest.mark.skipif(not DOCUMENTS, reason="the server defines no GraphQL documents yet")
@pytest.mark.parametrize(("where", "document"), DOCUMENTS, ids=[where for where, _ in DOCUMENTS] or None)
def test_server_document_validates_against_githubs_schema(where: str, document: str) -> None:
    parsed = parse(document)
    assert [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)], where
    assert validate(github_graphql_schema(), parsed) == []
