"""JSON Schema 2020-12 keywords beyond the spec's own, on small specs of our own (see also
test_json_schema_suite.py for the official suite): references to pointers, anchors, ``$id``
and other files; ``unevaluated*``; ``patternProperties``; formats as annotations unless
asserted; ECMA-262 patterns; non-finite floats from Python callers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from genspec.check import check
from genspec.load.errors import SpecErrors
from test_rules import compile_schema, rules_of

ROOT = Path(__file__).resolve().parent.parent


def test_a_pointer_into_a_component_and_an_anchor_resolve(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "type": "object",
        "$defs": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}, "n": {"$anchor": "count", "type": "integer", "minimum": 1}},
        "properties": {"code": {"$ref": "#/components/schemas/T/$defs/code"}, "n": {"$ref": "#count"}},
    })
    assert rules_of(v, {"code": "ABC", "n": 2}) == []
    assert [r for _, r in rules_of(v, {"code": "abc", "n": 0})] == ["T.$defs.code.pattern", "T.$defs.n.minimum"]


def test_a_reference_to_another_file_resolves_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "money.yaml").write_text(yaml.safe_dump({"$defs": {"amount": {"type": "integer", "minimum": 0}}}))
    v = compile_schema(tmp_path, {"type": "object", "properties": {"price": {"$ref": "shared/money.yaml#/$defs/amount"}}})
    assert rules_of(v, {"price": 3}) == []
    assert [p for p, _ in rules_of(v, {"price": -1})] == ["/price"]


def test_a_missing_file_is_one_line_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SpecErrors) as err:
        compile_schema(tmp_path, {"type": "object", "properties": {"a": {"$ref": "nowhere.yaml#/A"}}})
    (line,) = [str(e) for e in err.value.errors]
    assert "does not resolve" in line and "nowhere.yaml" in line and "\n" not in line


def test_recursive_reference_through_defs(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/T/$defs/node"}}}, "additionalProperties": False}},
        "$ref": "#/components/schemas/T/$defs/node",
    })
    assert rules_of(v, {"kids": [{"kids": []}, {}]}) == []
    assert [p for p, _ in rules_of(v, {"kids": [{"kids": [{"x": 1}]}]})] == ["/kids/0/kids/0/x"]


def test_unevaluated_properties_see_through_all_of_and_conditionals(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "type": "object",
        "allOf": [{"properties": {"a": {"type": "string"}}}],
        "if": {"properties": {"kind": {"const": "b"}}, "required": ["kind"]},
        "then": {"properties": {"kind": True, "b": {"type": "integer"}}},
        "else": {"properties": {"kind": True}},
        "unevaluatedProperties": False,
    })
    assert rules_of(v, {"a": "x", "kind": "b", "b": 1}) == []
    assert rules_of(v, {"a": "x", "kind": "c", "b": 1}) == [("/b", "T.unevaluatedProperties.false")]


def test_unevaluated_items_after_prefix_items(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {"type": "array", "prefixItems": [{"type": "string"}], "unevaluatedItems": {"type": "integer"}})
    assert rules_of(v, ["a", 1, 2]) == []
    assert rules_of(v, ["a", 1, "b"]) == [("/2", "T.unevaluatedItems.type")]


def test_pattern_properties_property_names_and_additional_properties(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "type": "object",
        "properties": {"id": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "propertyNames": {"maxLength": 8},
        "additionalProperties": False,
    })
    assert rules_of(v, {"id": "1", "x-a": "b"}) == []
    got = rules_of(v, {"x-a": 1, "other": "o", "x-very-long": "s"})
    assert ("/x-a", "T.^x-.type") in got
    assert ("/other", "T.additionalProperties") in got
    assert ("/x-very-long", "T.propertyNames.maxLength") in got


def test_contains_with_min_and_max(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {"type": "array", "contains": {"const": 1}, "minContains": 2, "maxContains": 3.0})
    assert rules_of(v, [1, 1, 2]) == []
    assert rules_of(v, [1, 2]) == [("", "T.minContains")]
    assert rules_of(v, [1, 1, 1, 1]) == [("", "T.maxContains")]


def test_formats_are_annotations_unless_asserted(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"day": {"type": "string", "format": "date"}, "mail": {"type": "string", "format": "email"}}}
    (tmp_path / "a").mkdir()
    plain = compile_schema(tmp_path / "a", schema, formats=[])
    assert rules_of(plain, {"day": "2020-01-32", "mail": "2962"}) == []
    asserted = compile_schema(tmp_path, schema, formats=["date", "email"])
    assert rules_of(asserted, {"day": "2020-01-32", "mail": "2962"}) == [("/day", "T.day.format"), ("/mail", "T.mail.format")]
    assert rules_of(asserted, {"day": "2020-02-29", "mail": '"john doe"@example.com'}) == []
    assert rules_of(asserted, {"day": "2019-02-29"}) == [("/day", "T.day.format")]


def test_an_unknown_format_to_assert_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SpecErrors) as err:
        compile_schema(tmp_path, {"type": "string"}, formats=["colour"])
    assert any("cannot assert format 'colour'" in str(e) for e in err.value.errors)


def test_patterns_are_ecma_262(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {"type": "object", "properties": {
        "digit": {"type": "string", "pattern": "^\\d$"},
        "word": {"type": "string", "pattern": "^\\w$"},
        "space": {"type": "string", "pattern": "^\\s$"},
        "letter": {"type": "string", "pattern": "^\\p{Letter}+$"},
    }})
    assert rules_of(v, {"digit": "7", "word": "a", "space": "\ufeff", "letter": "ÉtéΩ"}) == []
    got = {p for p, _ in rules_of(v, {"digit": "\u07c0", "word": "é", "space": "x", "letter": "a1"})}
    assert got == {"/digit", "/word", "/space", "/letter"}
    assert [p for p, _ in rules_of(v, {"digit": "7\n"})] == ["/digit"]  # ECMA $ is the very end


def test_lenient_where_2020_12_is(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {"type": "object", "then": {"required": ["a"]}, "properties": {"e": {"enum": []}}, "maxProperties": 2.0, "vendorThing": {"a": 1}})
    assert rules_of(v, {}) == []
    assert rules_of(v, {"e": 1}) == [("/e", "T.e.enum")]
    assert rules_of(v, {"a": 1, "b": 2, "c": 3}) == [("", "T.maxProperties")]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_violations(tmp_path: Path, bad: float) -> None:
    v = compile_schema(tmp_path, {"type": "object", "properties": {"n": {"type": "number"}, "m": {"minimum": 0, "maximum": 1}, "i": {"type": "integer", "multipleOf": 0.5}}})
    assert {p for p, _ in rules_of(v, {"n": bad, "m": bad, "i": bad})} == {"/n", "/m", "/i"}
    assert rules_of(v, {"i": 1e308}) == []


_CLOSED = {"type": "object", "additionalProperties": False, "properties": {"n": {"type": "number"}, "tags": {"type": "array", "items": {"enum": ["a", 1.5]}}}}


@pytest.mark.parametrize(("schema", "pinned"), [
    (_CLOSED, True),
    ({"$ref": "#/components/schemas/Tree"}, True),  # recursion through a container's member
    ({**_CLOSED, "additionalProperties": True}, False),  # an extra member may be anything
    ({"type": "object", "properties": {"n": {"minimum": 0}}, "additionalProperties": False}, False),
    ({"type": "array"}, False),
    ({"allOf": [{"minimum": 1}, {"type": "integer"}]}, True),
    ({"anyOf": [{"type": "string"}, {"minimum": 1}]}, False),
    ({"$ref": "#/components/schemas/Loop"}, False),  # a cycle through no container proves nothing
    ({"const": 1.5}, True),
    ({"enum": [math.inf]}, False),
])
def test_which_schemas_rule_out_non_finite_floats_themselves(schema: Any, pinned: bool) -> None:
    from genspec.schema.finite import pins_finite

    components = {
        "Tree": ({"type": "object", "additionalProperties": False, "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}, ""),
        "Loop": ({"allOf": [{"$ref": "#/components/schemas/Loop"}]}, ""),
    }
    assert pins_finite(schema, components) is pinned


@pytest.mark.parametrize("closed", [True, False])
def test_nan_is_a_violation_whether_or_not_the_fast_path_skips_the_walk(tmp_path: Path, closed: bool) -> None:
    schema = {"type": "object", "additionalProperties": not closed, "properties": {"deep": {"type": "object", "additionalProperties": not closed, "properties": {"n": {"type": "number"}}}}}
    v = compile_schema(tmp_path, schema)
    assert v._SCHEMAS["T"][2] is closed  # the fast path skips the walk for the closed schema
    assert rules_of(v, {"deep": {"n": 1.5}}) == []
    assert ("/deep/n", "json.number") in rules_of(v, {"deep": {"n": math.nan}})
    if not closed:
        assert rules_of(v, {"deep": {"other": [math.inf]}}) == [("/deep/other/0", "json.number")]


def _request_examples() -> list[tuple[str, Any]]:
    spec = yaml.safe_load((ROOT / "spec" / "generations.yaml").read_text())
    out = []
    for item in spec["paths"].values():
        for op in item.values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue  # a path item's own parameters
            content = ((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
            for ex in (content.get("examples") or {}).values():
                out.append((op["operationId"], ex["value"]))
    return out


def _numbers(value: Any, path: str = "") -> list[tuple[str, list]]:
    """(pointer, container path) of every float member in ``value``."""
    found = []
    if isinstance(value, dict):
        for k, x in value.items():
            if type(x) is float:
                found.append(f"{path}/{k}")
            found += _numbers(x, f"{path}/{k}")
    return found


def test_the_real_spec_rejects_nan_from_python_callers() -> None:
    from luma_gen import validate_request

    cases = [(op, body, ptr) for op, body in _request_examples() for ptr in _numbers(body)]
    assert cases, "the spec's request examples have no float to spoil"
    for op, body, ptr in cases:
        spoiled = yaml.safe_load(yaml.safe_dump(body))
        node = spoiled
        *parents, last = ptr.strip("/").split("/")
        for key in parents:
            node = node[key]
        node[last] = math.nan
        assert validate_request(op, body) == []
        assert ptr in [v.path for v in validate_request(op, spoiled)], (op, ptr)


def test_check_runs_on_a_spec_split_across_files(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "tests" / "specs" / "bookshop.yaml").read_text())
    spec["components"]["schemas"]["Extra"] = {"$ref": "parts.yaml#/$defs/extra"}
    (tmp_path / "parts.yaml").write_text(yaml.safe_dump({"$defs": {"extra": {"type": "object", "properties": {"n": {"type": "integer"}}}}}))
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    checked = check.run(tmp_path / "spec.yaml")
    assert checked.validators.validate_schema("Extra", {"n": 1}) == []
    assert [v.path for v in checked.validators.validate_schema("Extra", {"n": "x"})] == ["/n"]


def test_strategies_name_the_keywords_they_cannot_draw_for(tmp_path: Path) -> None:
    from genhelp import generate, import_package, submodule
    from hypothesis import given, settings

    spec = {
        "openapi": "3.1.0",
        "info": {"title": "k", "version": "1", "x-genspec": {"package": "k_gen"}},
        "paths": {"/loose": {"post": {
            "operationId": "postLoose",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Loose"}}}},
            "responses": {"204": {"description": "done"}},
        }}},
        "components": {"schemas": {
            "Loose": {"type": "object", "properties": {"a": {"type": "integer"}}, "propertyNames": {"maxLength": 64}},
            "Needle": {"type": "array", "minItems": 1, "contains": {"const": "needle-0x7f3a"}},
        }},
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    package = generate(tmp_path / "spec.yaml", tmp_path / "out")
    strat = submodule(import_package(tmp_path / "out" / package), "strategies")
    assert strat.UNDRAWN == {"Loose": ["propertyNames"], "Needle": ["contains"]}

    @settings(max_examples=10, database=None)
    @given(strat.valid_schema("Loose"))
    def loose(value: Any) -> None:
        assert isinstance(value, dict)

    loose()

    @settings(max_examples=5, database=None)
    @given(strat.valid_schema("Needle"))
    def needle(value: Any) -> None:
        pass

    with pytest.raises(strat.UndrawableError, match="cannot draw valid values of Needle: the strategies do not draw for contains"):
        needle()


def test_a_problem_in_another_file_is_reported_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parts.yaml").write_text("$defs:\n  extra:\n    type: object\n    properties:\n      n: {type: integer, maxLenght: 3}\n")
    with pytest.raises(SpecErrors) as err:
        compile_schema(tmp_path, {"$ref": "parts.yaml#/$defs/extra"})
    (line,) = [str(e) for e in err.value.errors]
    assert line.startswith("parts.yaml:5: unknown schema keyword 'maxLenght'"), line


def test_diff_tells_apart_changes_behind_defs_pointers_and_pattern_properties(tmp_path: Path) -> None:
    from genspec.evolve import diff

    def spec(maximum: int, extra_type: str) -> Path:
        doc = yaml.safe_load((ROOT / "tests" / "specs" / "bookshop.yaml").read_text())
        schemas = doc["components"]["schemas"]
        schemas["Extra"] = {
            "type": "object",
            "$defs": {"n": {"type": "integer", "maximum": maximum}},
            "properties": {"n": {"$ref": "#/components/schemas/Extra/$defs/n"}},
            "patternProperties": {"^x-": {"type": extra_type}},
        }
        schemas["OrderRequest"].setdefault("properties", {})["extra"] = {"$ref": "#/components/schemas/Extra"}
        path = tmp_path / f"{maximum}-{extra_type}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    report = diff.run(str(spec(5, "string")), str(spec(3, "integer")))
    found = {(c.severity, c.pointer.rsplit(" ", 1)[-1]) for c in report.changes}
    assert ("breaking", "/extra/n") in found
    assert any(p.startswith("/extra/x-") for _, p in found), found
