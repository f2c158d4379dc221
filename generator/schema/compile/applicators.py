"""Keyword family: the in-place applicators ``allOf``, ``anyOf``, ``oneOf``, ``not`` and
``if``/``then``/``else`` (with the boolean pass's dispatch of conditionals on one property)."""

from __future__ import annotations

from dataclasses import replace

from genspec.schema.compile.code import Code, Ctx, Path, _list, _pass, with_block
from genspec.schema.fastpath import MISSING, OTHER, condition_holds, dispatch_values


class ApplicatorsMixin:
    """Combinators applied to the instance itself."""

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
