"""CEL rules (``x-validations``) compiled to plain Python expressions.

The expression is parsed with cel-python's parser (:mod:`.parser`) and translated node by
node (:mod:`.emitter`); nothing interprets CEL at run time. The generated code calls the
generic helpers of the generated ``_cel`` module (CEL's typed arithmetic, heterogeneous
equality, error values absorbed by ``&&``, ``||`` and the macros) and ``_cel_lib`` (the
extension libraries listed in :mod:`.library`).

While translating, every ``self.a.b`` chain is resolved against the schema (a rule may only
name properties that exist) and operand types known from the schema are checked (a string
compared with a number is a CEL type error). Problems are returned as messages, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from genspec.schema.cel.emitter import Translator
from genspec.schema.cel.parser import parser

__all__ = ["Translation", "Resolver", "translate", "function_lines"]

# A resolver takes a property path below ``self`` and returns the JSON type of that property
# ("string", "integer", "number", "boolean", "array", "object", "dyn"), or None if the schema
# has no such property.
Resolver = Callable[[tuple[str, ...]], "str | None"]


@dataclass
class Translation:
    """Result of :func:`translate`: the Python expression over ``var`` and the problems."""

    python: str
    errors: list[str] = field(default_factory=list)
    paths: list[tuple[str, ...]] = field(default_factory=list)
    kind: str = "dyn"


def translate(rule: str, var: str, resolve: Resolver, names: dict[str, tuple[str, str]] | None = None, want_bool: bool = True) -> Translation:
    """Translate CEL ``rule`` to a Python expression over the variable ``var`` (``self``).

    ``names`` declares more variables: CEL name -> (Python expression, CEL type). Returns
    the expression and every problem found (parse error, unknown property, type error,
    unsupported construct). The expression raises on an evaluation error (a
    ``_cel.CelError`` or a Python error that :func:`_cel.error_text` names); wrap it with
    :func:`function_lines`.
    """
    if not isinstance(rule, str) or not rule.strip():
        return Translation("True", ["the CEL rule is empty"])
    try:
        tree = parser().parse(rule)
    except Exception as exc:  # celpy's CELParseError and lark's several kinds: "does not parse"
        text = str(exc).splitlines()[0].strip() if str(exc).strip() else type(exc).__name__
        col = getattr(exc, "column", None)
        where = f" (column {col})" if col else ""
        return Translation("True", [f"CEL syntax error{where}: {text}"])
    tr = Translator(var, resolve, names)
    try:
        e = tr.visit(tree)
    except RecursionError:
        return Translation("True", ["the CEL rule nests too deeply for genspec"])
    if want_bool and e.t not in ("bool", "dyn"):
        tr.err(f"CEL type error: the rule yields {e.t}, not bool")
    if not tr.errors:
        try:
            compile(e.code, "<cel>", "eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:  # a genspec bug, reported on the rule
            tr.err(f"genspec could not compile this rule to Python ({type(exc).__name__}); please report it with the rule")
    return Translation(e.code, tr.errors, tr.paths, e.t)


def function_lines(name: str, doc: str, python: str, var: str = "self") -> list[str]:
    """A ``def name(var)`` that returns True (rule holds), False (it does not) or the text of
    the evaluation error (a rule that errors is a violation, as in Kubernetes)."""
    return [
        f"def {name}({var}: Any) -> bool | str:",
        f'    """{doc}"""',
        "    try:",
        f"        r = {python}",
        "    except Exception as exc:",
        "        return _C.error_text(exc)",
        "    return r if r is True or r is False else _C.NO_OVERLOAD",
    ]
