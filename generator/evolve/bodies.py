"""Request bodies that tell two specs apart, judged by their compiled validators.

A rule change is judged by behaviour, not text: :func:`candidates` draws request bodies from
the schemas and examples of both specs (boundary values, every enum value, the strings the
specs' own examples use for a property, one change at a time around every example, pairs of
top-level properties), :func:`judge` runs both validators on each and keeps, per violated
rule id, the smallest body one side accepts and the other rejects, and :func:`shrink` reduces
it further (fewest keys, shortest JSON). Everything is deterministic: same specs, same bodies.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from genspec.load.loader import unescape_pointer
from genspec.model.contract import json_types as _types
from genspec.schema.compile.ecma import translate as ecma_translate

Validate = Callable[[Any], list]
_FORMAT_SAMPLES = {
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/a",
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "email": "a@example.com",
}
#: at most this many candidate bodies per operation and direction
BUDGET = 20000


def size(value: Any) -> tuple[int, int]:
    """How big a body is: (number of object keys and array items, length of its JSON)."""
    def count(v: Any) -> int:
        if isinstance(v, dict):
            return len(v) + sum(count(x) for x in v.values())
        if isinstance(v, list):
            return len(v) + sum(count(x) for x in v)
        return 0

    return count(value), len(canonical(value))


def canonical(value: Any) -> str:
    """Sorted, compact JSON: the identity of a body."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _example_pool(data: Any) -> dict[str, list[Any]]:
    """Property name -> scalar values the document's examples use for it (shortest first)."""
    pool: dict[str, dict[str, Any]] = {}

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (str, int, float, bool)):
                    pool.setdefault(str(key), {})[canonical(value)] = value
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    def find(node: Any, inside: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("examples", "example") or (inside and key == "value"):
                    collect(value)
                else:
                    find(value, inside or key == "examples")
        elif isinstance(node, list):
            for item in node:
                find(item, inside)

    find(data, False)
    return {k: sorted(v.values(), key=lambda x: (len(canonical(x)), canonical(x))) for k, v in pool.items()}


class Sampler:
    """Representative values of the schemas of one spec document."""

    def __init__(self, data: Any, per_property: int = 64):
        self.data = data
        self.pool = _example_pool(data)
        self.per_property = per_property
        self._memo: dict[tuple[str, str, int], list[Any]] = {}

    def resolve(self, ref: str) -> Any:
        """The node at a local reference of the document (``{}`` when it does not resolve)."""
        node = self.data
        for raw in ref.lstrip("#").strip("/").split("/") if ref.strip("#/") else []:
            token = unescape_pointer(raw)
            if isinstance(node, dict) and token in node:
                node = node[token]
            else:
                return {}
        return node

    def deref(self, schema: Any) -> Any:
        """``schema`` with its ``$ref`` chain followed."""
        for _ in range(20):
            if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
                schema = self.resolve(schema["$ref"])
            else:
                break
        return schema

    def properties(self, schema: Any) -> tuple[dict[str, Any], list[str]]:
        """Properties and required names, including allOf entries that are not rules."""
        s = self.deref(schema)
        if not isinstance(s, dict):
            return {}, []
        props = dict(s.get("properties") or {}) if isinstance(s.get("properties"), dict) else {}
        req = [r for r in s.get("required") or [] if isinstance(r, str)]
        for entry in s.get("allOf") or []:
            if isinstance(entry, dict) and "x-rule" not in entry:
                more, more_req = self.properties(entry)
                for k, v in more.items():
                    props.setdefault(k, v)
                req += [r for r in more_req if r not in req]
        return props, req

    def values(self, schema: Any, name: str = "", depth: int = 0) -> list[Any]:
        """Representative values, the simplest valid-looking one first."""
        key = (canonical(schema) if not isinstance(schema, dict) or len(canonical(schema)) < 4000 else str(id(schema)), name, min(depth, 6))
        if key not in self._memo:
            self._memo[key] = self._values(schema, name, depth)
        return self._memo[key]

    def _values(self, schema: Any, name: str, depth: int) -> list[Any]:
        s = self.deref(schema)
        if s is False:
            return []
        if not isinstance(s, dict):
            s = {}
        for key in ("anyOf", "oneOf"):
            if isinstance(s.get(key), list) and not s.get("type"):
                out: list[Any] = []
                for branch in s[key]:
                    out += self.values(branch, name, depth + 1)
                return _unique(out)
        if "const" in s:
            return [s["const"]]
        if isinstance(s.get("enum"), list):
            return list(s["enum"])
        types = _types(s) or (["object"] if "properties" in s else ["array"] if "items" in s else [])
        pool = self.pool.get(name, [])
        if not types:
            return _unique(pool + ["x", 0, True])
        out = []
        for t in types:
            out += self._typed(t, s, name, pool, depth)
        return _unique(out)

    def _typed(self, t: str, s: dict, name: str, pool: list[Any], depth: int) -> list[Any]:
        if t == "null":
            return [None]
        if t == "boolean":
            return [False, True]
        if t in ("integer", "number"):
            nums: list[Any] = [p for p in pool if isinstance(p, (int, float)) and not isinstance(p, bool)]
            for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(s.get(k), (int, float)) and not isinstance(s.get(k), bool):
                    nums.append(s[k])
            if isinstance(s.get("exclusiveMinimum"), (int, float)):
                nums.append(s["exclusiveMinimum"] + (1 if t == "integer" else 0.5))
            if isinstance(s.get("exclusiveMaximum"), (int, float)):
                nums.append(s["exclusiveMaximum"] - (1 if t == "integer" else 0.5))
            nums += [0, 1] if t == "integer" else [0, 0.5, 1]
            if t == "integer":
                nums = [int(n) for n in nums if float(n).is_integer()]
            return _unique(nums)
        if t == "string":
            strs: list[Any] = [p for p in pool if isinstance(p, str)]
            if isinstance(s.get("format"), str) and s["format"] in _FORMAT_SAMPLES:
                strs.insert(0, _FORMAT_SAMPLES[s["format"]])
            strs.append("x")
            for k in ("minLength", "maxLength"):
                n = s.get(k)
                if isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100000:
                    strs.append("x" * n)
                    strs.append("x" * (n + 1))
            strs.append("")
            return _unique(strs)
        if t == "array":
            return self._arrays(s, name, depth)
        if t == "object":
            return self._objects(s, depth)
        return []

    def _arrays(self, s: dict, name: str, depth: int) -> list[Any]:
        items = self.values(s.get("items", {}), name, depth + 1)[: self.per_property] if depth < 8 else []
        out: list[Any] = [[]]
        prefix = s.get("prefixItems") if isinstance(s.get("prefixItems"), list) and depth < 8 else []
        if prefix:  # every value at each position, the others at their first value
            columns = [self.values(sub, name, depth + 1)[: self.per_property] or [None] for sub in prefix]
            first = [c[0] for c in columns]
            out.append(first)
            out += [first[:i] + [v] + first[i + 1:] for i, column in enumerate(columns) for v in column[1:]]
            items = []
        out += [[v] for v in items]
        lengths = [n for n in (s.get("minItems"), s.get("maxItems")) if isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 256]
        for n in lengths + [n + 1 for n in lengths]:
            if not items:
                break
            if s.get("uniqueItems") is True:
                distinct = _unique(items)
                if len(distinct) >= n:
                    out.append(distinct[:n])
                elif all(isinstance(v, int) for v in distinct):
                    out.append(list(range(n)))
                else:
                    out.append([items[0]] * n)
            else:
                out.append([items[0]] * n)
        if items and len(items) > 1:
            out.append(items[:2])
        return out

    def _objects(self, s: dict, depth: int) -> list[Any]:
        props, req = self.properties(s)
        minimal: dict[str, Any] = {}
        for r in req:
            vals = self.values(props.get(r, {}), r, depth + 1) if depth < 8 else []
            if vals:
                minimal[r] = vals[0]
        out: list[Any] = [minimal]
        if depth >= 8:
            return out
        for p, sub in props.items():
            for v in self.values(sub, p, depth + 1)[: self.per_property]:
                out.append({**minimal, p: v})
        patterns = s.get("patternProperties")
        for pattern, sub in (patterns.items() if isinstance(patterns, dict) else ()):
            key = _matching_key(pattern)
            if key is not None and key not in props:
                for v in self.values(sub, key, depth + 1)[: self.per_property]:
                    out.append({**minimal, key: v})
        return out


_LITERAL_START = re.compile(r"\^([A-Za-z0-9_-]+)")


def _matching_key(pattern: Any) -> str | None:
    """A short property name the ECMA-262 ``pattern`` matches (for ``patternProperties``)."""
    if not isinstance(pattern, str):
        return None
    start = _LITERAL_START.match(pattern)
    tries = ([start[1] + "a", start[1]] if start else []) + ["a", "x", "k1", "foo", "A", "1", "_", "a-b"]
    try:
        rx = re.compile(ecma_translate(pattern))
    except (re.error, ValueError):
        return None
    return next((k for k in tries if rx.search(k)), None)


def _unique(values: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for v in values:
        key = canonical(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _mutations(sampler: Sampler, seed: Any, schema: Any, depth: int = 0) -> Iterator[Any]:
    """Every body one change away from ``seed``: a property set to each representative value,
    removed, or changed the same way further down."""
    if not isinstance(seed, dict) or depth > 6:
        return
    props, _ = sampler.properties(schema)
    for p, sub in props.items():
        for v in sampler.values(sub, p, depth + 1)[: sampler.per_property]:
            yield {**seed, p: v}
    for k, v in seed.items():
        yield {kk: vv for kk, vv in seed.items() if kk != k}
        sub = props.get(k, {})
        if isinstance(v, dict):
            for m in _mutations(sampler, v, sub, depth + 1):
                yield {**seed, k: m}
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            items = sampler.deref(sub).get("items", {}) if isinstance(sampler.deref(sub), dict) else {}
            for m in _mutations(sampler, v[0], items, depth + 1):
                yield {**seed, k: [m] + v[1:]}


def candidates(samplers: list[tuple[Sampler, Any]], seeds: list[Any], budget: int = BUDGET, extra: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
    """Candidate bodies: seeds, one change around each seed, the schema's representative
    values, pairs of top-level properties where one takes few values (enum, boolean), then
    ``extra`` bodies as they are (drawn elsewhere, e.g. from Hypothesis strategies)."""
    out: dict[str, Any] = {}
    limit = max(budget - len(extra), 0)
    for body in _generated(samplers, seeds):
        if len(out) >= limit:
            break
        out.setdefault(canonical(body), body)
    for body in extra:
        out.setdefault(canonical(body), body)
    return list(out.values())


def _generated(samplers: list[tuple[Sampler, Any]], seeds: list[Any]) -> Iterator[Any]:
    yield from seeds
    for sampler, schema in samplers:
        yield from sampler.values(schema, "", 0)
    for sampler, schema in samplers:
        for seed in seeds:
            yield from _mutations(sampler, seed, schema)
    for sampler, schema in samplers:
        props, _ = sampler.properties(schema)
        minimal = (sampler.values(schema, "", 0) or [{}])[0]
        if not isinstance(minimal, dict):
            continue
        values = {p: sampler.values(sub, p, 1) for p, sub in props.items()}
        for a, a_values in values.items():
            if len(a_values) > 16 or not all(isinstance(v, (str, int, float, bool)) or v is None for v in a_values):
                continue
            for b, b_values in values.items():
                if a != b:
                    for va in a_values:
                        for vb in b_values[: sampler.per_property]:
                            yield {**minimal, a: va, b: vb}


@dataclass
class Finding:
    """The smallest body found that one side accepts and the other rejects for ``rule``."""

    rule: str
    body: Any
    path: str
    message: str


@dataclass
class Behaviour:
    """What :func:`judge` found for one operation.

    ``tightened``: rule id -> a body OLD accepts and NEW rejects for that rule;
    ``loosened``: rule id -> a body NEW accepts and OLD rejects for that rule;
    ``tried``: how many distinct bodies were run through both validators.
    """

    operation_id: str
    tightened: dict[str, Finding] = field(default_factory=dict)
    loosened: dict[str, Finding] = field(default_factory=dict)
    tried: int = 0


def _violations(validate: Validate, body: Any) -> list:
    try:
        return list(validate(body))
    except Exception:  # a validator must never raise; treat it as rejecting everything
        return [type("V", (), {"rule": "<validator error>", "path": "", "message": "the validator raised"})()]


def shrink(body: Any, keeps: Callable[[Any], bool], rounds: int = 200) -> Any:
    """Greedily make ``body`` smaller while ``keeps(body)`` holds: drop keys and array items,
    replace values by smaller ones, cut strings to the shortest prefix that still keeps."""
    current = body
    for _ in range(rounds):
        for smaller in _reductions(current):
            if size(smaller) < size(current) and keeps(smaller):
                current = smaller
                break
        else:
            break
    return _shorten_strings(current, keeps)


def _reductions(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for k in value:
            yield {kk: vv for kk, vv in value.items() if kk != k}
        for k, v in value.items():
            for r in _reductions(v):
                yield {**value, k: r}
    elif isinstance(value, list):
        for i in range(len(value)):
            yield value[:i] + value[i + 1:]
        if len(value) > 2:
            yield value[: len(value) // 2]
        for i, v in enumerate(value):
            for r in _reductions(v):
                yield value[:i] + [r] + value[i + 1:]
    elif isinstance(value, str) and len(value) > 1:
        yield value[: len(value) // 2]
    elif isinstance(value, float) and not value.is_integer():
        yield float(int(value))


def _shorten_strings(body: Any, keeps: Callable[[Any], bool]) -> Any:
    """Binary-search each string leaf for its shortest prefix that still keeps."""
    def leaves(v: Any, path: tuple) -> Iterator[tuple]:
        if isinstance(v, dict):
            for k, x in v.items():
                yield from leaves(x, path + (k,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                yield from leaves(x, path + (i,))
        elif isinstance(v, str) and len(v) > 1:
            yield path

    def put(v: Any, path: tuple, new: Any) -> Any:
        if not path:
            return new
        head, rest = path[0], path[1:]
        if isinstance(v, dict):
            return {**v, head: put(v[head], rest, new)}
        return v[:head] + [put(v[head], rest, new)] + v[head + 1:]

    def get(v: Any, path: tuple) -> Any:
        for p in path:
            v = v[p]
        return v

    for path in list(leaves(body, ())):
        text = get(body, path)
        lo, hi = 0, len(text)  # hi keeps; find the smallest length that keeps
        while lo < hi:
            mid = (lo + hi) // 2
            if keeps(put(body, path, text[:mid])):
                hi = mid
            else:
                lo = mid + 1
        body = put(body, path, text[:hi])
    return body


def judge(operation_id: str, bodies: list[Any], old: Validate, new: Validate) -> Behaviour:
    """Run ``old`` and ``new`` on every body; keep and shrink, per rule id, the smallest body
    that one accepts and the other rejects for that rule."""
    found = Behaviour(operation_id, tried=len(bodies))
    raw_tight: dict[str, Any] = {}
    raw_loose: dict[str, Any] = {}
    for body in bodies:
        ov, nv = _violations(old, body), _violations(new, body)
        if not ov and nv:
            for v in nv:
                if v.rule not in raw_tight or size(body) < size(raw_tight[v.rule]):
                    raw_tight[v.rule] = body
        elif ov and not nv:
            for v in ov:
                if v.rule not in raw_loose or size(body) < size(raw_loose[v.rule]):
                    raw_loose[v.rule] = body
    for raw, accepts, rejects, out in ((raw_tight, old, new, found.tightened), (raw_loose, new, old, found.loosened)):
        for rule in sorted(raw):
            def keeps(b: Any, rule: str = rule, accepts: Validate = accepts, rejects: Validate = rejects) -> bool:
                return not _violations(accepts, b) and any(v.rule == rule for v in _violations(rejects, b))

            small = shrink(raw[rule], keeps)
            v = next(v for v in _violations(rejects, small) if v.rule == rule)
            out[rule] = Finding(rule, small, v.path, v.message)
    return found
