"""The peephole pass over the generated validator functions (generator/schema/peephole.py)
changes their code, never what they return.

Small functions exercise each rewrite (merge, facts from enclosing and early-returning ifs,
the sentinel, nested ifs, ``:=``, mutation) and are run, before and after, on every
combination of a pool of values; then whole specs (this API's and an unrelated one) are
compiled with and without the pass and every schema judges the same drawn values, valid ones
and near misses of every rule, with the same violations.
"""

from __future__ import annotations

import ast
import itertools
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest
from genhelp import ROOT, generate, import_package, submodule
from genspec.check import check
from genspec.schema import peephole
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_M = object()
POOL: list[Any] = [_M, None, True, False, 0, 2, 1.5, "", "a", "image/png", [], [1], {}, {"k": 1}]


def _run(src: str) -> tuple[Callable[..., Any], Callable[..., Any], str]:
    """The function in ``src`` and its simplified twin, and the simplified source."""
    lines = textwrap.dedent(src).strip().splitlines()
    out = "\n".join(peephole.simplify(lines))
    env: dict[str, Any] = {"_M": _M, "_E1": frozenset({"a", "b"})}
    before: dict[str, Any] = dict(env)
    after: dict[str, Any] = dict(env)
    exec("\n".join(lines), before)  # noqa: S102 (test functions written here)
    exec(out, after)  # noqa: S102
    name = ast.parse(out).body[0].name  # type: ignore[attr-defined]
    return before[name], after[name], out


def _same(f: Callable[..., Any], g: Callable[..., Any], arity: int) -> None:
    for args in itertools.product(POOL, repeat=arity):
        def outcome(fn: Callable[..., Any]) -> Any:
            try:
                return ("returned", fn(*args))
            except Exception as exc:  # the same exception, or none, on both sides
                return ("raised", type(exc))
        assert outcome(f) == outcome(g), args


def test_adjacent_ifs_on_one_test_merge_and_inner_tests_fold() -> None:
    f, g, out = _run("""
        def f(a, b):
            if a is not _M and type(a) is list:
                if b is not _M:
                    return 1
            if a is not _M and type(a) is list:
                if type(a) is list:
                    return 2
            return 3
    """)
    _same(f, g, 2)
    assert out.count("if type(a) is list") == 1 and "a is not _M" not in out


def test_an_early_return_makes_later_tests_known() -> None:
    f, g, out = _run("""
        def f(a, b):
            if a is _M:
                return False
            if a is not _M:
                if not (a is None or type(a) is str):
                    return False
            if (a is not _M and type(a) is str) + (b is not _M and type(b) is str) != 1:
                return False
            return True
    """)
    _same(f, g, 2)
    assert "is not _M" not in out  # known after the first return, implied by type() in the sum


def test_a_false_conjunction_teaches_its_consequence() -> None:
    f, g, out = _run("""
        def f(a):
            if a is not _M and not type(a) is list:
                return False
            if a is not _M:
                if not type(a) is list:
                    return False
                if len(a) > 1:
                    return False
            return True
    """)
    _same(f, g, 1)
    assert out.count("type(a) is list") == 1


def test_walrus_and_mutation_forget_what_they_change() -> None:
    f, g, out = _run("""
        def f(a, b):
            if type(b) is dict and (w := b.get("k", _M)) is not _M and w == 1:
                if type(b) is dict and (w := b.get("k", _M)) is not _M and w == 1:
                    return 1
            seen = []
            if len(seen) == 0:
                seen.append(a)
            if len(seen) == 0:
                return 2
            n = 0
            if a is None:
                n = 1
            if a is None:
                n += 1
            return n
    """)
    _same(f, g, 2)
    assert out.count("len(seen) == 0") == 2  # the append changed it: not folded


def test_a_fact_is_forgotten_when_its_name_changes() -> None:
    f, g, out = _run("""
        def f(a):
            s = []
            if a is None:
                return 0
            if len(s) != 0:
                return 1
            a = None
            s.append(a)
            if a is None and len(s) != 0:
                return 2
            return 3
    """)
    _same(f, g, 1)
    assert "return 2" in out


def test_value_context_keeps_values() -> None:
    """Outside a test, `and`/`or` return an operand, not a bool: only bool operands fold."""
    f, g, _ = _run("""
        def f(a, b):
            if b is None:
                return (a and b is None, a or b is not None, (b is None) + (a is None))
            return None
    """)
    _same(f, g, 2)


def test_loops_and_nested_functions_get_no_stale_facts() -> None:
    f, g, _ = _run("""
        def f(a, b):
            x = a
            if x is None:
                for x in [b, None]:
                    if x is None:
                        return 1
            if x is None:
                return 2
            return 3
    """)
    _same(f, g, 2)


# -- whole specs ----------------------------------------------------------------------------


def _identity(lines: list[str]) -> list[str]:
    return lines


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Any, Any]]:
    """spec -> (strategies, validators with the pass, validators without it)."""
    out = {}
    for spec in (ROOT / "spec" / "generations.yaml", ROOT / "tests" / "specs" / "bookshop.yaml"):
        folder = tmp_path_factory.mktemp(spec.stem)
        package = import_package(folder / generate(spec, folder))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(peephole, "simplify", _identity)
            plain = check.run(spec).validators
        optimised = submodule(package, "validators")
        out[spec.stem] = (submodule(package, "strategies"), optimised, plain)
        # the pass did something: the optimised module has fewer if statements
        assert _ifs(optimised) < 0.9 * _ifs(plain)
    return out


def _ifs(module: Any) -> int:
    return sum(isinstance(n, ast.If) for n in ast.walk(ast.parse(Path(module.__file__).read_text())))


def _cases(strategies: Any, validators: Any) -> st.SearchStrategy[tuple[str, Any]]:
    names = sorted(n for n in validators._SCHEMAS if "." not in n)
    options = []
    for name in names:
        options.append(st.tuples(st.just(name), strategies.valid_schema(name, checked=False)))
        for rule in strategies.rules_of(name):
            try:
                miss = strategies.schema_near_miss(name, rule)
            except ValueError:
                continue
            options.append(st.tuples(st.just(name), miss.map(lambda m: m.body)))
    return st.one_of(options)


@pytest.mark.parametrize("spec", ["generations", "bookshop"])
@settings(suppress_health_check=list(HealthCheck), deadline=None)
@given(data=st.data())
def test_every_schema_judges_alike_with_and_without_the_pass(twins: dict[str, tuple[Any, Any, Any]], spec: str, data: st.DataObject) -> None:
    strategies, optimised, plain = twins[spec]
    name, value = data.draw(_cases(strategies, optimised))
    assert optimised.validate_schema(name, value) == plain.validate_schema(name, value)
