"""The generated strategies (``luma_gen.strategies``): built by construction (valid rate),
reaching every branch and boundary, their API and errors, and the same machinery on an
unrelated spec (proof that nothing in it knows this API).
"""

from __future__ import annotations

import collections
import re
from typing import Any, Callable

import pytest
from genhelp import ROOT, generate, import_package, submodule
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from luma_gen import UnknownOperationError, strategies
from luma_gen.validators import validate_schema

BODY, RESPONSE = strategies.OPERATION_SCHEMAS["createGeneration"]
#: draws used to measure a rate or a coverage; at least 200, more under the dev profile
DRAWS = max(200, settings.default.max_examples)


def draws(strategy: st.SearchStrategy, n: int = DRAWS) -> list:
    """``n`` values of ``strategy`` as Hypothesis generates them (no shrinking, no filtering)."""
    out: list = []

    @settings(max_examples=n, phases=[Phase.generate], database=None)
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out


def valid_rate(name: str, values: list) -> float:
    ok = [v for v in values if v is not strategies.FAILED and not validate_schema(name, v)]
    return len(ok) / len(values)


def _home(rule: str) -> str:
    """The schema a rule is drawn on: the request body, the response, or (a rule of another
    operation's schemas) the first schema whose values can break it."""
    if rule in strategies.rules_of(BODY):
        return BODY
    if rule in strategies.rules_of(RESPONSE):
        return RESPONSE
    return next(name for name in sorted(strategies.SCHEMAS) if rule in strategies.rules_of(name))


# ---------------------------------------------------------------- built, not filtered
@pytest.mark.parametrize("name", [BODY, RESPONSE])
def test_at_least_95_percent_of_draws_are_valid_before_any_filter(name: str) -> None:
    values = draws(strategies.valid_schema(name, checked=False))
    rate = valid_rate(name, values)
    print(f"{name}: {rate:.1%} of {len(values)} draws valid by construction")
    assert rate >= 0.95


def test_draws_that_put_each_rule_into_effect_are_valid_by_construction_too() -> None:
    rules = sorted(strategies.RULE_IDS)
    picked = st.sampled_from(rules).flatmap(lambda r: st.tuples(st.just(r), strategies.valid_schema(_home(r), trigger=r, checked=False)))
    values = draws(picked, DRAWS)
    per_rule: dict[str, list] = collections.defaultdict(list)
    for rule, value in values:
        per_rule[rule].append(value)
    rate = sum(valid_rate(_home(r), vs) * len(vs) for r, vs in per_rule.items()) / len(values)
    print(f"triggered draws: {rate:.1%} of {len(values)} valid by construction")
    assert rate >= 0.95
    for rule, vs in per_rule.items():
        built = [v for v in vs if v is not strategies.FAILED]
        assert all(rule in strategies.rules_exercised(_home(rule), v) for v in built), rule


@settings(suppress_health_check=[], max_examples=min(50, settings.default.max_examples))
@given(strategies.valid_request("createGeneration"))
def test_health_checks_pass_with_every_check_on(body: dict) -> None:
    assert isinstance(body, dict)


# ---------------------------------------------------------------- branches and boundaries
def _features(body: dict) -> set[str]:
    out = {f"type={body.get('type', '<absent>')}", f"prompt-length={len(body['prompt'])}"}
    props = strategies._SCHEMAS[BODY]["properties"]
    out |= {f"{'has' if p in body else 'lacks'}:{p}" for p in props}
    video = body.get("video") or {}
    grid = 240 if video.get("duration") == "10s" else 120
    indexes = video.get("keyframe_indexes") or []
    if indexes:
        out |= {f"index-0={0 in indexes}", f"index-last-of-grid={grid in indexes}:{grid}"}
        out.add(f"anchors={len(video.get('keyframes') or [])}")
    return out


def test_every_branch_and_boundary_is_reached() -> None:
    seen: collections.Counter = collections.Counter()
    for body in draws(strategies.valid_request("createGeneration")):
        seen.update(_features(body))
    for rule in ("video-keyframe-indexes-in-grid", "video-keyframe-indexes-length"):  # 10 s grid; any grid
        for body in draws(strategies.valid_request("createGeneration", trigger=rule), DRAWS // 2):
            seen.update(_features(body))
    types = strategies._SCHEMAS["GenerationType"]["enum"] + ["<absent>"]
    wanted = {f"type={t}" for t in types} | {"prompt-length=1", "prompt-length=6000", "index-0=True", "index-last-of-grid=True:120", "index-last-of-grid=True:240", "anchors=64", "anchors=1"}
    props = strategies._SCHEMAS[BODY]["properties"]
    required = set(strategies._SCHEMAS[BODY]["required"])
    wanted |= {f"has:{p}" for p in props} | {f"lacks:{p}" for p in props if p not in required}
    missing = sorted(wanted - set(seen))
    assert not missing, f"never drawn: {missing}"


# ---------------------------------------------------------------- near misses
@given(strategies.near_misses("createGeneration"))
def test_near_misses_describe_their_one_mutation(miss: strategies.NearMiss) -> None:
    assert re.fullmatch(r"violates (\S+) at (/\S*) \(was .+, became .+\)", miss.description, re.S)
    assert miss.rule in miss.rules and set(miss.rules) - {miss.rule} == set(_subsumed(miss.rule))
    assert miss.body != miss.original


def _subsumed(rule: str) -> tuple[str, ...]:
    from luma_gen.rules import RULES

    return RULES[rule].subsumed_by


def test_subsumed_rules_break_together_with_their_subsumers() -> None:
    from luma_gen.rules import RULES

    subsumed = [r for r in strategies.RULE_IDS if RULES[r].subsumed_by]
    assert subsumed, "the spec marks at least one rule subsumed-by"
    for rule in subsumed:
        for miss in draws(strategies.near_miss("createGeneration", rule), 10):
            assert {v.rule for v in validate_schema(BODY, miss.body)} == {rule, *RULES[rule].subsumed_by}


def test_api_errors_say_what_is_wrong() -> None:
    with pytest.raises(UnknownOperationError, match="createGeneratoin"):
        strategies.valid_request("createGeneratoin")
    with pytest.raises(ValueError, match="no request body"):
        strategies.valid_request("getGeneration")
    with pytest.raises(KeyError, match="unknown rule"):
        strategies.near_miss("createGeneration", "no-such-rule")
    with pytest.raises(ValueError, match="does not apply"):
        strategies.near_miss("createGeneration", "generation-completed-has-output")
    with pytest.raises(KeyError, match="unknown schema"):
        strategies.valid_schema("NoSuchSchema")
    assert strategies.REQUEST_RULES["getGeneration"] == ()
    assert set(strategies.REQUEST_RULES["createGeneration"]) == set(strategies.rules_of(BODY))


# ---------------------------------------------------------------- an unrelated spec
@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("shop-strategies")
    package = generate(ROOT / "tests" / "specs" / "bookshop.yaml", out)
    return import_package(out / package)


def test_an_unrelated_spec_gets_the_same_strategies(shop: Any) -> None:
    strat = submodule(shop, "strategies")
    validators = submodule(shop, "validators")
    body, response = strat.OPERATION_SCHEMAS["createOrder"]
    for name in (body, response, "Category"):
        values = draws(strat.valid_schema(name, checked=False), 100)
        assert valid_rate_with(validators.validate_schema, strat.FAILED, name, values) >= 0.95, name
    assert set(strat.REQUEST_RULES["createOrder"]) == {"pickup-needs-store", "delivery-needs-address", "notes-need-wrap", "notes-at-most-lines"}
    for rule in strat.REQUEST_RULES["createOrder"]:
        for miss in draws(strat.near_miss("createOrder", rule), 15):
            found = validators.validate_request("createOrder", miss.body)
            assert {v.rule for v in found} == {rule} and (miss.pointer, rule) in {(v.path, v.rule) for v in found}, miss.description
            assert validators.validate_request("createOrder", miss.original) == []
        for value in draws(strat.valid_request("createOrder", trigger=rule), 15):
            assert rule in strat.rules_exercised(body, value)


def valid_rate_with(validate: Callable, failed: Any, name: str, values: list) -> float:
    return sum(1 for v in values if v is not failed and not validate(name, v)) / len(values)
