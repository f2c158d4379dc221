"""CEL syntax tree -> one Python expression over the rule's variable.

Each node becomes an :class:`E`: the Python code, the node's CEL type as far as the schema
fixes it ("dyn" when not), and whether evaluating it can raise (``safe``). Operators whose
operand types are not known call the run-time helpers of the generated ``_cel`` module (as
``_C.add(a, b)``); functions of the extension libraries call ``_cel_lib`` (``_L``). ``&&``,
``||`` and ``?:`` evaluate lazily; ``&&``/``||`` absorb an error on either side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from lark import Token, Tree

from genspec.schema.cel import library
from genspec.schema.cel.parser import LiteralError, decode

_NUMERIC = {"int", "uint", "double"}
#: JSON Schema type -> CEL type
JSON_TO_CEL = {"string": "string", "integer": "int", "number": "double", "boolean": "bool",
               "array": "list", "object": "map", "null": "null"}
#: identifiers that are type values
TYPE_NAMES = {"bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type"}
#: the result types of duration and timestamp arithmetic
_TIME = {("timestamp", "+", "duration"): "timestamp", ("duration", "+", "timestamp"): "timestamp",
         ("duration", "+", "duration"): "duration", ("timestamp", "-", "timestamp"): "duration",
         ("timestamp", "-", "duration"): "timestamp", ("duration", "-", "duration"): "duration"}
_PASS = ("expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication",
         "unary", "member", "primary")


@dataclass(frozen=True)
class E:
    """A translated node: Python ``code``, CEL type ``t`` and whether it cannot raise."""

    code: str
    t: str = "dyn"
    safe: bool = False


def _safe_bool(e: E) -> bool:
    return e.safe and e.t == "bool"


def _as_bool(e: E) -> str:
    return e.code if _safe_bool(e) else f"_C.truth({e.code})"


class Translator:
    """Translate one rule; problems are collected in ``errors`` (never raised)."""

    def __init__(self, var: str, resolve: Callable[[tuple[str, ...]], "str | None"], names: dict[str, tuple[str, str]] | None = None):
        self.var = var
        self.resolve = resolve
        self.names = dict(names or {})
        self.errors: list[str] = []
        self.paths: list[tuple[str, ...]] = []
        self.scopes: list[dict[str, str]] = []

    def err(self, message: str) -> E:
        if message not in self.errors:
            self.errors.append(message)
        return E("None")

    def local(self, name: str) -> str:
        return f"_c_{name}_{len(self.scopes)}"

    def lookup_local(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    # ---------------------------------------------------------------- paths below self
    def self_path(self, node: Any) -> tuple[str, ...] | None:
        """If ``node`` is a ``self.a.b`` chain, its property path; else None."""
        names: list[str] = []
        while isinstance(node, Tree):
            if node.data in _PASS and len(node.children) == 1:
                node = node.children[0]
            elif node.data == "member_dot":
                names.append(str(node.children[1]))
                node = node.children[0]
            elif node.data == "ident":
                if str(node.children[0]) == "self" and self.lookup_local("self") is None and "self" not in self.names:
                    return tuple(reversed(names))
                return None
            else:
                return None
        return None

    def dotted(self, node: Any) -> str | None:
        """``a.b.c`` written as a qualified name (no variable in scope named ``a``)."""
        names: list[str] = []
        while isinstance(node, Tree):
            if node.data in _PASS and len(node.children) == 1:
                node = node.children[0]
            elif node.data == "member_dot":
                names.append(str(node.children[1]))
                node = node.children[0]
            elif node.data == "ident":
                head = str(node.children[0])
                if self.lookup_local(head) or head == "self":
                    return None
                return ".".join([head, *reversed(names)])
            else:
                return None
        return None

    # ---------------------------------------------------------------- visit
    def visit(self, node: Any) -> E:
        if isinstance(node, Token):
            return self.token(node)
        if node.data in _PASS and len(node.children) == 1:
            return self.visit(node.children[0])
        method = getattr(self, "v_" + node.data, None)
        if method is None:
            return self.err(f"CEL construct '{node.data}' is not supported by genspec")
        return method(node)

    def v_expr(self, node: Tree) -> E:
        c, a, b = (self.visit(ch) for ch in node.children)
        t = a.t if a.t == b.t else "dyn"
        if c.t not in ("bool", "dyn"):
            self.err(f"CEL type error: the condition of '?:' is {c.t}, not bool")
        return E(f"({a.code} if {_as_bool(c)} else {b.code})", t, _safe_bool(c) and a.safe and b.safe)

    def _logic(self, node: Tree, absorbing: bool) -> E:
        a, b = self.visit(node.children[0]), self.visit(node.children[1])
        for side in (a, b):
            if side.t not in ("bool", "dyn"):
                self.err(f"CEL type error: '{'||' if absorbing else '&&'}' needs bools, not {side.t}")
        if _safe_bool(a) and _safe_bool(b):
            return E(f"({a.code} {'or' if absorbing else 'and'} {b.code})", "bool", True)
        first, other = (a, b) if _safe_bool(a) else (b, a)
        if _safe_bool(first):
            if absorbing:
                return E(f"(True if {first.code} else {_as_bool(other)})", "bool")
            return E(f"({_as_bool(other)} if {first.code} else False)", "bool")
        fn = "or_" if absorbing else "and_"
        return E(f"_C.{fn}(lambda: {a.code}, lambda: {b.code})", "bool")

    def v_conditionalor(self, node: Tree) -> E:
        return self._logic(node, True)

    def v_conditionaland(self, node: Tree) -> E:
        return self._logic(node, False)

    _OPS = {"relation_eq": "==", "relation_ne": "!=", "relation_lt": "<", "relation_le": "<=",
            "relation_gt": ">", "relation_ge": ">=", "relation_in": "in", "addition_add": "+",
            "addition_sub": "-", "multiplication_mul": "*", "multiplication_div": "/",
            "multiplication_mod": "%"}
    _HELPER = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "+": "add",
               "-": "sub", "*": "mul", "/": "div", "%": "mod"}

    def _binary(self, node: Tree) -> E:
        op_node, rhs_node = node.children
        op = self._OPS[op_node.data]
        a, b = self.visit(op_node.children[0]), self.visit(rhs_node)
        ta, tb = a.t, b.t
        known = {ta, tb} - {"dyn"}
        if op == "in":
            if tb not in ("list", "map", "dyn"):
                self.err(f"CEL type error: 'in' needs a list or map on its right, not {tb}")
            return E(f"_C.in_({a.code}, {b.code})", "bool")
        if op in ("==", "!=", "<", "<=", ">", ">="):
            if len(known - {"null"}) == 2 and not known <= _NUMERIC:
                self.err(f"CEL type error: cannot compare {ta} with {tb} using '{op}'")
            if ta == tb and ta in ("int", "string", "bool", "uint") or {ta, tb} <= {"int", "double"} and op not in ("==", "!="):
                return E(f"({a.code} {op} {b.code})", "bool", a.safe and b.safe)
            return E(f"_C.{self._HELPER[op]}({a.code}, {b.code})", "bool")
        t = ta if ta == tb else "dyn"
        timed = _TIME.get((ta, op, tb))
        if timed is not None:
            t = timed
        elif op == "+" and len(known) == 2 and ta != tb:
            self.err(f"CEL type error: cannot add {ta} and {tb}")
        elif op in ("-", "*", "/", "%") and known - _NUMERIC - ({"timestamp", "duration"} if op == "-" else set()):
            self.err(f"CEL type error: '{op}' needs numbers, not {' and '.join(sorted(known))}")
        if t == "double" and op in ("+", "-", "*"):
            return E(f"({a.code} {op} {b.code})", t)
        return E(f"_C.{self._HELPER[op]}({a.code}, {b.code})", t)

    v_relation = v_addition = v_multiplication = _binary

    def v_unary(self, node: Tree) -> E:
        op, operand = node.children
        # -9223372036854775808 is a literal, not the negation of an out-of-range one
        if op.data == "unary_neg":
            lit = self._literal_token(operand)
            if lit is not None and lit.type in ("INT_LIT", "FLOAT_LIT") and not str(lit).startswith("-"):
                return self.token(Token(lit.type, "-" + str(lit)))
        e = self.visit(operand)
        if op.data == "unary_not":
            if e.t not in ("bool", "dyn"):
                self.err(f"CEL type error: '!' needs a bool, not {e.t}")
            return E(f"(not {e.code})", "bool", True) if _safe_bool(e) else E(f"_C.not_({e.code})", "bool")
        if e.t not in _NUMERIC | {"dyn", "duration"}:
            self.err(f"CEL type error: '-' needs a number, not {e.t}")
        return E(f"_C.neg({e.code})", e.t)

    def _literal_token(self, node: Any) -> Token | None:
        while isinstance(node, Tree) and len(node.children) == 1 and node.data in (*_PASS, "literal"):
            node = node.children[0]
        return node if isinstance(node, Token) else None

    def v_paren_expr(self, node: Tree) -> E:
        return self.visit(node.children[0])

    def v_ident(self, node: Tree) -> E:
        name = str(node.children[0])
        local = self.lookup_local(name)
        if local is not None:
            return E(local, "dyn", True)
        if name in self.names:
            code, t = self.names[name]
            return E(code, t)
        if name == "self":
            return E(self.var, "map", True)
        if name in TYPE_NAMES:
            return E(f"_C.TYPES[{name!r}]", "type", True)
        return self.err(f"CEL names '{name}', which is not defined (rules see only 'self' and macro variables)")

    def v_dot_ident(self, node: Tree) -> E:
        return self.v_ident(Tree("ident", [node.children[0]]))

    def v_member_dot(self, node: Tree) -> E:
        qualified = self.dotted(node)
        if qualified in self.names:
            code, t = self.names[qualified]
            return E(code, t)
        path = self.self_path(node)
        if path is not None:
            self.paths.append(path)
            kind = self.resolve(path)
            if kind is None:
                self.err(f"CEL names self.{'.'.join(path)}, which the schema does not define")
                kind = "dyn"
            target = self.visit(node.children[0])
            return E(f"{target.code}[{path[-1]!r}]", JSON_TO_CEL.get(kind, "dyn"))
        qualified = self.dotted(node)
        if qualified in library.TYPE_VALUES:
            return E(f"_C.TYPES[{library.TYPE_VALUES[qualified]!r}]", "type", True)
        target = self.visit(node.children[0])
        return E(f"_C.select({target.code}, {str(node.children[1])!r})")

    def v_member_index(self, node: Tree) -> E:
        target, index = self.visit(node.children[0]), self.visit(node.children[1])
        return E(f"_C.index({target.code}, {index.code})")

    def _args(self, node: Any) -> list[Any]:
        return list(node.children) if isinstance(node, Tree) else []

    def v_ident_arg(self, node: Tree) -> E:
        name = str(node.children[0])
        args = self._args(node.children[1] if len(node.children) > 1 else None)
        if name == "has":
            return self.has(args)
        return self.call(name, None, args)

    def v_dot_ident_arg(self, node: Tree) -> E:
        return self.v_ident_arg(Tree("ident_arg", node.children))

    def has(self, args: list[Any]) -> E:
        inner = args[0] if len(args) == 1 else None
        while isinstance(inner, Tree) and inner.data in _PASS and len(inner.children) == 1:
            inner = inner.children[0]
        if not (isinstance(inner, Tree) and inner.data == "member_dot"):
            self.err("CEL has() needs a field selection such as has(self.field)")
            return E("False", "bool", True)
        path = self.self_path(inner)
        field = str(inner.children[1])
        if path is not None:
            self.paths.append(path)
            if self.resolve(path) is None:
                self.err(f"CEL names self.{'.'.join(path)}, which the schema does not define")
            if len(path) == 1:
                return E(f"({field!r} in {self.var})", "bool", True)
        target = self.visit(inner.children[0])
        return E(f"_C.has({target.code}, {field!r})", "bool")

    def v_member_dot_arg(self, node: Tree) -> E:
        target_node, name = node.children[0], str(node.children[1])
        args = self._args(node.children[2] if len(node.children) > 2 else None)
        if name in library.MACROS:
            return self.macro(target_node, name, args)
        qualified = self.dotted(target_node)
        if qualified is not None and f"{qualified}.{name}" in library.NAMESPACED:
            full = f"{qualified}.{name}"
            if full == "cel.bind":
                return self.bind(args)
            if full == "cel.block":
                return self.block(args)
            if full in ("cel.index", "cel.iterVar", "cel.accuVar"):
                local = self.lookup_local(self._block_name(full, args) or "")
                return E(local, "dyn", True) if local else self.err(f"CEL {full}() outside its cel.block or macro")
            return self.call(full, None, args)
        return self.call(name, target_node, args)

    def bind(self, args: list[Any]) -> E:
        var = self._ident_name(args[0]) if len(args) == 3 else None
        if var is None:
            return self.err("CEL cel.bind() takes a variable name, a value and an expression")
        init = self.visit(args[1])
        py = self.local(var)
        self.scopes.append({var: py})
        body = self.visit(args[2])
        self.scopes.pop()
        return E(f"(lambda {py}: {body.code})({init.code})", body.t, init.safe and body.safe)

    def _block_name(self, full: str, args: list[Any]) -> str | None:
        nums = [self._literal_token(a) for a in args]
        if any(n is None or n.type != "INT_LIT" for n in nums):
            return None
        return "@" + full + ":" + ":".join(str(n) for n in nums)

    def block(self, args: list[Any]) -> E:
        """``cel.block([e0, e1, ...], body)``: ``cel.index(i)`` in later parts names ``ei``."""
        items = self._args(_strip_list(args[0])) if len(args) == 2 else None
        if items is None:
            return self.err("CEL cel.block() takes a list literal and an expression")
        code, depth = "", len(self.scopes)
        heads = []
        for i, item in enumerate(items):
            value = self.visit(item)
            py = f"_c_block{depth}_{i}"
            heads.append((py, value.code))
            self.scopes.append({f"@cel.index:{i}": py})
        body = self.visit(args[1])
        del self.scopes[depth:]
        code = body.code
        for py, value in reversed(heads):
            code = f"(lambda {py}: {code})({value})"
        return E(code, body.t)

    def call(self, name: str, target_node: Any, args: list[Any]) -> E:
        """A function call ``name(args)`` or method call ``target.name(args)``."""
        values = ([self.visit(target_node)] if target_node is not None else []) + [self.visit(a) for a in args]
        entry = library.lookup(name, target_node is not None, len(values))
        if entry is None:
            style = "method" if target_node is not None else "function"
            if library.known(name, target_node is not None):
                return self.err(f"CEL {style} '{name}' takes other arguments than these {len(args)}")
            return self.err(f"CEL {style} '{name}' is not defined (genspec knows the standard functions and the Kubernetes libraries)")
        if entry.check:
            problem = entry.check([v.t for v in values])
            if problem:
                self.err(f"CEL type error: {problem}")
        if name == "size" and len(values) == 1 and values[0].t in ("string", "list", "map"):
            return E(f"len({values[0].code})", "int", values[0].safe)
        return E(f"{entry.helper}({', '.join(v.code for v in values)})", entry.result)

    def _ident_name(self, node: Any) -> str | None:
        stripped = node
        while isinstance(stripped, Tree) and stripped.data in _PASS and len(stripped.children) == 1:
            stripped = stripped.children[0]
        if isinstance(stripped, Tree) and stripped.data == "member_dot_arg" and self.dotted(stripped.children[0]) == "cel":
            return self._block_name("cel." + str(stripped.children[1]), self._args(stripped.children[2] if len(stripped.children) > 2 else None))
        while isinstance(node, Tree):
            if node.data == "ident":
                return str(node.children[0])
            if len(node.children) != 1:
                return None
            node = node.children[0]
        return None

    def macro(self, target_node: Any, name: str, args: list[Any]) -> E:
        arity = library.MACROS[name]
        if len(args) not in arity:
            return self.err(f"CEL macro {name}() takes {' or '.join(str(n) for n in arity)} arguments")
        two = name.startswith("transform") or (len(args) == 3 and name in ("all", "exists", "existsOne", "exists_one"))
        nvars = 2 if two else 1
        names = [self._ident_name(a) for a in args[:nvars]]
        if any(n is None for n in names):
            return self.err(f"CEL macro {name}() needs variable names first")
        target = self.visit(target_node)
        if target.t not in ("list", "map", "dyn"):
            self.err(f"CEL type error: {name}() needs a list or map, not {target.t}")
        params = [self.local(n) + f"_{i}" for i, n in enumerate(names)]
        self.scopes.append(dict(zip(names, params)))  # type: ignore[arg-type]
        bodies = [self.visit(a) for a in args[nvars:]]
        self.scopes.pop()
        lam = [f"(lambda {', '.join(params)}: {b.code})" for b in bodies]
        t = target.code
        flag = ", two=True" if two else ""
        if name == "all":
            return E(f"_C.all_({t}, {lam[0]}{flag})", "bool")
        if name == "exists":
            return E(f"_C.exists({t}, {lam[0]}{flag})", "bool")
        if name in ("exists_one", "existsOne"):
            return E(f"_C.exists_one({t}, {lam[0]}{flag})", "bool")
        if name == "filter":
            return E(f"_C.filter_({t}, {lam[0]})", "list")
        if name in ("map", "transformList"):
            keep, f = (lam[0], lam[1]) if len(lam) == 2 else ("None", lam[0])
            return E(f"_C.map_({t}, {f}, {keep}{', two=True' if name == 'transformList' else ''})", "list")
        fn = "transform_map" if name == "transformMap" else "transform_map_entry"
        keep, f = (lam[0], lam[1]) if len(lam) == 2 else ("None", lam[0])
        return E(f"_C.{fn}({t}, {f}, {keep})", "map")

    def v_list_lit(self, node: Tree) -> E:
        items = [self.visit(c) for c in self._args(node.children[0] if node.children else None)]
        return E("[" + ", ".join(i.code for i in items) + "]", "list", all(i.safe for i in items))

    def v_map_lit(self, node: Tree) -> E:
        inits = node.children[0] if node.children else None
        if inits is None:
            return E("{}", "map", True)
        parts = [self.visit(c) for c in inits.children]
        pairs = [f"({parts[i].code}, {parts[i + 1].code})" for i in range(0, len(parts) - 1, 2)]
        return E("_C.map_lit(" + ", ".join(pairs) + ")", "map")

    def v_member_object(self, node: Tree) -> E:
        return self.err("CEL message construction (Type{field: value}) has no JSON form; genspec does not support it")

    def v_literal(self, node: Tree) -> E:
        return self.token(node.children[0])

    def token(self, tok: Token) -> E:
        kind, text = tok.type, str(tok)
        if kind == "INT_LIT":
            n = int(text, 0) if not text.lstrip("-").startswith("0x") else int(text, 16)
            if not -(2**63) <= n < 2**63:
                return self.err(f"CEL int literal {text} is out of the int64 range")
            return E(str(n), "int", True)
        if kind == "UINT_LIT":
            n = int(text.rstrip("uU"), 16 if "x" in text else 10)
            if not 0 <= n < 2**64:
                return self.err(f"CEL uint literal {text} is out of the uint64 range")
            return E(f"_C.UInt({n})", "uint", True)
        if kind == "FLOAT_LIT":
            return E(repr(float(text)), "double", True)
        if kind in ("STRING_LIT", "MLSTRING_LIT", "BYTES_LIT"):
            try:
                value = decode(text)
            except LiteralError as exc:
                return self.err(f"CEL string literal {text[:40]}: {exc}")
            return E(repr(value), "bytes" if kind == "BYTES_LIT" else "string", True)
        if kind == "BOOL_LIT":
            return E("True" if text == "true" else "False", "bool", True)
        if kind == "NULL_LIT":
            return E("None", "null", True)
        if kind == "IDENT":
            return self.v_ident(Tree("ident", [tok]))
        return self.err(f"CEL literal {text} ({kind}) is not supported by genspec")


def _strip_list(node: Any) -> Any:
    while isinstance(node, Tree) and node.data in _PASS and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Tree) and node.data == "list_lit":
        return node.children[0] if node.children else Tree("exprlist", [])
    return None
