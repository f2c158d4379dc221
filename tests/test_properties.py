"""Property tests of the generated validators, judged by the generated strategies and by an
independent oracle (``tests/oracle.py``: the jsonschema library, Draft 2020-12, plus
cel-python for the CEL rules).

* every rule both ways: valid values that put the rule into effect pass; its near misses
  break it (and the rules it is subsumed by) at the expected JSON Pointer, and nothing else;
* valid request bodies: no violation, the pydantic model round-trips them, the client sends
  exactly them;
* differential: on valid, near-miss, mutated and arbitrary JSON values the generated validator
  and the oracle agree on the verdict and on which rules are broken;
* the validators never raise on any JSON value.

Examples per test follow the Hypothesis profile (``ci`` / ``dev``, see conftest.py); the
per-rule tests run a quarter of them each (there are two per rule).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from conftest import SPEC
from hypothesis import given, note, settings
from hypothesis import strategies as st
from luma_gen import models, strategies
from luma_gen.client import Client
from luma_gen.validators import (
    OPERATIONS,
    validate_params,
    validate_request,
    validate_response,
    validate_schema,
)
from oracle import Oracle

ORACLE = Oracle(SPEC)
PER_RULE = settings(max_examples=max(8, settings.default.max_examples // 4))
RULE_IDS = set(strategies.RULE_IDS)


def _home(rule: str) -> str:
    """The schema a rule is exercised from: the first request body it reaches, else a response."""
    ordered = sorted(strategies.OPERATION_SCHEMAS.items())
    for name in [b for _, (b, _r) in ordered if b] + [r for _, (_b, r) in ordered if r]:
        if rule in strategies.rules_of(name):
            return name
    raise AssertionError(f"rule {rule} is reachable from no operation")


HOME = {rule: _home(rule) for rule in RULE_IDS}
BODY, RESPONSE = strategies.OPERATION_SCHEMAS["createGeneration"]


def judge(name: str, value: Any) -> tuple[bool, set[str], bool, set[str]]:
    """(validator says valid, rules it reports, oracle says valid, rules the oracle finds)."""
    found = validate_schema(name, value)
    return not found, {v.rule for v in found if v.rule in RULE_IDS}, ORACLE.is_valid(name, value), ORACLE.broken_rules(name, value)


# ---------------------------------------------------------------- every rule, both ways
@pytest.mark.parametrize("rule", sorted(RULE_IDS))
def test_rule_holds_on_valid_values_that_exercise_it(rule: str) -> None:
    name = HOME[rule]

    @PER_RULE
    @given(strategies.valid_schema(name, trigger=rule))
    def check(value: Any) -> None:
        note(json.dumps(value)[:2000])
        assert validate_schema(name, value) == []
        assert rule in strategies.rules_exercised(name, value)
        assert ORACLE.is_valid(name, value), ORACLE.schema_errors(name, value)

    check()


@pytest.mark.parametrize("rule", sorted(RULE_IDS))
def test_near_misses_break_exactly_their_rule(rule: str) -> None:
    name = HOME[rule]

    @PER_RULE
    @given(strategies.schema_near_miss(name, rule))
    def check(miss: strategies.NearMiss) -> None:
        note(miss.description)
        found = validate_schema(name, miss.body)
        assert {v.rule for v in found} == set(miss.rules)
        assert (miss.pointer, rule) in {(v.path, v.rule) for v in found}, [str(v) for v in found]
        assert not ORACLE.is_valid(name, miss.body)
        assert ORACLE.broken_rules(name, miss.body) == set(miss.rules)
        assert validate_schema(name, miss.original) == [] and ORACLE.is_valid(name, miss.original)
        assert miss.description.startswith(f"violates {rule} at {miss.pointer or '/'} (was ")
        assert _differs_only_below(miss.original, miss.body, miss.pointer)

    check()


def _differs_only_below(a: Any, b: Any, pointer: str) -> bool:
    """``a`` and ``b`` are equal outside the subtree of ``pointer`` or of one of its ancestors
    (never the whole value, unless the pointer is the root)."""
    tokens = pointer.split("/")[1:]
    if not tokens:
        return True
    return any(_equal_outside(a, b, tokens[:k]) for k in range(len(tokens), 0, -1))


def _equal_outside(a: Any, b: Any, tokens: list[str]) -> bool:
    if not tokens:
        return True
    head, rest = tokens[0], tokens[1:]
    if type(a) is dict and type(b) is dict:
        if set(a) - {head} != set(b) - {head} or any(a[k] != b[k] for k in a if k != head and k in b):
            return False
        if head in a and head in b:
            return _equal_outside(a[head], b[head], rest)
        return True  # present on one side only: the change itself
    if type(a) is list and type(b) is list and head.isdigit() and len(a) == len(b) and int(head) < len(a):
        i = int(head)
        return all(x == y for j, (x, y) in enumerate(zip(a, b)) if j != i) and _equal_outside(a[i], b[i], rest)
    return False


def test_every_rule_has_a_home_schema_and_near_misses() -> None:
    assert RULE_IDS, "the spec has rules"
    assert strategies.UNBUILDABLE == ()
    every = {r for rules in (*strategies.REQUEST_RULES.values(), *strategies.RESPONSE_RULES.values()) for r in rules}
    assert every == RULE_IDS


# ---------------------------------------------------------------- valid bodies
def _mock_client(sent: list) -> Client:
    reply = {"id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", "created_at": "2026-01-01T00:00:00Z", "model": "uni-1", "state": "queued", "type": "image"}

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(201, json=reply)

    return Client(auth_token="test", base_url="http://127.0.0.1:1/v1", max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler)))


@given(strategies.valid_request("createGeneration"))
def test_valid_bodies_pass_round_trip_and_are_sent_unchanged(body: dict) -> None:
    assert validate_request("createGeneration", body) == []
    assert ORACLE.is_valid(BODY, body)
    model = models.GenerationCreateParams.model_validate(body)
    assert model.model_dump(mode="json", exclude_unset=True) == body
    assert models.GenerationCreateParams.model_validate_json(model.model_dump_json(exclude_unset=True)) == model
    sent: list = []
    with _mock_client(sent) as client:
        client.generations.create(**body)
    # a keyword argument of None is "not sent" (the client's meaning); nulls inside values
    # (e.g. video={"hdr": None}) go out as given, and the spec reads both as not given
    assert sent == [{k: v for k, v in body.items() if v is not None}]


@given(strategies.valid_response("createGeneration"))
def test_valid_responses_pass_and_round_trip(body: dict) -> None:
    assert validate_response("createGeneration", body) == []
    assert ORACLE.is_valid(RESPONSE, body)
    assert models.Generation.model_validate(body).model_dump(mode="json", exclude_unset=True) == body


# ---------------------------------------------------------------- differential oracle
def _vocabulary() -> tuple[list[str], list[Any]]:
    names: set[str] = set()
    values: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(k for k in (node.get("properties") or {}) if isinstance(k, str))
            for key in ("enum",):
                values.extend(v for v in node.get(key) or [] if v not in values)
            if "const" in node and node["const"] not in values:
                values.append(node["const"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(ORACLE.document["components"])
    return sorted(names), values


NAMES, VALUES = _vocabulary()
_LEAVES = st.none() | st.booleans() | st.integers(-3, 300) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8) | st.sampled_from(VALUES)
JSON = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=6), inner, max_size=5), max_leaves=20)


@st.composite
def mutated(draw: Any, base: st.SearchStrategy) -> Any:
    """A value of ``base`` with one to three random edits: replace, delete or add a member."""
    value = draw(base)
    for _ in range(draw(st.integers(1, 3))):
        value = _edit(draw, value)
    return value


def _edit(draw: Any, value: Any) -> Any:
    if type(value) is dict and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        action = draw(st.sampled_from(["descend", "delete", "replace", "add"]))
        if action == "descend":
            return {**value, key: _edit(draw, value[key])}
        if action == "delete":
            return {k: v for k, v in value.items() if k != key}
        if action == "add":
            return {**value, draw(st.sampled_from(NAMES)): draw(JSON)}
        return {**value, key: draw(JSON)}
    if type(value) is list and value and draw(st.booleans()):
        i = draw(st.integers(0, len(value) - 1))
        return value[:i] + [_edit(draw, value[i])] + value[i + 1:]
    return draw(JSON)


def _agree(name: str, value: Any) -> None:
    ok, rules, oracle_ok, oracle_rules = judge(name, value)
    note(f"validator: {[str(v) for v in validate_schema(name, value)]}")
    note(f"oracle: {ORACLE.schema_errors(name, value)} {ORACLE.cel_failures(name, value)}")
    assert ok == oracle_ok
    assert rules == oracle_rules


@given(st.one_of(strategies.valid_request("createGeneration"), strategies.near_misses("createGeneration").map(lambda m: m.body)))
def test_differential_on_valid_and_near_miss_bodies(body: Any) -> None:
    _agree(BODY, body)


@given(mutated(strategies.valid_request("createGeneration")))
def test_differential_on_mutated_valid_bodies(body: Any) -> None:
    _agree(BODY, body)


@given(st.one_of(JSON, st.dictionaries(st.sampled_from(NAMES), JSON, max_size=8)))
def test_differential_on_arbitrary_json(body: Any) -> None:
    _agree(BODY, body)


@given(mutated(strategies.valid_response("createGeneration")))
def test_differential_on_mutated_responses(body: Any) -> None:
    _agree(RESPONSE, body)


# ---------------------------------------------------------------- never raises
@given(JSON, st.sampled_from(strategies.SCHEMAS))
def test_validators_never_raise_on_any_json(value: Any, name: str) -> None:
    assert isinstance(validate_schema(name, value), list)
    for op in OPERATIONS:
        validate_request(op, value)
        validate_response(op, value)
        validate_params(op, value)


def test_validators_never_raise_on_deep_nesting() -> None:
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    for value in (deep, {"prompt": "p", "video": deep}, {"prompt": "p", "image_ref": deep}):
        assert isinstance(validate_request("createGeneration", value), list)
