"""Problems in a spec, reported as ``FILE:LINE: what (how to fix)``.

Every stage collects :class:`SpecError` values instead of stopping at the first; the CLI
prints them all, one per line, and exits 1. No traceback reaches a user for a bad spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: characters that would break a problem's one line, or hide part of it, on a terminal: the C0 and
#: C1 control characters (newline, tab, escape, ...), DEL, and the Unicode line and paragraph separators
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every control character escaped (``\\n``, ``\\x1b``, ``\\u2028``), so
    that names from a spec (keys, values) print on one line and cannot drive the terminal."""

    def escape(m: re.Match[str]) -> str:
        c = m.group()
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    return _UNPRINTABLE.sub(escape, text)


@dataclass(frozen=True, order=True)
class SpecError:
    """One problem found in a spec.

    ``file`` is the spec's path as given, ``line`` is 1-based (0 when unknown), ``pointer`` is
    the JSON Pointer of the offending node, ``what`` says what is wrong and ``hint`` how to fix
    it.
    """

    file: str
    line: int
    what: str
    hint: str = ""
    pointer: str = ""

    def __post_init__(self) -> None:
        # text from the spec (keys, values, file names) is printed escaped, on one line
        for name in ("file", "what", "hint", "pointer"):
            object.__setattr__(self, name, one_line(getattr(self, name)))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        at = f" at {self.pointer}" if self.pointer else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {self.what}{at}{hint}"


class SpecErrors(Exception):
    """Raised by a stage that cannot go on; carries every problem found so far.

    ``errors`` is a sorted list of :class:`SpecError`, never empty.
    """

    def __init__(self, errors: list[SpecError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


class Reporter:
    """Collects problems for one spec file and turns JSON Pointers into line numbers."""

    def __init__(self, file: str, lines: dict[str, int] | None = None):
        self.file = file
        self.lines = lines or {}
        self.errors: list[SpecError] = []
        #: what is worth fixing but does not stop genspec (an invalid ``default``, an annotation)
        self.warnings: list[SpecError] = []

    def line_of(self, pointer: str) -> int:
        """Line of the nearest node at or above ``pointer`` (0 if none is known)."""
        p = pointer
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return 0
            p = p.rsplit("/", 1)[0]

    def add(self, pointer: str, what: str, hint: str = "") -> None:
        """Record a problem at ``pointer``."""
        self.errors.append(SpecError(self.file, self.line_of(pointer), what, hint, pointer))

    def warn(self, pointer: str, what: str, hint: str = "") -> None:
        """Record a warning at ``pointer``: printed as ``file:line: warning: what``, never
        raised (the spec still passes)."""
        self.warnings.append(SpecError(self.file, self.line_of(pointer), f"warning: {what}", hint, pointer))

    def raise_if_any(self) -> None:
        """Raise :class:`SpecErrors` when a problem was recorded."""
        if self.errors:
            raise SpecErrors(self.errors)
