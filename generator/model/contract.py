"""A spec's *contract*: every place a client meets, with the facts that decide compatibility.

:func:`build` flattens a checked :class:`~generator.ir.Api` into plain JSON-able data:

* ``operations``: operationId -> method, path, whether a body is sent, declared statuses and
  the facts of every parameter;
* ``nodes``: location -> facts, one per parameter, request property and response property,
  following ``$ref`` (locations read ``<opId> request /a/b[]/c``,
  ``<opId> response 200|201 /a``, ``<opId> parameter path id``);
* ``rules``: rule id -> owner, kind, a fingerprint of what it checks, the sides it applies to;
* ``types``: component name -> its own facts, the facts of each of its fields, its sides.

:mod:`generator.diff` compares two contracts; :func:`manifest` is the compact form the
generated package records (``_manifest.py``) so ``genspec generate`` can say what changed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from genspec.load.ir import Api
from genspec.load.loader import escape_pointer, pointer_node, unescape_pointer

#: facts copied from a schema when present (``type`` and ``enum`` are normalised separately)
KEYWORDS = (
    "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "default",
)
#: composition keywords outside x-rule entries: compared as a whole (by fingerprint)
STRUCTURE = ("anyOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas")
_MAX_DEPTH = 12


def fingerprint(value: Any) -> str:
    """A short stable hash of JSON-able ``value`` (key order does not matter)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def json_types(schema: Any) -> list[str]:
    """The sorted JSON types a schema's ``type`` keyword names ([] when absent)."""
    t = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return sorted(str(x) for x in t)
    return []


def resolve(data: Any, ref: str) -> Any:
    """The node at a local reference (``#/a/b``) of ``data``; ``{}`` when it does not resolve."""
    inner = ref.lstrip("#").strip("/")
    try:
        return pointer_node(data, "/" + inner if inner else "")
    except KeyError:
        return {}


class _Walker:
    def __init__(self, data: dict):
        self.data = data
        self.nodes: dict[str, dict[str, Any]] = {}
        self.reached: dict[str, set[str]] = {}  # schema pointer -> sides
        self.refs: dict[str, set[str]] = {}  # component name -> sides

    def deref(self, schema: Any, ptr: str, side: str) -> tuple[Any, str, str | None]:
        """Follow ``$ref`` chains; returns (schema, its pointer, first component name)."""
        name = None
        for _ in range(20):
            if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
                break
            ref = schema["$ref"]
            if ref.startswith("#/components/schemas/"):
                target = unescape_pointer(ref.split("/", 3)[3])
                name = name or target
                self.refs.setdefault(target, set()).add(side)
            schema, ptr = resolve(self.data, ref), ref.lstrip("#")
        return schema, ptr, name

    @staticmethod
    def _nullable_branch(schema: dict, ptr: str) -> tuple[Any, str] | None:
        """``anyOf: [X, {type: 'null'}]`` (or oneOf) -> X, the usual way to say nullable."""
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and len(branches) == 2:
                nulls = [i for i, b in enumerate(branches) if isinstance(b, dict) and b.get("type") == "null" and len(b) == 1]
                if len(nulls) == 1:
                    i = 1 - nulls[0]
                    return branches[i], f"{ptr}/{key}/{i}"
        return None

    def facts(self, schema: Any, ptr: str, side: str, required: bool | None) -> tuple[dict[str, Any], dict, str]:
        """The facts of one schema node, and the node and pointer they were read from."""
        outer = schema if isinstance(schema, dict) else {}
        s, sptr, ref = self.deref(schema, ptr, side)
        facts: dict[str, Any] = {"side": side, "origin": ptr}
        if required is not None:
            facts["required"] = required
        description = outer.get("description") if isinstance(outer.get("description"), str) else None
        nullable = False
        if isinstance(s, dict):
            branch = self._nullable_branch(s, sptr)
            if branch is not None:
                nullable = True
                description = description or s.get("description")
                s, sptr, ref2 = self.deref(branch[0], branch[1], side)
                ref = ref or ref2
        if s is False:
            facts["forbidden"] = True
        if not isinstance(s, dict):
            s = {}
        self.reached.setdefault(sptr, set()).add(side)
        if ref:
            facts["ref"] = ref
        types = json_types(s)
        if nullable and types and "null" not in types:
            types = sorted(types + ["null"])
        if types:
            facts["type"] = types
        if isinstance(s.get("enum"), list):
            enum = list(s["enum"]) + ([None] if nullable and None not in s["enum"] else [])
            facts["enum"] = sorted(enum, key=lambda v: json.dumps(v, sort_keys=True))
        for key in KEYWORDS:
            if key in s:
                facts[key] = s[key]
        description = description or (s.get("description") if isinstance(s.get("description"), str) else None)
        if description:
            facts["description"] = " ".join(description.split())
        structure = {k: s[k] for k in STRUCTURE if k in s}
        if structure:
            facts["structure"] = fingerprint(structure)
        if isinstance(s.get("properties"), dict) or "object" in types:
            facts["closed"] = s.get("additionalProperties", True) is False
        return facts, s, sptr

    def walk(self, schema: Any, ptr: str, loc: str, side: str, required: bool | None, depth: int, trail: tuple[str, ...]) -> None:
        """Record the node at ``loc`` and walk its properties and items."""
        facts, s, sptr = self.facts(schema, ptr, side, required)
        props, req = self.properties(s, sptr, side)
        if props:
            facts["closed"] = s.get("additionalProperties", True) is False
        self.nodes[loc] = facts
        if depth >= _MAX_DEPTH or sptr in trail:
            if sptr in trail:
                facts["recursive"] = True
            return
        trail = trail + (sptr,)
        for name, (sub, sub_ptr) in props.items():
            self.walk(sub, sub_ptr, loc + name if loc.endswith("/") else f"{loc}/{name}", side, name in req, depth + 1, trail)
        if isinstance(s.get("items"), (dict, bool)):
            self.walk(s["items"], sptr + "/items", loc + "[]", side, None, depth + 1, trail)

    def properties(self, s: dict, ptr: str, side: str) -> tuple[dict[str, tuple[Any, str]], set[str]]:
        """Properties and required names of ``s`` and of its allOf entries that are not rules."""
        props: dict[str, tuple[Any, str]] = {}
        req: set[str] = set()
        if isinstance(s.get("properties"), dict):
            for name, sub in s["properties"].items():
                props[str(name)] = (sub, f"{ptr}/properties/{escape_pointer(str(name))}")
        if isinstance(s.get("required"), list):
            req.update(str(r) for r in s["required"])
        for i, entry in enumerate(s.get("allOf") or []):
            if not isinstance(entry, dict) or "x-rule" in entry:
                continue
            e, eptr, _ = self.deref(entry, f"{ptr}/allOf/{i}", side)
            if isinstance(e, dict):
                self.reached.setdefault(eptr, set()).add(side)
                more, more_req = self.properties(e, eptr, side)
                for name, value in more.items():
                    props.setdefault(name, value)
                req |= more_req
        return props, req


def _json_schema(data: Any, node: Any, ptr: str) -> tuple[Any, str] | None:
    for _ in range(20):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ptr, node = node["$ref"].lstrip("#"), resolve(data, node["$ref"])
    media = ((node or {}).get("content") or {}).get("application/json") if isinstance(node, dict) else None
    if isinstance(media, dict) and "schema" in media:
        return media["schema"], ptr + "/content/application~1json/schema"
    return None


def _response_groups(data: Any, responses: dict, op_ptr: str) -> dict[str, tuple[Any, str]]:
    """Statuses sharing one response schema are one group, labelled ``200|201``."""
    by_key: dict[str, list[str]] = {}
    schemas: dict[str, tuple[Any, str]] = {}
    for code in sorted(responses, key=str):
        found = _json_schema(data, responses[code], f"{op_ptr}/responses/{code}")
        if found is None:
            continue
        key = json.dumps(found[0], sort_keys=True, default=str)
        by_key.setdefault(key, []).append(str(code))
        schemas.setdefault(key, found)
    return {"|".join(codes): schemas[key] for key, codes in by_key.items()}


def build(api: Api) -> dict[str, Any]:
    """The contract of ``api`` (see the module docstring)."""
    data = api.document if isinstance(api.document, dict) else {}
    walker = _Walker(data)
    operations: dict[str, Any] = {}
    paths = data.get("paths") or {}
    for op in api.operations:
        raw = (paths.get(op.path) or {}).get(op.method) or {}
        op_ptr = f"/paths/{escape_pointer(op.path)}/{op.method}"
        responses = raw.get("responses") or {}
        entry: dict[str, Any] = {
            "method": op.method,
            "path": op.path,
            "body": None if op.body_schema is None else ("required" if op.body_required else "optional"),
            "statuses": sorted(str(c) for c in responses),
            "summary": " ".join((op.summary + " " + op.description).split()),
            "origin": op_ptr,
            "params": {},
        }
        operations[op.operation_id] = entry
        for prm in op.params:
            loc = f"{op.operation_id} parameter {prm.location} {prm.name}"
            walker.walk(prm.schema if prm.schema is not None else {}, op_ptr + "/parameters", loc, "request", prm.required, 0, ())
            if prm.description:
                walker.nodes[loc]["description"] = " ".join(prm.description.split())
            entry["params"][f"{prm.location} {prm.name}"] = {k: v for k, v in walker.nodes[loc].items() if k != "side"}
        if "requestBody" in raw:
            found = _json_schema(data, raw["requestBody"], op_ptr + "/requestBody")
            if found is not None:
                walker.walk(found[0], found[1], f"{op.operation_id} request /", "request", None, 0, ())
        for label, (schema, ptr) in sorted(_response_groups(data, responses, op_ptr).items()):
            walker.walk(schema, ptr, f"{op.operation_id} response {label} /", "response", None, 0, ())
    rules: dict[str, Any] = {}
    for rule in api.rules:
        owner_ptr = rule.pointer[: -len("/x-rule")] if rule.pointer.endswith("/x-rule") else rule.pointer
        node = resolve(data, owner_ptr)
        if rule.kind == "cel":
            what: Any = {"rule": rule.cel, "at": rule.at}
        else:
            what = {k: v for k, v in node.items() if k != "x-rule"} if isinstance(node, dict) else node
        sides = sorted({side for ptr, s in walker.reached.items() if owner_ptr.startswith(ptr + "/") for side in s})
        rules[rule.id] = {"owner": rule.owner, "kind": rule.kind, "fp": fingerprint(what), "message": rule.message, "origin": owner_ptr, "sides": sides}
    types: dict[str, Any] = {}
    components = (data.get("components") or {}).get("schemas") or {}
    for name in components:
        ptr = f"/components/schemas/{escape_pointer(str(name))}"
        sides = sorted(walker.refs.get(str(name), set()))
        side = "request" if "request" in sides else "response"
        facts, s, sptr = walker.facts(components[name], ptr, side, None)
        facts.pop("side", None)
        facts["sides"] = sides
        props, req = walker.properties(s, sptr, side)
        if props:
            facts["fields"] = {}
            for prop in sorted(props):
                field_facts = walker.facts(props[prop][0], props[prop][1], side, prop in req)[0]
                field_facts.pop("side", None)
                if "ref" in field_facts:  # the referenced type carries its own facts once
                    field_facts = {k: v for k, v in field_facts.items() if k in ("required", "ref", "description", "origin", "type")}
                facts["fields"][prop] = field_facts
        types[str(name)] = facts
    return {
        "title": api.title,
        "version": api.version,
        "package": api.package,
        "spec_sha256": api.spec_sha256,
        "operations": operations,
        "nodes": dict(sorted(walker.nodes.items())),
        "rules": dict(sorted(rules.items())),
        "types": dict(sorted(types.items())),
    }


def _strip(facts: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in facts.items() if k != "origin"}
    for key in ("description", "summary"):
        if key in out:
            out[key] = fingerprint(out[key])
    for key in ("fields", "params"):
        if isinstance(out.get(key), dict):
            out[key] = {k: _strip(v) for k, v in out[key].items()}
    return out


def manifest(contract: dict[str, Any]) -> dict[str, Any]:
    """The compact contract the generated package records: no location nodes (types and
    their fields carry the same facts once), descriptions as fingerprints, no spec pointers."""
    return {
        **{k: contract[k] for k in ("title", "version", "package", "spec_sha256")},
        "operations": {k: _strip(v) for k, v in contract["operations"].items()},
        "rules": {k: _strip(v) for k, v in contract["rules"].items()},
        "types": {k: _strip(v) for k, v in contract["types"].items()},
    }


def render_context(inputs: Any) -> dict[str, Any]:
    """Context of ``_manifest.py.jinja`` (``inputs`` is a :class:`generator.render.Inputs`)."""
    return {"manifest": manifest(build(inputs.api))}
