"""The official CEL conformance cases through genspec's CEL compiler, with pass rates per file
(core files at least 95%, extension files at least 80%). See ``tests/celconformance.py``."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from celconformance import EXTENSION_FILES, cases, load_runtime, same
from genspec.schema import cel

CORE_GOAL, EXTENSION_GOAL = 0.95, 0.80
_REJECTED = re.compile(r"CEL type error|is not defined|takes other arguments")


def _run(tmp_path: Path) -> dict[str, list[tuple[str, str]]]:
    try:
        rt = load_runtime(tmp_path)
        uint = importlib.import_module("celrt._cel").UInt
        kept, _ = cases(uint)
    except OSError as exc:  # no registry and no cache: a failure, never a silent skip
        pytest.fail(f"the cel-python sdist could not be fetched (pip download cel-python==0.5.0): {exc}")
    assert rt
    lines = ["from typing import Any", "from celrt import _cel as _C", "from celrt import _cel_lib as _L", ""]
    compiled: dict[int, str] = {}
    for n, case in enumerate(kept):
        names = {k: (f"self[{k!r}]", "dyn") for k in case.bindings}
        tr = cel.translate(case.expr, "self", lambda path: None, names=names, want_bool=False)
        if tr.errors:
            compiled[n] = "; ".join(tr.errors)
            continue
        lines += cel.function_lines(f"_t{n}", case.name.replace('"', "'").replace("\\", "/"), tr.python)[:1] + [f"    return {tr.python}", ""]
    (tmp_path / "celrt" / "cases.py").write_text("\n".join(lines), encoding="utf-8")
    module = importlib.import_module("celrt.cases")
    error_type = importlib.import_module("celrt._cel").CelError
    failures: dict[str, list[tuple[str, str]]] = {}
    for n, case in enumerate(kept):
        failures.setdefault(case.file, [])
        if n in compiled:
            # a rule that check refuses (a type error, an unknown name or function, a wrong
            # argument count: what Kubernetes also rejects when a rule is written) never
            # accepts anything, which is what a case that expects an error asks for
            if not (case.error and _REJECTED.search(compiled[n])):
                failures[case.file].append((case.name, "refused: " + compiled[n]))
            continue
        try:
            got = getattr(module, f"_t{n}")(case.bindings)
            erred = None
        except Exception as exc:  # every Python error is a CEL evaluation error here
            got, erred = None, exc
        if case.error and erred is None:
            failures[case.file].append((case.name, f"expected an error, got {got!r}"))
        elif not case.error and erred is not None:
            failures[case.file].append((case.name, f"erred: {type(erred).__name__ if not isinstance(erred, error_type) else ''} {erred}"))
        elif not case.error and not same(got, case.expected):
            failures[case.file].append((case.name, f"got {got!r}, expected {case.expected!r}"))
    counts = {}
    for case in kept:
        counts[case.file] = counts.get(case.file, 0) + 1
    return {f: [("", str(counts[f]))] + fails for f, fails in failures.items()}


def test_conformance_pass_rates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = _run(tmp_path)
    rows, low = [], []
    totals = {"core": [0, 0], "extension": [0, 0]}
    for stem, entries in sorted(results.items()):
        total, fails = int(entries[0][1]), entries[1:]
        kind = "extension" if stem in EXTENSION_FILES else "core"
        totals[kind][0] += total - len(fails)
        totals[kind][1] += total
        rows.append(f"{stem:16} {kind:9} {total - len(fails):4}/{total:<4} {100 * (total - len(fails)) / total:5.1f}%")
    for kind, (passed, total) in totals.items():
        rows.append(f"{'all ' + kind:26} {passed:4}/{total:<4} {100 * passed / max(total, 1):5.1f}%")
        goal = CORE_GOAL if kind == "core" else EXTENSION_GOAL
        if total and passed / total < goal:
            low.append(kind)
    with capsys.disabled():
        print("\nCEL conformance (JSON-carriable cases):\n" + "\n".join(rows))
    detail = [f"{stem}: {name}: {why}" for stem, entries in sorted(results.items()) for name, why in entries[1:]]
    assert not low, f"{', '.join(low)} below the goal; failures:\n" + "\n".join(detail[:300])
