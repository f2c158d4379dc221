"""JSON Schema 2020-12 and CEL rules compiled to plain Python validator functions.

For every component schema the compiler emits two functions:

* ``_v_<Name>(x, p, out)`` appends a :class:`Violation`-like tuple for every problem of ``x``
  (whose JSON Pointer is ``p``) to the list ``out``;
* ``_ok_<Name>(x) -> bool`` answers only whether ``x`` is valid (used by ``if``, ``not``,
  ``anyOf``, ``oneOf`` and inside rules).

Anonymous subschemas needed as booleans get ``_okN`` functions. Keywords are checked inline,
guarded by the instance's JSON type, so no function raises on any JSON value.

A subschema carrying ``x-rule`` opens a *rule scope*: every failure inside it is reported as
that rule (its ``id`` and ``message``) at the JSON Pointer where it happened, or at the rule's
``at`` pointer. Failures outside any rule scope are reported as ``<Schema>.<property
path>.<keyword>``. ``x-validations`` entries (CEL) become ``_celN(self) -> bool`` functions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from genspec.load.errors import Reporter
from genspec.load.ir import Rule
from genspec.load.loader import escape_pointer
from genspec.load.naming import schema_function_suffix
from genspec.schema import cel
from genspec.schema.fastpath import (
    MISSING,
    OTHER,
    ExprCompiler,
    Known,
    condition_holds,
    dispatch_values,
    json_type,
)
from genspec.schema.vocabulary import ANNOTATIONS, ASSERTIONS, JSON_TYPES, UNSUPPORTED

#: formats asserted by the generated validators (others are annotations, as in 2020-12)
FORMATS = ("uuid", "uri", "date-time", "date", "email")
_NUMBER_FORMATS = ("float", "double", "int32", "int64")
#: when a string fails a format (the ``_*_MATCH`` names are bound regex methods of ``_runtime``)
_FORMAT_FAILS = {
    "uuid": "len({v}) != 36 or _UUID_MATCH({v}) is None",
    "uri": "_URI_MATCH({v}) is None",
    "date-time": "_DATE_TIME_MATCH({v}) is None",
    "date": "_DATE_MATCH({v}) is None",
    "email": "_EMAIL_MATCH({v}) is None",
}

_TYPE_TEST = {
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
    "string": "type({v}) is str",
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
    "number": "type({v}) in _NUM",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
}
_TYPE_NOUN = {
    "object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "a boolean", "null": "null",
}


class Path:
    """A JSON Pointer as a Python expression: a runtime base plus static and dynamic parts."""

    def __init__(self, parts: tuple[tuple[str, str], ...] = (("var", "p"),)):
        self.parts = parts

    def child(self, name: str) -> "Path":
        """The pointer of property ``name`` (escaped at generation time)."""
        return Path(self.parts + (("lit", "/" + escape_pointer(name)),))

    def index(self, var: str) -> "Path":
        """The pointer of the array item whose index is in the Python variable ``var``."""
        return Path(self.parts + (("lit", "/"), ("idx", var)))

    def key(self, var: str) -> "Path":
        """The pointer of the object member whose key is in the Python variable ``var``."""
        return Path(self.parts + (("lit", "/"), ("key", var)))

    def relative(self, pointer: str) -> "Path":
        """This pointer followed by a relative JSON Pointer such as ``/line_items``."""
        if not pointer or pointer == "/":
            return self
        return Path(self.parts + (("lit", pointer),))

    def expr(self) -> str:
        """Python source that evaluates to the pointer string."""
        out: list[str] = []
        text = ""
        for kind, value in self.parts:
            if kind == "lit":
                text += value
                continue
            if text:
                out.append(repr(text))
                text = ""
            out.append(value if kind == "var" else f"str({value})" if kind == "idx" else f"_esc({value})")
        if text:
            out.append(repr(text))
        return " + ".join(out) if out else "''"


@dataclass(frozen=True)
class Ctx:
    """Where the compiler is: mode, rule scope, names for ids and spec locations."""

    mode: str  # "collect" or "bool"
    loc: str  # dotted location for plain keyword rule ids, e.g. "Order.lines[]"
    ptr: str  # JSON Pointer of the schema in the spec document
    owner: str  # component (or synthetic) name owning this schema
    rule: Rule | None = None
    rule_path: Path | None = None
    #: facts of the function being emitted (shared by every Ctx derived for it)
    known: Known = field(default_factory=Known)
    #: code emitted here runs whenever the enclosing presence guard of the value does (no
    #: condition in between), so a failed check in the boolean pass proves facts for later code
    top: bool = False
    #: compiling the items of an array (the collecting pass checks each item cheaply first)
    item: bool = False


class Code:
    """Indented Python source lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def add(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def extend(self, other: "Code") -> None:
        for line in other.lines:
            self.lines.append("    " * self.depth + line)

    def __bool__(self) -> bool:
        return bool(self.lines)


@dataclass
class Compiled:
    """Output of :class:`Compiler`: module constants, functions and the rules found."""

    constants: list[tuple[str, str]] = field(default_factory=list)
    functions: list[tuple[str, list[str]]] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    entry_points: dict[str, str] = field(default_factory=dict)


class Compiler(ExprCompiler):
    """Compiles the schemas of one document; problems go to ``reporter``.

    ``components`` maps component name -> (schema, JSON Pointer). Call :meth:`component` for
    each schema that needs entry functions, then read :attr:`result`.
    """

    def __init__(self, components: dict[str, tuple[Any, str]], reporter: Reporter):
        self.components = components
        self.reporter = reporter
        self.result = Compiled()
        self._const_ids: dict[str, str] = {}
        self._ok_ids: dict[str, str] = {}
        self._done: set[str] = set()
        self._pending: list[str] = []
        self._counter = 0
        self._checked: set[str] = set()

    # ------------------------------------------------------------ public API
    def component(self, name: str) -> tuple[str, str]:
        """Ensure ``_v_`` and ``_ok_`` functions for component ``name``; return their names."""
        suffix = schema_function_suffix(name)
        if name not in self._done:
            self._done.add(name)
            self._pending.append(name)
            self._drain()
        return f"_v_{suffix}", f"_ok_{suffix}"

    def inline(self, name: str, schema: Any, ptr: str) -> tuple[str, str]:
        """Compile a schema that is not a component (an inline body), named ``name``."""
        if name not in self.components:
            self.components[name] = (schema, ptr)
        return self.component(name)

    # ------------------------------------------------------------ internals
    def _drain(self) -> None:
        while self._pending:
            name = self._pending.pop(0)
            schema, ptr = self.components[name]
            suffix = schema_function_suffix(name)
            for mode, fname, args in (("collect", f"_v_{suffix}", "x, p, out"), ("bool", f"_ok_{suffix}", "x")):
                code = Code()
                code.depth = 1
                ctx = Ctx(mode, name, ptr, name, top=True)
                self._prologue(schema, ctx, code)
                self.compile(schema, "x", Path(), ctx, code)
                for deferred in ctx.known.deferred:
                    code.extend(deferred)
                body = code.lines or ["    pass"]
                if mode == "bool":
                    body = body + ["    return True"]
                doc = f'    """{"Collect violations of" if mode == "collect" else "Whether x is a valid"} {_doc(name)} ({_doc(ptr)})."""'
                self.result.functions.append((fname, [f"def {fname}({args}):", doc] + body))

    def _prologue(self, schema: Any, ctx: Ctx, code: Code) -> None:
        """At the top of a component's function: hoist ``x.get(name, _M)`` of every declared
        property into a local (``_M`` when x is not an object); the boolean pass first returns
        False for a non-object, so x is then known to be a dict."""
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return
        props = schema.get("properties")
        if not isinstance(props, dict) or not props or not all(isinstance(n, str) for n in props):
            return
        locals_ = {name: self._name("_h") for name in props}
        if ctx.mode == "bool":
            code.add("if type(x) is not dict:")
            code.add("    return False")
            ctx.known.dicts.add("x")
            for name, local in locals_.items():
                code.add(f"{local} = x.get({name!r}, _M)")
        else:
            code.add("if type(x) is dict:")
            for name, local in locals_.items():
                code.add(f"    {local} = x.get({name!r}, _M)")
            code.add("else:")
            code.add("    " + " = ".join(locals_.values()) + " = _M")
        for name, local in locals_.items():
            ctx.known.lookups[("x", name)] = local

    def _name(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def constant(self, prefix: str, source: str) -> str:
        """A module-level constant with Python ``source``, shared by equal sources."""
        key = prefix + source
        if key not in self._const_ids:
            name = self._name(prefix)
            self._const_ids[key] = name
            self.result.constants.append((name, source))
        return self._const_ids[key]

    def ok_function(self, schema: Any, ptr: str, ctx: Ctx) -> str:
        """Name of a boolean function for ``schema`` (a component's ``_ok_`` for a bare $ref)."""
        if schema is True or schema == {}:
            return "_true"
        if schema is False:
            return "_false"
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            target = self._ref_target(schema["$ref"], ptr + "/$ref")
            if target is not None:
                return self.component(target)[1]
        if ptr in self._ok_ids:
            return self._ok_ids[ptr]
        name = self._name("_ok")
        self._ok_ids[ptr] = name
        code = Code()
        code.depth = 1
        self.compile(schema, "x", Path(), Ctx("bool", ctx.loc, ptr, ctx.owner), code)
        self.result.functions.append((name, [f"def {name}(x):"] + (code.lines or []) + ["    return True"]))
        return name

    def _bare_ref(self, schema: Any) -> str | None:
        """The component a schema of only ``$ref`` (and annotations) names, if it resolves."""
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            return self.ref_name(schema["$ref"])
        return None

    def _ref_target(self, ref: Any, ptr: str) -> str | None:
        prefix = "#/components/schemas/"
        if isinstance(ref, str) and not ref.startswith("#"):
            self.reporter.add(ptr, f"external $ref {ref!r} is not supported", "copy the schema under components/schemas and refer to it as #/components/schemas/Name")
            return None
        if not isinstance(ref, str) or not ref.startswith(prefix):
            self.reporter.add(ptr, f"unsupported $ref {ref!r}", "genspec resolves local references of the form #/components/schemas/Name")
            return None
        name = ref[len(prefix):].replace("~1", "/").replace("~0", "~")
        if name not in self.components:
            self.reporter.add(ptr, f"$ref {ref!r} does not resolve", f"define components/schemas/{name} or fix the name")
            return None
        return name

    def fail(self, code: Code, ctx: Ctx, path: Path, keyword: str, message: str, message_expr: str | None = None) -> None:
        """Emit the action for a failed keyword in the current mode and rule scope."""
        if ctx.mode == "bool":
            code.add("return False")
            return
        if ctx.rule is not None:
            where = ctx.rule_path.relative(ctx.rule.at) if ctx.rule.at and ctx.rule_path else path
            code.add(f"out.append(_V({where.expr()}, {ctx.rule.id!r}, {ctx.rule.message!r}))")
            return
        msg = message_expr if message_expr is not None else repr(message)
        code.add(f"out.append(_V({path.expr()}, {ctx.loc + '.' + keyword!r}, {msg}))")

    # ------------------------------------------------------------ the keyword compiler
    def compile(self, schema: Any, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        """Emit checks of ``schema`` against the Python variable ``v`` into ``code``."""
        if schema is True:
            return
        if schema is False:
            self.fail(code, ctx, path, "false", "is not allowed here")
            return
        if not isinstance(schema, dict):
            self.reporter.add(ctx.ptr, f"a schema must be an object or a boolean, not {type(schema).__name__}", "write a schema object such as {type: string}")
            return
        self._check_keywords(schema, ctx.ptr)
        if "x-rule" in schema:
            rule = self._rule(schema["x-rule"], ctx, "schema", None)
            if rule is not None:
                ctx = replace(ctx, rule=rule, rule_path=path)
        if "$ref" in schema:
            target = self._ref_target(schema["$ref"], ctx.ptr + "/$ref")
            if target is not None:
                v_fn, _ = self.component(target)
                ok = self.ref_ok(target, v, ctx.known)
                if ctx.mode == "bool" or ctx.rule is not None:
                    with_block(code, f"if not ({ok}):", lambda: self.fail(code, ctx, path, "$ref", f"must be a valid {target}"))
                elif ctx.item or self.is_leaf(self.components[target][0]):
                    # descend (and build the pointer) only into an invalid item or leaf value
                    with_block(code, f"if not ({ok}):", lambda: code.add(f"{v_fn}({v}, {path.expr()}, out)"))
                else:
                    code.add(f"{v_fn}({v}, {path.expr()}, out)")
        if self._type(schema, v, path, ctx, code):
            values = Code()
            self._enum_const(schema, v, path, ctx, values)
            if values:
                code.add("else:")
                code.depth += 1
                code.extend(values)
                code.depth -= 1
        else:
            self._enum_const(schema, v, path, ctx, code)
        self._numbers(schema, v, path, ctx, code)
        self._strings(schema, v, path, ctx, code)
        self._arrays(schema, v, path, ctx, code)
        self._objects(schema, v, path, ctx, code)
        self._combinators(schema, v, path, ctx, code)

    def _check_keywords(self, schema: dict, ptr: str) -> None:
        if ptr in self._checked:
            return
        self._checked.add(ptr)
        for key in schema:
            if not isinstance(key, str):
                self.reporter.add(ptr, f"schema key {key!r} is not a string", "quote it")
            elif key.startswith("x-") or key in ANNOTATIONS or key in ASSERTIONS:
                continue
            elif key in UNSUPPORTED:
                self.reporter.add(f"{ptr}/{key}", f"keyword '{key}' is not supported by genspec", "express the rule with supported keywords or as CEL in x-validations")
            else:
                import difflib

                close = difflib.get_close_matches(key, sorted(ASSERTIONS | ANNOTATIONS), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "use a JSON Schema 2020-12 keyword or an x- extension"
                self.reporter.add(f"{ptr}/{key}", f"unknown schema keyword '{key}'", hint)

    def _rule(self, raw: Any, ctx: Ctx, kind: str, cel_expr: str | None, ptr: str | None = None) -> Rule | None:
        ptr = ptr or f"{ctx.ptr}/x-rule"
        if not isinstance(raw, dict):
            self.reporter.add(ptr, "a rule must be an object with id, message and source", "write x-rule: {id: ..., message: ..., source: ...}")
            return None
        missing = [k for k in ("id", "message", "source") if not isinstance(raw.get(k), str) or not raw.get(k)]
        if missing:
            self.reporter.add(ptr, f"the rule lacks {', '.join(missing)}", "every rule has a stable id, a human message and its source (the doc sentence)")
            return None
        examples = raw.get("examples") or {}
        if not isinstance(examples, dict):
            self.reporter.add(ptr + "/examples", "rule examples must be an object with valid and invalid lists", "write examples: {valid: [...], invalid: [...]}")
            examples = {}
        for key in ("valid", "invalid"):
            if examples.get(key) is not None and not isinstance(examples[key], list):
                self.reporter.add(f"{ptr}/examples/{key}", f"rule examples '{key}' must be a list of example values, not {type(examples[key]).__name__}", f"write {key}: [{{...}}, ...]")
                examples = {**examples, key: []}
        subsumed = raw.get("subsumed-by") or []
        if not isinstance(subsumed, list) or not all(isinstance(x, str) for x in subsumed):
            self.reporter.add(ptr + "/subsumed-by", "subsumed-by must be a list of rule ids", "write subsumed-by: [rule-id]")
            subsumed = []
        at = raw.get("at") or ""
        if at and (not isinstance(at, str) or not at.startswith("/")):
            self.reporter.add(ptr + "/at", f"'at' must be a relative JSON Pointer such as /field, not {at!r}", "start it with /")
            at = ""
        rule = Rule(
            id=raw["id"],
            message=raw["message"],
            source=raw["source"],
            implied=bool(raw.get("implied", False)),
            kind=kind,
            owner=ctx.owner,
            pointer=ptr,
            at=at,
            cel=cel_expr,
            valid_examples=tuple(examples.get("valid") or ()),
            invalid_examples=tuple(examples.get("invalid") or ()),
            subsumed_by=tuple(subsumed),
        )
        known = self.result.rules.get(rule.id)
        if known is not None and known.pointer != rule.pointer:
            self.reporter.add(ptr + "/id", f"rule id '{rule.id}' is used twice (also at {known.pointer})", "give every rule its own id")
        elif known is None:
            self.result.rules[rule.id] = rule
        return rule

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
        test = " or ".join(_TYPE_TEST[t].format(v=v) for t in types)
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
            if not isinstance(values, list) or not values:
                self.reporter.add(ctx.ptr + "/enum", "enum must be a non-empty list", "list the allowed values")
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

    def _number_value(self, schema: dict, key: str, ptr: str) -> float | int | None:
        value = schema.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            self.reporter.add(f"{ptr}/{key}", f"{key} must be a finite number, not {value!r}", "write a number")
            return None
        return value

    def _numbers(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        inner = Code()
        checks = (
            ("minimum", "{v} < {n}", "must be >= {n}"),
            ("maximum", "{v} > {n}", "must be <= {n}"),
            ("exclusiveMinimum", "{v} <= {n}", "must be > {n}"),
            ("exclusiveMaximum", "{v} >= {n}", "must be < {n}"),
        )
        for key, test, message in checks:
            n = self._number_value(schema, key, ctx.ptr)
            if n is not None:
                with_block(inner, "if " + test.format(v=v, n=repr(n)) + ":", lambda key=key, message=message, n=n: self.fail(inner, ctx, path, key, message.format(n=_num_text(n))))
        m = self._number_value(schema, "multipleOf", ctx.ptr)
        if m is not None:
            if m <= 0:
                self.reporter.add(ctx.ptr + "/multipleOf", "multipleOf must be > 0", "use a positive number")
            else:
                with_block(inner, f"if not _multiple_of({v}, {m!r}):", lambda: self.fail(inner, ctx, path, "multipleOf", f"must be a multiple of {_num_text(m)}"))
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
            self.reporter.add(ctx.ptr + "/minimum", f"no number satisfies minimum {lo} and maximum {hi}", "swap or widen the bounds")
        guarded(code, inner, ctx.known.guard(v, "number"))

    def _count(self, schema: dict, key: str, ptr: str) -> int | None:
        value = schema.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.reporter.add(f"{ptr}/{key}", f"{key} must be a non-negative integer, not {value!r}", "write a whole number")
            return None
        return value

    def _strings(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        inner = Code()
        lo, hi = self._count(schema, "minLength", ctx.ptr), self._count(schema, "maxLength", ctx.ptr)
        if lo is not None and hi is not None and lo > hi:
            self.reporter.add(ctx.ptr + "/minLength", f"no string satisfies minLength {lo} and maxLength {hi}", "swap or widen the bounds")
        if lo:
            with_block(inner, f"if len({v}) < {lo}:", lambda: self.fail(inner, ctx, path, "minLength", f"must be at least {lo} character{'s' if lo != 1 else ''} long"))
        if hi is not None:
            with_block(inner, f"if len({v}) > {hi}:", lambda: self.fail(inner, ctx, path, "maxLength", f"must be at most {hi} character{'s' if hi != 1 else ''} long"))
        if "pattern" in schema:
            pattern = schema["pattern"]
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                self.reporter.add(ctx.ptr + "/pattern", f"pattern {pattern!r} does not compile: {exc}", "write a regular expression Python and ECMA-262 both accept")
            else:
                prefix = _literal_prefix(pattern)
                if prefix is not None:  # "^literal": no regex engine needed
                    test = f"not {v}.startswith({prefix!r})"
                else:
                    test = f"{self.constant('_RE', f're.compile({pattern!r})')}.search({v}) is None"
                with_block(inner, f"if {test}:", lambda: self.fail(inner, ctx, path, "pattern", f"must match the pattern {pattern}"))
        fmt = schema.get("format")
        if fmt in FORMATS:
            test = _FORMAT_FAILS[fmt].format(v=v)
            with_block(inner, f"if {test}:", lambda: self.fail(inner, ctx, path, "format", f"must be a valid {fmt}"))
        elif fmt is not None and not isinstance(fmt, str):
            self.reporter.add(ctx.ptr + "/format", "format must be a string", "write e.g. format: uuid")
        guarded(code, inner, ctx.known.guard(v, "string"))

    def _arrays(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        inner = Code()
        lo, hi = self._count(schema, "minItems", ctx.ptr), self._count(schema, "maxItems", ctx.ptr)
        if lo is not None and hi is not None and lo > hi:
            self.reporter.add(ctx.ptr + "/minItems", f"no array satisfies minItems {lo} and maxItems {hi}", "swap or widen the bounds")
        if lo:
            with_block(inner, f"if len({v}) < {lo}:", lambda: self.fail(inner, ctx, path, "minItems", f"must have at least {lo} item{'s' if lo != 1 else ''}"))
        if hi is not None:
            with_block(inner, f"if len({v}) > {hi}:", lambda: self.fail(inner, ctx, path, "maxItems", f"must have at most {hi} item{'s' if hi != 1 else ''}"))
        if schema.get("uniqueItems") is True:
            with_block(inner, f"if not _unique({v}):", lambda: self.fail(inner, ctx, path, "uniqueItems", "must not contain duplicate items"))
        if "items" in schema:
            items = schema["items"]
            if isinstance(items, list):
                self.reporter.add(ctx.ptr + "/items", "items is a list (draft 2019 tuple form)", "use prefixItems in 2020-12 or a single schema")
            else:
                i, item = self._name("_i"), self._name("_x")
                body = Code()
                item_ctx = replace(ctx, loc=ctx.loc + "[]", ptr=ctx.ptr + "/items", item=True)
                target = self._bare_ref(items)
                if ctx.mode == "bool" and target is not None and not self.is_leaf(self.components[target][0]):
                    ok_fn = self.component(target)[1]  # the loop runs in C
                    with_block(inner, f"if not all(map({ok_fn}, {v})):", lambda: self.fail(inner, item_ctx, path, "items", "has an invalid item"))
                    body = Code()
                elif target is not None and not self.is_leaf(self.components[target][0]):
                    # collecting: one pass in C judges every item; only the invalid ones are visited
                    self.compile(items, item, path.index(i), item_ctx, body)
                    verdicts = self._name("_m")
                    inner.add(f"{verdicts} = list(map({self.component(target)[1]}, {v}))")
                    inner.add(f"if not all({verdicts}):")
                    inner.depth += 1
                    inner.add(f"for {i} in _compress(_count(), map(_not, {verdicts})):")
                    inner.depth += 1
                    inner.add(f"{item} = {v}[{i}]")
                    inner.extend(body)
                    inner.depth -= 2
                    body = Code()
                else:
                    self.compile(items, item, path.index(i), item_ctx, body)
                if body:
                    inner.add(f"for {i}, {item} in enumerate({v}):" if ctx.mode == "collect" else f"for {item} in {v}:")
                    inner.depth += 1
                    inner.extend(body)
                    inner.depth -= 1
        guarded(code, inner, ctx.known.guard(v, "array"))

    def _objects(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        inner = Code()
        props = schema.get("properties") or {}
        if not isinstance(props, dict):
            self.reporter.add(ctx.ptr + "/properties", "properties must be an object", "map each property name to its schema")
            props = {}
        required = schema.get("required") or []
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            self.reporter.add(ctx.ptr + "/required", "required must be a list of property names", "write required: [a, b]")
            required = []
        if len(set(required)) != len(required):
            self.reporter.add(ctx.ptr + "/required", "required lists a property twice", "list each once")
        lookups = ctx.known.lookups
        for r in dict.fromkeys(required):
            if props.get(r) is False:
                self.reporter.add(ctx.ptr + "/required", f"'{r}' is both required and forbidden (false)", "no value can satisfy this schema; drop one")
            r_ctx = replace(ctx, loc=f"{ctx.loc}.{r}")
            test = f"{lookups[(v, r)]} is _M" if (v, r) in lookups else f"{r!r} not in {v}"
            with_block(inner, f"if {test}:", lambda r=r, r_ctx=r_ctx: self.fail(inner, r_ctx, path.child(r), "required", f"{r} is required"))
        for name, sub in props.items():
            sub_ctx = replace(ctx, loc=f"{ctx.loc}.{name}", ptr=f"{ctx.ptr}/properties/{escape_pointer(name)}")
            local = lookups.get((v, name)) if isinstance(name, str) else None
            if sub is False:
                test = f"{local} is not _M" if local else f"{name!r} in {v}"
                with_block(inner, f"if {test}:", lambda name=name, sub_ctx=sub_ctx: self.fail(inner, sub_ctx, path.child(name), "false", f"{name} is not allowed here"))
                continue
            item = local or self._name("_x")
            body = Code()
            self.compile(sub, item, path.child(name), replace(sub_ctx, item=False), body)
            kind = json_type(sub, self.components) if ctx.mode == "bool" and ctx.top and local else None
            if body and kind in ("object", "array"):
                # a container's deep checks run last; a type test now proves what later code needs
                deferred = Code()
                deferred.add(f"if {item} is not _M:")
                deferred.depth += 1
                deferred.extend(body)
                ctx.known.deferred.append(deferred)
                inner.add(f"if {item} is not _M and not ({_TYPE_TEST[kind].format(v=item)}):")
                inner.add("    return False")
            elif body:
                if not local:
                    inner.add(f"{item} = {v}.get({name!r}, _M)")
                inner.add(f"if {item} is not _M:")
                inner.depth += 1
                inner.extend(body)
                inner.depth -= 1
            if kind is not None and local:
                ctx.known.types[local] = kind
        extra = schema.get("additionalProperties", True)
        if extra is not True and extra != {}:
            names = self.constant("_P", "frozenset({" + ", ".join(repr(n) for n in sorted(props)) + "})")
            k = self._name("_k")
            if extra is False:
                inner.add(f"if not {names}.issuperset({v}):")
                inner.depth += 1
                inner.add(f"for {k} in {v}:")
                inner.depth += 1
                with_block(inner, f"if {k} not in {names}:", lambda: self.fail(inner, ctx, path.key(k), "additionalProperties", "", f"_unknown({k}, {names})"))
                inner.depth -= 2
            else:
                item = self._name("_x")
                body = Code()
                self.compile(extra, item, path.key(k), replace(ctx, loc=ctx.loc + ".*", ptr=ctx.ptr + "/additionalProperties"), body)
                if body:
                    inner.add(f"for {k}, {item} in {v}.items():")
                    inner.depth += 1
                    inner.add(f"if {k} in {names}:")
                    inner.add("    continue")
                    inner.extend(body)
                    inner.depth -= 1
        dep = schema.get("dependentRequired") or {}
        if not isinstance(dep, dict):
            self.reporter.add(ctx.ptr + "/dependentRequired", "dependentRequired must map a property to a list of names", "write dependentRequired: {a: [b]}")
            dep = {}
        for trigger, needs in dep.items():
            if not isinstance(needs, list):
                self.reporter.add(f"{ctx.ptr}/dependentRequired/{trigger}", "dependentRequired values are lists of names", "write [b]")
                continue
            for need in needs:
                n_ctx = replace(ctx, loc=f"{ctx.loc}.{need}")
                with_block(inner, f"if {trigger!r} in {v} and {need!r} not in {v}:", lambda trigger=trigger, need=need, n_ctx=n_ctx: self.fail(inner, n_ctx, path.child(need), "dependentRequired", f"{need} is required with {trigger}"))
        for trigger, sub in (schema.get("dependentSchemas") or {}).items():
            body = Code()
            self.compile(sub, v, path, replace(ctx, ptr=f"{ctx.ptr}/dependentSchemas/{escape_pointer(trigger)}", top=False), body)
            if body:
                inner.add(f"if {trigger!r} in {v}:")
                inner.depth += 1
                inner.extend(body)
                inner.depth -= 1
        lo, hi = self._count(schema, "minProperties", ctx.ptr), self._count(schema, "maxProperties", ctx.ptr)
        if lo:
            with_block(inner, f"if len({v}) < {lo}:", lambda: self.fail(inner, ctx, path, "minProperties", f"must have at least {lo} properties"))
        if hi is not None:
            with_block(inner, f"if len({v}) > {hi}:", lambda: self.fail(inner, ctx, path, "maxProperties", f"must have at most {hi} properties"))
        validations = schema.get("x-validations")
        if validations is not None:
            self._cel(validations, schema, v, path, ctx, inner)
        guarded(code, inner, ctx.known.guard(v, "object"))

    def _combinators(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        entries = _list(schema, "allOf", ctx, self.reporter)
        groups = self.dispatch_groups(entries, v, ctx.known) if ctx.mode == "bool" else {}
        placed = {indexes[0]: prop for prop, indexes in groups.items()}
        grouped = {i for indexes in groups.values() for i in indexes}
        for i, sub in enumerate(entries):
            if i in placed:
                self._dispatch(entries, groups[placed[i]], placed[i], v, path, ctx, code)
            elif i not in grouped:
                self.compile(sub, v, path, replace(ctx, ptr=f"{ctx.ptr}/allOf/{i}"), code)
        any_of = _list(schema, "anyOf", ctx, self.reporter)
        nulls = [i for i, s in enumerate(any_of) if s == {"type": "null"}]
        if len(any_of) == 2 and len(nulls) == 1:
            # nullable X (anyOf X and {type: null}): null passes, anything else is checked
            # against X itself, so its own violations (rules included) are the ones reported
            i = 1 - nulls[0]
            body = Code()
            self.compile(any_of[i], v, path, replace(ctx, ptr=f"{ctx.ptr}/anyOf/{i}"), body)
            if body:
                code.add(f"if {v} is not None:")
                code.depth += 1
                code.extend(body)
                code.depth -= 1
        elif any_of:
            test = " or ".join(f"({self._ok_expr(s, f'{ctx.ptr}/anyOf/{i}', v, ctx)})" for i, s in enumerate(any_of))
            with_block(code, f"if not ({test}):", lambda: self.fail(code, ctx, path, "anyOf", "must match at least one of the alternatives"))
        one_of = _list(schema, "oneOf", ctx, self.reporter)
        if one_of:
            test = " + ".join(f"({self._ok_expr(s, f'{ctx.ptr}/oneOf/{i}', v, ctx)})" for i, s in enumerate(one_of))
            with_block(code, f"if ({test}) != 1:", lambda: self.fail(code, ctx, path, "oneOf", "must match exactly one of the alternatives"))
        if "not" in schema:
            test = self._ok_expr(schema["not"], ctx.ptr + "/not", v, ctx)
            with_block(code, f"if {test}:", lambda: self.fail(code, ctx, path, "not", "must not match the excluded schema"))
        if "if" in schema:
            cond = self._ok_expr(schema["if"], ctx.ptr + "/if", v, ctx)
            then, other = Code(), Code()
            if "then" in schema:
                self.compile(schema["then"], v, path, replace(ctx, ptr=ctx.ptr + "/then", top=False), then)
            if "else" in schema:
                self.compile(schema["else"], v, path, replace(ctx, ptr=ctx.ptr + "/else", top=False), other)
            if then:
                code.add(f"if {cond}:")
                code.depth += 1
                code.extend(then)
                code.depth -= 1
                if other:
                    code.add("else:")
                    code.depth += 1
                    code.extend(other)
                    code.depth -= 1
            elif other:
                code.add(f"if not ({cond}):")
                code.depth += 1
                code.extend(other)
                code.depth -= 1
        elif "then" in schema or "else" in schema:
            self.reporter.add(ctx.ptr, "then/else without if is ignored by JSON Schema", "add the if condition or remove then/else")

    def _dispatch(self, entries: list, indexes: list[int], prop: str, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        """Boolean pass: the conditional entries ``indexes`` of ``allOf`` all test property
        ``prop`` alone, so branch once on its value and check only the rules that apply."""
        local = ctx.known.lookups[(v, prop)]
        bodies: dict[int, tuple[Code, Code]] = {}
        for i in indexes:
            sub = entries[i]
            sub_ctx = replace(ctx, ptr=f"{ctx.ptr}/allOf/{i}", top=False)
            then, other = Code(), Code()
            if "then" in sub:
                self.compile(sub["then"], v, path, replace(sub_ctx, ptr=sub_ctx.ptr + "/then"), then)
            if "else" in sub:
                self.compile(sub["else"], v, path, replace(sub_ctx, ptr=sub_ctx.ptr + "/else"), other)
            bodies[i] = (then, other)
        values = dispatch_values([entries[i]["if"] for i in indexes], prop)
        for n, value in enumerate([MISSING, *values, OTHER]):
            branch = Code()
            for i in indexes:
                then, other = bodies[i]
                branch.extend(then if condition_holds(entries[i]["if"], prop, value) else other)
            if value is MISSING:
                test = f"if {local} is _M:"
            elif value is OTHER:
                test = "else:"
            else:
                test = f"elif {local} == {value!r}:"
            code.add(test)
            code.depth += 1
            code.extend(branch if branch else _pass())
            code.depth -= 1

    def _ok_expr(self, schema: Any, ptr: str, v: str, ctx: Ctx) -> str:
        """Boolean expression: ``v`` is valid against ``schema`` (inline when it can be, else
        a call of a generated ``_ok`` function, which also reports the schema's problems)."""
        inline = self.expr(schema, v, ctx.known)
        if inline is not None:
            return inline
        return f"{self.ok_function(schema, ptr, ctx)}({v})"

    def _cel(self, validations: Any, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        ptr = ctx.ptr + "/x-validations"
        if not isinstance(validations, list):
            self.reporter.add(ptr, "x-validations must be a list of {id, rule, message, source}", "write a YAML list")
            return
        for i, raw in enumerate(validations):
            item_ptr = f"{ptr}/{i}"
            if not isinstance(raw, dict) or not isinstance(raw.get("rule"), str):
                self.reporter.add(item_ptr, "an x-validations entry needs a CEL 'rule' string", "write rule: 'size(self.a) == size(self.b)'")
                continue
            rule = self._rule(raw, ctx, "cel", raw["rule"], ptr=item_ptr)
            if rule is None:
                continue
            translation = cel.translate(raw["rule"], "self", lambda names: self.property_type(schema, names))
            for problem in translation.errors:
                self.reporter.add(item_ptr + "/rule", f"rule '{rule.id}': {problem}", "fix the CEL expression")
            if translation.errors:
                continue
            if rule.at:
                first = rule.at.lstrip("/").split("/")[0]
                if first and self.property_type(schema, (first,)) is None:
                    self.reporter.add(item_ptr + "/at", f"rule '{rule.id}' points at /{first}, which the schema does not define", "point 'at' at a property of this schema")
            fn = self._name("_cel")
            self.result.functions.append((fn, [
                f"def {fn}(self):",
                f'    """CEL rule {_doc(rule.id)}: {_doc(raw["rule"])}"""',
                "    try:",
                f"        return bool({translation.python})",
                "    except _CEL_ERRORS:",
                "        return True",
            ]))
            scoped = replace(ctx, rule=rule, rule_path=path)
            with_block(code, f"if not {fn}({v}):", lambda scoped=scoped: self.fail(code, scoped, path, "x-validations", rule.message))

    def property_type(self, schema: Any, names: tuple[str, ...]) -> str | None:
        """JSON type of the property at ``names`` below ``schema`` ("dyn" if unknown), or None."""
        node = schema
        for name in names:
            node = self._deref(node)
            props = _all_properties(node, self._deref)
            if name not in props:
                return None
            node = props[name]
        node = self._deref(node)
        if isinstance(node, dict):
            t = node.get("type")
            if isinstance(t, str):
                return t
            if isinstance(t, list):
                non_null = [x for x in t if x != "null"]
                return non_null[0] if len(non_null) == 1 else "dyn"
            if "enum" in node and all(isinstance(x, str) for x in node["enum"] or []):
                return "string"
        return "dyn"

    def _deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 50:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in self.components:
                return {}
            node = self.components[name][0]
            seen += 1
        return node


def _all_properties(node: Any, deref: Any) -> dict[str, Any]:
    """Properties declared by ``node`` and by its allOf entries."""
    if not isinstance(node, dict):
        return {}
    props = dict(node.get("properties") or {}) if isinstance(node.get("properties"), dict) else {}
    for sub in node.get("allOf") or []:
        for key, value in _all_properties(deref(sub), deref).items():
            props.setdefault(key, value)
    return props


def _list(schema: dict, key: str, ctx: Ctx, reporter: Reporter) -> list[Any]:
    value = schema.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        reporter.add(f"{ctx.ptr}/{key}", f"{key} must be a non-empty list of schemas", "write a YAML list")
        return []
    return value


_LITERAL = re.compile(r"[A-Za-z0-9/_:@,;=%&!<>'\" -]*")


def _literal_prefix(pattern: str) -> str | None:
    """``"^abc"`` -> ``"abc"`` when the rest of the pattern is plain text (no metacharacter)."""
    if not pattern.startswith("^") or pattern.startswith("^^"):
        return None
    rest = pattern[1:]
    return rest if rest and _LITERAL.fullmatch(rest) else None


def _pass() -> Code:
    code = Code()
    code.add("pass")
    return code


def guarded(code: Code, inner: Code, test: str | None) -> None:
    """Emit ``inner`` under ``if test:``, or as it is when ``test`` is None (always true)."""
    if not inner:
        return
    if test is None:
        code.extend(inner)
        return
    code.add(f"if {test}:")
    code.depth += 1
    code.extend(inner)
    code.depth -= 1


def _doc(text: str) -> str:
    """``text`` safe inside a generated triple-quoted docstring (backslashes, quotes, NUL)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\x00")


def with_block(code: Code, header: str, body: Any) -> None:
    """Emit ``header`` and, one level deeper, whatever ``body()`` emits."""
    code.add(header)
    code.depth += 1
    body()
    code.depth -= 1


def _json_key(value: Any) -> Any:
    """A hashable key equal for JSON-equal values (1 == 1.0, True != 1)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, list):
        return ("l", tuple(_json_key(x) for x in value))
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, _json_key(x)) for k, x in value.items())))
    return ("?", repr(value))


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def _num_text(n: float | int) -> str:
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)
