"""Peephole simplification of the generated validator functions, on their Python AST.

The keyword compilers emit each check on its own, guarded by its own presence and type tests,
so a function often tests the same thing again and again: two rules on one property open two
``if v is not _M and type(v) is list:`` blocks in a row, an ``if v is _M: return False`` is
followed by ``if v is not _M:``, and ``v is not _M and type(v) is str`` tests presence although
the type test already fails for the sentinel ``_M``. :func:`simplify` removes that repetition
without changing what any function returns, raises or appends, by three rewrites:

* **merge**: adjacent ``if A: B1`` and ``if A: B2`` (no ``else``, ``A`` pure, ``B1`` touches no
  name ``A`` reads) become ``if A: B1; B2`` (``A`` would evaluate the same the second time);
* **facts**: inside ``if A:`` the test ``A`` (and each conjunct of it) is known true, inside its
  ``else`` known false, and after an ``if A:`` whose body always returns or raises, ``A`` is
  known false for the rest of the block; a pure test already known is replaced by its value and
  ``if True:`` / ``if False:`` blocks are inlined or dropped (code after ``return`` is dead);
  a fact is forgotten as soon as a statement touches a name it reads;
* **sentinel**: ``v is not _M and T`` becomes ``T`` where ``T`` is a test that is false for
  ``_M`` (``type(v) is C``, ``v is None``, ``v == 'text'``, ``v in _E...``): both are bools,
  equal for every ``v``.

*Pure* means deterministic and free of side effects: names, constants, comparisons, ``and`` /
``or`` / ``not``, arithmetic, subscripts, and calls of :data:`PURE_CALLS` and
:data:`PURE_METHODS` only (no ``:=``). A name is *touched* by a statement that assigns it, calls
a method on it other than a pure one, or passes it to a call other than a pure one. Only
``if`` tests are folded; other compound statements are processed with the facts about every
name they touch forgotten, before and after.
"""

from __future__ import annotations

import ast
import functools
from typing import Any, Callable, Iterable

#: functions whose result depends only on their arguments and which change nothing
PURE_CALLS = frozenset({"type", "len", "isinstance"})
#: methods (of str, float, dict, frozenset) that change nothing
PURE_METHODS = frozenset({"get", "startswith", "endswith", "is_integer", "issuperset", "isdisjoint"})
#: the generated module's "missing" sentinel (``_runtime._M``, an ``object()``)
SENTINEL = "_M"
#: the builtin types a ``type(v) is C`` test names (the sentinel's type is ``object``)
_TYPES = frozenset({"str", "int", "float", "bool", "list", "dict"})
#: prefix of the generated module's frozensets of enum strings (the sentinel is in none)
_ENUM_PREFIX = "_E"

#: passes over one function at most (the second one rarely changes anything)
MAX_PASSES = 3
#: a comparison and its negation
_INVERSE: dict[type, type] = {ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In}

#: JSON-dumped pure test -> (its value, the names it reads, ()); and "=>" + dumped test ->
#: (True, names, consequences): where that test holds, each (test, value) of consequences does
Facts = dict[str, tuple[bool, frozenset[str], tuple[tuple[ast.expr, bool], ...]]]
_IMPLIES = "=>"


def simplify(lines: list[str]) -> list[str]:
    """The source lines of one generated function, simplified (see the module docstring).

    ``lines``: the function's source, one line per item, starting with its ``def``. Returns
    the function unparsed from its simplified AST (unformatted: the renderer formats every file
    afterwards). Raises ``SyntaxError`` when ``lines`` is not Python (a generator bug).
    """
    return list(_simplify(tuple(lines)))


@functools.lru_cache(maxsize=4096)
def _simplify(lines: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`simplify`, once per function source (the check and the package render both ask)."""
    _MEMO.clear()
    tree = ast.parse("\n".join(lines))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            before = ""
            for _ in range(MAX_PASSES):  # a pass can bring equal tests next to each other
                node.body = _block(node.body, {}) or [ast.Pass()]
                after = ast.dump(node)
                if after == before:
                    break
                before = after
    _MEMO.clear()
    return tuple(ast.unparse(ast.fix_missing_locations(tree)).splitlines())


# -- names --------------------------------------------------------------------------------

#: (question, id(node)) -> (node, answer): the questions below asked of one expression node
#: again and again within one function (nodes are never changed once built); cleared per function
_MEMO: dict[tuple[str, int], tuple[ast.AST, Any]] = {}


def _memo(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    name = fn.__name__

    def cached(node: Any) -> Any:
        hit = _MEMO.get((name, id(node)))
        if hit is not None and hit[0] is node:
            return hit[1]
        answer = fn(node)
        _MEMO[(name, id(node))] = (node, answer)
        return answer

    cached.__doc__ = fn.__doc__
    return cached



@_memo
def _reads(node: ast.AST) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


@_memo
def _touched(node: ast.AST) -> set[str]:
    """Names a statement (or expression) may change: assigned, or handed to impure code."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n is not node and isinstance(n, ast.stmt):
            out |= _touched(n)  # memoised: a statement's subtree is walked once
            continue
        stack.extend(ast.iter_child_nodes(n))
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            out.add(n.id)
        elif isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
        elif isinstance(n, ast.Call) and not _pure_call(n):
            if isinstance(n.func, ast.Attribute):
                out |= _reads(n.func.value)
            for arg in [*n.args, *(k.value for k in n.keywords)]:
                out |= _reads(arg)
    return out


def _pure_call(n: ast.Call) -> bool:
    f = n.func
    if isinstance(f, ast.Name):
        return f.id in PURE_CALLS
    return isinstance(f, ast.Attribute) and f.attr in PURE_METHODS


_PURE_NODES = (
    ast.Name, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Subscript, ast.Tuple,
    ast.expr_context, ast.boolop, ast.cmpop, ast.unaryop, ast.operator, ast.keyword, ast.Slice,
)


@_memo
def _pure(node: ast.AST) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            if not _pure_call(n):
                return False
        elif isinstance(n, ast.Attribute):
            if not isinstance(n.ctx, ast.Load):
                return False
        elif not isinstance(n, _PURE_NODES):
            return False
    return True


@_memo
def _key(node: ast.AST) -> str:
    """A text equal for equal expressions (ast.dump's information, written faster)."""
    if isinstance(node, ast.Name):
        return "$" + node.id
    if isinstance(node, ast.Constant):
        return "C" + repr(node.value) + type(node.value).__name__
    if isinstance(node, ast.Compare):
        return "(cmp " + _key(node.left) + "".join(f" {type(op).__name__} {_key(c)}" for op, c in zip(node.ops, node.comparators)) + ")"
    if isinstance(node, ast.BoolOp):
        return "(bool " + type(node.op).__name__ + " " + " ".join(_key(v) for v in node.values) + ")"
    if isinstance(node, ast.UnaryOp):
        return "(unary " + type(node.op).__name__ + " " + _key(node.operand) + ")"
    if isinstance(node, ast.Call) and not node.keywords:
        return "(call " + _key(node.func) + " " + " ".join(_key(a) for a in node.args) + ")"
    if isinstance(node, ast.Attribute):
        return "(attr " + _key(node.value) + " " + node.attr + ")"
    return ast.dump(node, annotate_fields=False)


# -- facts ----------------------------------------------------------------------------------


def _forget(facts: Facts, names: Iterable[str]) -> None:
    names = set(names)
    if names:
        for k in [k for k, (_, reads, _c) in facts.items() if reads & names]:
            del facts[k]


def _is(v: str, op: ast.cmpop, right: ast.expr) -> ast.Compare:
    return ast.Compare(left=ast.Name(id=v, ctx=ast.Load()), ops=[op], comparators=[right])


def _set(facts: Facts, test: ast.expr, value: bool, reads: frozenset[str], depth: int) -> None:
    facts[_key(test)] = (value, reads, ())
    consequences = facts.get(_IMPLIES + _key(test)) if value else None
    if consequences is not None and depth < MAX_PASSES:
        for consequence, then in consequences[2]:
            _learn(facts, consequence, then, depth + 1)


def _learn(facts: Facts, test: ast.expr, value: bool, depth: int = 0) -> None:
    """Record that the pure ``test`` evaluated (truthy) to ``value``, with what follows."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        _learn(facts, test.operand, not value, depth)
        return
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And if value else ast.Or):
        for part in test.values:  # each part ran and had that value (`:=` ones teach nothing)
            _learn(facts, part, value, depth)
    if not _pure(test):
        return
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and not value:
        # `A and B` is false: wherever A holds, B does not
        first, rest = test.values[0], test.values[1:]
        then = rest[0] if len(rest) == 1 else ast.BoolOp(op=ast.And(), values=rest)
        old = facts.get(_IMPLIES + _key(first), (True, frozenset(), ()))
        facts[_IMPLIES + _key(first)] = (True, old[1] | _reads(test), old[2] + ((then, False),))
    reads = _reads(test)
    _set(facts, test, value, reads, depth)
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return
    op, right = test.ops[0], test.comparators[0]
    if type(op) in _INVERSE:
        inverse = ast.Compare(left=test.left, ops=[_INVERSE[type(op)]()], comparators=[right])
        _set(facts, inverse, not value, reads, depth)
    # a value of a known type (or None) is present: it is not the sentinel, nor None
    subject = _typed_subject(test)
    if subject is not None and (value if isinstance(op, (ast.Is, ast.Eq)) else not value):
        sentinel = ast.Name(id=SENTINEL, ctx=ast.Load())
        reads = frozenset({subject, SENTINEL})
        _set(facts, _is(subject, ast.Is(), sentinel), False, reads, depth)
        _set(facts, _is(subject, ast.IsNot(), sentinel), True, reads, depth)
        if not (isinstance(right, ast.Constant) and right.value is None):
            none = ast.Constant(value=None)
            _set(facts, _is(subject, ast.Is(), none), False, reads, depth)
            _set(facts, _is(subject, ast.IsNot(), none), True, reads, depth)


def _typed_subject(test: ast.Compare) -> str | None:
    """``v`` of ``type(v) is C`` / ``type(v) is not C`` / ``v is None`` / ``v is not None``."""
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if not isinstance(op, (ast.Is, ast.IsNot)):
        return None
    if isinstance(left, ast.Name) and isinstance(right, ast.Constant) and right.value is None:
        return left.id
    if (isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "type"
            and len(left.args) == 1 and isinstance(left.args[0], ast.Name)
            and isinstance(right, ast.Name) and right.id in _TYPES):
        return left.args[0].id
    return None


def _rejects_sentinel(test: ast.expr, v: str) -> bool:
    """Whether the bool-valued ``test`` is False when the name ``v`` holds the sentinel."""
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.And):
            return _rejects_sentinel(test.values[0], v) and all(_is_bool(x) for x in test.values)
        return all(_rejects_sentinel(x, v) for x in test.values)
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Is) and _typed_subject(test) == v:
        return True
    if isinstance(left, ast.Name) and left.id == v:
        if isinstance(op, (ast.Is, ast.Eq)) and isinstance(right, ast.Constant):
            return True
        if isinstance(op, ast.In) and isinstance(right, ast.Name) and right.id.startswith(_ENUM_PREFIX):
            return True
    return False


def _is_bool(node: ast.expr) -> bool:
    """Whether ``node`` always evaluates to a bool."""
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    if isinstance(node, ast.BoolOp):
        return all(_is_bool(v) for v in node.values)
    return False


# -- expressions ----------------------------------------------------------------------------


def _fold(node: ast.expr, facts: Facts, truth: bool) -> ast.expr:
    """``node`` with known pure tests replaced by their values. ``truth``: only the truth of
    the result matters (an ``if`` test, an operand of ``not``), not the value itself."""
    if _pure(node) and (known := facts.get(_key(node))) is not None and (truth or _is_bool(node)):
        return ast.Constant(value=known[0])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _fold(node.operand, facts, True)
        if isinstance(inner, ast.Constant):
            return ast.Constant(value=not inner.value)
        return ast.UnaryOp(op=ast.Not(), operand=inner)
    if isinstance(node, ast.BoolOp):
        return _fold_boolop(node, facts, truth)
    if any(isinstance(n, ast.NamedExpr) for n in ast.walk(node)) and not isinstance(node, ast.BoolOp):
        return node  # an operand may read what another assigns: left as written
    if isinstance(node, ast.Compare):
        return ast.Compare(left=_fold(node.left, facts, False), ops=node.ops, comparators=[_fold(c, facts, False) for c in node.comparators])
    if isinstance(node, ast.BinOp):
        return ast.BinOp(left=_fold(node.left, facts, False), op=node.op, right=_fold(node.right, facts, False))
    return node


def _fold_boolop(node: ast.BoolOp, facts: Facts, truth: bool) -> ast.expr:
    is_and = isinstance(node.op, ast.And)
    values: list[ast.expr] = []
    local = dict(facts)  # an operand runs only when those before it were true (`and`) / false
    for v in node.values:  # `(A and B) and C` is `A and B and C`
        v = _fold(v, local, truth)
        _forget(local, _touched(v))
        _learn(local, v, is_and)
        values.extend(v.values if isinstance(v, ast.BoolOp) and type(v.op) is type(node.op) else [v])
    if truth:  # `A and B and A` is `A and B` (as a test; A pure)
        seen: set[str] = set()
        unique = []
        for v in values:
            key = _key(v) if _pure(v) else None
            if key is None or key not in seen:
                unique.append(v)
            if key is not None:
                seen.add(key)
        values = unique
    values = _drop_sentinel_tests(values) if is_and else values
    kept: list[ast.expr] = []
    for i, v in enumerate(values):
        if isinstance(v, ast.Constant) and isinstance(v.value, bool):
            if v.value is is_and:  # neutral: `True and`, `False or`
                last = i == len(values) - 1
                if not last or truth or (kept and all(_is_bool(k) for k in kept)) or not kept:
                    continue
                kept.append(v)
                continue
            # absorbing: the rest is never evaluated; the result is this constant if every
            # operand before it is pure and (outside a truth test) bool-valued
            if all(_pure(k) and (truth or _is_bool(k)) for k in kept):
                return ast.Constant(value=v.value)
            kept.append(v)
            break
        kept.append(v)
    if not kept:
        return ast.Constant(value=is_and)
    if len(kept) == 1:
        return kept[0]
    return ast.BoolOp(op=node.op, values=kept)


def _drop_sentinel_tests(values: list[ast.expr]) -> list[ast.expr]:
    """``v is not _M and T`` -> ``T`` where ``T`` is false for the sentinel (module docstring)."""
    out: list[ast.expr] = []
    for i, v in enumerate(values):
        nxt = values[i + 1] if i + 1 < len(values) else None
        if (nxt is not None and isinstance(v, ast.Compare) and len(v.ops) == 1 and isinstance(v.ops[0], ast.IsNot)
                and isinstance(v.left, ast.Name) and isinstance(v.comparators[0], ast.Name)
                and v.comparators[0].id == SENTINEL and _rejects_sentinel(nxt, v.left.id)):
            continue
        out.append(v)
    return out


# -- statements -----------------------------------------------------------------------------


def _conjuncts(test: ast.expr) -> list[ast.expr]:
    return list(test.values) if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]


def _terminates(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


def _merge(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """Adjacent ``if A:`` blocks without ``else`` on the same pure test, joined."""
    out: list[ast.stmt] = []
    for st in stmts:
        prev = out[-1] if out else None
        if (isinstance(st, ast.If) and isinstance(prev, ast.If) and not st.orelse and not prev.orelse
                and _pure(st.test) and _key(st.test) == _key(prev.test)
                and not (_reads(prev.test) & set().union(*map(_touched, prev.body)))
                and not _terminates(prev.body)):
            out[-1] = ast.If(test=prev.test, body=prev.body + st.body, orelse=[])
            continue
        out.append(st)
    return out


def _block(stmts: list[ast.stmt], outer: Facts) -> list[ast.stmt]:
    """A statement list simplified under the facts ``outer`` (which it does not change)."""
    facts = dict(outer)
    out: list[ast.stmt] = []
    for st in _merge(stmts):
        if isinstance(st, ast.If):
            out.extend(_if(st, facts))
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            st.body = _block(st.body, {}) or [ast.Pass()]  # runs later: no fact holds there
            _forget(facts, {st.name})
            out.append(st)
        else:
            touched = _touched(st)
            _forget(facts, touched)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(st, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    setattr(st, field, _block(inner, facts) or [ast.Pass()])
            if isinstance(st, ast.Try):
                for handler in st.handlers:
                    handler.body = _block(handler.body, facts) or [ast.Pass()]
            out.append(st)
        if _terminates(out):
            break
    return out


def _if(st: ast.If, facts: Facts) -> list[ast.stmt]:
    """One ``if`` statement simplified; updates ``facts`` for the statements after it."""
    # `if A: if B: ...` (no else on either) is `if A and B: ...`
    while not st.orelse and len(st.body) == 1 and isinstance(st.body[0], ast.If) and not st.body[0].orelse:
        inner = st.body[0]
        st = ast.If(test=ast.BoolOp(op=ast.And(), values=[*_conjuncts(st.test), *_conjuncts(inner.test)]), body=inner.body, orelse=[])
    test = _fold(st.test, facts, True)
    if isinstance(test, ast.Constant):
        taken = st.body if test.value else st.orelse
        inlined = _block(taken, facts)
        _forget(facts, set().union(*map(_touched, taken)) if taken else set())
        return inlined
    then_facts, else_facts = dict(facts), dict(facts)
    _forget(then_facts, _touched(test))
    _forget(else_facts, _touched(test))
    _learn(then_facts, test, True)
    _learn(else_facts, test, False)
    body = _block(st.body, then_facts)
    orelse = _block(st.orelse, else_facts)
    touched = _touched(st)
    _forget(facts, touched)
    if not body and not orelse:
        return [] if _pure(test) else [ast.Expr(value=test)]
    if not body:
        test, body, orelse = ast.UnaryOp(op=ast.Not(), operand=test), orelse, []
    node = ast.If(test=test, body=body, orelse=orelse)
    # the code after the statement runs only on a path that did not return
    if _terminates(body) and not _terminates(orelse) and not (_reads(test) & touched):
        _learn(facts, test, False)
    elif _terminates(orelse) and not _terminates(body) and not (_reads(test) & touched):
        _learn(facts, test, True)
    return [node]

