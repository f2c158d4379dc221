"""The benchmark harness (``python -m benchmarks``) works: a quick run on a few hundred requests.

Benchmarks are not tests: nothing here asserts a timing. The parts that need npm (Prism) or
wrk are not run; peers that are not installed here get a row saying so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_quick_run_writes_the_report(tmp_path: Path) -> None:
    out, raw = tmp_path / "RESULTS.md", tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--no-setup", "--size", "200", "--parts", "validators,client",
         "--out", str(out), "--json", str(raw)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(raw.read_text())
    validators = results["validators"]
    assert validators["corpus"]["valid"] + validators["corpus"]["invalid"] >= 150
    ours = validators["tools"]["ours"]
    assert "error" not in ours, ours
    # our verdicts: every valid body accepted, every near miss rejected, and the oracle agrees
    assert set(ours["accepts_valid"]) == {"1"} and set(ours["accepts_invalid"]) == {"0"}
    assert validators["oracle_disagreements"] == 0
    assert results["client"]["ours"]["n"] >= 1 and results["client"]["sdk"]["n"] >= 1
    text = out.read_text()
    assert "## Goals (issue 6)" in text and "| ours (" in text and "## Client overhead" in text


def test_corpus_is_the_same_for_the_same_seed() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks import corpus

    first = corpus.build(12, seed=3, workers=1, use_cache=False).read_bytes()
    second = corpus.build(12, seed=3, workers=1, use_cache=False).read_bytes()
    assert first == second
    data = json.loads(first)
    assert data["meta"]["valid"] >= 6 and data["meta"]["invalid"] >= 1


def test_draft7_rewrite_for_fastjsonschema() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.peers import to_draft7

    schema = {"dependentRequired": {"a": ["b"]}, "properties": {"c": {"$ref": "#/components/schemas/C", "minLength": 1}}, "x-rule": {}}
    assert to_draft7(schema) == {
        "properties": {"c": {"allOf": [{"$ref": "#/definitions/C"}, {"minLength": 1}]}},
        "dependencies": {"a": ["b"]},
    }


def test_quick_run_without_out_leaves_the_committed_results_alone(tmp_path: Path) -> None:
    """The CI smoke run must not overwrite benchmarks/RESULTS.md with a one-run report: without
    --out it writes to the temp folder (TMPDIR) and says where."""
    import os

    committed = ROOT / "benchmarks" / "RESULTS.md"
    before = committed.read_bytes()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--no-setup", "--parts", ""], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    after = committed.read_bytes()
    if after != before:  # put the committed results back before failing
        committed.write_bytes(before)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert after == before, "python -m benchmarks --quick overwrote benchmarks/RESULTS.md"
    written = tmp_path / "genspec-benchmarks-quick.md"
    assert written.is_file() and f"report written to {written}" in proc.stderr
