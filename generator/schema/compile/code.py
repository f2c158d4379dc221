"""The compiler's building blocks: JSON Pointers as Python expressions, indented source,
the compile context and output, and small emission helpers shared by every keyword family."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from genspec.load.errors import Reporter
from genspec.load.ir import Rule
from genspec.load.loader import escape_pointer
from genspec.schema.fastpath import _TYPE_TEST, Known  # noqa: F401 (one table of JSON type tests, for the keyword modules)

def str_set(names: Any) -> str:
    """Python source of a frozenset of strings (typed when empty, for mypy and mypyc)."""
    items = sorted(names)
    return "frozenset({" + ", ".join(repr(n) for n in items) + "})" if items else "frozenset[str]()"


_TYPE_NOUN = {
    "object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "a boolean", "null": "null",
}


class Path:
    """A JSON Pointer as a Python expression: a runtime base plus static and dynamic parts."""

    def __init__(self, parts: tuple[tuple[str, str], ...] = (("var", "p"),)):
        self.parts = parts

    def child(self, name: str) -> Path:
        """The pointer of property ``name`` (escaped at generation time)."""
        return Path(self.parts + (("lit", "/" + escape_pointer(name)),))

    def index(self, var: str) -> Path:
        """The pointer of the array item whose index is in the Python variable ``var``."""
        return Path(self.parts + (("lit", "/"), ("idx", var)))

    def key(self, var: str) -> Path:
        """The pointer of the object member whose key is in the Python variable ``var``."""
        return Path(self.parts + (("lit", "/"), ("key", var)))

    def relative(self, pointer: str) -> Path:
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
    #: base URI the schema's references are read against ("" for the spec itself)
    base: str = ""
    #: the dynamic scope: resources with a ``$dynamicAnchor`` entered to get here, outermost first
    scope: tuple[str, ...] = ()
    #: the vocabularies the resource's meta-schema (``$schema``) declares; None: all of them
    vocab: frozenset[str] | None = None


class Code:
    """Indented Python source lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def add(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def extend(self, other: Code) -> None:
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
    #: ``_v_`` functions whose schema rules out NaN and infinities itself (:mod:`..finite`)
    pinned: set[str] = field(default_factory=set)


def _list(schema: dict, key: str, ctx: Ctx, reporter: Reporter) -> list[Any]:
    value = schema.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        reporter.add(f"{ctx.ptr}/{key}", f"{key} must be a non-empty list of schemas", "write a YAML list")
        return []
    return value


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
    return json.dumps(value, sort_keys=True)


def _num_text(n: float) -> str:
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)
