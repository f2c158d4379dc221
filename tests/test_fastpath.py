"""The validators' fast path (generator/schema/fastpath.py) changes speed, never verdicts.

Small inline specs exercise each construct the fast path emits: hoisted lookups, inline
``if`` expressions, the branch on a discriminating property (``else``, absent and unnamed
values included), literal-prefix patterns, items judged in one pass, and the ``_unique`` and
URI shortcuts of the runtime. jsonschema (Draft 2020-12) judges every value.
"""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from genspec.check import check
from genspec.schema.compile import _literal_prefix


def _compile(tmp_path: Path, schemas: dict[str, Any]) -> Any:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "x-genspec": {"package": "t_gen"}},
        "paths": {},
        "components": {"schemas": schemas},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return check.run(path).validators


def _reference(schemas: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
    return jsonschema.Draft202012Validator(root)


EXAMPLES = {
    1: ({"kind": "a", "n": 1}, {"kind": "a", "n": 2}),
    2: ({"kind": "b", "n": 0}, {"kind": "b"}),
    3: ({"kind": "c", "n": 0, "sub": {"x": True}}, {"kind": "c", "n": 0, "sub": {"x": False}}),
    4: ({"kind": "d", "tags": []}, {"kind": "d", "tags": [{"t": "tag-1"}, {"t": "tag-2"}]}),
    5: ({"kind": "a", "sub": {"x": True}}, {"kind": "d", "sub": {"x": True}}),
}


def _rule(i: int, cond: dict, then: dict, other: dict | None = None) -> dict:
    valid, invalid = EXAMPLES[i]
    rule = {"id": f"r{i}", "message": f"rule {i}", "source": "s", "examples": {"valid": [valid], "invalid": [invalid]}}
    entry = {"x-rule": rule, "if": cond, "then": then}
    if other is not None:
        entry["else"] = other
    return entry


KIND = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": ["a", "b", "c", "d"]},
        "n": {"type": "integer"},
        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}, "uniqueItems": True},
        "sub": {"type": "object", "properties": {"x": {"type": "boolean"}}},
    },
    "allOf": [
        _rule(1, {"properties": {"kind": {"const": "a"}}}, {"properties": {"n": {"maximum": 1}}}),
        _rule(2, {"required": ["kind"], "properties": {"kind": {"enum": ["b", "c"]}}}, {"required": ["n"]}, {"properties": {"n": {"minimum": -5}}}),
        _rule(3, {"required": ["kind"], "properties": {"kind": {"const": "c"}}}, {"properties": {"sub": {"properties": {"x": {"const": True}}}}}),
        _rule(4, {"properties": {"kind": {"enum": ["a", "d"]}}}, {"properties": {"tags": {"maxItems": 1}}}, {"properties": {"tags": {"minItems": 1}}}),
        _rule(5, {"required": ["sub"], "properties": {"sub": {"required": ["x"]}}}, {"properties": {"kind": {"not": {"const": "d"}}}}),
    ],
}
TAG = {"type": "object", "additionalProperties": False, "required": ["t"], "properties": {"t": {"type": "string", "pattern": "^tag-"}}}


def test_dispatch_inline_conditions_and_items_agree_with_jsonschema(tmp_path: Path) -> None:
    schemas = {"Kind": KIND, "Tag": TAG}
    validators = _compile(tmp_path, schemas)
    source = Path(validators.__file__).read_text()
    assert "elif _h" in source and "all(map(_ok_Tag" in source and ".startswith(" in source
    reference = _reference(schemas, "Kind")
    kinds = [None, "a", "b", "c", "d", "zz", 3]
    ns = [None, -9, 0, 1, 2, True]
    tags = [None, [], [{"t": "tag-1"}], [{"t": "tag-1"}, {"t": "tag-2"}], [{"t": "x"}, {"t": "tag-2"}, {"u": 1}], [{"t": "tag-1"}, {"t": "tag-1"}]]
    subs = [None, {}, {"x": True}, {"x": False}, {"x": 1}, "s"]
    checked = 0
    for kind, n, tag, sub in itertools.product(kinds, ns, tags, subs):
        body = {k: v for k, v in (("kind", kind), ("n", n), ("tags", tag), ("sub", sub)) if v is not None}
        expected = reference.is_valid(body)
        found = validators.validate_schema("Kind", body)
        assert (not found) == expected, (body, found)
        checked += 1
    assert checked == len(kinds) * len(ns) * len(tags) * len(subs)


def test_every_violation_of_an_invalid_item_is_reported_with_its_index(tmp_path: Path) -> None:
    validators = _compile(tmp_path, {"Kind": KIND, "Tag": TAG})
    found = validators.validate_schema("Kind", {"kind": "b", "n": 1, "tags": [{"t": "tag-0"}, {"t": "no"}, {"t": "tag-2"}, {}]})
    assert [(v.path, v.rule) for v in found] == [("/tags/1/t", "Tag.t.pattern"), ("/tags/3/t", "Tag.t.required")]


def test_literal_prefix_only_for_plain_text() -> None:
    assert _literal_prefix("^image/") == "image/"
    assert _literal_prefix("^a-b c") == "a-b c"
    for pattern in ("image/", "^a.b", "^ab$", "^", "^(a)", "^a|b", "^a\\d", "^[ab]"):
        assert _literal_prefix(pattern) is None, pattern


def test_runtime_shortcuts_keep_json_semantics() -> None:
    from luma_gen._runtime import _URI, _unique

    assert _unique([1, 2, "1"]) and not _unique([1, 1.0]) and _unique([1, True]) and not _unique([[1], [1]])
    assert not _unique(["a", "a"]) and _unique([]) and _unique([{"a": 1}, {"a": 2}])
    # the URI tail class equals [^\s\x00-\x1f\x7f] on every code point
    plain = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]*")
    differ = [c for c in range(sys.maxunicode + 1) if (plain.fullmatch("a:" + chr(c)) is None) != (_URI.fullmatch("a:" + chr(c)) is None)]
    assert differ == []


def test_a_nullable_schema_tests_null_once_and_keeps_its_verdicts(tmp_path: Path) -> None:
    """``type: [T, null]`` whose other keywords ignore null: the boolean pass tests null
    first, then the schema without null; with ``enum`` (which judges null too) it does not."""
    schemas = {
        "Split": {"type": ["string", "null"], "minLength": 3, "pattern": "^a"},
        "Many": {"type": ["integer", "array", "null"], "minimum": 2, "maxItems": 1, "items": {"type": "string"}},
        "Kept": {"type": ["string", "null"], "enum": ["abc", None, "xy"], "minLength": 2},
    }
    validators = _compile(tmp_path, schemas)
    source = Path(validators.__file__).read_text()
    ok_split = source[source.index("def _ok_Split"):source.index("\ndef ", source.index("def _ok_Split") + 1)]
    assert "x is not None" in ok_split and "x is None" not in ok_split
    pool = [None, "", "ab", "abc", "abd", "bbb", "x", "xy", 0, 1, 2, 2.0, 3.5, True, [], ["s"], ["s", "t"], [1], {}, {"a": 1}]
    for name in schemas:
        reference = _reference(schemas, name)
        for value in pool:
            assert (not validators.validate_schema(name, value)) == reference.is_valid(value), (name, value)


_HEXISH = st.sampled_from("0123456789abcdefABCDEFgG-+ é")


@settings(deadline=None)
@given(s=st.one_of(
    st.text(_HEXISH, min_size=30, max_size=38),
    st.lists(_HEXISH, min_size=36, max_size=36).map("".join),
    st.builds(lambda u, i, c: u[:i] + c + u[i + 1:], st.uuids().map(str), st.integers(0, 35), _HEXISH),
    st.text(st.sampled_from("aZ09+.-:/ \t\x7f\x1f~!é\u2003\u00a0\x85"), max_size=12),
    st.builds(lambda a, b: a + ":" + b, st.from_regex(r"[A-Za-z][A-Za-z0-9+.\-]{0,5}", fullmatch=True), st.text(max_size=8)),
))
@example("https://example.com/a b")
@example("https://example.com/\x7f")
@example("a:\u2003")
@example("urn:")
@example(":x")
@example("1a:x")
@example("0b0c9f3e-2d0a-4a8e-9a51-3f1f6b1f2c1G")
@example("0b0c9f3e-2d0a-4a8e-9a51-3f1f6b1f2c1g")
@example("0b0c9f3e2d0a-4a8e-9a51-3f1f6b1f2c11-")
@example("0B0C9F3E-2D0A-4A8E-9A51-3F1F6B1F2C11")
def test_the_compiled_builds_byte_checks_of_uuid_and_uri_agree_with_the_regexes(s: str) -> None:
    """The compiled build checks uuid and uri byte by byte (_uuid_bytes, _uri_bytes), pure
    Python with the regular expressions: the same strings pass."""
    from luma_gen import validators

    assert validators._uuid_bytes(s) == (len(s) == 36 and validators._UUID_MATCH(s) is not None), s
    assert validators._uri_bytes(s) == (validators._URI_MATCH(s) is not None), s


@settings(deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_compiled_builds_branches_give_the_pure_verdicts(data: st.DataObject) -> None:
    """Where the generated code branches on _COMPILED (byte-by-byte formats, closed objects
    judged by counting their looked-up members), both branches judge alike; run here in pure
    Python with the flag flipped. Values: valid bodies, near misses of every rule, and either
    with an undeclared member added somewhere."""
    from luma_gen import strategies, validators

    body = data.draw(st.one_of(strategies.valid_request("createGeneration"), strategies.near_misses("createGeneration").map(lambda m: m.body)))
    if data.draw(st.booleans()) and isinstance(body, dict):
        target = data.draw(st.sampled_from([body, *[v for v in body.values() if isinstance(v, dict)]]))
        target["zz_undeclared"] = 1
    # the boolean passes themselves, each schema's (a too strict one would be hidden by the
    # collecting pass, which runs after it and finds nothing), then every violation
    values = [body, *[v for v in body.values() if isinstance(v, (dict, list))]] if isinstance(body, dict) else [body]
    def verdicts() -> list[Any]:
        return [validators.validate_request("createGeneration", body)] + [[ok(v) for v in values] for _, ok, _ in validators._SCHEMAS.values()]
    pure = verdicts()
    validators._COMPILED = True  # type: ignore[misc]  (Final for mypyc; a plain global here)
    try:
        compiled = verdicts()
    finally:
        validators._COMPILED = False  # type: ignore[misc]
    assert compiled == pure
