"""Every change between two specs, classified for existing clients.

:func:`run` checks both specs, flattens each into its contract (:mod:`generator.contract`),
compares operations, parameters, request and response properties (following ``$ref``),
enums, ranges, lengths, requiredness and rules (matched by id), and judges rule changes by
behaviour (:mod:`generator.bodies`): a rule is *tightened* when a body OLD accepts is rejected
by NEW for it, *loosened* for the reverse; the smallest such body is the counterexample.

Severities, for clients written against OLD:

* ``breaking``: some request OLD accepted is now rejected, or a response OLD's clients read
  safely may now break them (operation, property or success status removed, request field
  newly required, request enum value removed, request range or length narrowed, a rule that
  rejects a body OLD accepted, response field removed or made optional or nullable);
* ``warning``: nothing is rejected, but some clients may break (a new enum value in a
  response breaks exhaustive matching; a pattern or format change no body proved breaking);
* ``non-breaking``: additions of optional things, loosened constraints, documentation.

Change kinds reuse oasdiff's check ids where one exists (``request-property-enum-value-removed``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from genspec.evolve import bodies, judge
from genspec.evolve.bodies import Behaviour
from genspec.evolve.facts import BREAKING, NON_BREAKING, SEVERITIES, WARNING, Change, Where, _fmt, compare_facts
from genspec.load.errors import SpecError, SpecErrors
from genspec.model import contract

__all__ = ["BREAKING", "NON_BREAKING", "SEVERITIES", "WARNING", "Change", "Report", "Where", "compare", "compare_facts", "run"]


def _prefix(loc: str, side: str) -> str:
    if " parameter " in loc:
        return "request-parameter"
    if loc.endswith(" /"):
        return f"{side}-body"
    return f"{side}-property"


def _parent(loc: str) -> str | None:
    """The location holding ``loc`` (None for a body root or a parameter)."""
    if loc.endswith(" /") or " parameter " in loc:
        return None
    if loc.endswith("[]"):
        return loc[:-2]
    head = loc.rpartition("/")[0]
    return head + "/" if head.endswith(" ") else head


def compare_nodes(old: dict[str, dict], new: dict[str, dict], where_old: Where, where_new: Where) -> list[Change]:
    """Changes of every parameter, request property and response property, by location."""
    changes: list[Change] = []
    for loc in sorted(set(old) | set(new)):
        o, n = old.get(loc), new.get(loc)
        parent = _parent(loc)
        if o is None and n is not None:
            if parent is not None and parent not in old:
                continue
            changes += _added(loc, n, where_new)
        elif n is None and o is not None:
            if parent is not None and parent not in new:
                continue
            changes += _removed(loc, o, where_old)
        elif o is not None and n is not None:
            side = n.get("side", "request")
            changes += compare_facts(loc, _prefix(loc, side), side, o, n, where_new)
    return changes


def _added(loc: str, n: dict, where: Where) -> list[Change]:
    side, what = n.get("side", "request"), _what(n)
    w = where(n.get("origin", ""))
    if " parameter " in loc:
        if n.get("required"):
            return [Change("new-required-request-parameter", BREAKING, loc, f"required parameter added{what}", "requests without it are now rejected", where=w)]
        return [Change("new-optional-request-parameter", NON_BREAKING, loc, f"optional parameter added{what}", "requests without it are still accepted", where=w)]
    if side == "request":
        if n.get("required"):
            return [Change("new-required-request-property", BREAKING, loc, f"required property added{what}", "requests without it are now rejected", where=w)]
        return [Change("new-optional-request-property", NON_BREAKING, loc, f"optional property added{what}", "requests without it are still accepted", where=w)]
    return [Change("response-property-added", NON_BREAKING, loc, f"{'required' if n.get('required') else 'optional'} property added{what}", "clients ignore properties they do not know", where=w)]


def _removed(loc: str, o: dict, where: Where) -> list[Change]:
    side, what = o.get("side", "request"), _what(o)
    w = where(o.get("origin", ""))
    if " parameter " in loc:
        return [Change("request-parameter-removed", WARNING, loc, f"parameter removed{what}", "the server may now ignore or reject it; clients that send it should stop", where=w)]
    if side == "request":
        return [Change("request-property-removed", BREAKING, loc, f"property removed{what}", "requests that send it are now rejected (request objects are closed) or silently ignored", where=w)]
    if o.get("required"):
        return [Change("response-required-property-removed", BREAKING, loc, f"required property removed{what}", "clients that read it fail", where=w)]
    return [Change("response-optional-property-removed", WARNING, loc, f"optional property removed{what}", "clients already handle its absence but lose what it carried", where=w)]


def _what(facts: dict) -> str:
    if facts.get("ref"):
        return f" ({facts['ref']})"
    return f" ({'|'.join(facts['type'])})" if facts.get("type") else ""


def compare_operations(old: dict[str, dict], new: dict[str, dict], where_old: Where, where_new: Where) -> list[Change]:
    """Operations added or removed, moved, bodies, statuses, parameters."""
    changes: list[Change] = []
    for op in sorted(set(old) | set(new)):
        o, n = old.get(op), new.get(op)
        if o is None and n is not None:
            changes.append(Change("endpoint-added", NON_BREAKING, op, f"operation added: {n['method'].upper()} {n['path']}", "existing clients do not call it", where=where_new(n.get("origin", ""))))
            continue
        if n is None and o is not None:
            changes.append(Change("api-removed-without-deprecation", BREAKING, op, f"operation removed: {o['method'].upper()} {o['path']}", "clients that call it fail", where=where_old(o.get("origin", ""))))
            continue
        assert o is not None and n is not None
        w = where_new(n.get("origin", ""))
        if (o["method"], o["path"]) != (n["method"], n["path"]):
            changes.append(Change("api-path-changed", BREAKING, op, f"{o['method'].upper()} {o['path']} -> {n['method'].upper()} {n['path']}", "clients call the old method and path", where=w))
        if o.get("body") != n.get("body"):
            ob, nb = o.get("body"), n.get("body")
            kind, sev, why = {
                (None, "required"): ("added-required-request-body", BREAKING, "requests without a body are now rejected"),
                (None, "optional"): ("added-optional-request-body", NON_BREAKING, "requests without a body are still accepted"),
                ("optional", "required"): ("request-body-became-required", BREAKING, "requests without a body are now rejected"),
                ("required", "optional"): ("request-body-became-optional", NON_BREAKING, "requests with a body are still accepted"),
            }.get((ob, nb), ("request-body-removed", BREAKING, "requests that send a body are now rejected or ignored"))
            changes.append(Change(kind, sev, f"{op} request /", f"request body {ob or 'none'} -> {nb or 'none'}", why, where=w))
        os_, ns = set(o.get("statuses", [])), set(n.get("statuses", []))
        for status in sorted(os_ - ns):
            ok = status.startswith("2")
            changes.append(Change("response-success-status-removed" if ok else "response-non-success-status-removed", BREAKING if ok else NON_BREAKING, f"{op} response {status}", f"status {status} removed", "clients that expect it fail" if ok else "clients need no longer handle it", where=w))
        for status in sorted(ns - os_):
            ok = status.startswith("2")
            changes.append(Change("response-success-status-added" if ok else "response-non-success-status-added", NON_BREAKING, f"{op} response {status}", f"status {status} added", "documents a response clients may meet; generated clients read every declared status", where=w))
        if o.get("summary") != n.get("summary"):
            changes.append(Change("api-description-changed", NON_BREAKING, op, "summary or description changed", "documentation only", where=w))
    return changes


def compare_type_names(old: dict[str, dict], new: dict[str, dict]) -> list[Change]:
    """Named component schemas added or removed (one change each way)."""
    changes = []
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    if added:
        changes.append(Change("component-schemas-added", NON_BREAKING, "components", f"schemas added: {', '.join(added)}", "new types; existing code does not use them"))
    if removed:
        changes.append(Change("component-schemas-removed", WARNING, "components", f"schemas removed: {', '.join(removed)}", "code importing the generated types breaks; the wire is judged where they were used"))
    return changes


def compare_rules(old: dict[str, dict], new: dict[str, dict], behaviours: list[Behaviour] | None, where_old: Where, where_new: Where) -> list[Change]:
    """Rules matched by id; request-side ones judged by behaviour when ``behaviours`` is given."""
    changes = []
    tried = sum(b.tried for b in behaviours or [])
    for rid in sorted(set(old) | set(new)):
        o, n = old.get(rid), new.get(rid)
        if o is not None and n is not None and o["fp"] == n["fp"]:
            if o.get("message") != n.get("message"):
                changes.append(Change("rule-message-changed", NON_BREAKING, f"rule {rid}", f"message {_fmt(o.get('message'))} -> {_fmt(n.get('message'))}", "what it checks is the same", where=where_new(n.get("origin", ""))))
            continue
        sides = set((o or {}).get("sides", [])) | set((n or {}).get("sides", []))
        action = "added" if o is None else "removed" if n is None else "changed"
        w = where_new(n.get("origin", "")) if n is not None else where_old((o or {}).get("origin", ""))
        text = f"rule {action}: {(n or o or {}).get('message', '')}"
        if "request" not in sides and sides:
            sev = {"added": NON_BREAKING, "removed": WARNING, "changed": WARNING}[action]
            why = {"added": "a new guarantee about responses", "removed": "a guarantee about responses clients may rely on is gone", "changed": "a guarantee about responses changed; review what clients rely on"}[action]
            changes.append(Change(f"response-rule-{action}", sev, f"rule {rid}", text, why, where=w))
            continue
        tight = _finding(behaviours, rid, "tightened") if action != "removed" else None
        loose = _finding(behaviours, rid, "loosened") if action != "added" else None
        if behaviours is None:
            sev, why, cex = (WARNING, "not judged: no validators of OLD to compare", None) if action != "removed" else (NON_BREAKING, "only widens what requests may send", None)
        elif tight is not None:
            sev, why, cex = BREAKING, ("a request OLD accepts breaks the new rule" if action == "added" else "tightened: a request OLD accepts is now rejected"), tight
        elif loose is not None:
            sev, why, cex = NON_BREAKING, ("loosened: a request OLD rejected is now accepted" if action == "changed" else "only widens what requests may send"), loose
        else:
            sev, cex = NON_BREAKING, None
            why = {"added": f"no request OLD accepts breaks it ({tried} bodies tried)", "removed": "only widens what requests may send", "changed": f"no request tells OLD and NEW apart ({tried} bodies tried)"}[action]
        changes.append(Change(f"rule-{action}", sev, f"rule {rid}", text, why, cex, where=w))
    return changes


def _finding(behaviours: list[Behaviour] | None, rule: str, which: str) -> dict[str, Any] | None:
    for b in behaviours or []:
        f = getattr(b, which).get(rule)
        if f is not None:
            return _cex(f, which)
    return None


def _cex(f: bodies.Finding, which: str) -> dict[str, Any]:
    accepted, rejected = ("OLD", "NEW") if which == "tightened" else ("NEW", "OLD")
    return {"body": f.body, "accepted_by": accepted, "rejected_by": rejected, "violation": f"{f.path or '/'}: {f.message} [{f.rule}]"}


def _location(op: str, path: str) -> str:
    """A violation's JSON Pointer -> the contract location (array indexes become ``[]``)."""
    out = ""
    for token in path.split("/")[1:] if path else []:
        out += "[]" if token.isdigit() else "/" + token.replace("~1", "/").replace("~0", "~")
    return f"{op} request {out or '/'}"


def attach(changes: list[Change], behaviours: list[Behaviour], rule_ids: set[str]) -> list[Change]:
    """Give structural request changes the counterexamples found at their location; report
    every other body OLD accepts and NEW rejects as a change of its own."""
    out = list(changes)
    index = {c.pointer: i for i, c in reversed(list(enumerate(out)))}
    for b in behaviours:
        for which, findings in (("tightened", b.tightened), ("loosened", b.loosened)):
            for rule, f in sorted(findings.items()):
                if rule in rule_ids:
                    continue
                loc = _location(b.operation_id, f.path)
                hits = [i for i, c in enumerate(out) if c.pointer == loc and c.counterexample is None and c.kind != "description-changed" and (c.severity != NON_BREAKING) == (which == "tightened")][:1]
                if hits:
                    for i in hits:
                        c = out[i]
                        reason = c.reason if c.severity == BREAKING or which == "loosened" else "a request OLD accepts is now rejected (see the counterexample)"
                        out[i] = replace(c, severity=BREAKING if which == "tightened" else c.severity, reason=reason, counterexample=_cex(f, which))
                elif which == "tightened":
                    out.append(Change("request-rejected", BREAKING, loc, f"a request OLD accepts is rejected: {f.message}", "found by running both validators; no structural change explains it", _cex(f, which)))
                elif loc not in index:
                    out.append(Change("request-accepted", NON_BREAKING, loc, f"a request OLD rejected is accepted: {f.message}", "found by running both validators", _cex(f, which)))
    return out


def _split_response(loc: str) -> tuple[str, list[str], str] | None:
    """``op response 400|404 /a`` -> ``("op", ["400", "404"], "/a")``; None for other places."""
    parts = loc.split(" ", 3)
    if len(parts) < 4 or parts[1] != "response":
        return None
    return parts[0], parts[2].split("|"), parts[3]


def _per_status(nodes: dict[str, dict], kept: dict[str, set[str]]) -> dict[str, dict]:
    """Response nodes one per status (``op response 400 /a``), for the statuses both specs
    declare (``kept``: operationId -> statuses). A contract groups statuses that share a
    schema (``400|404``); a status added to or removed from a group changes the group's label,
    not what its clients read, so groups are compared status by status (the added or removed
    status itself is reported by :func:`compare_operations`)."""
    out: dict[str, dict] = {}
    for loc, facts in nodes.items():
        split = _split_response(loc)
        if split is None:
            out[loc] = facts
            continue
        op, statuses, rest = split
        for status in statuses:
            if status in kept.get(op, set()):
                out[f"{op} response {status} {rest}"] = facts
    return out


def _regroup_statuses(changes: list[Change]) -> list[Change]:
    """The inverse of :func:`_per_status` for changes: the same change of several statuses of
    one operation at one place is one change labelled ``op response 400|404 /a``."""
    groups: dict[tuple, tuple[Change, set[str]]] = {}
    out: list[Change | tuple] = []
    for c in changes:
        split = _split_response(c.pointer)
        if split is None:
            out.append(c)
            continue
        op, statuses, rest = split
        key = (op, rest, c.kind, c.severity, c.message, c.reason, c.where, json.dumps(c.counterexample, sort_keys=True, default=str))
        if key not in groups:
            groups[key] = (c, set())
            out.append(key)
        groups[key][1].update(statuses)
    return [
        item if isinstance(item, Change) else replace(groups[item][0], pointer=f"{item[0]} response {'|'.join(sorted(groups[item][1]))} {item[1]}")
        for item in out
    ]


def merge(changes: list[Change]) -> list[Change]:
    """One change per distinct (kind, severity, message, reason, spec line); the others'
    places go to ``also``. Sorted by severity, then place."""
    groups: dict[tuple, list[Change]] = {}
    for c in changes:
        key = (c.kind, c.severity, c.message, c.reason, c.where) if c.where else (c.kind, c.severity, c.message, c.reason, c.pointer)
        groups.setdefault(key, []).append(c)
    merged = []
    for group in groups.values():
        group.sort(key=lambda c: (c.counterexample is None, c.pointer))
        first = group[0]
        merged.append(replace(first, also=tuple(sorted({c.pointer for c in group[1:]} - {first.pointer}))))
    return sorted(merged, key=lambda c: (SEVERITIES.index(c.severity), c.pointer, c.kind, c.message))


def compare(old: dict[str, Any], new: dict[str, Any], behaviours: list[Behaviour] | None, where_old: Where = lambda p: "", where_new: Where = lambda p: "") -> list[Change]:
    """Every change from contract ``old`` to contract ``new`` (see the module docstring)."""
    changes = compare_operations(old["operations"], new["operations"], where_old, where_new)
    both = set(old["operations"]) & set(new["operations"])
    kept = {op: set(old["operations"][op].get("statuses", [])) & set(new["operations"][op].get("statuses", [])) for op in both}
    changes += _regroup_statuses(compare_nodes(
        _per_status({k: v for k, v in old["nodes"].items() if k.split(" ", 1)[0] in both}, kept),
        _per_status({k: v for k, v in new["nodes"].items() if k.split(" ", 1)[0] in both}, kept),
        where_old,
        where_new,
    ))
    changes += compare_type_names(old["types"], new["types"])
    changes += compare_rules(old["rules"], new["rules"], behaviours, where_old, where_new)
    if old.get("version") != new.get("version"):
        changes.append(Change("info-version-changed", NON_BREAKING, "info", f"version {old.get('version')} -> {new.get('version')}", "a label"))
    if behaviours:
        changes = attach(changes, behaviours, set(old["rules"]) | set(new["rules"]))
    return merge(changes)


@dataclass
class Report:
    """The result of :func:`run`: both spec paths, the changes and how many bodies were run."""

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    tried: int = 0

    def count(self, severity: str) -> int:
        """How many changes have ``severity``."""
        return sum(1 for c in self.changes if c.severity == severity)


def _where(checked: Any) -> Where:
    from genspec.load.errors import Reporter

    reporter = Reporter(checked.doc.path, checked.doc.lines)

    def where(pointer: str) -> str:
        line = reporter.line_of(pointer) if pointer else 0
        return f"{checked.doc.path}:{line}" if line else ""

    return where


def run(old_spec: str, new_spec: str) -> Report:
    """Check both specs and list every change from ``old_spec`` to ``new_spec``.

    Raises :class:`~generator.errors.SpecErrors` when either spec fails ``genspec check``.
    """
    from genspec.check import check

    checked: list[check.Checked] = []
    errors: list[SpecError] = []
    for spec in (old_spec, new_spec):  # both are checked, so every problem of both is named
        try:
            checked.append(check.run(spec))
        except SpecErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise SpecErrors(errors)
    old, new = checked
    behaviours = judge.judge_requests(old, new)
    changes = compare(contract.build(old.api), contract.build(new.api), behaviours, _where(old), _where(new))
    return Report(old_spec, new_spec, changes, sum(b.tried for b in behaviours))
