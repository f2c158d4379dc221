"""Rule compilation: small inline specs, compiled in memory, judged on instances.

Also the valid/invalid twin of every rule of the real spec (its examples) and the oracle's
agreement on them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from genspec.check import check
from genspec.load.errors import SpecErrors
from luma_gen import validate_request, validate_schema
from luma_gen.rules import RULES
from oracle import Oracle

ROOT = Path(__file__).resolve().parent.parent


def compile_schema(tmp_path: Path, schema: dict, extra: dict | None = None, formats: list[str] | None = None) -> Any:
    """Validators of a one-schema spec whose schema is ``T`` (asserting ``formats``, by
    default the five the real spec asserts)."""
    asserted = ["uuid", "uri", "date", "date-time", "email"] if formats is None else formats
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "x-genspec": {"package": "t_gen", "assert-formats": asserted}},
        "paths": {},
        "components": {"schemas": {"T": schema, **(extra or {})}},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return check.run(path).validators


def rules_of(validators: Any, value: Any) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in validators.validate_schema("T", value)]


def test_if_then_else_reports_the_rule_at_the_failing_pointer(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "type": "object",
        "properties": {"kind": {"type": "string"}, "n": {"type": "integer"}},
        "allOf": [{
            "x-rule": {"id": "big-n", "message": "big kinds need n >= 10", "source": "s", "examples": {"valid": [{"kind": "big", "n": 10}], "invalid": [{"kind": "big", "n": 1}]}},
            "if": {"required": ["kind"], "properties": {"kind": {"const": "big"}}},
            "then": {"required": ["n"], "properties": {"n": {"minimum": 10}}},
            "else": {"properties": {"n": {"maximum": 5}}},
        }],
    })
    assert rules_of(v, {"kind": "big", "n": 3}) == [("/n", "big-n")]
    assert rules_of(v, {"kind": "big"}) == [("/n", "big-n")]
    assert rules_of(v, {"kind": "small", "n": 7}) == [("/n", "big-n")]
    assert rules_of(v, {"kind": "small", "n": 5}) == []
    assert rules_of(v, {"n": 5}) == []


def test_plain_keywords_get_location_ids_and_every_violation_is_listed(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"},
            "tags": {"type": "array", "uniqueItems": True, "maxItems": 2, "items": {"type": "integer", "minimum": 0}},
            "id": {"type": "string", "format": "uuid"},
        },
    })
    got = rules_of(v, {"name": "ABCD", "tags": [1, 1, -1], "id": "nope", "nmae": 1})
    assert ("/name", "T.name.maxLength") in got
    assert ("/name", "T.name.pattern") in got
    assert ("/tags", "T.tags.uniqueItems") in got
    assert ("/tags", "T.tags.maxItems") in got
    assert ("/tags/2", "T.tags[].minimum") in got
    assert ("/id", "T.id.format") in got
    assert ("/nmae", "T.additionalProperties") in got
    assert rules_of(v, {}) == [("/name", "T.name.required")]
    message = [x.message for x in v.validate_schema("T", {"name": "ab", "nmae": 1})]
    assert message == ["unknown property 'nmae'; did you mean 'name'?"]


def test_one_of_not_and_dependent_required(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "type": "object",
        "allOf": [
            {"x-rule": {"id": "one", "message": "one of a or b", "source": "s", "examples": {"valid": [{"a": 1}], "invalid": [{}]}},
             "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
            {"x-rule": {"id": "no-c", "message": "no c with a", "source": "s", "at": "/c", "examples": {"valid": [{"a": 1}], "invalid": [{"a": 1, "c": 1}]}},
             "not": {"required": ["a", "c"]}},
        ],
        "dependentRequired": {"b": ["d"]},
    })
    assert rules_of(v, {"a": 1, "b": 2, "d": 1}) == [("", "one")]
    assert rules_of(v, {"a": 1, "c": 2}) == [("/c", "no-c")]
    assert rules_of(v, {"b": 1}) == [("/d", "T.d.dependentRequired")]


def test_cel_rules_compile_to_python(tmp_path: Path) -> None:
    v = compile_schema(tmp_path, {
        "type": "object",
        "properties": {"a": {"type": "array"}, "b": {"type": "array"}, "s": {"type": "string"}},
        "x-validations": [
            {"id": "same", "rule": "!has(self.a) || !has(self.b) || size(self.a) == size(self.b)", "message": "same length", "source": "s", "at": "/b",
             "examples": {"valid": [{"a": [1], "b": [2]}], "invalid": [{"a": [1], "b": []}]}},
            {"id": "all-small", "rule": "!has(self.a) || self.a.all(i, i < (has(self.s) && self.s == 'big' ? 100 : 10))", "message": "small", "source": "s",
             "examples": {"valid": [{"a": [9]}], "invalid": [{"a": [10]}]}},
        ],
    })
    assert rules_of(v, {"a": [1, 2], "b": [1]}) == [("/b", "same")]
    assert rules_of(v, {"a": [50], "s": "big"}) == []
    assert rules_of(v, {"a": [50]}) == [("", "all-small")]
    # a CEL rule that cannot be evaluated (wrong types) reports nothing and never raises
    assert rules_of(v, {"a": "xx", "b": 3}) == [("/a", "T.a.type"), ("/b", "T.b.type")]


@pytest.mark.parametrize("bad_rule, expected", [
    ("self.a ==", "CEL syntax error"),
    ("self.missing == 1", "self.missing, which the schema does not define"),
    ("self.s == 1", "cannot compare string with int"),
    ("size(self.n) > 0", "size() needs a string, list or map"),
])
def test_bad_cel_is_reported_with_its_line(tmp_path: Path, bad_rule: str, expected: str) -> None:
    with pytest.raises(SpecErrors) as info:
        compile_schema(tmp_path, {
            "type": "object",
            "properties": {"s": {"type": "string"}, "n": {"type": "integer"}, "a": {"type": "array"}},
            "x-validations": [{"id": "r", "rule": bad_rule, "message": "m", "source": "s", "examples": {"valid": [{}], "invalid": [{}]}}],
        })
    text = str(info.value)
    assert expected in text
    assert "spec.yaml:" in text


def test_unknown_keyword_duplicate_rule_and_bad_examples_are_problems(tmp_path: Path) -> None:
    rule = {"id": "dup", "message": "m", "source": "s", "examples": {"valid": [{"a": 1}], "invalid": [{"a": 1}]}}
    with pytest.raises(SpecErrors) as info:
        compile_schema(tmp_path, {
            "type": "object",
            "maxItem": 3,
            "allOf": [{"x-rule": rule, "required": ["a"]}, {"x-rule": {**rule}, "required": ["b"]}],
        })
    lines = str(info.value).splitlines()
    assert any("unknown schema keyword 'maxItem'" in l and "did you mean 'maxItems'" in l for l in lines)
    assert any("rule id 'dup' is used twice" in l for l in lines)


def test_never_raises_on_odd_json(tmp_path: Path) -> None:
    for value in [None, 1, "x", [], [[[]]], {"prompt": float("nan")}, {"prompt": math.inf},
                  {"video": {"keyframes": "x", "keyframe_indexes": {"a": 1}}}, {"image_ref": [None, 1, {"url": []}]},
                  {"video": {"duration": [], "loop": "yes", "edit": []}}, {"prompt": "x" * 10_000_000}]:
        out = validate_request("createGeneration", value)
        assert isinstance(out, list) and out
    assert validate_request("createGeneration", {"prompt": "\x00" * 10}) == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_a_valid_and_an_invalid_twin(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.valid_examples and rule.invalid_examples
    for example in rule.valid_examples:
        assert validate_schema(rule.schema, example) == []
    for example in rule.invalid_examples:
        found = {v.rule for v in validate_schema(rule.schema, example)}
        assert rule_id in found
        assert found <= {rule_id, *rule.subsumed_by}, f"breaks more than {rule_id}: {found}"


ORACLE = Oracle(ROOT / "spec" / "generations.yaml")


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_the_reference_validator_agrees_on_every_rule_example(rule_id: str) -> None:
    rule = RULES[rule_id]
    for example in rule.valid_examples:
        assert ORACLE.is_valid(rule.schema, example)
    for example in rule.invalid_examples:
        assert not ORACLE.is_valid(rule.schema, example)
