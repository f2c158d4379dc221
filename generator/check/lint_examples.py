"""``examples``, ``example`` and ``default`` values checked against their schema (an invalid
``default`` is a warning: JSON Schema 2020-12 makes it an annotation).

Runs once the validators are built (``genspec check``'s last stage). A schema that is a
component, or a bare ``$ref`` to one, is judged by the compiled validators (every rule and CEL
expression included); any other by the ``jsonschema`` library over the whole document, formats
asserted where it knows them.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Iterator
from urllib.parse import quote

from genspec.check.lint import Lint, show
from genspec.load.errors import Reporter
from genspec.load.loader import Document, escape_pointer, unescape_pointer


def examples(doc: Document, reporter: Reporter, validators: ModuleType) -> None:
    """``examples``/``example``/``default`` of schemas, and ``example``/``examples`` of
    parameters, request bodies and responses, checked against their schema.

    A schema that is a component (or a bare ``$ref`` to one) is judged by the compiled
    ``validators`` (every rule included); any other by the ``jsonschema`` library over the
    whole document. Request body ``examples`` are checked by ``genspec check`` already.
    A rejected example is an error; a rejected ``default`` a warning (``Reporter.warn``).
    """
    lint = Lint(doc, reporter)
    oracle = _Oracle(doc, lint, validators)
    for node, ptr in lint.schemas():
        values: list[tuple[str, str, Any]] = []
        if isinstance(node.get("examples"), list):
            values += [(f"{ptr}/examples/{i}", "example", v) for i, v in enumerate(node["examples"])]
        values += [(f"{ptr}/{k}", k, node[k]) for k in ("example", "default") if k in node]
        for vptr, kind, value in values:
            problem = oracle.problem(node, ptr, value)
            if problem and kind == "default":
                # JSON Schema 2020-12 makes ``default`` an annotation: nothing applies it, so a
                # default its schema rejects misleads readers but breaks nothing generated
                reporter.warn(vptr, f"default {show(value)} is rejected by its schema: {problem}", "fix the default or the schema; it is an annotation (JSON Schema 2020-12): genspec goes on, and the models leave it out")
            elif problem:
                reporter.add(vptr, f"{kind} {show(value)} is rejected by its schema: {problem}", f"fix the {kind} or the schema")
    for holder, hptr in _example_holders(doc):
        schema, sptr = holder["schema"], hptr + "/schema"
        values = [(hptr + "/example", "example", holder["example"])] if "example" in holder else []
        ex = holder.get("examples")
        body = "/requestBody/" in hptr + "/"
        if isinstance(ex, dict) and not body:
            values += [(f"{hptr}/examples/{escape_pointer(str(k))}", f"example '{k}'", v["value"]) for k, v in ex.items() if isinstance(v, dict) and "value" in v]
        for vptr, kind, value in values:
            problem = oracle.problem(schema, sptr, value)
            if problem:
                reporter.add(vptr, f"{kind} {show(value)} is rejected by its schema: {problem}", f"fix the {kind} or the schema")


def _example_holders(doc: Document) -> Iterator[tuple[dict, str]]:
    """Parameters, headers and media types (objects with ``schema`` and examples)."""
    stack: list[tuple[Any, str]] = [(doc.data.get("paths"), "/paths"), (doc.data.get("components"), "/components")]
    while stack:
        node, ptr = stack.pop()
        if isinstance(node, list):
            stack += [(v, f"{ptr}/{i}") for i, v in enumerate(node)]
        elif isinstance(node, dict):
            if "schema" in node and ("example" in node or "examples" in node):
                yield node, ptr
            for key, value in node.items():
                if key not in ("schema", "schemas", "example", "examples") and not str(key).startswith("x-"):
                    stack.append((value, f"{ptr}/{escape_pointer(str(key))}"))


class _Oracle:
    """Judges a value against a schema of the document (see :func:`examples`)."""

    def __init__(self, doc: Document, lint: Lint, validators: ModuleType):
        self.doc, self.lint, self.validators = doc, lint, validators
        self._registry: Any = None

    def problem(self, schema: Any, ptr: str, value: Any) -> str | None:
        name = None
        prefix = "/components/schemas/"
        if ptr.startswith(prefix) and "/" not in ptr[len(prefix):]:
            name = unescape_pointer(ptr[len(prefix):])
        elif isinstance(schema, dict) and set(schema) <= {"$ref", "description", "summary"}:
            found = self.lint.target(schema.get("$ref"))
            name = found[2] if found else None
        if name is not None:
            try:
                found_v = self.validators.validate_schema(name, value)
            except KeyError:
                found_v = None
            if found_v is not None:
                return f"{found_v[0].path or '/'}: {found_v[0].message} [{found_v[0].rule}]" if found_v else None
        return self._jsonschema(ptr, value)

    def _jsonschema(self, ptr: str, value: Any) -> str | None:
        try:
            from jsonschema import Draft202012Validator
            from jsonschema.exceptions import best_match
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            if self._registry is None:
                self._registry = Registry().with_resource("urn:genspec:spec", Resource(contents=self.doc.data, specification=DRAFT202012))
            checker = Draft202012Validator({"$ref": "urn:genspec:spec#" + quote(ptr, safe="/~")}, registry=self._registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
            error = best_match(checker.iter_errors(value))
        except Exception:  # noqa: BLE001 - an oracle that cannot judge says nothing
            return None
        if error is None:
            return None
        where = "".join("/" + escape_pointer(str(p)) for p in error.absolute_path) or "/"
        return f"{where}: {error.message if len(error.message) <= 120 else error.message[:117] + '...'}"
