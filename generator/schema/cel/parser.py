"""Parsing CEL: cel-python's Lark grammar (``celpy/cel.lark``), its tables cached on disk, and
the decoding of string and bytes literals (every escape form of the CEL language definition:
``\\a \\b \\f \\n \\r \\t \\v \\\\ \\? \\" \\' \\``` ``, octal ``\\NNN``, ``\\xHH``/``\\XHH``,
``\\uHHHH``, ``\\UHHHHHHHH``; raw ``r''`` strings keep backslashes; triple quotes)."""

from __future__ import annotations

import re
from typing import Any

from celpy.celparser import CELParser

_PARSER: CELParser | None = None


def parser() -> CELParser:
    """celpy's parser. Its Lark LALR tables are built with Lark's ``cache`` (a file in the
    temp folder keyed by the grammar and the options), so later runs load them."""
    global _PARSER
    if _PARSER is None:
        if CELParser.CEL_PARSER is None:
            CELParser.CEL_PARSER = _cached_lark()
        _PARSER = CELParser()
    return _PARSER


def _cached_lark() -> Any:
    """The Lark parser celpy builds (same grammar and options), with ``cache=True``."""
    from pathlib import Path

    import celpy.celparser
    from lark import Lark
    from lark import Tree as LarkTree

    grammar = (Path(celpy.celparser.__file__).parent / "cel.lark").read_text()
    try:
        return Lark(
            grammar, parser="lalr", start="expr", debug=True, g_regex_flags=re.M,
            lexer_callbacks={"IDENT": CELParser.ambiguous_literals}, propagate_positions=True,
            maybe_placeholders=False, priority="invert", tree_class=LarkTree, cache=True,
        )
    except Exception:  # an unwritable temp folder or a changed celpy: build it celpy's way
        return None


class LiteralError(ValueError):
    """A string or bytes literal with an escape CEL does not define."""


_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
           "\\": "\\", "?": "?", '"': '"', "'": "'", "`": "`"}
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\?\"'`])|([0-3][0-7]{2})|[xX]([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.?))", re.S)


def decode(text: str) -> str | bytes:
    """The value of the CEL string or bytes literal ``text`` (as written, quotes included).

    Bytes literals give ``bytes`` (``\\xHH`` and octal escapes are bytes there; other
    characters their UTF-8). Raises :class:`LiteralError` for an unknown escape or a
    surrogate / out-of-range code point.
    """
    is_bytes = text[:1] in "bB"
    if is_bytes:
        text = text[1:]
    raw = text[:1] in "rR"
    if raw:
        text = text[1:]
    body = text[3:-3] if text.startswith(('"""', "'''")) else text[1:-1]
    if raw:
        return body.encode("utf-8") if is_bytes else body
    out = bytearray()

    def piece(m: re.Match) -> None:
        simple, octal, hex2, u4, u8, bad = m.groups()
        if simple is not None:
            out.extend(_SIMPLE[simple].encode())
        elif octal is not None or hex2 is not None:
            n = int(octal, 8) if octal is not None else int(hex2, 16)
            out.extend(bytes([n]) if is_bytes else chr(n).encode("utf-8"))
        elif u4 is not None or u8 is not None:
            if is_bytes:
                raise LiteralError("\\u and \\U escapes are not allowed in bytes literals")
            n = int(u4 or u8, 16)
            if 0xD800 <= n <= 0xDFFF or n > 0x10FFFF:
                raise LiteralError(f"\\u{n:x} is not a Unicode scalar value")
            out.extend(chr(n).encode("utf-8"))
        else:
            raise LiteralError(f"unknown escape \\{bad}")

    pos = 0
    for m in _ESCAPE.finditer(body):
        out.extend(body[pos:m.start()].encode("utf-8", "surrogatepass"))
        piece(m)
        pos = m.end()
    out.extend(body[pos:].encode("utf-8", "surrogatepass"))
    return bytes(out) if is_bytes else out.decode("utf-8")
