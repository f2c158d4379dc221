"""Keyword family: ``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``,
``multipleOf``."""

from __future__ import annotations

from genspec.schema.compile.code import Code, Ctx, Path, _num_text, guarded, with_block


class NumbersMixin:
    """Range and ``multipleOf`` checks, guarded by the instance being a number."""

    def _numbers(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        inner = Code()
        checks = (
            # written so that NaN fails every bound
            ("minimum", "not {v} >= {n}", "must be >= {n}"),
            ("maximum", "not {v} <= {n}", "must be <= {n}"),
            ("exclusiveMinimum", "not {v} > {n}", "must be > {n}"),
            ("exclusiveMaximum", "not {v} < {n}", "must be < {n}"),
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
