"""The validators' fast path: facts known inside one generated function, and subschemas
compiled to inline Python boolean expressions instead of function calls.

Used by :class:`generator.compile.Compiler` (mixed in as :class:`ExprCompiler`):

* :class:`Known` records, per generated function, which ``x.get(name, _M)`` lookups were
  hoisted into locals at its top, which variables are known dicts, and (boolean pass only)
  which JSON type a variable has whenever it is present, because an earlier check that returns
  ``False`` established it;
* :meth:`ExprCompiler.expr` turns a subschema made of ``type``, ``enum``, ``const``,
  ``required``, ``properties``, ``allOf``, ``anyOf``, ``oneOf``, ``not`` and ``$ref`` to a leaf
  schema into one expression, so ``if`` conditions cost a comparison, not a call. Anything
  else (or anything odd, which the statement compiler reports) gives ``None`` and the caller
  falls back to a generated ``_ok`` function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXPR_KEYWORDS = frozenset({"type", "enum", "const", "required", "properties", "allOf", "anyOf", "oneOf", "not", "$ref"})
LEAF_KEYWORDS = frozenset({"type", "enum", "const"})
_TYPE_TEST = {
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
    "string": "type({v}) is str",
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
    # a non-finite float (NaN, infinities: no JSON value) is no number
    "number": "(type({v}) is int or (type({v}) is float and {v} - {v} == 0))",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
}
_GUARD = {"object": "type({v}) is dict", "array": "type({v}) is list", "string": "type({v}) is str", "number": "(type({v}) is int or type({v}) is float)"}
_REF_PREFIX = "#/components/schemas/"
MAX_DEPTH = 6
#: the smallest group of rules worth one branch on their discriminating property
DISPATCH_MIN = 3
#: the discriminating property is absent / has a value no condition of the group names
MISSING = object()
OTHER = object()
_CONDITION_KEYS = frozenset({"properties", "required"})
_TEST_KEYS = frozenset({"const", "enum"})


@dataclass
class Known:
    """Facts about the variables of one generated function, valid where code is emitted.

    ``lookups``: ``(var, property) -> local`` holding ``var.get(property, _M)``, assigned at the
    top of the function; ``dicts``: variables that are dicts; ``types``: variable -> the JSON
    type it has whenever it is not ``_M`` (recorded only where a failed check returns);
    ``deferred``: deep checks of containers the boolean pass runs at the end of the function.
    """

    lookups: dict[tuple[str, str], str] = field(default_factory=dict)
    dicts: set[str] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)
    #: code the boolean pass runs last (deep checks of containers)
    deferred: list[Any] = field(default_factory=list)

    def is_a(self, v: str, kind: str) -> bool:
        """Whether ``v`` (where present) is known to be of JSON type ``kind``."""
        if kind == "object" and v in self.dicts:
            return True
        known = self.types.get(v)
        return known == kind or (kind == "number" and known == "integer")

    def guard(self, v: str, kind: str) -> str | None:
        """The ``if`` test guarding keywords of ``kind`` on ``v``, or None when it always holds."""
        return None if self.is_a(v, kind) else _GUARD[kind].format(v=v)


def json_type(schema: Any, components: dict[str, tuple[Any, str]]) -> str | None:
    """The single JSON type every value valid against ``schema`` has, if the schema says so
    (``type`` or an all-string ``enum``), following one ``$ref``; else None."""
    for _ in range(2):
        if not isinstance(schema, dict):
            return None
        t = schema.get("type")
        if isinstance(t, str) and t in _TYPE_TEST:
            return t
        enum = schema.get("enum")
        if isinstance(enum, list) and enum and all(isinstance(x, str) for x in enum):
            return "string"
        ref = schema.get("$ref")
        if not (isinstance(ref, str) and ref.startswith(_REF_PREFIX)):
            return None
        schema = components.get(ref[len(_REF_PREFIX):].replace("~1", "/").replace("~0", "~"), (None, ""))[0]
    return None


class ExprCompiler:
    """Mixin of :class:`generator.compile.Compiler`: inline boolean expressions."""

    components: dict[str, tuple[Any, str]]

    def constant(self, prefix: str, source: str) -> str:  # provided by Compiler
        raise NotImplementedError

    def component(self, name: str) -> tuple[str, str]:  # provided by Compiler
        raise NotImplementedError

    def _name(self, prefix: str) -> str:  # provided by Compiler
        raise NotImplementedError

    def dispatch_groups(self, entries: list, v: str, known: Known) -> dict[str, list[int]]:
        """``allOf`` entries (by index) that are ``if``/``then``/``else`` on one hoisted property
        of ``v`` compared with string constants, grouped by that property (groups of at least
        :data:`DISPATCH_MIN`)."""
        if v not in known.dicts:
            return {}
        groups: dict[str, list[int]] = {}
        for i, sub in enumerate(entries):
            prop = discriminator(sub)
            if prop is not None and (v, prop) in known.lookups:
                groups.setdefault(prop, []).append(i)
        return {p: idx for p, idx in groups.items() if len(idx) >= DISPATCH_MIN}

    def ref_name(self, ref: Any) -> str | None:
        """The component a local ``$ref`` names, or None (the statement compiler reports it)."""
        if not isinstance(ref, str) or not ref.startswith(_REF_PREFIX):
            return None
        name = ref[len(_REF_PREFIX):].replace("~1", "/").replace("~0", "~")
        return name if name in self.components else None

    def is_leaf(self, schema: Any) -> bool:
        """A schema of only ``type`` (one), ``enum`` and ``const``: inlined where referenced."""
        if not isinstance(schema, dict) or "x-validations" in schema or "x-rule" in schema:
            return False
        keys = {k for k in schema if not k.startswith("x-")} - _annotations()
        return bool(keys) and keys <= LEAF_KEYWORDS and not isinstance(schema.get("type"), list)

    def ref_ok(self, target: str, v: str, known: Known) -> str:
        """Boolean expression: ``v`` is a valid ``target`` (inline for a leaf schema)."""
        schema = self.components[target][0]
        if self.is_leaf(schema):
            inline = self.expr(schema, v, known, 1)
            if inline is not None:
                return inline
        return f"{self.component(target)[1]}({v})"

    def expr(self, schema: Any, v: str, known: Known, depth: int = 0) -> str | None:
        """A Python expression true iff the (present) value in ``v`` is valid against
        ``schema``; None when the schema needs statements (or is malformed)."""
        if schema is True or schema == {}:
            return "True"
        if schema is False:
            return "False"
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return None
        if "x-rule" in schema or "x-validations" in schema:
            return None
        keys = {k for k in schema if not (isinstance(k, str) and k.startswith("x-"))} - _annotations()
        if not keys <= EXPR_KEYWORDS:
            return None
        parts: list[str] = []
        if "$ref" in schema:
            target = self.ref_name(schema["$ref"])
            if target is None:
                return None
            parts.append(self.ref_ok(target, v, known))
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types
        if "type" in schema:
            if not isinstance(types, list) or not types or len(set(types)) != len(types) or any(t not in _TYPE_TEST for t in types):
                return None
            if "integer" in types and "number" in types:
                types = [t for t in types if t != "integer"]
            if not (len(types) == 1 and known.is_a(v, types[0])):
                parts.append(" or ".join(_TYPE_TEST[t].format(v=v) for t in sorted(types, key=lambda t: t != "null")))
        is_str = known.is_a(v, "string") or types == ["string"]
        for piece in (self._enum_expr(schema, v, is_str), self._const_expr(schema, v)):
            if piece is False:
                return None
            if piece:
                parts.append(piece)
        obj = self._object_expr(schema, v, known, depth)
        if obj is None:
            return None
        if obj:
            body = " and ".join(f"({o})" for o in obj)
            parts.append(body if known.is_a(v, "object") or types == ["object"] else f"type({v}) is not dict or ({body})")
        for key, joiner in (("allOf", " and "), ("anyOf", " or "), ("oneOf", " + ")):
            if key in schema:
                subs = schema[key]
                if not isinstance(subs, list) or not subs:
                    return None
                exprs = [self.expr(s, v, known, depth + 1) for s in subs]
                if any(e is None for e in exprs):
                    return None
                joined = joiner.join(f"({e})" for e in exprs)
                parts.append(f"({joined}) == 1" if key == "oneOf" else joined)
        if "not" in schema:
            inner = self.expr(schema["not"], v, known, depth + 1)
            if inner is None:
                return None
            parts.append(f"not ({inner})")
        return " and ".join(f"({p})" for p in parts) if parts else "True"

    def _enum_expr(self, schema: dict, v: str, is_str: bool) -> str | bool:
        if "enum" not in schema:
            return ""
        values = schema["enum"]
        if not isinstance(values, list) or not values or len({repr((type(x), x)) for x in values}) != len(values):
            return False
        if all(isinstance(x, str) for x in values):
            name = self.constant("_E", "frozenset({" + ", ".join(repr(x) for x in sorted(set(values))) + "})")
            return f"{v} in {name}" if is_str else f"type({v}) is str and {v} in {name}"
        return f"_in_enum({v}, {self.constant('_EL', repr(values))})"

    def _const_expr(self, schema: dict, v: str) -> str:
        if "const" not in schema:
            return ""
        c = schema["const"]
        if isinstance(c, str):
            return f"{v} == {c!r}"
        if c is True or c is False or c is None:
            return f"{v} is {c!r}"
        if isinstance(c, (int, float)):
            return f"type({v}) in _NUM and {v} == {c!r}"
        return f"_json_eq({v}, {self.constant('_C', repr(c))})"

    def _object_expr(self, schema: dict, v: str, known: Known, depth: int) -> list[str] | None:
        """Conjuncts of ``required`` and ``properties`` on ``v`` (a dict); None if malformed."""
        required = schema.get("required") or []
        props = schema.get("properties") or {}
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required) or len(set(required)) != len(required):
            return None
        if not isinstance(props, dict):
            return None
        out: list[str] = []
        for name in required:
            if name not in props:
                local = known.lookups.get((v, name))
                out.append(f"{local} is not _M" if local else f"{name!r} in {v}")
        for name, sub in props.items():
            required_here = name in required
            if sub is False and required_here:
                return None
            local = known.lookups.get((v, name))
            var = local or self._name("_w")
            getter = local or f"({var} := {v}.get({name!r}, _M))"
            sub_e = self.expr(sub, var, known, depth + 1)
            if sub_e is None:
                return None
            if sub_e == "True":
                if required_here:
                    out.append(f"{local} is not _M" if local else f"{name!r} in {v}")
                continue
            if required_here:
                out.append(sub_e if local and _rejects_missing(sub, self.components) else f"{getter} is not _M and ({sub_e})")
            else:
                out.append(f"{getter} is _M or ({sub_e})")
        return out


def _rejects_missing(schema: Any, components: dict[str, tuple[Any, str]]) -> bool:
    """Whether the expression of ``schema`` is false for ``_M`` (a const or enum test)."""
    if isinstance(schema, dict) and ("const" in schema or "enum" in schema):
        return True
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        target = components.get(ref.rsplit("/", 1)[-1], (None, ""))[0] if ref.startswith(_REF_PREFIX) else None
        return isinstance(target, dict) and ("const" in target or "enum" in target)
    return False


def _annotations() -> frozenset[str]:
    from genspec.schema.vocabulary import ANNOTATIONS

    return ANNOTATIONS


def discriminator(entry: Any) -> str | None:
    """The property an ``allOf`` entry's ``if`` tests alone (``properties: {P: {const|enum of
    strings}}``, optionally ``required: [P]``), if the entry is only that conditional."""
    if not isinstance(entry, dict) or "if" not in entry:
        return None
    keys = {k for k in entry if not (isinstance(k, str) and k.startswith("x-"))} - _annotations()
    if not keys <= {"if", "then", "else"} or "x-validations" in entry:
        return None
    cond = entry["if"]
    if not isinstance(cond, dict) or not set(cond) <= _CONDITION_KEYS or not isinstance(cond.get("properties"), dict):
        return None
    props = cond["properties"]
    if len(props) != 1:
        return None
    (prop, test), = props.items()
    if cond.get("required", [prop]) != [prop] or not isinstance(prop, str) or not isinstance(test, dict):
        return None
    if not test or not set(test) <= _TEST_KEYS:
        return None
    values = test.get("enum", [test.get("const")]) if "enum" in test else [test.get("const")]
    if "enum" in test and "const" in test:
        return None
    if not isinstance(values, list) or not values or not all(isinstance(x, str) for x in values):
        return None
    return prop


def _tested(cond: dict, prop: str) -> list[str]:
    test = cond["properties"][prop]
    return list(test["enum"]) if "enum" in test else [test["const"]]


def dispatch_values(conditions: list[dict], prop: str) -> list[str]:
    """Every value the conditions compare ``prop`` with, in order of first appearance."""
    return list(dict.fromkeys(x for cond in conditions for x in _tested(cond, prop)))


def condition_holds(cond: dict, prop: str, value: Any) -> bool:
    """Whether the ``if`` schema ``cond`` (see :func:`discriminator`) holds when ``prop`` is
    ``value`` (or :data:`MISSING`, or :data:`OTHER`: a value no condition names)."""
    if value is MISSING:
        return "required" not in cond
    if value is OTHER:
        return False
    return value in _tested(cond, prop)
