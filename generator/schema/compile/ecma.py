"""ECMA-262 regular expressions (what JSON Schema's ``pattern`` means) as Python ``re`` source.

The generated validators run Python's ``re``; :func:`translate` rewrites the constructs whose
meaning differs, so a translated pattern matches what ECMA-262 (with the ``u`` flag) matches:

* ``\\d``, ``\\w``, ``\\b`` and their negations are ASCII-only in ECMA-262 (``[0-9]``,
  ``[A-Za-z0-9_]``); ``\\s`` is ECMA-262's white space and line terminators (U+FEFF included);
* ``$`` matches only at the very end (Python's also matches before a final newline): ``\\Z``;
* ``\\cX`` control escapes become ``\\xNN``; ``(?<name>...)`` and ``\\k<name>`` become Python's
  named groups; ``[^]`` (any character) and ``[]`` (none) become ``[\\s\\S]`` and ``(?!)``;
* ``\\p{...}`` / ``\\P{...}`` Unicode properties: the general categories letter (``L``,
  ``Letter``), decimal number (``Nd``, ``digit``, ``Decimal_Number``) and their negations.

Raises :class:`ValueError` for a ``\\p{...}`` property it cannot express.
"""

from __future__ import annotations

_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_INSIDE = {"d": "0-9", "w": "A-Za-z0-9_", "s": _SPACE}
_OUTSIDE = {
    "d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]",
    "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "b": "(?a:\\b)", "B": "(?a:\\B)",
}
#: Unicode properties as (class contents, negated class contents)
_PROPERTIES = {
    "L": ("^\\W\\d_", "\\W\\d_"),
    "Letter": ("^\\W\\d_", "\\W\\d_"),
    "Nd": ("\\d", "\\D"),
    "digit": ("\\d", "\\D"),
    "Decimal_Number": ("\\d", "\\D"),
}


def translate(pattern: str) -> str:
    """Python ``re`` source matching what the ECMA-262 ``pattern`` matches."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in "pP" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i + 3)
                if end < 0:
                    raise ValueError("unterminated \\p{...}")
                name = pattern[i + 3:end].split("=")[-1]
                if name not in _PROPERTIES:
                    raise ValueError(f"the Unicode property \\{e}{{{name}}} is not supported")
                positive, negative = _PROPERTIES[name]
                body = positive if e == "p" else negative
                if in_class:
                    if body.startswith("^"):
                        raise ValueError(f"\\{e}{{{name}}} inside a character class is not supported")
                    out.append(body)
                else:
                    out.append(f"[{body}]")
                i = end + 1
                continue
            if e == "c" and i + 2 < n and pattern[i + 2].isalpha():
                out.append(f"\\x{ord(pattern[i + 2].upper()) % 32:02x}")
                i += 3
                continue
            if e == "k" and i + 2 < n and pattern[i + 2] == "<" and not in_class:
                end = pattern.find(">", i + 3)
                out.append(f"(?P={pattern[i + 3:end]})")
                i = end + 1
                continue
            if in_class and e in _INSIDE:
                out.append(_INSIDE[e])
            elif not in_class and e in _OUTSIDE:
                out.append(_OUTSIDE[e])
            elif e == "/":
                out.append("/")
            else:
                out.append(c + e)
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            if pattern.startswith("[^]", i):
                out.append("[\\s\\S]")
                i += 3
                continue
            if pattern.startswith("[]", i):
                out.append("(?!)")
                i += 2
                continue
            in_class = True
            out.append(c)
            if pattern.startswith("[^", i):
                out.append("^")
                i += 1
            i += 1
            continue
        if c == "$":
            out.append("\\Z")
        elif c == "(" and pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)
