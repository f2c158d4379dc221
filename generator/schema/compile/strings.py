"""Keyword family: ``minLength``, ``maxLength``, ``pattern`` and ``format``."""

from __future__ import annotations

import re

from genspec.schema.compile.code import Code, Ctx, Path, guarded, with_block
from genspec.schema.compile.ecma import translate as ecma_translate
from genspec.schema.vocabulary import FORMAT_ASSERTION_VOCABULARY

#: formats the generated strategies draw strings of
FORMATS = ("uuid", "uri", "date-time", "date", "email")
#: when a string fails an asserted format (``_UUID_MATCH``/``_URI_MATCH`` are bound regex
#: methods, ``_fmt_*`` functions of ``_runtime``; the compiled build checks uuid and uri byte
#: by byte, see the validators template); see vocabulary.ASSERTABLE_FORMATS
_FORMAT_FAILS = {
    "uuid": "not _uuid_bytes({v}) if _COMPILED else len({v}) != 36 or _UUID_MATCH({v}) is None",
    "uri": "not _uri_bytes({v}) if _COMPILED else _URI_MATCH({v}) is None",
    "uri-reference": "not _fmt_uri_reference({v})",
    **{f: f"not _fmt_{f.replace('-', '_')}({{v}})" for f in (
        "date", "date-time", "time", "duration", "email", "hostname", "ipv4", "ipv6",
        "json-pointer", "relative-json-pointer", "regex",
    )},
}


class StringsMixin:
    """Length, pattern and format checks, guarded by the instance being a string."""

    def regex(self, pattern: object, ptr: str) -> str | None:
        """The module constant holding the compiled ECMA-262 ``pattern`` (see :mod:`.ecma`),
        or None (reported at ``ptr``)."""
        if not isinstance(pattern, str):
            self.reporter.add(ptr, f"a pattern must be a string, not {type(pattern).__name__}", "quote the regular expression")
            return None
        try:
            source = ecma_translate(pattern)
            re.compile(source)
        except (re.error, ValueError) as exc:
            self.reporter.add(ptr, f"pattern {pattern!r} does not compile: {exc}", "write an ECMA-262 regular expression")
            return None
        return self.constant("_RE", f"re.compile({source!r})")

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
            prefix = _literal_prefix(pattern) if isinstance(pattern, str) else None
            if prefix is not None:  # "^literal": no regex engine needed
                test = f"not {v}.startswith({prefix!r})"
            else:
                compiled = self.regex(pattern, ctx.ptr + "/pattern")
                test = f"{compiled}.search({v}) is None" if compiled else None
            if test:
                with_block(inner, f"if {test}:", lambda: self.fail(inner, ctx, path, "pattern", f"must match the pattern {pattern}"))
        fmt = schema.get("format")
        asserted = fmt in self.formats or (ctx.vocab is not None and FORMAT_ASSERTION_VOCABULARY in ctx.vocab)
        if asserted and fmt in _FORMAT_FAILS:
            test = _FORMAT_FAILS[fmt].format(v=v)
            with_block(inner, f"if {test}:", lambda: self.fail(inner, ctx, path, "format", f"must be a valid {fmt}"))
        elif fmt is not None and not isinstance(fmt, str):
            self.reporter.add(ctx.ptr + "/format", "format must be a string", "write e.g. format: uuid")
        guarded(code, inner, ctx.known.guard(v, "string"))


_LITERAL = re.compile(r"[A-Za-z0-9/_:@,;=%&!<>'\" -]*")


def _literal_prefix(pattern: str) -> str | None:
    """``"^abc"`` -> ``"abc"`` when the rest of the pattern is plain text (no metacharacter)."""
    if not pattern.startswith("^") or pattern.startswith("^^"):
        return None
    rest = pattern[1:]
    return rest if rest and _LITERAL.fullmatch(rest) else None
