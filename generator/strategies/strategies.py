"""The intermediate description the generated Hypothesis strategies draw from.

For every schema of the spec this module computes a *normalised schema* (plain data: JSON
Schema keywords plus a few ``x-`` annotations computed here), and for every rule the schemas
that steer generation to it. ``templates/strategies.py.jinja`` places the data and
``templates/_strategies.py.jinja`` holds the generic engine that draws from it.

Normalised schemas keep the JSON Schema keywords genspec asserts; ``$ref`` becomes the bare
component name, a ``pattern`` its Python ``re`` form (ECMA-262 translated), annotations are
dropped, and:

* an ``allOf`` entry carrying ``x-rule`` keeps only ``x-rule: <id>``;
* ``x-validations`` become ``x-cel: [{rule, shapes}]`` (:mod:`generator.celshape`);
* every ``if`` gets ``x-tests`` / ``x-constrains`` (the properties it reads and the ones its
  ``then``/``else`` constrain; ``None``: unknown, i.e. all) and ``x-not-if`` (its negation);
  a conditional that reads and constrains the same property is split so that the part about
  that property moves into it (``if A and p~P then p:Q`` -> ``if A then p:(if P then Q)``);
* ``oneOf`` gets ``x-one``: one branch per alternative, with the others negated;
* ``not`` gets ``x-neg``, its negation in positive form, unless the engine negates it natively.

The ``x-`` keywords of negations (:func:`negate`): ``x-focus`` (relative JSON Pointer where a
validator reports the broken keyword), ``x-contains`` (some array item matches), ``x-size``
(size relations between properties). Nothing here knows any particular API.
"""

from __future__ import annotations

import json
from typing import Any

from genspec.load.ir import Api, Rule
from genspec.load.loader import escape_pointer
from genspec.model.parse import METHODS, ref_name
from genspec.schema.compile import FORMATS
from genspec.schema.compile.ecma import translate as ecma_translate
from genspec.strategies import celshape

FLAT = (
    "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "pattern", "format", "contentEncoding", "minItems",
    "maxItems", "uniqueItems", "minProperties", "maxProperties",
)
#: ``not`` of a schema holding one of these keywords only is negated by the engine itself
NATIVE_NOT = ("const", "enum", "type", "pattern", "format")
_NOT_NEGATED = ("x-rule", "x-tests", "x-constrains", "x-not-if", "x-one", "x-neg", "x-focus")
#: the JSON types a keyword applies to (its negation must keep to them)
_APPLIES_TO: dict[str, Any] = {
    **dict.fromkeys(("minLength", "maxLength", "pattern", "format"), "string"),
    **{k: ["integer", "number"] for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")},
    **dict.fromkeys(("minItems", "maxItems", "uniqueItems"), "array"),
}
_BOUND_NEG = {
    "minimum": "exclusiveMaximum", "maximum": "exclusiveMinimum",
    "exclusiveMinimum": "maximum", "exclusiveMaximum": "minimum",
}


def _focus(schema: dict, focus: bool, pointer: str) -> dict:
    return {**schema, "x-focus": pointer} if focus else schema


def _any(alts: list[Any]) -> Any:
    alts = [a for a in alts if a is not False]
    if any(a is True for a in alts):
        return True
    if not alts:
        return False
    return alts[0] if len(alts) == 1 else {"anyOf": alts}


def negate(s: Any, focus: bool = False) -> Any:
    """A normalised schema matched exactly by the values ``s`` rejects (as far as generation
    needs: keywords are negated for the JSON type the base schema gives).

    With ``focus``, every alternative carries ``x-focus``: where a validator reports the
    broken keyword, relative to the value the alternative applies to.
    """
    if s is True or s == {}:
        return False
    if s is False:
        return True
    s = {k: v for k, v in s.items() if k not in _NOT_NEGATED}
    alts: list[Any] = []
    props, required = s.get("properties") or {}, s.get("required") or []
    for name in dict.fromkeys([*props, *required]):
        sub, req, ptr = props.get(name, True), name in required, "/" + escape_pointer(name)
        trivial = sub is True or sub == {}
        if sub is False:
            if not req:
                alts.append(_focus({"required": [name]}, focus, ptr))
        elif focus:
            if req:
                alts.append(_focus({"properties": {name: False}}, True, ptr))
            if not trivial:
                alts.append({"required": [name], "properties": {name: negate(sub, True)}})
        elif req:
            alts.append({"properties": {name: False if trivial else negate(sub)}})
        elif not trivial:
            alts.append({"required": [name], "properties": {name: negate(sub)}})
    for trigger, needs in (s.get("dependentRequired") or {}).items():
        for need in needs:
            alts.append(_focus({"required": [trigger], "properties": {need: False}}, focus, "/" + escape_pointer(need)))
    # object keywords bind objects only: their negations are objects (not, say, null)
    alts = [{**a, "type": "object"} if isinstance(a, dict) else a for a in alts]
    for key in FLAT:
        if key not in s or key == "contentEncoding":
            continue
        value = s[key]
        if key in _BOUND_NEG:
            alt: Any = {_BOUND_NEG[key]: value}
        elif key in ("minLength", "minItems") and value > 0:
            alt = {key.replace("min", "max"): value - 1}
        elif key in ("maxLength", "maxItems"):
            alt = {key.replace("max", "min"): value + 1}
        elif key in ("minLength", "minItems", "uniqueItems") and not value:
            continue
        else:
            alt = {"not": {key: value}}
        if key in _APPLIES_TO:  # a value of another type (null, say) breaks nothing
            alt = {**alt, "type": _APPLIES_TO[key]}
        alts.append(_focus(alt, focus, ""))
    if "items" in s:
        alts.append({"type": "array", "x-contains": negate(s["items"], focus)})
    if "not" in s:
        inner = s["not"]
        alts.append(_focus(inner, focus, "") if isinstance(inner, dict) else inner is False or inner)
    for sub in s.get("allOf") or []:
        alts.append(negate(sub, focus))
    if "anyOf" in s:
        alts.append(_focus({"allOf": [negate(b) for b in s["anyOf"]]}, focus, ""))
    if "oneOf" in s:
        branches = s["oneOf"]
        choices = [{"allOf": [negate(b) for b in branches]}]
        choices += [{"allOf": [a, b]} for i, a in enumerate(branches) for b in branches[i + 1:]]
        alts.append(_focus({"anyOf": choices}, focus, ""))
    if "if" in s:
        if "then" in s:
            alts.append({"allOf": [s["if"], negate(s["then"], focus)]})
        if "else" in s:
            alts.append({"allOf": [negate(s["if"]), negate(s["else"], focus)]})
    for entry in s.get("x-cel") or []:
        for shape in entry["shapes"] or []:
            guards, left, op, right = shape
            needs = list(dict.fromkeys([*guards, left] + ([right] if isinstance(right, str) else [])))
            given = {n: {"not": {"type": "null"}} for n in needs}  # size() is of values, never null
            alts.append(_focus({"required": needs, "properties": given, "x-size": [[left, celshape.NEGATED[op], right]]}, focus, ""))
    for key in ("$ref", "additionalProperties", "x-contains", "x-size"):
        if key in s:
            alts.append(_focus({"not": {key: s[key]}}, focus, ""))
    return _any(alts)


def props_of(s: Any) -> set[str] | None:
    """Top-level properties ``s`` reads or constrains; None when it depends on the whole object."""
    if not isinstance(s, dict):
        return set() if s is True else None
    out: set[str] = set()
    for key, value in s.items():
        if key in ("properties", "required"):
            out |= set(value)
        elif key == "dependentRequired":
            out |= set(value) | {n for needs in value.values() for n in needs}
        elif key in ("allOf", "anyOf", "oneOf", "not", "if", "then", "else"):
            for sub in value if isinstance(value, list) else [value]:
                inner = props_of(sub)
                if inner is None:
                    return None
                out |= inner
        elif key in ("x-cel", "x-size"):
            shapes = [sh for e in value for sh in (e["shapes"] or [])] if key == "x-cel" else [[[], *t] for t in value]
            if key == "x-cel" and any(e["shapes"] is None for e in value):
                return None
            for guards, left, _op, right in shapes:
                out |= {*guards, left} | ({right} if isinstance(right, str) else set())
        elif key in ("type", "additionalProperties") or key.startswith("x-"):
            continue
        else:
            return None
    return out


#: keywords the engine cannot draw for: dropped from normalised schemas and listed per schema
#: in ``UNDRAWN`` (valid values are then drawn without them and filtered by the validators)
UNDRAWN = frozenset({
    "prefixItems", "contains", "minContains", "maxContains", "patternProperties", "propertyNames",
    "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "dependencies",
})


def _python_pattern(pattern: Any) -> Any:
    """The Python ``re`` form of an ECMA-262 pattern (what the engine draws from and tests)."""
    try:
        return ecma_translate(pattern) if isinstance(pattern, str) else pattern
    except ValueError:
        return pattern


class Normaliser:
    """Turns raw spec schemas into normalised ones (see the module docstring).

    ``undrawn``: component name -> the keywords of :data:`UNDRAWN` (and ``$ref`` to anything
    but a component) met while normalising it; set :attr:`current` to the component first.
    """

    def __init__(self, components: dict[str, Any]):
        self.components = components
        self.current = ""
        self.undrawn: dict[str, set[str]] = {}

    def ref(self, ref: Any) -> str:
        name = ref_name({"$ref": ref})
        return name if name is not None else str(ref)

    def schema(self, s: Any, split: bool = True) -> Any:
        """The normalised form of raw schema ``s``."""
        if not isinstance(s, dict):
            return s if isinstance(s, bool) else True
        out: dict[str, Any] = {}
        for key, value in s.items():
            if key == "$ref" and ref_name({"$ref": value}) is None:
                self.undrawn.setdefault(self.current, set()).add(f"$ref {value}")
            elif key == "$ref":
                out[key] = self.ref(value)
            elif key in UNDRAWN:
                self.undrawn.setdefault(self.current, set()).add(key)
            elif key == "pattern":
                out[key] = _python_pattern(value)
            elif key in FLAT:
                if key != "format" or value in FORMATS:
                    out[key] = value
            elif key == "properties":
                out[key] = {k: self.schema(v, split) for k, v in value.items()}
            elif key in ("required", "dependentRequired"):
                out[key] = value
            elif key in ("items", "not", "additionalProperties"):
                out[key] = self.schema(value, split)
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self.schema(v, split) for v in value]
            elif key == "dependentSchemas":
                out.setdefault("allOf", []).extend(self.conditional({"required": [k]}, self.schema(v, split), None) for k, v in value.items())
            elif key == "x-validations":
                out["x-cel"] = [_cel_facts(v) for v in value if isinstance(v, dict) and isinstance(v.get("rule"), str)]
            elif key == "x-rule" and isinstance(value, dict):
                out[key] = value.get("id")
        if "if" in s:
            then = self.schema(s["then"], split) if "then" in s else None
            other = self.schema(s["else"], split) if "else" in s else None
            out.update(self.conditional(self.schema(s["if"], split), then, other, split))
        if "oneOf" in out:
            alts = out["oneOf"]
            out["x-one"] = [{"allOf": [a] + [negate(b) for j, b in enumerate(alts) if j != i]} for i, a in enumerate(alts)]
        if "not" in out:
            inner = out["not"]
            if not (isinstance(inner, dict) and len(inner) == 1 and next(iter(inner)) in NATIVE_NOT):
                out["x-neg"] = negate(inner)
        return out

    def conditional(self, cond: Any, then: Any, other: Any, split: bool = True) -> dict[str, Any]:
        """``{if, then, else}`` with ``x-tests``, ``x-constrains`` and ``x-not-if``, split when
        it reads and constrains one same property."""
        if split and other is None and isinstance(cond, dict) and isinstance(then, dict):
            cond, then = _split(cond, then)
        out: dict[str, Any] = {"if": cond}
        if then is not None:
            out["then"] = then
        if other is not None:
            out["else"] = other
        tests = props_of(cond)
        constrains: set[str] | None = set()
        for branch in (then, other):
            inner = props_of(branch) if branch is not None else set()
            constrains = None if inner is None or constrains is None else constrains | inner
        out["x-tests"] = sorted(tests) if tests is not None else None
        out["x-constrains"] = sorted(constrains) if constrains is not None else None
        out["x-not-if"] = negate(cond)
        return out


def _split(cond: dict, then: dict) -> tuple[Any, Any]:
    tests, constrains = props_of(cond), props_of(then)
    if not tests or not constrains or set(then) != {"properties"} or set(cond) - {"required", "properties", "type"}:
        return cond, then
    shared = tests & constrains
    if len(shared) != 1 or constrains != shared:
        return cond, then
    name = shared.pop()
    rest = {k: v for k, v in cond.items()}
    if name in rest.get("required", []):
        rest["required"] = [r for r in rest["required"] if r != name]
    part = (rest.get("properties") or {}).get(name, True)
    if "properties" in rest:
        rest["properties"] = {k: v for k, v in rest["properties"].items() if k != name}
    rest = {k: v for k, v in rest.items() if v not in ([], {})}
    target = then["properties"][name]
    inner: Any = target if part is True or part == {} else {"if": part, "then": target, "x-tests": sorted(props_of(part) or []) if props_of(part) is not None else None, "x-constrains": sorted(props_of(target)) if props_of(target) is not None else None, "x-not-if": negate(part)}
    return rest or True, {"properties": {name: inner}}


def trigger(s: Any) -> Any:
    """What a value must hold for rule subschema ``s`` to take effect: for a conditional its
    ``if`` and the presence of what its ``then`` constrains (unless ``then`` forbids it), for
    other rules the presence of what they constrain; ``True`` when always in effect."""
    if not isinstance(s, dict):
        return True
    if "if" in s:
        present = trigger(s["then"]) if "then" in s else True
        return s["if"] if present is True else {"allOf": [s["if"], present]}
    parts: list[Any] = []
    given = {"not": {"type": "null"}}  # present and not null: a null takes no rule into effect
    for name, sub in (s.get("properties") or {}).items():
        if sub is False or sub == {"type": "null"}:  # forbidden (null at most): nothing to put in effect
            continue
        inner = trigger(sub)
        parts.append({"required": [name], "properties": {name: given if inner is True else {"allOf": [inner, given]}}})
    for name in s.get("dependentRequired") or {}:
        parts.append({"required": [name], "properties": {name: given}})
    if "items" in s:
        inner = trigger(s["items"])
        parts.append({"x-contains": True if inner is True else inner})
    for entry in s.get("x-cel") or []:
        for guards, left, _op, right in entry["shapes"] or []:
            # size() reads values, never null: the shape is in effect once they are given
            names = list(dict.fromkeys([*guards, left] + ([right] if isinstance(right, str) else [])))
            parts.append({"required": names, "properties": {n: {"not": {"type": "null"}} for n in names}})
    for sub in s.get("allOf") or []:
        inner = trigger(sub)
        if inner is not True:
            parts.append(inner)
    return _any(parts) if parts else True


def instance_paths(schemas: dict[str, Any], root: str, limit: int = 6) -> dict[str, list[list[Any]]]:
    """For every component reachable from ``root``: the paths (``["p", name]`` / ``["i"]``
    steps) from a ``root`` value to its instances, each component at most once per path."""
    found: dict[str, list[list[Any]]] = {}

    def walk(s: Any, path: list[Any], seen: tuple[str, ...]) -> None:
        if not isinstance(s, dict) or len(path) > 2 * limit:
            return
        ref = s.get("$ref")
        if isinstance(ref, str) and ref in schemas and ref not in seen:
            found.setdefault(ref, [])
            if path not in found[ref]:
                found[ref].append(path)
            walk(schemas[ref], path, seen + (ref,))
        for name, sub in (s.get("properties") or {}).items():
            walk(sub, path + [["p", name]], seen)
        if "items" in s:
            walk(s["items"], path + [["i"]], seen)
        for key in ("allOf", "anyOf", "oneOf", "x-one"):
            for sub in s.get(key) or []:
                walk(sub, path, seen)
        for key in ("then", "else"):
            if key in s:
                walk(s[key], path, seen)

    walk({"$ref": root}, [], ())
    return {k: found[k] for k in sorted(found)}


def _resolve(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _media_schema(document: Any, node: Any, wanted: str = "application/json") -> Any:
    for _ in range(20):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            node = _resolve(document, node["$ref"][1:])
    content = ((node or {}).get("content") or {}) if isinstance(node, dict) else {}
    if wanted not in content:  # a response's JSON media type other than application/json
        wanted = next((m for m in content if isinstance(m, str) and m.endswith("json")), wanted)
    media = content.get(wanted)
    if isinstance(media, dict) and "schema" not in media and wanted != "application/json":
        return {"type": "string"}  # a text or binary body without a schema
    return media.get("schema") if isinstance(media, dict) else None


def _raw_schemas(api: Api) -> dict[str, Any]:
    """Every schema the validators know by name: the components plus inline bodies/responses."""
    doc = api.document or {}
    raw = dict((doc.get("components") or {}).get("schemas") or {})
    for op in api.operations:
        item = (doc.get("paths") or {}).get(op.path) or {}
        spec_op = item.get(op.method) if op.method in METHODS else None
        if not isinstance(spec_op, dict):
            continue
        if op.body_schema and op.body_schema not in raw:
            raw[op.body_schema] = _media_schema(doc, spec_op.get("requestBody"), op.body_media)
        if op.response_schema and op.response_schema not in raw:
            raw[op.response_schema] = _media_schema(doc, (spec_op.get("responses") or {}).get(str(op.success_status)))
    return raw


def _rule_data(api: Api, rule: Rule, norm: Normaliser) -> dict[str, Any]:
    raw = _resolve(api.document, rule.pointer.rsplit("/", 1)[0] if rule.kind == "schema" else rule.pointer)
    if rule.kind == "schema":
        schema = norm.schema({k: v for k, v in raw.items() if k != "x-rule"}, split=False)
    else:
        schema = norm.schema({"x-validations": [raw]}, split=False)
    buildable = not (rule.kind == "cel" and schema["x-cel"][0]["shapes"] is None)
    if rule.at:
        negation = negate(schema)
        if isinstance(negation, dict):
            negation = _focus(negation, True, rule.at)
        elif negation is not False:
            negation = {"allOf": [negation], "x-focus": rule.at}
    else:
        negation = negate(schema, focus=True)
    return {
        "owner": rule.owner,
        "negation": negation if buildable else False,
        "trigger": trigger(schema),
        "subsumed_by": list(rule.subsumed_by),
    }


def context(api: Api) -> dict[str, Any]:
    """The strings ``templates/strategies.py.jinja`` places (Python literals, sorted)."""
    norm = Normaliser(_raw_schemas(api))
    schemas = {}
    for name, raw in sorted(norm.components.items()):
        if raw is not None:
            norm.current = name
            schemas[name] = norm.schema(raw)
    rules = {r.id: _rule_data(api, r, norm) for r in sorted(api.rules, key=lambda r: r.id)}
    paths = {name: instance_paths(schemas, name) for name in sorted(schemas)}
    rules_of = {name: sorted(r for r, d in rules.items() if d["owner"] in p) for name, p in paths.items()}
    operations = {
        op.operation_id: {"body": op.body_schema, "response": op.response_schema}
        for op in sorted(api.operations, key=lambda o: o.operation_id)
    }
    return {
        "schemas_literal": _literal(schemas),
        "rules_literal": _literal(rules),
        "paths_literal": _literal({n: {o: p for o, p in ps.items() if any(d["owner"] == o for d in rules.values())} for n, ps in paths.items()}),
        "rules_of_literal": _literal(rules_of),
        "operations_literal": _literal(operations),
        "rule_ids_literal": _literal(tuple(sorted(rules))),
        "undrawn_literal": _literal(_reachable_undrawn(schemas, norm.undrawn)),
    }


def _refs(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(_refs(x) for x in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = {schema["$ref"]} if isinstance(schema.get("$ref"), str) else set()
    return found.union(*(_refs(v) for k, v in schema.items() if k != "$ref"))


def _reachable_undrawn(schemas: dict[str, Any], own: dict[str, set[str]]) -> dict[str, list[str]]:
    """Schema name -> every undrawn keyword of it or of a schema it references (sorted)."""
    out: dict[str, list[str]] = {}
    for name in schemas:
        seen, todo, found = {name}, [name], set()
        while todo:
            current = todo.pop()
            found |= own.get(current, set())
            for ref in _refs(schemas.get(current)) - seen:
                seen.add(ref)
                todo.append(ref)
        if found:
            out[name] = sorted(found)
    return out


def _literal(value: Any) -> str:
    """Python source of a JSON-like value (True/False/None spelled the Python way)."""
    json.dumps(value)  # fails loudly on anything that is not plain data
    return repr(value)


def _cel_facts(entry: dict) -> dict:
    """``{rule, shapes}`` of one ``x-validations`` entry; with ``cannot_draw`` (why, one line)
    when the strategies cannot draw for its shape."""
    shapes = [sh.as_data() for sh in celshape.recognise(entry["rule"]) or []] or None
    out: dict = {"rule": entry.get("id"), "shapes": shapes}
    if shapes is None:
        out["cannot_draw"] = celshape.why_not(entry["rule"])
    return out
