"""Whole-spec checks of meaning, run by ``genspec check`` once the spec parses.

* schemas no value can satisfy: ``enum`` or ``const`` values the schema's own keywords
  reject; types, bounds and required/forbidden properties that contradict each other across
  ``allOf`` and ``$ref``; a ``required`` property a closed object (``additionalProperties:
  false``) does not define; a ``then``/``else`` that forbids a property the schema requires;
* ``$ref`` cycles: one that never descends into a property or item (checking a value would
  never end), and one through required properties of object schemas (no finite value);
* rules (``allOf`` entries carrying ``x-rule``) that name a property the schema does not
  define, compare a property with a value its schema does not allow, or point ``at`` a
  property that does not exist;
* ``examples``, ``example`` and ``default`` values that contradict their schema
  (:mod:`generator.lint_examples`, once the validators are built).

The rule checks live in :mod:`genspec.check.lint_rules`; :mod:`genspec.check.meaning` runs both.

Nothing here knows any one API. On a malformed document every check reports what it
understands and skips the rest; no function raises for a bad spec.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator

from genspec.load.errors import Reporter
from genspec.load.loader import Document, escape_pointer, unescape_pointer
from genspec.schema.compile.ecma import translate as ecma_translate

_COMPONENTS = "#/components/schemas/"
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONES = ("items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
                "contains", "propertyNames", "not", "if", "then", "else", "contentSchema")
IN_PLACE_ONES = ("not", "if", "then", "else")
IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_LOWER = ("minimum", "exclusiveMinimum")
_UPPER = ("maximum", "exclusiveMaximum")
_COUNTS = (("minLength", "maxLength", "string"), ("minItems", "maxItems", "array"), ("minProperties", "maxProperties", "object"))


def show(value: Any) -> str:
    """A short rendering of a JSON value for a message (strings quoted)."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _key(value: Any) -> Any:
    """A hashable key equal for JSON-equal values (1 == 1.0, True != 1)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if isinstance(value, list):
        return ("l", tuple(_key(x) for x in value))
    if isinstance(value, dict):
        return ("o", tuple(sorted((str(k), _key(x)) for k, x in value.items())))
    return ("v", type(value).__name__, value)


def _is_type(value: Any, name: str) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "object": isinstance(value, dict), "array": isinstance(value, list), "string": isinstance(value, str),
        "boolean": isinstance(value, bool), "null": value is None, "number": number,
        "integer": number and (isinstance(value, int) or float(value).is_integer()),
    }.get(name, True)


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _types(schema: dict) -> list[str] | None:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list) and t and all(isinstance(x, str) for x in t):
        return list(t)
    return None


def value_problem(schema: Any, value: Any) -> str | None:
    """Why ``value`` breaks one of ``schema``'s own keywords (not its subschemas), or None."""
    if not isinstance(schema, dict):
        return "the schema is false" if schema is False else None
    types = _types(schema)
    if types and not any(_is_type(value, t) for t in types):
        return f"not of type {' or '.join(types)}"
    if "enum" in schema and isinstance(schema["enum"], list) and _key(value) not in {_key(e) for e in schema["enum"]}:
        return "not one of " + ", ".join(show(e) for e in schema["enum"])
    if "const" in schema and _key(value) != _key(schema["const"]):
        return f"not {show(schema['const'])}"
    if isinstance(value, str):
        return _string_problem(schema, value)
    if _is_type(value, "number"):
        return _number_problem(schema, value)
    if isinstance(value, list):
        if _num(schema.get("minItems")) and len(value) < schema["minItems"]:
            return f"breaks minItems {schema['minItems']}"
        if _num(schema.get("maxItems")) and len(value) > schema["maxItems"]:
            return f"breaks maxItems {schema['maxItems']}"
    if isinstance(value, dict):
        missing = [r for r in schema.get("required") or [] if isinstance(r, str) and r not in value]
        if missing:
            return f"lacks required '{missing[0]}'"
    return None


def _string_problem(schema: dict, value: str) -> str | None:
    if _num(schema.get("minLength")) and len(value) < schema["minLength"]:
        return f"breaks minLength {schema['minLength']}"
    if _num(schema.get("maxLength")) and len(value) > schema["maxLength"]:
        return f"breaks maxLength {schema['maxLength']}"
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            if re.search(ecma_translate(pattern), value) is None:
                return f"breaks pattern {pattern}"
        except (re.error, ValueError):
            return None
    return None


def _number_problem(schema: dict, value: float) -> str | None:
    tests = (("minimum", lambda b: value < b), ("maximum", lambda b: value > b),
             ("exclusiveMinimum", lambda b: value <= b), ("exclusiveMaximum", lambda b: value >= b))
    for key, broken in tests:
        if _num(schema.get(key)) and broken(schema[key]):
            return f"breaks {key} {schema[key]}"
    m = schema.get("multipleOf")
    if _num(m) and m > 0:
        q = value / m
        if math.isfinite(q) and abs(q - round(q)) > 1e-9:
            return f"breaks multipleOf {m}"
    return None


@dataclass(frozen=True)
class Conj:
    """One schema that applies to the same instance as the one being checked."""

    node: dict
    ptr: str
    label: tuple[str, ...]  # steps from the checked schema, e.g. ("allOf/0", "$ref Base")

    @property
    def where(self) -> str:
        """``here`` or ``in allOf/0/$ref Base``."""
        return "here" if not self.label else "in " + "/".join(self.label)


class Lint:
    """Walks the schemas of one document and reports what it finds (once per place)."""

    def __init__(self, doc: Document, reporter: Reporter):
        self.doc = doc
        self.r = reporter
        comps = doc.data.get("components")
        schemas = comps.get("schemas") if isinstance(comps, dict) else None
        self.components: dict[str, Any] = schemas if isinstance(schemas, dict) else {}
        self.reported: set[tuple[str, str]] = set()

    def add(self, ptr: str, kind: str, what: str, hint: str) -> None:
        if (ptr, kind) not in self.reported:
            self.reported.add((ptr, kind))
            self.r.add(ptr, what, hint)

    # ------------------------------------------------------------ navigation
    def target(self, ref: Any) -> tuple[Any, str, str] | None:
        """``(schema, pointer, name)`` of a ``#/components/schemas/Name`` reference."""
        if not isinstance(ref, str) or not ref.startswith(_COMPONENTS):
            return None
        name = unescape_pointer(ref[len(_COMPONENTS):])
        if name not in self.components:
            return None
        return self.components[name], "/components/schemas/" + escape_pointer(name), name

    def conjuncts(self, node: Any, ptr: str, rules: bool = True) -> list[Conj]:
        """``node`` and every schema ``$ref`` and ``allOf`` apply to the same instance."""
        out: list[Conj] = []
        seen: set[str] = set()
        stack: list[tuple[Any, str, tuple[str, ...]]] = [(node, ptr, ())]
        while stack:
            n, p, label = stack.pop(0)
            if not isinstance(n, dict) or p in seen or (not rules and label and "x-rule" in n):
                continue
            seen.add(p)
            out.append(Conj(n, p, label))
            found = self.target(n.get("$ref"))
            if found is not None:
                stack.append((found[0], found[1], label + (f"$ref {found[2]}",)))
            if isinstance(n.get("allOf"), list):
                stack.extend((s, f"{p}/allOf/{i}", label + (f"allOf/{i}",)) for i, s in enumerate(n["allOf"]))
        return out

    def schemas(self) -> Iterator[tuple[dict, str]]:
        """Every schema object of the document with its pointer (components and inline)."""
        roots = [(s, "/components/schemas/" + escape_pointer(str(n))) for n, s in self.components.items()]
        roots += list(self._inline_roots(self.doc.data.get("paths"), "/paths"))
        comps = self.doc.data.get("components")
        if isinstance(comps, dict):
            for key, value in comps.items():
                if key != "schemas":
                    roots += list(self._inline_roots(value, "/components/" + escape_pointer(str(key))))
        stack = list(reversed(roots))
        while stack:
            node, ptr = stack.pop()
            if not isinstance(node, dict):
                continue
            yield node, ptr
            children: list[tuple[Any, str]] = []
            for key in _SCHEMA_MAPS:
                if isinstance(node.get(key), dict):
                    children += [(s, f"{ptr}/{key}/{escape_pointer(str(k))}") for k, s in node[key].items()]
            for key in _SCHEMA_LISTS:
                if isinstance(node.get(key), list):
                    children += [(s, f"{ptr}/{key}/{i}") for i, s in enumerate(node[key])]
            for key in _SCHEMA_ONES:
                if isinstance(node.get(key), list):
                    children += [(s, f"{ptr}/{key}/{i}") for i, s in enumerate(node[key])]
                elif key in node:
                    children.append((node[key], f"{ptr}/{key}"))
            stack.extend(reversed(children))

    def _inline_roots(self, node: Any, ptr: str) -> Iterator[tuple[Any, str]]:
        """``schema`` values below an OpenAPI (non-schema) object, skipping examples."""
        stack = [(node, ptr)]
        while stack:
            n, p = stack.pop()
            if isinstance(n, list):
                stack.extend((v, f"{p}/{i}") for i, v in enumerate(n))
            elif isinstance(n, dict):
                for key, value in n.items():
                    key = str(key)
                    if key == "schema":
                        yield value, f"{p}/schema"
                    elif key not in ("example", "examples") and not key.startswith("x-"):
                        stack.append((value, f"{p}/{escape_pointer(key)}"))

    def owner(self, ptr: str) -> str:
        prefix = "/components/schemas/"
        if ptr.startswith(prefix) and "/" not in ptr[len(prefix):]:
            return unescape_pointer(ptr[len(prefix):])
        return f"the schema at {ptr}"

    # ------------------------------------------------------------ values a schema rejects
    def values(self, node: dict, ptr: str) -> None:
        """``enum`` and ``const`` values that the schema's other keywords reject."""
        own = {k: v for k, v in node.items() if k not in ("enum", "const")}
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            found = [(i, v, value_problem(own, v)) for i, v in enumerate(enum)]
            bad = [(i, v, p) for i, v, p in found if p]
            reasons = sorted({p for _, _, p in bad if p})
            if bad and len(bad) == len(enum):
                what = f"every enum value {_verb(reasons[0])}" if len(reasons) == 1 else "no enum value passes its other keywords (" + "; ".join(f"{show(v)}: {p}" for _, v, p in bad) + ")"
                self.add(ptr + "/enum", "values", f"no value can satisfy this schema: {what}", "fix the enum or the keywords beside it")
            else:
                for i, v, p in bad:
                    self.add(f"{ptr}/enum/{i}", "values", f"enum value {show(v)} can never be valid ({p})", "remove it or fix the keywords beside it")
        if "const" in node:
            p = value_problem({**own, **({"enum": enum} if isinstance(enum, list) else {})}, node["const"])
            if p:
                self.add(ptr + "/const", "values", f"const {show(node['const'])} contradicts the schema ({p}); no value can satisfy it", "fix the const or the keywords beside it")

    # ------------------------------------------------------------ contradictions across allOf
    def merged(self, node: dict, ptr: str) -> None:
        """Types, bounds and required/forbidden properties of every conjunct, taken together."""
        conj = self.conjuncts(node, ptr)
        self._merged_types(conj)
        self._merged_bounds(conj)
        required = [(c, i, r) for c in conj if isinstance(c.node.get("required"), list) for i, r in enumerate(c.node["required"]) if isinstance(r, str)]
        demanded = {r for _, _, r in required}
        for c in conj:
            props = c.node.get("properties") if isinstance(c.node.get("properties"), dict) else {}
            for req, _, name in required:
                if props.get(name) is False and (req.label != c.label) and not _same_ref(req.label, c.label):
                    self.add(f"{c.ptr}/properties/{escape_pointer(name)}", "forbidden", f"'{name}' is required {req.where} but {'/'.join(c.label) or 'this schema'} forbids it (false); no value can satisfy this schema", "drop one of the two")
            if c.node.get("additionalProperties") is False and not c.node.get("patternProperties"):
                for req, i, name in required:
                    if name not in props and not _same_ref(req.label, c.label):
                        close = difflib.get_close_matches(name, [str(p) for p in props], n=1)
                        where = "" if req.label == c.label == () else f" ({'/'.join(c.label) or 'this schema'} is closed)"
                        self.add(f"{req.ptr}/required/{i}", "closed", f"'{name}' is required, but additionalProperties is false and properties does not define it{where}", f"did you mean '{close[0]}'?" if close else "define it under properties or drop it from required")
        self._branches(conj, demanded)

    def _merged_types(self, conj: list[Conj]) -> None:
        typed = [(c, set(t)) for c in conj if (t := _types(c.node))]
        for i, (a, ta) in enumerate(typed):
            for b, tb in typed[i + 1:]:
                common = (ta & tb) | ({"integer"} if ("integer" in ta and "number" in tb) or ("number" in ta and "integer" in tb) else set())
                if not common and not _same_ref(a.label, b.label):
                    first = "its type" if not a.label else f"the type of {'/'.join(a.label)}"
                    self.add(b.ptr + "/type", "types", f"no value can satisfy this schema: {first} ({', '.join(sorted(ta))}) and the type of {'/'.join(b.label)} ({', '.join(sorted(tb))}) have nothing in common", "make the types agree")
                    return

    def _merged_bounds(self, conj: list[Conj]) -> None:
        lo = hi = None
        for c in conj:
            for key in _LOWER:
                v = c.node.get(key)
                if _num(v) and (lo is None or v > lo[0] or (v == lo[0] and key.startswith("exclusive"))):
                    lo = (v, key, c)
            for key in _UPPER:
                v = c.node.get(key)
                if _num(v) and (hi is None or v < hi[0] or (v == hi[0] and key.startswith("exclusive"))):
                    hi = (v, key, c)
        if lo and hi and (lo[0] > hi[0] or (lo[0] == hi[0] and "exclusive" in lo[1] + hi[1])):
            local = lo[2] is hi[2] and (lo[1], hi[1]) == ("minimum", "maximum")
            if not local and not (lo[2] is not hi[2] and _same_ref(lo[2].label, hi[2].label)):
                self.add(f"{hi[2].ptr}/{hi[1]}", "bounds", f"no number satisfies {lo[1]} {_n(lo[0])} ({lo[2].where}) and {hi[1]} {_n(hi[0])} ({hi[2].where})", "swap or widen the bounds")
        for low, high, noun in _COUNTS:
            lows = [(c.node[low], c) for c in conj if _num(c.node.get(low))]
            highs = [(c.node[high], c) for c in conj if _num(c.node.get(high))]
            if lows and highs:
                (a, ca), (b, cb) = max(lows, key=lambda x: x[0]), min(highs, key=lambda x: x[0])
                if a > b and (ca is not cb or noun == "object") and not (ca is not cb and _same_ref(ca.label, cb.label)):
                    self.add(f"{cb.ptr}/{high}", "bounds", f"no {noun} satisfies {low} {_n(a)} ({ca.where}) and {high} {_n(b)} ({cb.where})", "swap or widen the bounds")

    def _branches(self, conj: list[Conj], demanded: set[str]) -> None:
        """A then/else that forbids a required property, or requires a forbidden one."""
        forbidden = {str(n): c for c in conj if isinstance(c.node.get("properties"), dict) for n, s in c.node["properties"].items() if s is False}
        for c in conj:
            if "if" not in c.node:
                continue
            for branch, when in (("then", "holds"), ("else", "fails")):
                b = c.node.get(branch)
                if not isinstance(b, dict):
                    continue
                bptr = f"{c.ptr}/{branch}"
                props = b.get("properties") if isinstance(b.get("properties"), dict) else {}
                for name, s in props.items():
                    if s is False and name in demanded:
                        self.add(f"{bptr}/properties/{escape_pointer(str(name))}", "branch", f"{branch} forbids '{name}', which required demands: no value for which the if {when} can be valid", f"drop '{name}' from required or from this {branch}")
                reqs = b.get("required") if isinstance(b.get("required"), list) else []
                for i, name in enumerate(reqs):
                    if isinstance(name, str) and name in forbidden:
                        self.add(f"{bptr}/required/{i}", "branch", f"{branch} requires '{name}', which {'/'.join(forbidden[name].label) or 'this schema'} forbids (false): no value for which the if {when} can be valid", f"drop '{name}' from this {branch} or allow it")

    # ------------------------------------------------------------ $ref cycles
    def cycles(self) -> None:
        """``$ref`` cycles no value can get through: in place, or through required properties."""
        in_place: dict[str, list[tuple[str, str]]] = {}
        forcing: dict[str, list[tuple[str, str, str]]] = {}
        for name, schema in self.components.items():
            name = str(name)
            ptr = "/components/schemas/" + escape_pointer(name)
            in_place[name] = self._in_place_refs(schema, ptr)
            conj = self.conjuncts(schema, ptr)
            types: set[str] | None = None
            for c in conj:
                t = _types(c.node)
                if t:
                    types = set(t) if types is None else types & set(t)
            if types != {"object"}:
                continue
            edges: list[tuple[str, str, str]] = []
            for c in conj:
                req = c.node.get("required") if isinstance(c.node.get("required"), list) else []
                for i, prop in enumerate(req):
                    for d in conj:
                        props = d.node.get("properties") if isinstance(d.node.get("properties"), dict) else {}
                        if isinstance(prop, str) and prop in props:
                            edges += [(target, prop, f"{c.ptr}/required/{i}") for target in self._forced_refs(props[prop])]
            forcing[name] = edges
        for cycle, at in _cycles(in_place):
            path = " -> ".join(cycle + [cycle[0]])
            self.add(at, "cycle", f"$ref cycle {path} never descends into a property or item: checking any value would never end", "put the recursive $ref under properties or items, or remove it")
        graph = {n: [(t, p) for t, _, p in e if t in forcing] for n, e in forcing.items()}
        labels = {(n, t): prop for n, e in forcing.items() for t, prop, _ in e}
        for cycle, at in _cycles(graph):
            steps = ", ".join(f"{a}.{labels[(a, b)]} is a required {b}" for a, b in zip(cycle, cycle[1:] + cycle[:1]))
            self.add(at, "cycle", f"no finite value can satisfy {cycle[0]}: {steps}, and so on forever", "make one of these properties optional (or allow null)")

    def _in_place_refs(self, node: Any, ptr: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        stack = [(node, ptr)]
        while stack:
            n, p = stack.pop()
            if not isinstance(n, dict):
                continue
            found = self.target(n.get("$ref"))
            if found is not None:
                out.append((found[2], p + "/$ref"))
            stack += [(n.get(k), f"{p}/{k}") for k in IN_PLACE_ONES if k in n]
            for key in IN_PLACE_LISTS:
                stack += [(s, f"{p}/{key}/{i}") for i, s in enumerate(n.get(key) if isinstance(n.get(key), list) else [])]
        return out

    def _forced_refs(self, node: Any) -> list[str]:
        """Components every valid value of ``node`` must contain (through $ref, allOf, items)."""
        out: list[str] = []
        stack, seen = [node], 0
        while stack and seen < 100:
            n = stack.pop()
            seen += 1
            if not isinstance(n, dict):
                continue
            found = self.target(n.get("$ref"))
            if found is not None:
                out.append(found[2])
            stack += n.get("allOf") if isinstance(n.get("allOf"), list) else []
            if _types(n) == ["array"] and _num(n.get("minItems")) and n["minItems"] >= 1:
                stack.append(n.get("items"))
        return out


def _same_ref(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether both labels pass through one shared ``$ref`` (that schema reports it itself)."""
    for x, y in zip(a, b):
        if x != y:
            return False
        if x.startswith("$ref "):
            return True
    return False


def _verb(reason: str) -> str:
    """``not of type x`` -> ``is not of type x``; other reasons are verbs already."""
    return "is " + reason if reason.startswith("not ") else reason


def _n(value: float | int) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _cycles(graph: dict[str, list[tuple[str, str]]]) -> list[tuple[list[str], str]]:
    """One cycle per smallest member: ``(names from the smallest, pointer of its first edge)``."""
    found: list[tuple[list[str], str]] = []
    for start in sorted(graph):
        stack: list[tuple[str, list[str], str]] = [(start, [start], "")]
        seen: set[str] = set()
        hit = None
        while stack and hit is None:
            node, path, first = stack.pop()
            for target, at in sorted(graph.get(node, [])):
                if target == start:
                    hit = (path, first or at)
                    break
                if target > start and target not in seen and target in graph:
                    seen.add(target)
                    stack.append((target, path + [target], first or at))
        if hit is not None:
            found.append(hit)
    return found


def pair_surrogates(doc: Document, reporter: Reporter) -> None:
    """Join UTF-16 surrogate pairs written as escapes (``"\\ud83c\\udfac"``, as JSON tools
    write non-ASCII text) into the character they stand for, in ``doc.data`` in place; report
    a surrogate left alone (not Unicode text, and no file could hold it)."""
    stack: list[tuple[Any, str]] = [(doc.data, "")]
    while stack:
        node, ptr = stack.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        if isinstance(node, dict) and any(isinstance(k, str) and _has_surrogate(k) for k in node):
            fixed = {(_pair(k, f"{ptr}/{escape_pointer(k)}", reporter) if isinstance(k, str) else k): v for k, v in node.items()}
            node.clear()
            node.update(fixed)
            items = list(node.items())
        for key, value in items:
            child = f"{ptr}/{escape_pointer(str(key))}"
            if isinstance(value, str) and _has_surrogate(value):
                node[key] = _pair(value, child, reporter)
            elif isinstance(value, (dict, list)):
                stack.append((value, child))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _pair(text: str, ptr: str, reporter: Reporter) -> str:
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    if _has_surrogate(joined):
        bad = next(c for c in joined if 0xD800 <= ord(c) <= 0xDFFF)
        reporter.add(ptr, f"a string holds the lone surrogate \\u{ord(bad):04x}, which is not Unicode text", "write the character itself, or a complete surrogate pair")
        return joined.encode("utf-8", "backslashreplace").decode("utf-8")
    return joined
