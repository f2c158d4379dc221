"""Keyword family: ``unevaluatedProperties`` and ``unevaluatedItems`` (2020-12 annotation
collection).

Only schemas that use one of the two pay for it. For such a schema the compiler emits
*annotation functions*: ``_apN(x)`` returns the set of member names (or item indexes) of ``x``
that the schema's own keywords evaluated (``properties``, ``patternProperties``,
``additionalProperties``, ``prefixItems``, ``items``, ``contains``) plus those of every
in-place subschema that ``x`` is valid against (``allOf``, ``anyOf``, ``oneOf``, ``if`` with
``then``/``else``, ``dependentSchemas``, ``$ref``, ``$dynamicRef``); ``_epN(x)`` is the same
for a subschema, ``None`` when ``x`` is not valid against it (its annotations are dropped).
``unevaluated*`` then checks the members or items outside that set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from genspec.load.loader import escape_pointer
from genspec.schema.compile.code import Code, Ctx, Path, guarded, str_set

_KIND = {"properties": ("unevaluatedProperties", "dict"), "items": ("unevaluatedItems", "list")}


class UnevaluatedMixin:
    """``unevaluatedProperties`` / ``unevaluatedItems`` over annotation functions."""

    def _unevaluated(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        """Emit the ``unevaluated*`` checks of ``schema`` (after all its other keywords)."""
        for kind in ("properties", "items"):
            keyword, _ = _KIND[kind]
            if keyword not in schema:
                continue
            sub = schema[keyword]
            if sub is True or sub == {}:
                continue
            seen = self._name("_e")
            fn = self.annotation_function(schema, ctx.ptr, ctx, kind, own=False)
            inner = Code()
            inner.add(f"{seen} = {fn}({v})")
            k, item = self._name("_k"), self._name("_x")
            body = Code()
            sub_path = path.key(k) if kind == "properties" else path.index(k)
            self.compile(sub, item, sub_path, replace(ctx, loc=f"{ctx.loc}.{keyword}", ptr=f"{ctx.ptr}/{keyword}", top=False, item=False), body)
            if not body:
                continue
            loop = f"for {k}, {item} in {v}.items():" if kind == "properties" else f"for {k}, {item} in enumerate({v}):"
            inner.add(loop)
            inner.depth += 1
            inner.add(f"if {k} in {seen}:")
            inner.add("    continue")
            inner.extend(body)
            inner.depth -= 1
            guarded(code, inner, ctx.known.guard(v, "object" if kind == "properties" else "array"))

    def _ann_ctx(self, ptr: str, ctx: Ctx) -> Ctx:
        base = self.resources.base_of.get(ptr, ctx.base)
        return Ctx("bool", ctx.loc, ptr, ctx.owner, base=base, scope=self.enter(ctx.scope, base))

    def evaluated_function(self, schema: Any, ptr: str, ctx: Ctx, kind: str) -> str:
        """Name of ``_epN(x)``: what ``schema`` evaluates of ``x``, None if ``x`` is invalid."""
        if schema is True or schema is False:
            name = "_ep_true" if schema is True else "_ep_false"
            if ("ep", schema) not in self._ann_ids:
                self._ann_ids[("ep", schema)] = name
                self.result.functions.append((name, [f"def {name}(x: Any) -> set[Any] | None:", f"    return {'set()' if schema is True else 'None'}"]))
            return name
        ctx = self._ann_ctx(ptr, ctx)
        key = ("ep", ptr, ctx.scope, kind)
        if key in self._ann_ids:
            return self._ann_ids[key]
        name = self._name("_ep")
        self._ann_ids[key] = name
        ok = self._ok_expr(schema, ptr, "x", replace(ctx, known=type(ctx.known)()))
        ap = self.annotation_function(schema, ptr, ctx, kind, own=True)
        self.result.functions.append((name, [f"def {name}(x: Any) -> set[Any] | None:", f"    return {ap}(x) if {ok} else None"]))
        return name

    def annotation_function(self, schema: Any, ptr: str, ctx: Ctx, kind: str, own: bool) -> str:
        """Name of ``_apN(x)``: the member names (``kind`` "properties") or item indexes
        ("items") of ``x`` that ``schema`` evaluates; ``own``: count the schema's own
        ``unevaluated*`` keyword too (as a subschema of another)."""
        ctx = self._ann_ctx(ptr, ctx)
        key = ("ap", ptr, ctx.scope, kind, own)
        if key in self._ann_ids:
            return self._ann_ids[key]
        name = self._name("_ap")
        self._ann_ids[key] = name
        pytype = _KIND[kind][1]
        code = Code()
        code.depth = 1
        code.add("e: set[Any] = set()")
        code.add(f"if type(x) is not {pytype}:")
        code.add("    return e")
        if isinstance(schema, dict):
            if kind == "properties":
                everything = "additionalProperties" in schema or (own and "unevaluatedProperties" in schema)
                if everything:
                    code.add("return set(x)")
                else:
                    self._own_properties(schema, ptr, code)
            else:
                everything = ("items" in schema and not isinstance(schema["items"], list)) or (own and "unevaluatedItems" in schema)
                if everything:
                    code.add("return set(range(len(x)))")
                else:
                    self._own_items(schema, ptr, ctx, code)
            if not everything:
                self._in_place(schema, ptr, ctx, kind, code)
        code.add("return e")
        self.result.functions.append((name, [f"def {name}(x: Any) -> set[Any]:"] + code.lines))
        return name

    def _own_properties(self, schema: dict, ptr: str, code: Code) -> None:
        props = schema.get("properties")
        if isinstance(props, dict) and props:
            names = self.constant("_P", str_set(props))
            code.add(f"e.update({names}.intersection(x))")
        patterns = schema.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern in patterns:
                rx = self.regex(pattern, f"{ptr}/patternProperties/{escape_pointer(pattern)}")
                if rx:
                    code.add(f"e.update(k for k in x if {rx}.search(k) is not None)")

    def _own_items(self, schema: dict, ptr: str, ctx: Ctx, code: Code) -> None:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list) and prefix:
            code.add(f"e.update(range(min({len(prefix)}, len(x))))")
        if "contains" in schema:
            test = self._ok_expr(schema["contains"], ptr + "/contains", "y", replace(ctx, known=type(ctx.known)()))
            code.add(f"e.update(i for i, y in enumerate(x) if {test})")

    def _in_place(self, schema: dict, ptr: str, ctx: Ctx, kind: str, code: Code) -> None:
        """Annotations of the in-place subschemas ``x`` is valid against."""
        for keyword in ("$ref", "$dynamicRef"):
            if keyword in schema:
                target = self._ref_target(schema[keyword], f"{ptr}/{keyword}", ctx, dynamic=keyword == "$dynamicRef")
                if target is not None:
                    t_schema, t_ptr = self.components[target]
                    t_base = self._bases.get(target) or self.resources.base_of.get(t_ptr, self.resources.base)
                    t_ctx = replace(ctx, base=t_base, scope=self._scopes.get(target, ()))
                    self._union(code, self.evaluated_function(t_schema, t_ptr, t_ctx, kind))
        for keyword in ("allOf", "anyOf", "oneOf"):
            subs = schema.get(keyword)
            if isinstance(subs, list):
                for i, sub in enumerate(subs):
                    self._union(code, self.evaluated_function(sub, f"{ptr}/{keyword}/{i}", ctx, kind))
        if "if" in schema:
            cond = self.evaluated_function(schema["if"], ptr + "/if", ctx, kind)
            code.add(f"t = {cond}(x)")
            code.add("if t is not None:")
            code.add("    e |= t")
            for branch, header in (("then", "if t is not None:"), ("else", "else:")):
                if branch in schema:
                    fn = self.evaluated_function(schema[branch], f"{ptr}/{branch}", ctx, kind)
                    code.add(header)
                    code.add(f"    e.update({fn}(x) or ())")
        deps = schema.get("dependentSchemas")
        if isinstance(deps, dict):
            for trigger, sub in deps.items():
                fn = self.evaluated_function(sub, f"{ptr}/dependentSchemas/{escape_pointer(trigger)}", ctx, kind)
                if kind == "properties":
                    code.add(f"if {trigger!r} in x:")
                    code.add(f"    e.update({fn}(x) or ())")

    def _union(self, code: Code, fn: str) -> None:
        if fn in ("_ep_true", "_ep_false"):
            return
        code.add(f"e.update({fn}(x) or ())")
