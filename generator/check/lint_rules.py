"""Rules (``allOf`` entries carrying ``x-rule``) checked against the schema they sit in.

A rule may only name properties the schema defines (in ``required``, ``properties``,
``dependentRequired``, ``dependentSchemas`` and ``at``, at any depth below the rule), and may
only compare a property with values its schema allows (``const``/``enum`` anywhere in the
rule, ``not`` included: a value the property can never hold makes the rule dead or
impossible). Names and values are looked up through ``$ref`` and ``allOf``.

A rule that reads a property whose schema allows ``null`` must have a valid example with
``null`` at (or below) one such property: it shows, and ``genspec check`` proves, how the rule
reads ``null`` (the convention: as "not given").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from genspec.check.lint import (
    IN_PLACE_LISTS,
    IN_PLACE_ONES,
    Conj,
    Lint,
    show,
    value_problem,
)
from genspec.load.loader import escape_pointer, unescape_pointer


@dataclass
class View:
    """What a schema declares for one instance (rule entries left out)."""

    conj: list[Conj]
    props: dict[str, tuple[Any, str]] | None  # None: the schema declares no properties (open)
    items: list[tuple[Any, str]]


def _did_you_mean(name: str, known: Any, otherwise: str) -> str:
    close = difflib.get_close_matches(name, sorted(str(k) for k in known), n=1)
    return f"did you mean '{close[0]}'?" if close else otherwise


def check(lint: Lint, node: dict, ptr: str) -> None:
    """Rules in ``node``'s allOf that name missing properties or values never allowed."""
    entries = node.get("allOf") if isinstance(node.get("allOf"), list) else []
    if not any(isinstance(e, dict) and isinstance(e.get("x-rule"), dict) for e in entries):
        return
    here = view_of(lint, node, ptr)
    owner = lint.owner(ptr)
    for i, entry in enumerate(entries):
        if not (isinstance(entry, dict) and isinstance(entry.get("x-rule"), dict)):
            continue
        rule = entry["x-rule"]
        rule_id = rule.get("id") if isinstance(rule.get("id"), str) else f"allOf/{i}"
        eptr = f"{ptr}/allOf/{i}"
        reads: set[str] = set()
        _walk(lint, entry, eptr, here, "", rule_id, owner, reads)
        _null_example(lint, rule, eptr, rule_id, reads)
        at = rule.get("at")
        if isinstance(at, str) and at.startswith("/") and here.props is not None:
            first = unescape_pointer(at.split("/")[1])
            if first and first not in here.props:
                lint.add(eptr + "/x-rule/at", "rule-at", f"rule '{rule_id}' points at /{first}, which {owner} does not define", _did_you_mean(first, here.props, "point 'at' at a property of this schema"))


def view_of(lint: Lint, node: Any, ptr: str) -> View:
    """What the schema (without rule entries) declares: properties, items, conjuncts."""
    conj = lint.conjuncts(node, ptr, rules=False)
    props: dict[str, Any] | None = None
    items: list[tuple[Any, str]] = []
    for c in conj:
        if isinstance(c.node.get("properties"), dict):
            props = props or {}
            for name, sub in c.node["properties"].items():
                props.setdefault(str(name), (sub, f"{c.ptr}/properties/{escape_pointer(str(name))}"))
        elif c.node.get("additionalProperties") is False:
            props = props or {}
        if "items" in c.node and not isinstance(c.node["items"], list):
            items.append((c.node["items"], c.ptr + "/items"))
    if props is not None:  # names defined only in alternatives or branches count as defined too
        for c in conj:
            for sub, sptr in _branches(c):
                for b in lint.conjuncts(sub, sptr, rules=False):
                    for name, s in (b.node.get("properties") or {}).items() if isinstance(b.node.get("properties"), dict) else []:
                        props.setdefault(str(name), (s, f"{b.ptr}/properties/{escape_pointer(str(name))}"))
    return View(conj, props, items)


def _branches(c: Conj) -> list[tuple[Any, str]]:
    """The subschemas of ``c`` that may apply to the same instance (alternatives, branches)."""
    out: list[tuple[Any, str]] = []
    for key in ("anyOf", "oneOf"):
        if isinstance(c.node.get(key), list):
            out += [(s, f"{c.ptr}/{key}/{i}") for i, s in enumerate(c.node[key])]
    out += [(c.node[k], f"{c.ptr}/{k}") for k in ("then", "else") if k in c.node]
    if isinstance(c.node.get("dependentSchemas"), dict):
        out += [(s, f"{c.ptr}/dependentSchemas/{escape_pointer(str(k))}") for k, s in c.node["dependentSchemas"].items()]
    return out


def nullable(lint: Lint, node: Any, ptr: str) -> bool:
    """Whether the schema ``node`` allows ``null`` (a ``type`` naming it, in every conjunct
    that restricts the type, or an ``anyOf``/``oneOf`` branch of type null)."""
    conj = lint.conjuncts(node, ptr, rules=False)
    for c in conj:
        for key in ("anyOf", "oneOf"):
            if isinstance(c.node.get(key), list) and any(isinstance(b, dict) and b.get("type") == "null" for b in c.node[key]):
                return True
    typed = [c.node["type"] for c in conj if "type" in c.node]
    return bool(typed) and all(t == "null" or (isinstance(t, list) and "null" in t) for t in typed)


def _nulls_at(value: Any, path: list[str]) -> bool:
    """Whether ``value`` holds ``null`` at or below ``path`` (names; ``[]`` steps into items)."""
    if not path:
        return value is None or (isinstance(value, dict) and any(_nulls_at(v, []) for v in value.values())) or (isinstance(value, list) and any(_nulls_at(v, []) for v in value))
    head, rest = path[0], path[1:]
    if head == "[]":
        return isinstance(value, list) and any(_nulls_at(v, rest) for v in value)
    return isinstance(value, dict) and head in value and _nulls_at(value[head], rest)


def _steps(path: str) -> list[str]:
    out: list[str] = []
    for part in path.split("."):
        while part.endswith("[]"):
            part = part[:-2]
            out += [part] if part else []
            part = ""
            out.append("[]")
        if part:
            out.append(part)
    return out


def _null_example(lint: Lint, rule: dict, ptr: str, rule_id: str, reads: set[str]) -> None:
    examples = rule.get("examples") if isinstance(rule.get("examples"), dict) else {}
    valid = examples.get("valid") if isinstance(examples.get("valid"), list) else None
    if not reads or valid is None:
        return
    if not any(_nulls_at(e, _steps(path)) for e in valid for path in reads):
        shown = ", ".join(sorted(reads))
        lint.add(f"{ptr}/x-rule/examples/valid", "rule-null-example", f"rule '{rule_id}' reads {shown}, which may be null, but no valid example has null there",
                 "add a valid example with null at one of them (null reads as not given)")


def _walk(lint: Lint, sub: Any, ptr: str, view: View, where: str, rule_id: str, owner: str, reads: set[str] | None = None) -> None:
    if not isinstance(sub, dict):
        return
    names = view.props
    reads = set() if reads is None else reads

    def read(name: Any) -> None:
        if names is not None and isinstance(name, str) and name in names and nullable(lint, *names[name]):
            reads.add(f"{where}.{name}" if where else name)

    def need(name: Any, at: str) -> bool:
        if names is None or not isinstance(name, str) or name in names:
            return True
        path = f"{where}.{name}" if where else name
        lint.add(at, "rule-name", f"rule '{rule_id}' names property '{path}', which {owner} does not define", _did_you_mean(name, names, "name a property of the schema, or add the property"))
        return False

    for i, name in enumerate(sub.get("required") if isinstance(sub.get("required"), list) else []):
        if need(name, f"{ptr}/required/{i}"):
            read(name)
    dep = sub.get("dependentRequired")
    for trigger, needs in (dep.items() if isinstance(dep, dict) else []):
        if need(trigger, f"{ptr}/dependentRequired/{escape_pointer(str(trigger))}"):
            read(trigger)
        for i, name in enumerate(needs if isinstance(needs, list) else []):
            if need(name, f"{ptr}/dependentRequired/{escape_pointer(str(trigger))}/{i}"):
                read(name)
    deps = sub.get("dependentSchemas")
    for trigger, s in (deps.items() if isinstance(deps, dict) else []):
        if need(trigger, f"{ptr}/dependentSchemas/{escape_pointer(str(trigger))}"):
            read(trigger)
            _walk(lint, s, f"{ptr}/dependentSchemas/{escape_pointer(str(trigger))}", view, where, rule_id, owner, reads)
    props = sub.get("properties")
    for name, s in (props.items() if isinstance(props, dict) else []):
        pptr = f"{ptr}/properties/{escape_pointer(str(name))}"
        if need(name, pptr) and names is not None:
            read(name)
            inner = view_of(lint, *names[str(name)])
            _walk(lint, s, pptr, inner, f"{where}.{name}" if where else str(name), rule_id, owner, reads)
    if isinstance(sub.get("items"), dict):
        inner = View([], None, [])
        for node, iptr in view.items:
            inner = view_of(lint, node, iptr)
            break
        _walk(lint, sub["items"], ptr + "/items", inner, (where or "") + "[]", rule_id, owner, reads)
    for key in IN_PLACE_ONES:
        _walk(lint, sub.get(key), f"{ptr}/{key}", view, where, rule_id, owner, reads)
    for key in IN_PLACE_LISTS:
        for i, s in enumerate(sub.get(key) if isinstance(sub.get(key), list) else []):
            _walk(lint, s, f"{ptr}/{key}/{i}", view, where, rule_id, owner, reads)
    if where and view.conj:
        values = [(ptr + "/const", sub["const"])] if "const" in sub else []
        if isinstance(sub.get("enum"), list):
            values += [(f"{ptr}/enum/{i}", v) for i, v in enumerate(sub["enum"])]
        for vptr, value in values:
            problem = next((p for c in view.conj if (p := value_problem(c.node, value))), None)
            if problem:
                lint.add(vptr, "rule-value", f"rule '{rule_id}' compares '{where}' with {show(value)}, which its schema does not allow ({problem})", "use a value the property's schema allows")
