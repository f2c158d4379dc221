"""``genspec diff``: fixture spec pairs (tests/diff_fixtures/), one kind of change each, and the
older image-only spec against the current one. Classification, counterexamples, formats and
exit codes are asserted; the CLI runs in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from genspec.evolve import diff, diff_report

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "diff_fixtures"
BASE = FIX / "base.yaml"
HISTORY = ROOT / "spec" / "history" / "image-only.yaml"
CURRENT = ROOT / "spec" / "generations.yaml"

#: fixture -> (kind, severity, pointer, counterexample accepted by: OLD, NEW or None)
CASES = {
    "operation-removed": ("api-removed-without-deprecation", "breaking", "getOrder", None),
    "request-property-removed": ("request-property-removed", "breaking", "createOrder request /note", "OLD"),
    "request-property-became-required": ("request-property-became-required", "breaking", "createOrder request /size", "OLD"),
    "new-required-request-property": ("new-required-request-property", "breaking", "createOrder request /customer", "OLD"),
    "request-enum-value-removed": ("request-property-enum-value-removed", "breaking", "createOrder request /size", "OLD"),
    "request-range-narrowed": ("request-property-max-decreased", "breaking", "createOrder request /qty", "OLD"),
    "request-length-narrowed": ("request-property-max-length-decreased", "breaking", "createOrder request /item", "OLD"),
    "request-type-changed": ("request-property-type-changed", "breaking", "createOrder request /qty", "OLD"),
    "request-parameter-became-required": ("request-parameter-became-required", "breaking", "getOrder parameter query verbose", None),
    "rule-tightened": ("rule-changed", "breaking", "rule gift-qty-limit", "OLD"),
    "rule-added": ("rule-added", "breaking", "rule note-needs-gift", "OLD"),
    "response-property-removed": ("response-required-property-removed", "breaking", "createOrder response 201 /status", None),
    "response-property-became-optional": ("response-property-became-optional", "breaking", "createOrder response 201 /item", None),
    "response-enum-value-added": ("response-property-enum-value-added", "warning", "createOrder response 201 /status", None),
    "rule-loosened": ("rule-changed", "non-breaking", "rule gift-qty-limit", "NEW"),
    "rule-removed": ("rule-removed", "non-breaking", "rule gift-qty-limit", "NEW"),
    "rule-added-harmless": ("rule-added", "non-breaking", "rule wrap-needs-gift", None),
    "additions": ("new-optional-request-property", "non-breaking", "createOrder request /coupon", "NEW"),
    "descriptions": ("description-changed", "non-breaking", "createOrder request /item", None),
}


@pytest.fixture(scope="module")
def reports() -> dict[str, diff.Report]:
    return {name: diff.run(str(BASE), str(FIX / f"{name}.yaml")) for name in CASES}


@pytest.fixture(scope="module")
def history() -> diff.Report:
    return diff.run(str(HISTORY), str(CURRENT))


def _find(report: diff.Report, kind: str, pointer: str) -> diff.Change:
    hits = [c for c in report.changes if c.kind == kind and (c.pointer == pointer or pointer in c.also)]
    assert hits, f"no {kind} at {pointer} in:\n" + diff_report.text(report)
    return hits[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_pair_is_classified(reports: dict[str, diff.Report], name: str) -> None:
    kind, severity, pointer, accepted_by = CASES[name]
    change = _find(reports[name], kind, pointer)
    assert change.severity == severity, diff_report.text(reports[name])
    assert change.reason
    if accepted_by is None:
        return
    cex = change.counterexample
    assert cex is not None and cex["accepted_by"] == accepted_by


@pytest.mark.parametrize("name", sorted(CASES))
def test_worst_severity_of_each_pair(reports: dict[str, diff.Report], name: str) -> None:
    """Each pair is one kind of change: nothing worse than its own class shows up."""
    assert diff_report.worst(reports[name].changes) == CASES[name][1], diff_report.text(reports[name])


def test_counterexamples_are_smallest_and_really_tell_the_specs_apart(reports: dict[str, diff.Report]) -> None:
    from genspec.check import check

    tightened = _find(reports["rule-tightened"], "rule-changed", "rule gift-qty-limit").counterexample
    assert tightened is not None
    assert tightened["body"] in ({"item": "x", "qty": q, "gift": True} for q in (4, 5))
    old = check.run(BASE).validators
    new = check.run(FIX / "rule-tightened.yaml").validators
    assert old.validate_request("createOrder", tightened["body"]) == []
    assert [v.rule for v in new.validate_request("createOrder", tightened["body"])] == ["gift-qty-limit"]
    loosened = _find(reports["rule-loosened"], "rule-changed", "rule gift-qty-limit").counterexample
    assert loosened is not None and loosened["body"]["gift"] is True and 5 < loosened["body"]["qty"] <= 10
    narrowed = _find(reports["request-length-narrowed"], "request-property-max-length-decreased", "createOrder request /item").counterexample
    assert narrowed is not None and len(narrowed["body"]["item"]) == 21


def test_identical_specs_have_no_changes() -> None:
    assert diff.run(str(BASE), str(BASE)).changes == []


def test_history_to_current_lists_the_video_additions_as_non_breaking(history: diff.Report) -> None:
    expected = [
        ("request-property-enum-value-added", "createGeneration request /type", ["video", "video_edit", "video_reframe"]),
        ("request-property-enum-value-added", "createGeneration request /model", ["ray-3.2"]),
        ("request-property-enum-value-added", "createGeneration request /aspect_ratio", ["21:9", "4:3", "3:4"]),
        ("new-optional-request-property", "createGeneration request /source/generation_id", []),
        ("new-optional-request-property", "createGeneration request /image_ref[]/generation_id", []),
        ("new-optional-request-property", "createGeneration request /video", []),
    ]
    for kind, pointer, values in expected:
        change = _find(history, kind, pointer)
        assert change.severity == "non-breaking"
        for value in values:
            assert f'"{value}"' in change.message
    schemas = _find(history, "component-schemas-added", "components")
    assert "VideoOptions" in schemas.message and schemas.severity == "non-breaking"


def test_history_to_current_classifies_everything_else_with_a_reason(history: diff.Report) -> None:
    assert history.count("breaking") == 0, diff_report.text(history)
    for pointer in ("createGeneration response 200|201 /model", "createGeneration response 200|201 /type"):
        change = _find(history, "response-property-enum-value-added", pointer)
        assert change.severity == "warning" and "exhaustive" in change.reason
    exactly_one = _find(history, "rule-changed", "rule image-ref-exactly-one-source")
    assert exactly_one.severity == "non-breaking" and exactly_one.reason.startswith("loosened")
    assert exactly_one.counterexample is not None and exactly_one.counterexample["accepted_by"] == "NEW"
    # the history's media reference took url or data; the new sources are generation_id, file_id
    assert any(key in json.dumps(exactly_one.counterexample["body"]) for key in ('"generation_id"', '"file_id"'))
    assert all(c.reason for c in history.changes)
    added_rules = [c for c in history.changes if c.kind == "rule-added"]
    assert added_rules and all(c.severity == "non-breaking" for c in added_rules)


def _genspec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "genspec.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("fixture", "fail_on", "code"),
    [
        ("rule-tightened", "breaking", 1),
        ("rule-tightened", "never", 0),
        ("response-enum-value-added", "breaking", 0),
        ("response-enum-value-added", "warning", 1),
        ("additions", "warning", 0),
    ],
)
def test_cli_exit_code_follows_fail_on(fixture: str, fail_on: str, code: int) -> None:
    result = _genspec("diff", str(BASE), str(FIX / f"{fixture}.yaml"), "--fail-on", fail_on)
    assert result.returncode == code, result.stdout + result.stderr


def test_cli_formats() -> None:
    args = ("diff", str(BASE), str(FIX / "rule-tightened.yaml"), "--fail-on", "never")
    as_json = json.loads(_genspec(*args, "--format", "json").stdout)
    assert as_json["summary"] == {"breaking": 1, "warning": 0, "non-breaking": 0}
    change = as_json["changes"][0]
    assert set(change) >= {"kind", "severity", "pointer", "message", "reason", "counterexample"}
    assert change["counterexample"]["body"]["gift"] is True
    text = _genspec(*args).stdout
    assert "BREAKING (1)" in text and "counterexample:" in text and text.rstrip().endswith("1 change: 1 breaking, 0 warnings, 0 non-breaking")
    md = _genspec(*args, "--format", "markdown").stdout
    assert md.startswith("## API changes") and "| `rule gift-qty-limit` |" in md


def test_cli_bad_spec_is_one_line_per_problem_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: [\n")
    result = _genspec("diff", str(BASE), str(broken))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "broken.yaml:" in result.stderr


def test_history_spec_passes_check_and_generates_its_own_package() -> None:
    from genspec.check import check

    checked = check.run(HISTORY)
    assert checked.api.package != "luma_gen"
    assert {r.id for r in checked.api.rules} >= {"image-ref-exactly-one-source", "image-ref-media-type-with-data", "image-ref-max-9-for-image", "image-ref-max-8-for-image-edit"}


def test_bodies_drawn_from_generated_strategies_join_the_candidates() -> None:
    """judge.draw takes valid bodies from a generated strategies module (valid_request)."""
    from types import SimpleNamespace

    from genspec.evolve import judge
    from hypothesis import strategies as st

    module = SimpleNamespace(valid_request=lambda op: st.fixed_dictionaries({"item": st.sampled_from(["a", "b"]), "qty": st.integers(1, 3)}))
    drawn = judge.draw(module, "createOrder", 20)
    assert drawn and all(set(b) == {"item", "qty"} for b in drawn)
    assert judge.draw(SimpleNamespace(), "createOrder") == []
