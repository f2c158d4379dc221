"""Recognise the shapes of CEL rules that a generator can satisfy (or break) by construction.

A rule is read as a conjunction (``&&``) of disjunctions (``||``) of atoms. Recognised atoms:

* ``!has(self.a)`` and ``self.a == null`` (either side): a *guard* (the rest applies only when
  ``a`` is present and not null: null read as "not given");
* ``size(self.a) OP size(self.b)`` and ``size(self.a) OP N`` (``OP`` one of ``== != < <= > >=``,
  either side may be the literal): a *size relation*.

A disjunction is recognised when it holds guards and exactly one size relation; the result is
one :class:`SizeShape` per conjunct. Anything else gives ``None``: generation then relies on
checking the result with the generated validators, and no near-miss is built for the rule;
:func:`why_not` says in one line which part of such a rule is outside these shapes (the
strategies facts carry it as ``cannot_draw``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celpy.celparser import CELParseError, CELParser
from lark import Token, Tree

_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: the relation that holds exactly when OP does not
NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_RELATIONS = {
    "relation_eq": "==", "relation_ne": "!=", "relation_lt": "<", "relation_le": "<=",
    "relation_gt": ">", "relation_ge": ">=",
}
_PASS = ("expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication",
         "unary", "member", "primary", "paren_expr")


@dataclass(frozen=True)
class SizeShape:
    """``all guards present and left present [and right present] -> size(left) op right``.

    ``right`` is a property name (compare with its size) or an int.
    """

    guards: tuple[str, ...]
    left: str
    op: str
    right: str | int

    def as_data(self) -> list[Any]:
        """``[guards, left, op, right]``, the form the generated strategies read."""
        return [list(self.guards), self.left, self.op, self.right]


def _strip(node: Any) -> Any:
    while isinstance(node, Tree) and node.data in _PASS and len(node.children) == 1:
        node = node.children[0]
    return node


def _flatten(node: Any, kind: str) -> list[Any]:
    node = _strip(node) if not (isinstance(node, Tree) and node.data == kind) else node
    if isinstance(node, Tree) and node.data == kind and len(node.children) == 2:
        return _flatten(node.children[0], kind) + _flatten(node.children[1], kind)
    if isinstance(node, Tree) and node.data == "expr" and len(node.children) == 1:
        return _flatten(node.children[0], kind)
    if isinstance(node, Tree) and node.data in _PASS and len(node.children) == 1:
        inner = node.children[0]
        if isinstance(inner, Tree) and inner.data == kind:
            return _flatten(inner, kind)
    return [node]


def _self_field(node: Any) -> str | None:
    node = _strip(node)
    if isinstance(node, Tree) and node.data == "member_dot":
        base = _strip(node.children[0])
        if isinstance(base, Tree) and base.data == "ident" and str(base.children[0]) == "self":
            return str(node.children[1])
    return None


def _call(node: Any, name: str) -> Any:
    node = _strip(node)
    if isinstance(node, Tree) and node.data == "ident_arg" and str(node.children[0]) == name:
        args = node.children[1].children if len(node.children) > 1 and isinstance(node.children[1], Tree) else []
        return args[0] if len(args) == 1 else None
    return None


def _is_null(node: Any) -> bool:
    node = _strip(node)
    return isinstance(node, Tree) and node.data == "literal" and isinstance(node.children[0], Token) and node.children[0].type == "NULL_LIT"


def _guard(node: Any) -> str | None:
    node = _strip(node)
    if isinstance(node, Tree) and node.data == "unary" and len(node.children) == 2:
        op = node.children[0]
        if isinstance(op, Tree) and op.data == "unary_not":
            arg = _call(node.children[1], "has")
            return _self_field(arg) if arg is not None else None
    if isinstance(node, Tree) and node.data == "relation" and len(node.children) == 2:
        head = node.children[0]
        if isinstance(head, Tree) and head.data == "relation_eq" and len(head.children) == 1:
            left, right = head.children[0], node.children[1]
            if _is_null(right):
                return _self_field(left)
            if _is_null(left):
                return _self_field(right)
    return None


def _operand(node: Any) -> str | int | None:
    arg = _call(node, "size")
    if arg is not None:
        return _self_field(arg)
    node = _strip(node)
    if isinstance(node, Tree) and node.data == "literal":
        token = node.children[0]
        if isinstance(token, Token) and token.type == "INT_LIT":
            return int(str(token), 0)
    return None


def _relation(node: Any) -> tuple[str | int, str, str | int] | None:
    node = _strip(node)
    if not (isinstance(node, Tree) and node.data == "relation" and len(node.children) == 2):
        return None
    head = node.children[0]
    if not (isinstance(head, Tree) and head.data in _RELATIONS):
        return None
    left, right = _operand(head.children[0]), _operand(node.children[1])
    if left is None or right is None:
        return None
    return left, _RELATIONS[head.data], right


def _disjunction(node: Any) -> SizeShape | None:
    guards: list[str] = []
    relations = []
    for atom in _flatten(node, "conditionalor"):
        g = _guard(atom)
        if g is not None:
            guards.append(g)
            continue
        rel = _relation(atom)
        if rel is None:
            return None
        relations.append(rel)
    if len(relations) != 1:
        return None
    left, op, right = relations[0]
    if isinstance(left, int):
        if isinstance(right, int):
            return None
        left, op, right = right, _FLIP[op], left
    return SizeShape(tuple(dict.fromkeys(guards)), left, op, right)


def recognise(rule: str) -> list[SizeShape] | None:
    """The size shapes of CEL ``rule`` (all must hold), or None if it is not of that form."""
    try:
        tree = CELParser().parse(rule)
    except CELParseError:
        return None
    shapes = []
    for conjunct in _flatten(tree, "conditionaland"):
        shape = _disjunction(conjunct)
        if shape is None:
            return None
        shapes.append(shape)
    return shapes or None


def why_not(rule: str) -> str | None:
    """Why the strategies cannot draw for CEL ``rule`` (None when :func:`recognise` can).

    One line naming the first conjunct that is not ``!has(self.a) || ... || <size relation>``.
    """
    if recognise(rule) is not None:
        return None
    try:
        tree = CELParser().parse(rule)
    except CELParseError:
        return "the rule does not parse"
    for conjunct in _flatten(tree, "conditionaland"):
        if _disjunction(conjunct) is None:
            text = rule[conjunct.meta.start_pos:conjunct.meta.end_pos] if getattr(conjunct, "meta", None) and not conjunct.meta.empty else rule
            return (f"'{text}' is not of the shapes the strategies draw for (guards !has(self.a) or-ed with one "
                    "size(self.a) OP size(self.b) or size(self.a) OP N); bodies are drawn and filtered by the "
                    "validators, and no near miss is built for this rule")
    return "the rule has no conjunct the strategies draw for"
