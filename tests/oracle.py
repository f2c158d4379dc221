"""An independent reference validator: the ``jsonschema`` library (Draft 2020-12) on the
spec's schemas, plus cel-python's evaluator for the ``x-validations`` CEL rules.

It shares no code with genspec's compiler, so a verdict the two disagree on is a bug in one
of them. Formats asserted: uuid and uri, with the definitions genspec documents.
"""

from __future__ import annotations

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


def _to_cel(value: Any) -> Any:
    return celpy.json_to_cel(value)


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

        A rule whose evaluation errors (missing field, wrong type) reports nothing, as in
        genspec: the schema keywords report the cause.
        """
        failures: list[str] = []
        self._walk_cel(self.document["components"]["schemas"][name], instance, failures, 0)
        return failures

    def _walk_cel(self, schema: Any, instance: Any, failures: list[str], depth: int) -> None:
        if depth > 40 or not isinstance(schema, dict):
            return
        if "$ref" in schema:
            target = schema["$ref"].rsplit("/", 1)[-1]
            self._walk_cel(self.document["components"]["schemas"][target], instance, failures, depth + 1)
        if isinstance(instance, dict):
            for entry in schema.get("x-validations") or []:
                try:
                    result = self._program(entry["rule"]).evaluate({"self": _to_cel(instance)})
                except Exception:
                    continue
                if isinstance(result, celpy.celtypes.BoolType) and not bool(result):
                    failures.append(entry["id"])
            for prop, sub in (schema.get("properties") or {}).items():
                if prop in instance:
                    self._walk_cel(sub, instance[prop], failures, depth + 1)
        if isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for item in instance:
                self._walk_cel(schema["items"], item, failures, depth + 1)

    def is_valid(self, name: str, instance: Any) -> bool:
        """The reference verdict: no JSON Schema error and no broken CEL rule."""
        return not self.schema_errors(name, instance) and not self.cel_failures(name, instance)
