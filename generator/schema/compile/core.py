"""The core of the compiler: entry functions per component, boolean helper functions,
constants, the failure action of each mode and the keyword dispatch.

:class:`CoreCompiler` knows no keyword itself: :meth:`CoreCompiler.compile` hands a schema to
the keyword families (the mixins of :class:`genspec.schema.compile.Compiler`), in a fixed order.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import replace
from typing import Any

from genspec.load.errors import Reporter
from genspec.load.naming import schema_function_suffix
from genspec.schema.compile.code import Code, Compiled, Ctx, Path, _doc
from genspec.schema.compile.resources import Resources, RoutedReporter, Unresolved
from genspec.schema.fastpath import ExprCompiler
from genspec.schema.vocabulary import (
    ANNOTATIONS,
    ASSERTIONS,
    DEFAULT_FORMATS,
    TYPE_SPECIFIC,
    UNSUPPORTED,
    VALIDATION_KEYWORDS,
    VALIDATION_VOCABULARY,
)


class CoreCompiler(ExprCompiler):
    """Compiles the schemas of one document; problems go to ``reporter``.

    ``components`` maps component name -> (schema, JSON Pointer). Call :meth:`component` for
    each schema that needs entry functions, then read :attr:`result`. The keyword families
    provide the ``_type``, ``_enum_const``, ``_numbers``, ``_strings``, ``_arrays``,
    ``_objects``, ``_combinators``, ``_rule`` and reference methods used here.
    """

    def __init__(
        self,
        components: dict[str, tuple[Any, str]],
        reporter: Reporter,
        document: Any = None,
        base_uri: str = "genspec:spec",
        uri_map: dict[str, str] | None = None,
        formats: frozenset[str] | None = None,
    ):
        self.components = components
        if document is None:
            document = {"components": {"schemas": {name: schema for name, (schema, _) in components.items()}}}
        self.resources = Resources(document, base_uri, uri_map)
        self.reporter = RoutedReporter(reporter, self.resources)
        #: formats the validators assert (the others are annotations, as in 2020-12)
        self.formats = DEFAULT_FORMATS if formats is None else formats
        #: base URI and dynamic scope of the components made for reference targets
        self._bases: dict[str, str] = {}
        self._scopes: dict[str, tuple[str, ...]] = {}
        self._target_names: dict[tuple[str, tuple[str, ...]], str] = {}
        self._ann_ids: dict[tuple, str] = {}
        self.result = Compiled()
        self._const_ids: dict[str, str] = {}
        self._ok_ids: dict[tuple[str, tuple[str, ...]], str] = {}
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
            for mode, fname, args in (("collect", f"_v_{suffix}", "x: Any, p: str, out: list[Violation]) -> None"), ("bool", f"_ok_{suffix}", "x: Any) -> bool")):
                code = Code()
                code.depth = 1
                base = self._bases.get(name) or self.resources.base_of.get(ptr, self.resources.base)
                scope = self.enter(self._scopes.get(name, ()), base)
                ctx = Ctx(mode, name, ptr, name, top=True, base=base, scope=scope)
                self._prologue(schema, ctx, code)
                self.compile(schema, "x", Path(), ctx, code)
                for deferred in ctx.known.deferred:
                    code.extend(deferred)
                body = code.lines or ["    pass"]
                if mode == "bool":
                    body = body + ["    return True"]
                doc = f'    """{"Collect violations of" if mode == "collect" else "Whether x is a valid"} {_doc(name)} ({_doc(ptr)})."""'
                self.result.functions.append((fname, [f"def {fname}({args}:", doc] + body))

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

    def vocabularies(self, uri: str, ctx: Ctx) -> frozenset[str] | None:
        """The vocabularies the meta-schema at ``uri`` declares (``$vocabulary``), None when
        it declares none (all apply) or cannot be read (the standard ones apply)."""
        try:
            meta = self.resources.resolve(uri, ctx.base or self.resources.base).schema
        except Unresolved:
            return None
        found = meta.get("$vocabulary") if isinstance(meta, dict) else None
        return frozenset(found) if isinstance(found, dict) else None

    def enter(self, scope: tuple[str, ...], base: str) -> tuple[str, ...]:
        """The dynamic scope after entering resource ``base`` (kept only where it matters:
        the spec uses ``$dynamicRef`` and ``base`` has a ``$dynamicAnchor``)."""
        if not self.resources.has_dynamic_ref or base in scope:
            return scope
        if base not in self.resources.dynamic_bases:
            return scope
        return scope + (base,)

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
        base = self.resources.base_of.get(ptr, ctx.base)
        sub = Ctx("bool", ctx.loc, ptr, ctx.owner, base=base, scope=self.enter(ctx.scope, base), vocab=ctx.vocab)
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            target = self._ref_target(schema["$ref"], ptr + "/$ref", sub)
            if target is not None:
                return self.component(target)[1]
        key = (ptr, sub.scope)
        if key in self._ok_ids:
            return self._ok_ids[key]
        name = self._name("_ok")
        self._ok_ids[key] = name
        code = Code()
        code.depth = 1
        self.compile(schema, "x", Path(), sub, code)
        self.result.functions.append((name, [f"def {name}(x: Any) -> bool:"] + (code.lines or []) + ["    return True"]))
        return name

    def fail(self, code: Code, ctx: Ctx, path: Path, keyword: str, message: str, message_expr: str | None = None) -> None:
        """Emit the action for a failed keyword in the current mode and rule scope."""
        if ctx.mode == "bool":
            code.add("return False")
            return
        if ctx.rule is not None:
            where = ctx.rule_path.relative(ctx.rule.at) if ctx.rule.at and ctx.rule_path else path
            msg = message_expr if message_expr is not None and keyword == "x-validations" else repr(ctx.rule.message)
            code.add(f"out.append(_V({where.expr()}, {ctx.rule.id!r}, {msg}))")
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
        base = self.resources.base_of.get(ctx.ptr)
        if base is not None and base != ctx.base:
            ctx = replace(ctx, base=base, scope=self.enter(ctx.scope, base))
        if isinstance(schema.get("$schema"), str):
            ctx = replace(ctx, vocab=self.vocabularies(schema["$schema"], ctx))
        if ctx.vocab is not None and VALIDATION_VOCABULARY not in ctx.vocab:
            schema = {k: v for k, v in schema.items() if k not in VALIDATION_KEYWORDS}
        if "x-rule" in schema:
            rule = self._rule(schema["x-rule"], ctx, "schema", None)
            if rule is not None:
                ctx = replace(ctx, rule=rule, rule_path=path)
        if ctx.mode == "bool" and self._null_split(schema, v, path, ctx, code):
            return
        if "$ref" in schema:
            self._ref(schema, v, path, ctx, code)
        if "$dynamicRef" in schema:
            self._ref(schema, v, path, ctx, code, "$dynamicRef")
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
        if "unevaluatedProperties" in schema or "unevaluatedItems" in schema:
            self._unevaluated(schema, v, path, ctx, code)

    def _null_split(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> bool:
        """Boolean pass of ``{type: [T..., "null"], ...}`` whose other keywords all ignore
        null (each applies to one JSON type only): ``if v is not None:`` then the schema
        without ``null``, so a null costs one test. True when emitted."""
        types = schema.get("type")
        if not isinstance(types, list) or "null" not in types or len(types) < 2 or not all(isinstance(t, str) for t in types):
            return False
        if not all(k == "type" or k in TYPE_SPECIFIC or k in ANNOTATIONS or (isinstance(k, str) and k.startswith("x-") and k not in ("x-rule", "x-validations")) for k in schema):
            return False
        inner = Code()
        self.compile({**schema, "type": [t for t in types if t != "null"]}, v, path, replace(ctx, top=False), inner)
        if inner:
            code.add(f"if {v} is not None:")
            code.depth += 1
            code.extend(inner)
            code.depth -= 1
        return True

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
                # 2020-12 ignores unknown keywords; one that is a near miss of a keyword is a typo
                close = difflib.get_close_matches(key, sorted(ASSERTIONS), n=1, cutoff=0.85)
                if close:
                    self.reporter.add(f"{ptr}/{key}", f"unknown schema keyword '{key}'", f"did you mean '{close[0]}'?")

    def _ok_expr(self, schema: Any, ptr: str, v: str, ctx: Ctx) -> str:
        """Boolean expression: ``v`` is valid against ``schema`` (inline when it can be, else
        a call of a generated ``_ok`` function, which also reports the schema's problems)."""
        inline = self.expr(schema, v, ctx.known) if ctx.vocab is None else None
        if inline is not None:
            return inline
        return f"{self.ok_function(schema, ptr, ctx)}({v})"

    def _number_value(self, schema: dict, key: str, ptr: str) -> float | int | None:
        value = schema.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            self.reporter.add(f"{ptr}/{key}", f"{key} must be a finite number, not {value!r}", "write a number")
            return None
        return value

    def _count(self, schema: dict, key: str, ptr: str) -> int | None:
        value = schema.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)  # 2020-12: a count may be written 2.0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.reporter.add(f"{ptr}/{key}", f"{key} must be a non-negative integer, not {value!r}", "write a whole number")
            return None
        return value
