"""Keyword family: ``type``, ``enum`` and ``const``."""

from __future__ import annotations

from typing import Any

from genspec.schema.compile.code import (
    _TYPE_NOUN,
    _TYPE_TEST,
    Code,
    Ctx,
    Path,
    _json_key,
    _json_text,
    with_block,
)
from genspec.schema.vocabulary import JSON_TYPES


class TypesMixin:
    """``type`` (one or a list), ``enum`` and ``const`` with JSON equality (1 == 1.0)."""

    def _type(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> bool:
        """Emit the type check; True when it was emitted as an ``if`` an ``else`` may follow."""
        if "type" not in schema:
            return False
        types = schema["type"]
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or not types or any(t not in JSON_TYPES for t in types):
            self.reporter.add(ctx.ptr + "/type", f"unknown type {schema['type']!r}", "use one of " + ", ".join(JSON_TYPES))
            return False
        if len(set(types)) != len(types):
            self.reporter.add(ctx.ptr + "/type", "type lists a type twice", "list each type once")
        if "integer" in types and "number" in types:
            types = [t for t in types if t != "integer"]
        if len(types) == 1 and ctx.known.is_a(v, types[0]):
            return False
        # null first: `v is None` costs less than a type() call, and a null rejects no other type
        test = " or ".join(_TYPE_TEST[t].format(v=v) for t in sorted(types, key=lambda t: t != "null"))
        noun = " or ".join(_TYPE_NOUN[t] for t in types)
        with_block(code, f"if not ({test}):", lambda: self.fail(code, ctx, path, "type", f"must be {noun}"))
        if ctx.mode == "bool" and ctx.top and len(types) == 1:
            ctx.known.types[v] = types[0]
        return True

    def _literal(self, value: Any) -> str:
        return repr(value)

    def _enum_const(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list):
                self.reporter.add(ctx.ptr + "/enum", "enum must be a list", "list the allowed values")
            elif not values:  # 2020-12 allows it: no value is valid
                self.fail(code, ctx, path, "enum", "no value is allowed (enum is empty)")
            else:
                keys = [_json_key(x) for x in values]
                if len(set(keys)) != len(keys):
                    self.reporter.add(ctx.ptr + "/enum", "enum lists a value twice", "remove the duplicate")
                shown = ", ".join(str(x) if isinstance(x, str) else _json_text(x) for x in values)
                if all(isinstance(x, str) for x in values):
                    name = self.constant("_E", "frozenset({" + ", ".join(repr(x) for x in sorted(set(values))) + "})")
                    test = f"{v} not in {name}" if ctx.known.is_a(v, "string") else f"type({v}) is not str or {v} not in {name}"
                else:
                    name = self.constant("_EL", repr(values))
                    test = f"not _in_enum({v}, {name})"
                with_block(code, f"if {test}:", lambda: self.fail(code, ctx, path, "enum", f"must be one of: {shown}"))
        if "const" in schema:
            c = schema["const"]
            if isinstance(c, str):
                test = f"{v} != {c!r}"
            elif c is True or c is False:
                test = f"{v} is not {c!r}"
            elif c is None:
                test = f"{v} is not None"
            elif isinstance(c, (int, float)):
                test = f"not (type({v}) in _NUM and {v} == {c!r})"
            else:
                test = f"not _json_eq({v}, {self.constant('_C', repr(c))})"
            with_block(code, f"if {test}:", lambda: self.fail(code, ctx, path, "const", f"must be {_json_text(c)}"))
