"""Keyword family: ``prefixItems``, ``items``, ``contains`` (with ``minContains`` and
``maxContains``), ``minItems``, ``maxItems`` and ``uniqueItems``."""

from __future__ import annotations

from dataclasses import replace

from genspec.schema.compile.code import Code, Ctx, Path, guarded, with_block


class ArraysMixin:
    """Array checks, guarded by the instance being an array; items of a non-leaf component
    are judged in one ``map`` over the component's boolean function."""

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
        prefix = schema.get("prefixItems")
        if prefix is not None and not isinstance(prefix, list):
            self.reporter.add(ctx.ptr + "/prefixItems", "prefixItems must be a list of schemas", "write a YAML list")
            prefix = None
        for j, sub in enumerate(prefix or ()):
            body = Code()
            item = self._name("_x")
            self.compile(sub, item, path.child(str(j)), replace(ctx, loc=f"{ctx.loc}[{j}]", ptr=f"{ctx.ptr}/prefixItems/{j}", top=False, item=False), body)
            if body:
                inner.add(f"if len({v}) > {j}:")
                inner.depth += 1
                inner.add(f"{item} = {v}[{j}]")
                inner.extend(body)
                inner.depth -= 1
        if "contains" in schema:
            self._contains(schema, v, path, ctx, inner)
        n = len(prefix or ())
        if "items" in schema and n:
            i, item = self._name("_i"), self._name("_x")
            body = Code()
            self.compile(schema["items"], item, path.index(i), replace(ctx, loc=ctx.loc + "[]", ptr=ctx.ptr + "/items", item=True, top=False), body)
            if body:
                inner.add(f"for {i}, {item} in enumerate({v}[{n}:], {n}):" if ctx.mode == "collect" else f"for {item} in {v}[{n}:]:")
                inner.depth += 1
                inner.extend(body)
                inner.depth -= 1
        elif "items" in schema:
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

    def _contains(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        """``contains``: at least ``minContains`` (default 1) and at most ``maxContains`` items
        are valid against the subschema."""
        lo = self._count(schema, "minContains", ctx.ptr)
        hi = self._count(schema, "maxContains", ctx.ptr)
        lo = 1 if lo is None else lo
        if lo == 0 and hi is None:
            return
        y = self._name("_y")
        sub_ctx = replace(ctx, ptr=ctx.ptr + "/contains", known=type(ctx.known)(), top=False)
        test = self._ok_expr(schema["contains"], ctx.ptr + "/contains", y, sub_ctx)
        if hi is None and lo == 1:
            with_block(code, f"if not any({test} for {y} in {v}):", lambda: self.fail(code, ctx, path, "contains", "must contain a matching item"))
            return
        n = self._name("_n")
        code.add(f"{n} = sum(1 for {y} in {v} if {test})")
        if lo:
            with_block(code, f"if {n} < {lo}:", lambda: self.fail(code, ctx, path, "minContains", f"must contain at least {lo} matching item{'s' if lo != 1 else ''}"))
        if hi is not None:
            with_block(code, f"if {n} > {hi}:", lambda: self.fail(code, ctx, path, "maxContains", f"must contain at most {hi} matching item{'s' if hi != 1 else ''}"))
