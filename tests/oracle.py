"""An independent reference validator: the ``jsonschema`` library (Draft 2020-12) on the
spec's schemas, plus cel-python's evaluator for the ``x-validations`` CEL rules.

It shares no code with genspec's compiler, so a verdict the two disagree on is a bug in one
of them. Formats asserted: uuid and uri, with the definitions genspec documents.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]*")


def _formats() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(lambda s: not isinstance(s, str) or _UUID.fullmatch(s) is not None)
    checker.checks("uri")(lambda s: not isinstance(s, str) or _URI.fullmatch(s) is not None)
    return checker


def _resolve(document: Any, ref: str) -> Any:
    node = document
    for token in ref.lstrip("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


_INT64 = (-(2**63), 2**63 - 1)


def _cel_json(value: Any) -> Any:
    """JSON -> what celpy converts without overflow: an integer outside int64 becomes a double
    (CEL reads JSON numbers as doubles anyway; celpy raises on such integers)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        if _INT64[0] <= value <= _INT64[1]:
            return value
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, list):
        return [_cel_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _cel_json(v) for k, v in value.items()}
    return value


def _to_cel(value: Any) -> Any:
    return celpy.json_to_cel(_cel_json(value))


class Oracle:
    """Verdicts for instances of the spec's component schemas."""

    def __init__(self, spec_path: str | Path):
        self.document = yaml.safe_load(Path(spec_path).read_text())
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:spec", resource)
        self.env = celpy.Environment()
        self._programs: dict[str, Any] = {}
        self._validators: dict[str, Any] = {}

    def _validator(self, name: str) -> Any:
        if name not in self._validators:
            schema = {"$ref": f"urn:spec#/components/schemas/{name}"}
            self._validators[name] = jsonschema.Draft202012Validator(
                schema, registry=self.registry, format_checker=_formats()
            )
        return self._validators[name]

    def _program(self, rule: str) -> Any:
        if rule not in self._programs:
            self._programs[rule] = self.env.program(self.env.compile(rule))
        return self._programs[rule]

    def schema_errors(self, name: str, instance: Any) -> list[str]:
        """Messages of every JSON Schema error (jsonschema library)."""
        return [e.message for e in self._validator(name).iter_errors(instance)]

    def cel_failures(self, name: str, instance: Any) -> list[str]:
        """Ids of the CEL rules of schema ``name`` (and nested schemas) that ``instance`` breaks.

        A rule whose evaluation errors (division by zero, wrong type) is broken, as in
        Kubernetes and genspec, unless the instance breaks a schema keyword (which explains
        the error; Kubernetes then skips the rules).
        """
        failures: list[str] = []
        erred: list[str] = []
        self._walk_cel(self.document["components"]["schemas"][name], instance, failures, 0, erred)
        if erred and not self.schema_errors(name, instance):
            failures.extend(erred)
        return failures

    def _walk_cel(self, schema: Any, instance: Any, failures: list[str], depth: int, erred: list[str]) -> None:
        if depth > 40 or not isinstance(schema, dict):
            return
        if "$ref" in schema:
            target = schema["$ref"].rsplit("/", 1)[-1]
            self._walk_cel(self.document["components"]["schemas"][target], instance, failures, depth + 1, erred)
        if isinstance(instance, dict):
            for entry in schema.get("x-validations") or []:
                try:
                    result = self._program(entry["rule"]).evaluate({"self": _to_cel(instance)})
                except Exception:
                    erred.append(entry["id"])
                    continue
                if not isinstance(result, celpy.celtypes.BoolType):
                    erred.append(entry["id"])
                elif not bool(result):
                    failures.append(entry["id"])
            for prop, sub in (schema.get("properties") or {}).items():
                if prop in instance:
                    self._walk_cel(sub, instance[prop], failures, depth + 1, erred)
        for sub in schema.get("anyOf") or []:  # e.g. a nullable X: anyOf [X, {type: 'null'}]
            self._walk_cel(sub, instance, failures, depth + 1, erred)
        if isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for item in instance:
                self._walk_cel(schema["items"], item, failures, depth + 1, erred)

    def _rule_on_path(self, name: str, path: list) -> str | None:
        """The id of the innermost ``x-rule`` subschema on a jsonschema error's schema path
        (which steps through ``$ref`` without naming it)."""
        node: Any = {"$ref": f"#/components/schemas/{name}"}
        found = None
        for token in path:
            while isinstance(node, dict) and token not in node and isinstance(node.get("$ref"), str):
                node = _resolve(self.document, node["$ref"])
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and isinstance(token, int) and token < len(node):
                node = node[token]
            else:
                break
            if isinstance(node, dict) and isinstance(node.get("x-rule"), dict):
                found = node["x-rule"].get("id")
        return found

    def broken_rules(self, name: str, instance: Any) -> set[str]:
        """Ids of the spec's rules ``instance`` breaks: ``x-rule`` subschemas holding a
        jsonschema error, and failing ``x-validations`` (CEL) rules."""
        out = set(self.cel_failures(name, instance))

        def leaves(error: Any) -> Any:
            # an anyOf error (a nullable X that is neither X nor null) holds X's errors
            if error.validator == "anyOf" and error.context:
                for sub in error.context:
                    yield from leaves(sub)
            else:
                yield error

        for top in self._validator(name).iter_errors(instance):
            for error in leaves(top):
                rule = self._rule_on_path(name, list(error.absolute_schema_path))
                if rule is not None:
                    out.add(rule)
        return out

    def is_valid(self, name: str, instance: Any) -> bool:
        """The reference verdict: no JSON Schema error and no broken CEL rule."""
        return not self.schema_errors(name, instance) and not self.cel_failures(name, instance)
