"""Changes of one parameter, property or body between two specs, from its facts (types,
enums, bounds, lengths, patterns, formats, nullability), each a :class:`Change` classified for
clients of the old spec (:mod:`genspec.evolve.diff` puts them together)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Callable

from genspec.evolve import bodies

BREAKING, WARNING, NON_BREAKING = "breaking", "warning", "non-breaking"
SEVERITIES = (BREAKING, WARNING, NON_BREAKING)
_UPPER = {"maximum": "max", "exclusiveMaximum": "exclusive-max", "maxLength": "max-length", "maxItems": "max-items", "maxProperties": "max-properties"}
_LOWER = {"minimum": "min", "exclusiveMinimum": "exclusive-min", "minLength": "min-length", "minItems": "min-items", "minProperties": "min-properties"}
_ZERO_DEFAULT = {"minLength", "minItems", "minProperties"}
#: pointer of a spec -> ``file:line`` (or "")
Where = Callable[[str], str]


@dataclass(frozen=True)
class Change:
    """One difference between OLD and NEW.

    ``kind`` names the change (oasdiff's check id where one exists), ``severity`` is one of
    :data:`SEVERITIES`, ``pointer`` where clients meet it (``<opId> request /a/b``),
    ``message`` what changed, ``reason`` why it has this severity, ``counterexample`` the
    smallest request body that tells OLD and NEW apart (``body``, ``accepted_by``,
    ``rejected_by``, ``violation``), ``also`` other places with the same change, ``where``
    the spec line (``FILE:LINE``).
    """

    kind: str
    severity: str
    pointer: str
    message: str
    reason: str
    counterexample: dict[str, Any] | None = None
    also: tuple[str, ...] = ()
    where: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        out = asdict(self)
        out["also"] = list(self.also)
        return out


def _fmt(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _values(values: list[Any]) -> str:
    return ", ".join(_fmt(v) for v in values)


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _covers(wide: set[str], narrow: set[str]) -> bool:
    """Whether the JSON types ``wide`` accept every value of the types ``narrow``."""
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


class _Out:
    """Collects the changes of one node."""

    def __init__(self, pointer: str, origin: str, where: Where):
        self.pointer, self.where = pointer, where(origin) if origin else ""
        self.items: list[Change] = []

    def add(self, kind: str, severity: str, message: str, reason: str) -> None:
        """Record one change at this node."""
        self.items.append(Change(kind, severity, self.pointer, message, reason, where=self.where))


def compare_facts(pointer: str, prefix: str, side: str, o: dict[str, Any], n: dict[str, Any], where: Where) -> list[Change]:
    """Changes between the facts ``o`` and ``n`` of one parameter, property or body.

    ``prefix`` starts the change kinds (``request-property``, ``response-property``,
    ``request-parameter``, ``request-body``...); ``side`` is ``request`` or ``response``.
    """
    out = _Out(pointer, n.get("origin", ""), where)
    req = side == "request"
    if o.get("required") is not None and n.get("required") is not None and o["required"] != n["required"]:
        if req:
            if n["required"]:
                out.add(f"{prefix}-became-required", BREAKING, "optional -> required", "requests that leave it out are now rejected")
            else:
                out.add(f"{prefix}-became-optional", NON_BREAKING, "required -> optional", "requests that send it are still accepted")
        elif n["required"]:
            out.add(f"{prefix}-became-required", NON_BREAKING, "optional -> required", "clients that handle its absence also handle its presence")
        else:
            out.add(f"{prefix}-became-optional", BREAKING, "required -> optional", "clients that read it unconditionally fail when it is absent")
    _types(out, prefix, req, o, n)
    _enums(out, prefix, req, o, n)
    _bounds(out, prefix, req, o, n)
    for key, word in (("pattern", "pattern"), ("format", "format"), ("multipleOf", "multiple-of")):
        _loose_keyword(out, prefix, req, key, word, o.get(key), n.get(key))
    if o.get("uniqueItems") is not True and n.get("uniqueItems") is True:
        out.add(f"{prefix}-unique-items-set", BREAKING if req else NON_BREAKING, "items must now be unique", "arrays with repeated items are now rejected" if req else "responses only get stricter")
    elif o.get("uniqueItems") is True and n.get("uniqueItems") is not True:
        out.add(f"{prefix}-unique-items-unset", NON_BREAKING if req else WARNING, "items need no longer be unique", "only widens what requests may send" if req else "clients that rely on unique items may meet repeats")
    if "closed" in o and "closed" in n and o["closed"] != n["closed"]:
        if n["closed"]:
            out.add(f"{prefix}-additional-properties-closed", BREAKING if req else NON_BREAKING, "unknown properties are now rejected", "requests carrying properties OLD tolerated are now rejected" if req else "responses only get stricter")
        else:
            out.add(f"{prefix}-additional-properties-opened", NON_BREAKING, "unknown properties are now allowed", "only widens" if req else "clients ignore properties they do not know")
    if o.get("forbidden") != n.get("forbidden"):
        out.add(f"{prefix}-forbidden-changed", BREAKING if req and n.get("forbidden") else NON_BREAKING, "now forbidden" if n.get("forbidden") else "no longer forbidden", "any request sending it is now rejected" if req and n.get("forbidden") else "only widens")
    if "default" in o or "default" in n:
        if o.get("default") != n.get("default") or ("default" in o) != ("default" in n):
            out.add(f"{prefix}-default-value-changed", WARNING if req else NON_BREAKING, f"default {_fmt(o.get('default'))} -> {_fmt(n.get('default'))}", "requests that leave it out now get a different behaviour" if req else "defaults document responses only")
    if o.get("structure") != n.get("structure"):
        out.add(f"{prefix}-composition-changed", WARNING, "anyOf/oneOf/not/if composition outside named rules changed", "no body was found that tells OLD and NEW apart; review it")
    if o.get("description") != n.get("description"):
        out.add("description-changed", NON_BREAKING, "description changed", "documentation only")
    return out.items


def _types(out: _Out, prefix: str, req: bool, o: dict, n: dict) -> None:
    ot, nt = set(o.get("type") or []), set(n.get("type") or [])
    if ot == nt:
        return
    if ot - {"null"} == nt - {"null"} and ot and nt:
        if "null" in nt:
            out.add(f"{prefix}-became-nullable", NON_BREAKING if req else BREAKING, "may now be null", "only widens what requests may send" if req else "clients must now handle null")
        else:
            out.add(f"{prefix}-became-not-nullable", BREAKING if req else NON_BREAKING, "may no longer be null", "requests that send null are now rejected" if req else "responses only get stricter")
        return
    widened = not nt or (bool(ot) and _covers(nt, ot))
    narrowed = not ot or (bool(nt) and _covers(ot, nt))
    message = f"type {sorted(ot) or 'any'} -> {sorted(nt) or 'any'}"
    if req:
        if widened:
            out.add(f"{prefix}-type-generalized", NON_BREAKING, message, "every value OLD allowed is still allowed")
        else:
            out.add(f"{prefix}-type-changed", BREAKING, message, "requests with values of the old type are now rejected")
    elif narrowed:
        out.add(f"{prefix}-type-specialized", NON_BREAKING, message, "every value NEW sends was possible before")
    else:
        out.add(f"{prefix}-type-changed", BREAKING, message, "clients meet values of a type they do not handle")


def _enums(out: _Out, prefix: str, req: bool, o: dict, n: dict) -> None:
    oe, ne = o.get("enum"), n.get("enum")
    if "const" in o or "const" in n:
        if o.get("const") != n.get("const") or ("const" in o) != ("const" in n):
            if "const" not in n:
                out.add(f"{prefix}-const-removed", NON_BREAKING if req else WARNING, f"const {_fmt(o.get('const'))} removed", "only widens" if req else "other values may now arrive")
            else:
                out.add(f"{prefix}-const-changed", BREAKING if req else ("const" in o and WARNING or NON_BREAKING), f"const {_fmt(o.get('const'))} -> {_fmt(n['const'])}", "requests with the old value are now rejected" if req else "clients meet a value they did not expect")
    if oe is None and ne is None:
        return
    if oe is None:
        out.add(f"{prefix}-became-enum", BREAKING if req else NON_BREAKING, f"now limited to {_values(ne)}", "requests with other values are now rejected" if req else "responses only get stricter")
        return
    if ne is None:
        out.add(f"{prefix}-enum-removed", NON_BREAKING if req else WARNING, "no longer limited to an enum", "only widens" if req else "clients meet values they do not know")
        return
    old_keys = {bodies.canonical(v): v for v in oe if v is not None}
    new_keys = {bodies.canonical(v): v for v in ne if v is not None}
    removed = [old_keys[k] for k in old_keys if k not in new_keys]
    added = [new_keys[k] for k in new_keys if k not in old_keys]
    if removed:
        if req:
            out.add(f"{prefix}-enum-value-removed", BREAKING, f"enum values removed: {_values(removed)}", "requests that send them are now rejected")
        else:
            out.add(f"{prefix}-enum-value-removed", NON_BREAKING, f"enum values removed: {_values(removed)}", "clients still handle the values that remain")
    if added:
        if req:
            out.add(f"{prefix}-enum-value-added", NON_BREAKING, f"enum values added: {_values(added)}", "only widens what requests may send")
        else:
            out.add(f"{prefix}-enum-value-added", WARNING, f"enum values added: {_values(added)}", "clients that match every value exhaustively meet values they do not know")


def _bounds(out: _Out, prefix: str, req: bool, o: dict, n: dict) -> None:
    for key, word in list(_UPPER.items()) + list(_LOWER.items()):
        ov, nv = o.get(key), n.get(key)
        ov = ov if _num(ov) else None
        nv = nv if _num(nv) else None
        if ov == nv:
            continue
        upper = key in _UPPER
        floor = 0 if key in _ZERO_DEFAULT else None
        if ov is None:
            action = "set"
            narrowed = upper or floor is None or nv > floor
        elif nv is None:
            action = "unset"
            narrowed = False
        else:
            action = "increased" if nv > ov else "decreased"
            narrowed = (nv < ov) if upper else (nv > ov)
        if ov is None and not narrowed:
            continue
        message = f"{key} {ov if ov is not None else 'none'} -> {nv if nv is not None else 'none'}"
        kind = f"{prefix}-{word}-{action}"
        if req:
            out.add(kind, BREAKING if narrowed else NON_BREAKING, message, "requests with values OLD allowed are now rejected" if narrowed else "only widens what requests may send")
        else:
            out.add(kind, NON_BREAKING if narrowed else WARNING, message, "responses only get stricter" if narrowed else "values outside the old bounds may now arrive; clients validating with them reject these")


def _loose_keyword(out: _Out, prefix: str, req: bool, key: str, word: str, ov: Any, nv: Any) -> None:
    if ov == nv:
        return
    action = "added" if ov is None else "removed" if nv is None else "changed"
    message = f"{key} {_fmt(ov) if ov is not None else 'none'} -> {_fmt(nv) if nv is not None else 'none'}"
    if req:
        if action == "removed":
            out.add(f"{prefix}-{word}-removed", NON_BREAKING, message, "only widens what requests may send")
        else:
            out.add(f"{prefix}-{word}-{action}", WARNING, message, "values OLD allowed may not pass; no body was found that proves it")
    elif action == "added":
        out.add(f"{prefix}-{word}-added", NON_BREAKING, message, "responses only get stricter")
    else:
        out.add(f"{prefix}-{word}-{action}", WARNING, message, "values OLD's clients did not expect may now arrive")

