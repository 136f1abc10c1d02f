"""GitHub's published GraphQL schema, loaded once and made acceptable to graphql-core.

The published SDL has two quirks graphql-core rejects: a type defining two fields twice, and
implementation fields marked deprecated where the interface field is not. Both are fixed on the
parsed document (duplicates dropped, those deprecation marks removed); nothing else changes.
Use `github_graphql_schema()` to validate documents (`graphql.validate`) or execute them.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
from pathlib import Path

from graphql import GraphQLSchema, build_ast_schema, parse
from graphql.language import (
    DefinitionNode,
    DocumentNode,
    FieldDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "github" / "graphql-schema.graphql.gz"


def _unique_fields(fields: tuple[FieldDefinitionNode, ...]) -> tuple[FieldDefinitionNode, ...]:
    seen: set[str] = set()
    unique = []
    for field_node in fields:
        if field_node.name.value not in seen:
            seen.add(field_node.name.value)
            unique.append(field_node)
    return tuple(unique)


def _is_deprecated(field_node: FieldDefinitionNode) -> bool:
    return any(directive.name.value == "deprecated" for directive in field_node.directives or ())


def _undeprecated(field_node: FieldDefinitionNode) -> FieldDefinitionNode:
    directives = tuple(d for d in field_node.directives or () if d.name.value != "deprecated")
    return dataclasses.replace(field_node, directives=directives)


def _interface_fields(document: DocumentNode) -> dict[str, dict[str, FieldDefinitionNode]]:
    return {
        definition.name.value: {f.name.value: f for f in definition.fields or ()}
        for definition in document.definitions
        if isinstance(definition, InterfaceTypeDefinitionNode)
    }


def _fixed(definition: DefinitionNode, interfaces: dict[str, dict[str, FieldDefinitionNode]]) -> DefinitionNode:
    """Drop duplicate fields; drop `@deprecated` where the implemented interface field is not deprecated."""
    if not isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode) or not definition.fields:
        return definition
    implemented = [iface.name.value for iface in definition.interfaces or ()]
    fields = []
    for field_node in _unique_fields(definition.fields):
        parents = [interfaces.get(name, {}).get(field_node.name.value) for name in implemented]
        conflicting = _is_deprecated(field_node) and any(p is not None and not _is_deprecated(p) for p in parents)
        fields.append(_undeprecated(field_node) if conflicting else field_node)
    return dataclasses.replace(definition, fields=tuple(fields))


@functools.cache
def github_graphql_schema() -> GraphQLSchema:
    """GitHub's GraphQL schema (built once per process, about a second)."""
    document = parse(gzip.decompress(SCHEMA_PATH.read_bytes()).decode(), no_location=True)
    interfaces = _interface_fields(document)
    definitions = tuple(_fixed(definition, interfaces) for definition in document.definitions)
    return build_ast_schema(dataclasses.replace(document, definitions=definitions), assume_valid_sdl=True)
