"""CEL semantics of the compiled rules (the examples of issue 16): a rule that errors is a
violation; typed arithmetic, error absorption, conversions, strings and the libraries."""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from celconformance import load_runtime
from genspec.check import check
from genspec.load.errors import SpecErrors
from genspec.schema import cel


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``run(expr, self)``: the value of CEL ``expr`` over ``self`` (a CelError if it errs)."""
    load_runtime(tmp_path_factory.mktemp("celrt"))
    c = importlib.import_module("celrt._cel")
    lib = importlib.import_module("celrt._cel_lib")

    def evaluate(expr: str, self: Any = None) -> Any:
        tr = cel.translate(expr, "self", lambda path: "dyn", want_bool=False)
        assert not tr.errors, tr.errors
        try:
            return eval(tr.python, {"_C": c, "_L": lib}, {"self": self if self is not None else {}})
        except Exception as exc:
            return c.CelError(c.error_text(exc))
    evaluate.C = c  # type: ignore[attr-defined]
    return evaluate


def _spec(tmp_path: Path, rules: list[dict], props: dict | None = None) -> Path:
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1", "x-genspec": {"package": "t_gen"}}, "paths": {},
           "components": {"schemas": {"T": {"type": "object", "properties": props or {"a": {"type": "integer"}, "b": {"type": "integer"}},
                                            "x-validations": rules}}}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_a_rule_that_errors_is_a_violation_with_what_erred(tmp_path: Path) -> None:
    rule = {"id": "ratio", "rule": "self.a / self.b > 1", "message": "a must exceed b", "source": "s",
            "examples": {"valid": [{"a": 5, "b": 2}], "invalid": [{"a": 5, "b": 0}, {"a": 3, "b": 2}]}}
    v = check.run(_spec(tmp_path, [rule])).validators
    [found] = v.validate_schema("T", {"a": 5, "b": 0})
    assert (found.rule, found.path) == ("ratio", "")
    assert found.message == "a must exceed b (the rule could not be evaluated: division by zero)"
    assert [x.message for x in v.validate_schema("T", {"a": 3, "b": 2})] == ["a must exceed b"]
    assert v.validate_schema("T", {"a": 5, "b": 2}) == []
    # a type violation explains the error, so only it is reported (as Kubernetes does)
    assert [x.rule for x in v.validate_schema("T", {"a": "x", "b": 0})] == ["T.a.type"]


def test_check_reports_every_bad_rule_and_decodes_escaped_quotes(tmp_path: Path) -> None:
    rules = [
        {"id": "quote", "rule": 'self.s != "a\\"b"', "message": "m", "source": "s", "examples": {"valid": [{"s": "x"}], "invalid": [{"s": 'a"b'}]}},
        {"id": "bad1", "rule": "self.s < 1", "message": "m", "source": "s", "examples": {"valid": [{}], "invalid": [{}]}},
        {"id": "bad2", "rule": "self.nope == 1", "message": "m", "source": "s", "examples": {"valid": [{}], "invalid": [{}]}},
        {"id": "bad3", "rule": "'\\q' == 'q'", "message": "m", "source": "s", "examples": {"valid": [{}], "invalid": [{}]}},
    ]
    with pytest.raises(SpecErrors) as info:
        check.run(_spec(tmp_path, rules, {"s": {"type": "string"}}))
    text = str(info.value)
    assert "rule 'quote'" not in text and "genspec bug" not in text
    for expected in ("rule 'bad1': CEL type error: cannot compare string with int", "rule 'bad2': CEL names self.nope", "rule 'bad3': CEL string literal"):
        assert expected in text


@pytest.mark.parametrize("expr, self, expected", [
    ("self.items.all(i, i / 2 == 1)", {"items": [3]}, True),
    ("60u / 2u", None, "30u"),
    ("-7 / 2", None, -3),
    ("-7 % 2", None, -1),
    ("dyn('horses') || true", None, True),
    ("true || dyn('horses')", None, True),
    ("1 / 0 == 1 || true", None, True),
    ("false && 1 / 0 == 1", None, False),
    ("1 / 0 == 1 && false", None, False),
    ("[0, 1].exists(x, 1 / x == 1)", None, True),
    ("[0, 1].all(x, 1 / x == 2)", None, False),
    ("true ? 1 : 1 / 0", None, 1),
    ("1.0 / 0.0", None, math.inf),
    ("-1.0 / 0.0", None, -math.inf),
    ("type(1) == int && type(1u) == uint && type(1.0) == double && type('') == string", None, True),
    ("type(self.s) == string", {"s": "x"}, True),
    ("type(type(1)) == type", None, True),
    ("uint(5) == 5u && bool('true') && !bool('f') && dyn(1) == 1.0", None, True),
    ('"a\\"b" == \'a"b\'', None, True),
    ("'\\X4c\\?\\x41\\101\\u0041' == 'L?AAA'", None, True),
    ("'''a'b''' == \"a'b\" && r'\\n' == '\\\\n'", None, True),
    ("has({'a': 1}.a) && !has({'a': 1}.b)", None, True),
    ("[10, 20].all(i, v, v == (i + 1) * 10)", None, True),
    ("[1, 2, 3].existsOne(x, x > 2) && !{'a': 1, 'b': 2}.existsOne(k, v, v > 0)", None, True),
    ("[1, 2].transformList(i, v, v * 2) == [2, 4]", None, True),
    ("'abcabc'.indexOf('c') == 2 && 'abcabc'.lastIndexOf('c') == 5 && 'a,b'.split(',') == ['a', 'b']", None, True),
    ("['a', 'b'].join('-') == 'a-b' && ' x '.trim() == 'x' && 'AbC'.lowerAscii() == 'abc' && 'abc'.substring(1, 2) == 'b'", None, True),
    ("'%s is %d'.format(['x', 5]) == 'x is 5' && strings.quote('a\"') == '\"a\\\\\"\"' && 'ab'.charAt(1) == 'b'", None, True),
    ("[3, 1, 2].sum() == 6 && [3, 1, 2].min() == 1 && [3, 1, 2].max() == 3 && [1, 2, 2].isSorted() && [1, 2].indexOf(2) == 1", None, True),
    ("'a1b22'.find('[0-9]+') == '1' && 'a1b22'.findAll('[0-9]+') == ['1', '22'] && 'abc'.matches('^a')", None, True),
    ("math.greatest(1, 5, 3) == 5 && math.least([2.0, -1.0]) == -1.0 && math.abs(-2) == 2 && math.ceil(1.2) == 2.0", None, True),
    ("sets.contains([1, 2, 3], [2]) && sets.equivalent([1, 1], [1]) && sets.intersects([1], [1, 9])", None, True),
    ("cel.bind(x, 3, x * x) == 9", None, True),
    ("optional.of(1).orValue(2) == 1 && optional.none().orValue(2) == 2 && [].first().hasValue() == false", None, True),
    ("isURL('https://example.com:8080/p?q=1') && url('https://example.com:8080/p').getPort() == '8080'", None, True),
    ("quantity('1Gi').isGreaterThan(quantity('1G')) && quantity('500m').asApproximateFloat() == 0.5", None, True),
    ("ip('10.0.0.1').family() == 4 && cidr('10.0.0.0/8').containsIP('10.1.2.3') && !isIP('1.2.3')", None, True),
    ("semver('1.2.3').isLessThan(semver('1.10.0')) && semver('1.2.3').major() == 1", None, True),
    ("timestamp('2024-01-02T03:04:05Z') + duration('1h') > timestamp('2024-01-02T04:00:00Z')", None, True),
    ("timestamp('2024-03-01T00:00:00Z').getMonth() == 2 && duration('90m').getHours() == 1", None, True),
])
def test_cel_values(run: Any, expr: str, self: Any, expected: Any) -> None:
    got = run(expr, self)
    if expected == "30u":
        assert type(got) is run.C.UInt and got == 30
    else:
        assert type(got) is type(expected) and got == expected, got


@pytest.mark.parametrize("expr, error", [
    ("9223372036854775807 + 1", "integer overflow"),
    ("-9223372036854775808 - 1", "integer overflow"),
    ("0u - 1u", "unsigned integer overflow"),
    ("1 / 0", "division by zero"),
    ("1 % 0", "modulus by zero"),
    ("5.5 % 2.0", "no such overload"),
    ("-(1u)", "no such overload"),
    ("[1] < [2]", "no such overload"),
    ("{'a': 1, 'a': 2}", "repeated key"),
    ("dyn('horses') || false", "no such overload"),
    ("[0, 1].all(x, 1 / x == 1)", "division by zero"),
    ("dyn(1) + 1u == 2", "no such overload"),
    ("int(9223372036854775807.0 * 2.0)", "integer overflow"),
    ("self.missing", "no such key"),
    ("[1][3]", "index out of range"),
])
def test_cel_errors(run: Any, expr: str, error: str) -> None:
    got = run(expr, {})
    assert isinstance(got, run.C.CelError) and error in str(got), got


def test_strategies_say_which_rule_shapes_they_cannot_draw_for() -> None:
    from genspec.strategies import celshape

    assert celshape.why_not("!has(self.a) || size(self.a) == size(self.b)") is None
    reason = celshape.why_not("size(self.a) > 0 && self.a.all(x, x / 2 == 1)")
    assert reason is not None and "'self.a.all(x, x / 2 == 1)' is not of the shapes" in reason
