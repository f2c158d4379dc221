"""CEL rules (``x-validations``) compiled to plain Python expressions.

The expression is parsed with cel-python's parser (``celpy.celparser``) and translated node by
node; nothing interprets CEL at run time. Supported: literals, lists, ``self`` field
selection, ``has()``, ``size()``, the logical, relational (``in`` too) and arithmetic
operators, the ternary, indexing, the string functions ``startsWith``/``endsWith``/
``contains``/``matches``, and the macros ``all``, ``exists``, ``exists_one``, ``map`` and
``filter``.

While translating, every ``self.a.b`` chain is resolved against the schema (a rule may only
name properties that exist) and operand types known from the schema are compared (a string
compared with a number is a CEL type error). Problems are returned as messages, never raised.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from celpy.celparser import CELParseError, CELParser
from lark import Token, Tree

_PARSER: CELParser | None = None

#: CEL type names used by the light type check; "dyn" means unknown.
_NUMERIC = {"int", "uint", "double"}


def _parser() -> CELParser:
    """celpy's parser. Its Lark LALR tables are built once per process by celpy; here they
    are built with Lark's ``cache`` (a file in the temp folder keyed by the grammar and the
    options), which makes every later ``genspec`` run load them instead of rebuilding."""
    global _PARSER
    if _PARSER is None:
        if CELParser.CEL_PARSER is None:
            CELParser.CEL_PARSER = _cached_lark()
        _PARSER = CELParser()
    return _PARSER


def _cached_lark() -> Any:
    """The Lark parser celpy builds (same grammar and options), with ``cache=True``."""
    import re
    from pathlib import Path

    import celpy.celparser
    from lark import Lark
    from lark import Tree as LarkTree

    grammar = (Path(celpy.celparser.__file__).parent / "cel.lark").read_text()
    try:
        return Lark(
            grammar, parser="lalr", start="expr", debug=True, g_regex_flags=re.MULTILINE,
            lexer_callbacks={"IDENT": CELParser.ambiguous_literals}, propagate_positions=True,
            maybe_placeholders=False, priority="invert", tree_class=LarkTree, cache=True,
        )
    except Exception:  # an unwritable temp folder or a changed celpy: build it celpy's way
        return None


class CelError(Exception):
    """A CEL rule that does not parse, names a missing property, or mixes types."""


@dataclass
class Translation:
    """Result of :func:`translate`: the Python expression over ``var`` and the problems."""

    python: str
    errors: list[str] = field(default_factory=list)
    paths: list[tuple[str, ...]] = field(default_factory=list)


# A resolver takes a property path below ``self`` and returns the JSON type of that property
# ("string", "integer", "number", "boolean", "array", "object", "dyn"), or None if the schema
# has no such property.
Resolver = Callable[[tuple[str, ...]], "str | None"]

_JSON_TO_CEL = {
    "string": "string",
    "integer": "int",
    "number": "double",
    "boolean": "bool",
    "array": "list",
    "object": "map",
    "null": "null",
}


def _cel_string(text: str) -> str:
    """Decode a CEL string literal (quotes, raw prefix, escapes) to its value."""
    raw = False
    if text[:1] in "rR":
        raw, text = True, text[1:]
    if text.startswith(('"""', "'''")):
        body = text[3:-3]
    else:
        body = text[1:-1]
    if raw:
        return body
    return ast.literal_eval('"' + body.replace('"', '\\"') + '"') if '\\' in body else body


class _Translator:
    def __init__(self, var: str, resolve: Resolver):
        self.var = var
        self.resolve = resolve
        self.errors: list[str] = []
        self.paths: list[tuple[str, ...]] = []
        self.scopes: list[set[str]] = []
        self.counter = 0

    # ---------------------------------------------------------------- helpers
    def err(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def self_path(self, node: Any) -> tuple[str, ...] | None:
        """If ``node`` is a ``self.a.b`` chain, its property path; else None."""
        names: list[str] = []
        while isinstance(node, Tree):
            if node.data in ("expr", "conditionalor", "conditionaland", "relation", "addition",
                             "multiplication", "unary", "primary") and len(node.children) == 1 or node.data == "member" and len(node.children) == 1:
                node = node.children[0]
            elif node.data == "member_dot":
                names.append(str(node.children[1]))
                node = node.children[0]
            elif node.data == "ident":
                if str(node.children[0]) == "self" and not any("self" in s for s in self.scopes):
                    return tuple(reversed(names))
                return None
            else:
                return None
        return None

    def local(self, name: str) -> str:
        return f"_c_{name}"

    # ---------------------------------------------------------------- visit
    def visit(self, node: Any) -> tuple[str, str]:
        """Translate ``node``; return (python expression, CEL type or 'dyn')."""
        if isinstance(node, Token):
            return self.token(node)
        method = getattr(self, "v_" + node.data, None)
        if method is None:
            self.err(f"CEL construct '{node.data}' is not supported by genspec")
            return "None", "dyn"
        return method(node)

    def v_expr(self, node: Tree) -> tuple[str, str]:
        if len(node.children) == 1:
            return self.visit(node.children[0])
        cond, _ = self.visit(node.children[0])
        then, t1 = self.visit(node.children[1])
        other, t2 = self.visit(node.children[2])
        return f"({then} if {cond} else {other})", t1 if t1 == t2 else "dyn"

    def v_conditionalor(self, node: Tree) -> tuple[str, str]:
        if len(node.children) == 1:
            return self.visit(node.children[0])
        a, _ = self.visit(node.children[0])
        b, _ = self.visit(node.children[1])
        return f"({a} or {b})", "bool"

    def v_conditionaland(self, node: Tree) -> tuple[str, str]:
        if len(node.children) == 1:
            return self.visit(node.children[0])
        a, _ = self.visit(node.children[0])
        b, _ = self.visit(node.children[1])
        return f"({a} and {b})", "bool"

    _REL = {"relation_eq": "==", "relation_ne": "!=", "relation_lt": "<", "relation_le": "<=",
            "relation_gt": ">", "relation_ge": ">=", "relation_in": "in"}
    _ADD = {"addition_add": "+", "addition_sub": "-"}
    _MUL = {"multiplication_mul": "*", "multiplication_div": "/", "multiplication_mod": "%"}

    def _binary(self, node: Tree, table: dict[str, str]) -> tuple[str, str]:
        if len(node.children) == 1:
            return self.visit(node.children[0])
        op_node, rhs_node = node.children
        op = table.get(op_node.data)
        if op is None:
            self.err(f"CEL operator '{op_node.data}' is not supported by genspec")
            return "None", "dyn"
        a, ta = self.visit(op_node.children[0])
        b, tb = self.visit(rhs_node)
        if op == "in":
            if tb not in ("list", "map", "dyn"):
                self.err(f"CEL type error: 'in' needs a list or map on its right, not {tb}")
            return f"({a} in {b})", "bool"
        if op in ("==", "!=", "<", "<=", ">", ">="):
            known = {ta, tb} - {"dyn", "null"}
            if len(known) == 2 and not known <= _NUMERIC:
                self.err(f"CEL type error: cannot compare {ta} with {tb} using '{op}'")
            return f"({a} {op} {b})", "bool"
        if op == "/":
            result = ta if ta == tb else "dyn"
            if ta == "int" and tb == "int":
                return f"_cel_div({a}, {b})", "int"
            return f"({a} / {b})", result
        if op == "%":
            return f"_cel_mod({a}, {b})", ta if ta == tb else "dyn"
        known = {ta, tb} - {"dyn"}
        if op == "+" and len(known) == 2 and not known <= _NUMERIC:
            self.err(f"CEL type error: cannot add {ta} and {tb}")
        if op in ("-", "*") and known - _NUMERIC:
            self.err(f"CEL type error: '{op}' needs numbers, not {' and '.join(sorted(known))}")
        return f"({a} {op} {b})", ta if ta == tb else "dyn"

    def v_relation(self, node: Tree) -> tuple[str, str]:
        return self._binary(node, self._REL)

    def v_addition(self, node: Tree) -> tuple[str, str]:
        return self._binary(node, self._ADD)

    def v_multiplication(self, node: Tree) -> tuple[str, str]:
        return self._binary(node, self._MUL)

    def v_unary(self, node: Tree) -> tuple[str, str]:
        if len(node.children) == 1:
            return self.visit(node.children[0])
        op, operand = node.children
        value, t = self.visit(operand)
        if op.data == "unary_not":
            if t not in ("bool", "dyn"):
                self.err(f"CEL type error: '!' needs a bool, not {t}")
            return f"(not {value})", "bool"
        if t not in _NUMERIC | {"dyn"}:
            self.err(f"CEL type error: '-' needs a number, not {t}")
        return f"(-{value})", t

    def v_member(self, node: Tree) -> tuple[str, str]:
        return self.visit(node.children[0])

    def v_primary(self, node: Tree) -> tuple[str, str]:
        return self.visit(node.children[0])

    def v_paren_expr(self, node: Tree) -> tuple[str, str]:
        value, t = self.visit(node.children[0])
        return f"({value})", t

    def v_ident(self, node: Tree) -> tuple[str, str]:
        name = str(node.children[0])
        for scope in reversed(self.scopes):
            if name in scope:
                return self.local(name), "dyn"
        if name == "self":
            return self.var, "map"
        self.err(f"CEL names '{name}', which is not defined (rules see only 'self' and macro variables)")
        return "None", "dyn"

    def v_member_dot(self, node: Tree) -> tuple[str, str]:
        path = self.self_path(node)
        if path is not None:
            self.paths.append(path)
            kind = self.resolve(path)
            if kind is None:
                self.err(f"CEL names self.{'.'.join(path)}, which the schema does not define")
                kind = "dyn"
            target, _ = self.visit(node.children[0])
            return f"{target}[{path[-1]!r}]", _JSON_TO_CEL.get(kind, "dyn")
        target, _ = self.visit(node.children[0])
        return f"{target}[{str(node.children[1])!r}]", "dyn"

    def v_member_index(self, node: Tree) -> tuple[str, str]:
        target, _ = self.visit(node.children[0])
        index, _ = self.visit(node.children[1])
        return f"{target}[{index}]", "dyn"

    def _args(self, node: Tree | None) -> list[Tree]:
        if node is None:
            return []
        return list(node.children)

    def v_ident_arg(self, node: Tree) -> tuple[str, str]:
        name = str(node.children[0])
        args = self._args(node.children[1] if len(node.children) > 1 else None)
        if name == "has":
            if len(args) != 1:
                self.err("CEL has() takes one field selection")
                return "False", "bool"
            inner = args[0]
            path = self.self_path(inner)
            if path is None or not path:
                self.err("CEL has() needs a field selection such as has(self.field)")
                return "False", "bool"
            self.paths.append(path)
            if self.resolve(path) is None:
                self.err(f"CEL names self.{'.'.join(path)}, which the schema does not define")
            parent = self.var + "".join(f"[{p!r}]" for p in path[:-1])
            guards = [f"type({self.var + ''.join(f'[{q!r}]' for q in path[:i])}) is dict" for i in range(len(path))]
            return "(" + " and ".join(guards + [f"{path[-1]!r} in {parent}"]) + ")", "bool"
        if name == "size":
            if len(args) != 1:
                self.err("CEL size() takes one argument")
                return "0", "int"
            value, t = self.visit(args[0])
            if t not in ("string", "list", "map", "dyn"):
                self.err(f"CEL type error: size() needs a string, list or map, not {t}")
            return f"len({value})", "int"
        if name in ("int", "double", "string"):
            value, _ = self.visit(args[0]) if args else ("None", "dyn")
            py = {"int": "int", "double": "float", "string": "str"}[name]
            return f"{py}({value})", {"int": "int", "double": "double", "string": "string"}[name]
        self.err(f"CEL function '{name}' is not supported by genspec")
        return "None", "dyn"

    def v_member_dot_arg(self, node: Tree) -> tuple[str, str]:
        target_node = node.children[0]
        name = str(node.children[1])
        args = self._args(node.children[2] if len(node.children) > 2 else None)
        if name in ("all", "exists", "exists_one", "map", "filter"):
            if len(args) != 2:
                self.err(f"CEL macro {name}() takes a variable and an expression")
                return "None", "dyn"
            var_name = self._ident_name(args[0])
            if var_name is None:
                self.err(f"CEL macro {name}() needs a variable name first")
                return "None", "dyn"
            target, tt = self.visit(target_node)
            if tt not in ("list", "map", "dyn"):
                self.err(f"CEL type error: {name}() needs a list or map, not {tt}")
            self.scopes.append({var_name})
            body, _ = self.visit(args[1])
            self.scopes.pop()
            v = self.local(var_name)
            if name == "all":
                return f"all({body} for {v} in {target})", "bool"
            if name == "exists":
                return f"any({body} for {v} in {target})", "bool"
            if name == "exists_one":
                return f"(sum(1 for {v} in {target} if {body}) == 1)", "bool"
            if name == "map":
                return f"[{body} for {v} in {target}]", "list"
            return f"[{v} for {v} in {target} if {body}]", "list"
        target, tt = self.visit(target_node)
        values = [self.visit(a) for a in args]
        if name == "size" and not values:
            return f"len({target})", "int"
        if name in ("startsWith", "endsWith", "contains", "matches") and len(values) == 1:
            if tt not in ("string", "dyn"):
                self.err(f"CEL type error: {name}() needs a string, not {tt}")
            arg = values[0][0]
            if name == "startsWith":
                return f"{target}.startswith({arg})", "bool"
            if name == "endsWith":
                return f"{target}.endswith({arg})", "bool"
            if name == "contains":
                return f"({arg} in {target})", "bool"
            return f"(_re_search({arg}, {target}) is not None)", "bool"
        self.err(f"CEL function '{name}' is not supported by genspec")
        return "None", "dyn"

    def _ident_name(self, node: Any) -> str | None:
        while isinstance(node, Tree):
            if node.data == "ident":
                return str(node.children[0])
            if len(node.children) != 1:
                return None
            node = node.children[0]
        return None

    def v_list_lit(self, node: Tree) -> tuple[str, str]:
        items = [self.visit(c)[0] for c in self._args(node.children[0] if node.children else None)]
        return "[" + ", ".join(items) + "]", "list"

    def v_exprlist(self, node: Tree) -> tuple[str, str]:
        items = [self.visit(c)[0] for c in node.children]
        return "[" + ", ".join(items) + "]", "list"

    def v_map_lit(self, node: Tree) -> tuple[str, str]:
        inits = node.children[0] if node.children else None
        if inits is None:
            return "{}", "map"
        parts = [self.visit(c)[0] for c in inits.children]
        pairs = [f"{parts[i]}: {parts[i + 1]}" for i in range(0, len(parts) - 1, 2)]
        return "{" + ", ".join(pairs) + "}", "map"

    def v_literal(self, node: Tree) -> tuple[str, str]:
        return self.token(node.children[0])

    def token(self, tok: Token) -> tuple[str, str]:
        kind, text = tok.type, str(tok)
        if kind == "INT_LIT":
            return str(int(text, 0)), "int"
        if kind == "UINT_LIT":
            return str(int(text.rstrip("uU"), 0)), "uint"
        if kind == "FLOAT_LIT":
            return repr(float(text)), "double"
        if kind == "STRING_LIT":
            return repr(_cel_string(text)), "string"
        if kind == "BOOL_LIT":
            return ("True" if text == "true" else "False"), "bool"
        if kind == "NULL_LIT":
            return "None", "null"
        if kind == "IDENT":
            return self.v_ident(Tree("ident", [tok]))
        self.err(f"CEL literal {text} ({kind}) is not supported by genspec")
        return "None", "dyn"


def translate(rule: str, var: str, resolve: Resolver) -> Translation:
    """Translate CEL ``rule`` to a Python expression over the variable ``var`` (``self``).

    Returns the expression and every problem found (parse error, unknown property, type
    error, unsupported construct). The expression may raise on values of the wrong type; the
    caller wraps it (a rule that cannot be evaluated reports nothing: the schema keywords
    report the cause).
    """
    if not isinstance(rule, str) or not rule.strip():
        return Translation("True", ["the CEL rule is empty"])
    try:
        tree = _parser().parse(rule)
    except CELParseError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        col = getattr(exc, "column", None)
        where = f" (column {col})" if col else ""
        return Translation("True", [f"CEL syntax error{where}: {first.strip()}"])
    except Exception as exc:  # lark raises several kinds; all mean "does not parse"
        return Translation("True", [f"CEL syntax error: {type(exc).__name__}"])
    tr = _Translator(var, resolve)
    python, kind = tr.visit(tree)
    if kind not in ("bool", "dyn"):
        tr.err(f"CEL type error: the rule yields {kind}, not bool")
    return Translation(python, tr.errors, tr.paths)

