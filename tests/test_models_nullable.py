"""The pydantic models say ``| None`` exactly where the spec allows ``null`` (issue 11), on the
real spec (the committed ``luma_gen.models``) and on every unrelated spec under tests/specs/.

The expectation comes from the spec, field by field: whether ``null`` satisfies the property's
schema is asked of jsonschema (an independent validator, ``$ref``s resolved in the document);
whether the field is required, and its default, from ``required`` and ``default``. A field the
message may leave out is ``X | MISSING`` (pydantic's "not given"), so ``None`` is refused where
the schema does not allow it and absent stays absent.
"""

from __future__ import annotations

import sys
import time
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import httpx
import pytest
from genhelp import ROOT
from genspec.check import check
from genspec.load import loader
from jsonschema import Draft202012Validator
from pydantic import MISSING, BaseModel, RootModel, TypeAdapter, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPECS = ROOT / "tests" / "specs"
UNRELATED = ("bookshop", "workshop", "kennel30", "noticeboard")
_SCHEMAS = "#/components/schemas/"
_BASE = "urn:genspec-test:spec"


def _admits_none(tp: Any) -> bool:
    """Whether the type expression ``tp`` lets None through (None, Any, a union or Literal
    holding it, a root model whose root does)."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _admits_none(get_args(tp)[0])
    if tp is type(None) or tp is None or tp is Any:
        return True
    if origin in (Union, types.UnionType):
        return any(_admits_none(a) for a in get_args(tp))
    if origin is Literal:
        return None in get_args(tp)
    if isinstance(tp, type) and issubclass(tp, RootModel):
        return _admits_none(tp.model_fields["root"].annotation)
    return False


def _classes(tp: Any) -> list[type[BaseModel]]:
    """The object models (not root models) named in ``tp``, in order."""
    if isinstance(tp, type) and issubclass(tp, BaseModel) and not issubclass(tp, RootModel):
        return [tp]
    return [c for a in get_args(tp) for c in _classes(a)]


def _inline_objects(schema: Any) -> list[dict]:
    """The inline object schemas (with properties) a property's schema holds, in order; the
    component schemas it refers to are checked on their own."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return []
    if isinstance(schema.get("properties"), dict):
        return [schema]
    found: list[dict] = []
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            found += _inline_objects(branch)
    for key in ("items", "additionalProperties"):
        found += _inline_objects(schema.get(key))
    return found


def _referred_default(schema: Any, schemas: dict) -> Any:
    """The default of a property: its own, else that of the component a bare ``$ref`` chain
    leads to, else MISSING."""
    seen: set[str] = set()
    while isinstance(schema, dict):
        if "default" in schema:
            return schema["default"]
        ref = schema.get("$ref")
        if not (isinstance(ref, str) and ref.startswith(_SCHEMAS)) or ref in seen:
            break
        seen.add(ref)
        schema = schemas.get(ref[len(_SCHEMAS):])
    return MISSING


class Audit:
    """Walks a spec's object schemas beside their model classes and records every field whose
    annotation, required state or default disagrees with the spec."""

    def __init__(self, data: dict, module: Any):
        self.data = data
        self.module = module
        self.schemas: dict = data["components"]["schemas"]
        registry = Registry().with_resource(_BASE, Resource.from_contents(data, default_specification=DRAFT202012))
        self.registry = registry
        self.problems: list[str] = []
        self.counts = {"nullable": 0, "not nullable": 0, "optional not nullable": 0}
        self.components = {}
        for name, schema in self.schemas.items():
            if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
                cls_name = schema.get("title") if isinstance(schema.get("title"), str) else name
                cls = getattr(module, cls_name, None)
                if cls is None:
                    self.problems.append(f"{name}: no model class {cls_name}")
                else:
                    self.components[name] = cls

    def null_ok(self, pointer: str) -> bool:
        """Whether ``null`` satisfies the schema at ``pointer`` (the spec's verdict)."""
        return Draft202012Validator({"$ref": f"{_BASE}#{pointer}"}, registry=self.registry).is_valid(None)

    def run(self) -> Audit:
        for name, cls in self.components.items():
            self.object(cls, self.schemas[name], f"/components/schemas/{name}", set())
        return self

    def object(self, cls: type[BaseModel], schema: dict, pointer: str, seen: set[str]) -> None:
        if pointer in seen:
            return
        seen.add(pointer)
        by_key = {(f.alias or n): f for n, f in cls.model_fields.items()}
        required = set(schema.get("required") or [])
        for key, prop in schema["properties"].items():
            where = f"{cls.__name__}.{key}"
            ptr = f"{pointer}/properties/{loader.escape_pointer(key)}"
            field = by_key.get(key)
            if isinstance(prop, dict) and prop.get("writeOnly") is True:
                if field is not None:
                    self.problems.append(f"{where}: writeOnly, yet a field of the model that reads responses")
                continue
            if field is None:
                self.problems.append(f"{where}: no field")
                continue
            nullable = self.null_ok(ptr)
            self.counts["nullable" if nullable else "not nullable"] += 1
            if _admits_none(field.annotation) != nullable:
                self.problems.append(f"{where}: annotation {field.annotation} but the spec {'allows' if nullable else 'refuses'} null")
            try:
                TypeAdapter(field.rebuild_annotation()).validate_python(None)
                takes_none = True
            except ValidationError:
                takes_none = False
            if takes_none != nullable:
                self.problems.append(f"{where}: the model {'takes' if takes_none else 'refuses'} None, the spec {'allows' if nullable else 'refuses'} null")
            if field.is_required() != (key in required):
                self.problems.append(f"{where}: required is {field.is_required()}, the spec says {key in required}")
            elif key not in required:
                self.counts["optional not nullable"] += not nullable
                want = _referred_default(prop, self.schemas)
                got = field.get_default(call_default_factory=True)
                if want is MISSING and got is not MISSING:
                    self.problems.append(f"{where}: absent reads as {got!r}, not MISSING (the spec gives no default)")
                elif want is not MISSING and got != want:
                    self.problems.append(f"{where}: default {got!r}, the spec's is {want!r}")
            inline = _inline_objects(prop)
            classes = [c for c in _classes(field.annotation) if c not in self.components.values()]
            if len(inline) != len(classes):
                self.problems.append(f"{where}: {len(inline)} inline object schemas but model classes {classes}")
                continue
            for sub_cls, sub in zip(classes, inline):
                self.object(sub_cls, sub, _pointer_of(prop, sub, ptr), seen)


def _pointer_of(root: Any, target: dict, pointer: str) -> str:
    """The JSON Pointer of ``target`` inside ``root`` (at ``pointer``)."""
    if root is target:
        return pointer
    items = root.items() if isinstance(root, dict) else enumerate(root) if isinstance(root, list) else ()
    for key, value in items:
        found = _pointer_of(value, target, f"{pointer}/{loader.escape_pointer(str(key))}")
        if found:
            return found
    return ""


def _models_of(spec: str) -> tuple[dict, Any]:
    checked = check.run(SPECS / f"{spec}.yaml", package=True)
    assert checked.files is not None
    code = checked.files[f"{checked.api.package}/models.py"]
    module = types.ModuleType(f"_models_{spec}")
    sys.modules[module.__name__] = module  # pydantic resolves the annotations in the module
    exec(compile(code, f"{spec}/models.py", "exec"), module.__dict__)  # noqa: S102 - our own rendered file
    return checked.doc.data, module


def test_the_real_models_say_none_exactly_where_the_spec_allows_null() -> None:
    from luma_gen import models

    audit = Audit(loader.load(ROOT / "spec" / "generations.yaml").data, models).run()
    assert audit.problems == []
    # both kinds are there, so the test can fail either way
    assert audit.counts["nullable"] >= 10 and audit.counts["optional not nullable"] >= 5, audit.counts


@pytest.mark.parametrize("spec", UNRELATED)
def test_unrelated_models_say_none_exactly_where_the_spec_allows_null(spec: str) -> None:
    data, module = _models_of(spec)
    audit = Audit(data, module).run()
    assert audit.problems == []
    assert sum(audit.counts.values()) > 0


def test_the_unrelated_specs_have_both_kinds_of_optional_field() -> None:
    counts = {"nullable": 0, "optional not nullable": 0}
    for spec in ("kennel30", "noticeboard"):
        audit = Audit(*_models_of(spec)).run()
        for key in counts:
            counts[key] += audit.counts[key]
    assert counts["nullable"] >= 3 and counts["optional not nullable"] >= 3, counts


#: defaults and nulls every way a schema can give them (a spec of our own, not this API)
DEFAULTS_SPEC = """
openapi: 3.1.0
info: {title: Greenhouse, version: 1.0.0, x-genspec: {package: greenhouse_gen}}
servers: [{url: 'https://greenhouse.example.com'}]
paths:
  /beds:
    post:
      operationId: plantBed
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Bed'}}}
      responses:
        '201':
          description: planted
          content: {application/json: {schema: {$ref: '#/components/schemas/Bed'}}}
components:
  schemas:
    Soil: {type: string, enum: [loam, clay], default: loam}
    MaybeSoil: {type: [string, 'null'], enum: [loam, clay, null], default: clay}
    Bed:
      type: object
      required: [name, note]
      properties:
        name: {type: string}
        note: {type: [string, 'null']}
        soil: {$ref: '#/components/schemas/Soil'}
        subsoil: {$ref: '#/components/schemas/MaybeSoil'}
        topsoil: {anyOf: [{$ref: '#/components/schemas/Soil'}, {type: 'null'}]}
        rows: {type: integer, default: 4}
        width: {type: [number, 'null'], default: 1.5}
        secret: {type: string, writeOnly: true}
        anything: {}
        cover:
          type: [object, 'null']
          properties:
            kind: {type: string}
            until: {type: [string, 'null'], format: date}
"""


def test_defaults_and_nulls_every_way(tmp_path) -> None:
    """A ``$ref`` to a schema with a default takes that default without ``| None`` (unless the
    referred schema allows null); an own default is no licence for null either."""
    spec = tmp_path / "greenhouse.yaml"
    spec.write_text(DEFAULTS_SPEC)
    checked = check.run(spec, package=True)
    assert checked.files is not None
    module = types.ModuleType("_models_greenhouse")
    sys.modules[module.__name__] = module
    exec(compile(checked.files["greenhouse_gen/models.py"], "greenhouse/models.py", "exec"), module.__dict__)  # noqa: S102
    audit = Audit(checked.doc.data, module).run()
    assert audit.problems == []
    fields = module.Bed.model_fields
    assert fields["soil"].default == "loam" and fields["subsoil"].default == "clay" and fields["rows"].default == 4
    assert module.Bed(name="n", note=None).soil == "loam"
    with pytest.raises(ValidationError):
        module.Bed(name="n", note=None, soil=None)


def test_the_audit_sees_a_field_that_says_none_where_the_spec_refuses_null() -> None:
    """The audit itself can fail: the models of before issue 11 (``X | None = None`` on every
    optional field) are caught, field by field."""
    code = "from __future__ import annotations\nfrom pydantic import BaseModel\n\nclass Pet(BaseModel):\n    name: str\n    tag: str | None = None\n    age: int | None = None\n"
    module = types.ModuleType("_old_models")
    sys.modules[module.__name__] = module
    exec(code, module.__dict__)  # noqa: S102
    data = {"openapi": "3.1.0", "components": {"schemas": {"Pet": {
        "type": "object", "required": ["name"],
        "properties": {"name": {"type": "string"}, "tag": {"type": "string"}, "age": {"type": ["integer", "null"]}},
    }}}}
    problems = Audit(data, module).run().problems
    assert [p.split(":")[0] for p in problems] == ["Pet.tag", "Pet.tag", "Pet.tag", "Pet.age"]


def _absent(value: Any, where: str) -> list[str]:
    """Where a parsed message reads MISSING (a field the server left out), recursively."""
    if isinstance(value, BaseModel):
        found = []
        for name in type(value).model_fields:
            item = getattr(value, name)
            found += [f"{where}.{name}"] if item is MISSING else _absent(item, f"{where}.{name}")
        return found
    if isinstance(value, list):
        return [w for i, item in enumerate(value) for w in _absent(item, f"{where}[{i}]")]
    return []


def test_emulator_responses_parse_and_absent_fields_stay_absent(emulator_url: str, emulator_token: str) -> None:
    """What the emulator sends parses, nulls as None and left-out fields as MISSING (an image
    output has no ``layer``, an error no ``violations``), and dumps back exactly as sent."""
    from luma_gen import models

    headers = {"Authorization": f"Bearer {emulator_token}"}
    with httpx.Client(base_url=emulator_url, headers=headers, timeout=10) as http:
        created = http.post("/generations", json={"prompt": "a lighthouse at dusk"})
        assert created.status_code == 201, created.text
        answers: list[tuple[type[BaseModel], Any]] = [(models.Generation, created.json())]
        for _ in range(200):  # the emulator's clock completes a job 0.2 s after creation
            got = http.get(f"/generations/{created.json()['id']}").json()
            if got["state"] == "completed":
                break
            time.sleep(0.05)
        answers.append((models.Generation, got))
        answers.append((models.Error, http.post("/generations", json={"prompt": ""}).json()))
        answers.append((models.Error, http.get("/generations/00000000-0000-4000-8000-000000000000").json()))
        answers.append((models.FileList, http.get("/files").json()))
        upload = http.post("/files", json={"purpose": "input", "mime_type": "image/png", "size_bytes": 10})
        answers.append((models.CreateFileResponse, upload.json()))
    assert got["state"] == "completed"
    absent: list[str] = []
    for model, raw in answers:
        parsed = model.model_validate(raw)
        assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == raw
        absent += _absent(parsed, model.__name__)
    assert "Generation.output[0].layer" in absent, absent
