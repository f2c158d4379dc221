"""Pydantic models of the plain schema part, written by datamodel-code-generator.

Rules (subschemas carrying ``x-rule`` and ``x-validations`` lists) are stripped first: the
generated validators enforce them, and datamodel-code-generator would drop or mistranslate
them. Request objects keep ``additionalProperties: false`` (``extra="forbid"``); objects that
leave it open get ``extra="allow"`` so a field the server adds later is kept, not lost.

A field says ``| None`` exactly where its schema allows ``null`` (issue 11). An optional field
the message may leave out is ``X | MISSING = MISSING`` (pydantic's sentinel for "not given",
datamodel-code-generator's ``use_missing_sentinel``): absent stays absent (``model_dump``
leaves it out) and ``null`` is refused where the schema does not allow it. A field with a
default (its own, or that of the schema it refers to) takes the default when absent
(``strict_nullable``: a default is no licence for ``null``).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from genspec.load.errors import SpecError, SpecErrors

_SCHEMAS = "#/components/schemas/"


def strip_rules(node: Any) -> Any:
    """A copy of ``node`` without rule subschemas, ``x-validations``, ``x-rule`` examples or
    string formats (the validators assert formats; the models keep strings as given)."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("x-validations", "x-rule", "x-genspec"):
                continue
            if key == "allOf" and isinstance(value, list):
                value = [v for v in value if not (isinstance(v, dict) and "x-rule" in v)]
                if not value:
                    continue
            if key in ("if", "then", "else", "not", "dependentRequired", "dependentSchemas"):
                continue
            if key == "format" and _is_string(node.get("type")):
                continue  # strings stay str (no URL normalising, no UUID objects); validators check formats
            out[key] = strip_rules(value)
        return out
    if isinstance(node, list):
        return [strip_rules(v) for v in node]
    return node


def _is_string(type_: Any) -> bool:
    """Whether a ``type`` is string, alone or in a list (``[string, 'null']``)."""
    return type_ == "string" or (isinstance(type_, list) and "string" in type_)


def inherit_ref_defaults(node: Any, schemas: dict[str, Any]) -> Any:
    """A copy of ``node`` where a property that is a ``$ref`` (to ``#/components/schemas/``)
    without a default of its own carries the default of the schema it refers to.

    datamodel-code-generator gives such a field the referred default but also ``| None`` (it
    reads the default of the property only); with the default on the property it writes the
    field's type exactly (``| None`` only when the referred schema allows null).
    """
    if isinstance(node, dict):
        out = {k: inherit_ref_defaults(v, schemas) for k, v in node.items()}
        props = out.get("properties")
        if isinstance(props, dict):
            out["properties"] = {k: _with_ref_default(v, schemas) for k, v in props.items()}
        return out
    if isinstance(node, list):
        return [inherit_ref_defaults(v, schemas) for v in node]
    return node


def _with_ref_default(prop: Any, schemas: dict[str, Any]) -> Any:
    if not isinstance(prop, dict) or "default" in prop:
        return prop
    target, seen = prop, set()
    while isinstance(target, dict) and isinstance(target.get("$ref"), str) and "default" not in target:
        ref = target["$ref"]
        if not ref.startswith(_SCHEMAS) or ref in seen:
            return prop
        seen.add(ref)
        target = schemas.get(ref[len(_SCHEMAS):])
    if target is prop or not isinstance(target, dict) or "default" not in target:
        return prop
    return {**prop, "default": target["default"]}


def drop_write_only(node: Any) -> Any:
    """A copy of ``node`` without ``writeOnly`` properties (nor their ``required`` entries):
    the models read responses, which never carry them."""
    if isinstance(node, dict):
        out = {k: drop_write_only(v) for k, v in node.items()}
        props = out.get("properties")
        if isinstance(props, dict):
            gone = {k for k, v in props.items() if isinstance(v, dict) and v.get("writeOnly") is True}
            if gone:
                out["properties"] = {k: v for k, v in props.items() if k not in gone}
                if isinstance(out.get("required"), list):
                    out["required"] = [r for r in out["required"] if r not in gone]
                    if not out["required"]:
                        del out["required"]
        return out
    if isinstance(node, list):
        return [drop_write_only(v) for v in node]
    return node


def _open_objects(node: Any) -> Any:
    """Mark every object schema that does not close itself as open (``extra="allow"``)."""
    if isinstance(node, dict):
        out = {k: _open_objects(v) for k, v in node.items()}
        if out.get("type") == "object" and "additionalProperties" not in out:
            out["additionalProperties"] = True
        return out
    if isinstance(node, list):
        return [_open_objects(v) for v in node]
    return node


def generate_models(document: dict, spec_file: str) -> str:
    """Python source of the pydantic v2 models for ``document`` (no header, not formatted).

    Raises :class:`SpecErrors` when datamodel-code-generator cannot read the schemas.
    """
    from datamodel_code_generator import DataModelType, InputFileType, generate

    components = document.get("components") if isinstance(document.get("components"), dict) else {}
    if not components.get("schemas"):
        # datamodel-code-generator refuses a document without schemas ("Models not found")
        return "from __future__ import annotations\n"
    plain = _open_objects(drop_write_only(strip_rules(document)))
    plain = inherit_ref_defaults(plain, plain["components"]["schemas"])
    plain.pop("paths", None)
    plain["paths"] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = generate(
                json.dumps(plain, sort_keys=False),
                input_file_type=InputFileType.OpenAPI,
                output_model_type=DataModelType.PydanticV2BaseModel,
                disable_timestamp=True,
                use_schema_description=True,
                use_field_description=True,
                enum_field_as_literal="all",
                use_double_quotes=True,
                use_annotated=True,
                field_constraints=True,
                target_python_version="3.11",
                custom_file_header="#",
                formatters=[],
                collapse_root_models=True,
                use_title_as_name=True,
                strict_nullable=True,
                use_missing_sentinel=True,
                target_pydantic_version="2.14",  # pydantic.MISSING (2.12's experimental sentinel, public since 2.14)
            )
    except Exception as exc:  # the library raises many kinds for a schema it cannot read
        line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecErrors([SpecError(spec_file, 0, f"datamodel-code-generator cannot build models: {line}", "check the schemas under components/schemas")]) from None
    if not isinstance(code, str):
        raise SpecErrors([SpecError(spec_file, 0, "datamodel-code-generator returned several modules", "keep every schema in one spec file")])
    return code.lstrip("#").lstrip("\n")
