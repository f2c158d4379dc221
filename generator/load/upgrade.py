"""OpenAPI 3.0.x documents read as 3.1: the schema keywords that changed meaning are rewritten
in place, so every JSON Pointer (and so every line a problem is reported at) stays that of the
original file.

Rewritten (OpenAPI 3.1.0, "Migrating from 3.0"): ``nullable: true`` -> ``"null"`` added to
``type`` (and ``None`` to an ``enum``; ``anyOf`` with ``{type: "null"}`` for a schema without a
type); boolean ``exclusiveMinimum``/``exclusiveMaximum`` -> the number taken from
``minimum``/``maximum``; ``example`` -> ``examples: [example]``; ``openapi`` -> ``3.1.0``.
"""

from __future__ import annotations

from typing import Any

#: schema keywords holding one subschema, a list of them, or a name -> subschema map
_ONE = ("items", "not", "additionalProperties", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def is_30(data: Any) -> bool:
    """Whether ``data`` says ``openapi: 3.0.x``."""
    return isinstance(data, dict) and isinstance(data.get("openapi"), str) and data["openapi"].startswith("3.0")


def upgrade(data: dict) -> dict:
    """Rewrite a 3.0 document (in place) as 3.1; returns it."""
    _walk_document(data)
    data["openapi"] = "3.1.0"
    return data


def _walk_document(node: Any) -> None:
    """Find every schema outside schemas: the values of ``schema`` and ``components.schemas``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema":
                schema(value)
            elif key == "schemas" and isinstance(value, dict):
                for sub in value.values():
                    schema(sub)
            else:
                _walk_document(value)
    elif isinstance(node, list):
        for item in node:
            _walk_document(item)


def schema(node: Any, depth: int = 0) -> None:
    """Rewrite one 3.0 schema and its subschemas in place."""
    if not isinstance(node, dict) or depth > 200:
        return
    if node.pop("nullable", False) is True:
        t = node.get("type")
        if isinstance(t, str):
            node["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            t.append("null")
        elif t is None and "$ref" not in node and not any(k in node for k in _MANY):
            pass  # no type: any value, null included
        else:
            rest = {k: node.pop(k) for k in list(node) if k not in ("description", "title", "default", "example")}
            node["anyOf"] = [rest, {"type": "null"}]
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"].append(None)
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        flag = node.get(exclusive)
        if isinstance(flag, bool):
            if flag and bound in node:
                node[exclusive] = node.pop(bound)
            else:
                del node[exclusive]
    if "example" in node and "examples" not in node:
        node["examples"] = [node.pop("example")]
    for key in _ONE:
        schema(node.get(key), depth + 1)
    for key in _MANY:
        if isinstance(node.get(key), list):
            for sub in node[key]:
                schema(sub, depth + 1)
    for key in _MAP:
        if isinstance(node.get(key), dict):
            for sub in node[key].values():
                schema(sub, depth + 1)
