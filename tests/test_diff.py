"""``genspec diff``: fixture spec pairs (tests/diff_fixtures/), one kind of change each, and
consecutive versions of the spec's history (spec/history/0.2.0.yaml, 0.3.0.yaml, then the
current spec) both ways. Classification, counterexamples, formats and
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
V02 = ROOT / "spec" / "history" / "0.2.0.yaml"  # image only
V03 = ROOT / "spec" / "history" / "0.3.0.yaml"  # adds video
HISTORY = V02
CURRENT = ROOT / "spec" / "generations.yaml"  # 0.5.0: nullable request fields, layering

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
    return diff.run(str(V02), str(V03))


@pytest.fixture(scope="module")
def to_current() -> diff.Report:
    return diff.run(str(V03), str(CURRENT))


@pytest.fixture(scope="module")
def from_current() -> diff.Report:
    return diff.run(str(CURRENT), str(V03))


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


def test_image_only_to_video_lists_the_video_additions_as_non_breaking(history: diff.Report) -> None:
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


def test_image_only_to_video_classifies_everything_else_with_a_reason(history: diff.Report) -> None:
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


def _with_errors(tmp_path: Path, name: str, statuses: dict[str, dict]) -> Path:
    """base.yaml whose getOrder also declares the error ``statuses`` (status -> schema)."""
    import yaml

    doc = yaml.safe_load(BASE.read_text())
    responses = doc["paths"]["/orders/{order_id}"]["get"]["responses"]
    for status, schema in statuses.items():
        responses[status] = {"description": "An error", "content": {"application/json": {"schema": schema}}}
    doc["components"]["schemas"]["Error"] = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}, "hint": {"type": "string"}}}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


ERROR = {"$ref": "#/components/schemas/Error"}


def test_status_added_to_a_shared_error_schema_is_only_a_status_added(tmp_path: Path) -> None:
    """Adding 413 to statuses that share one schema relabels the group (400|404 -> 400|404|413);
    no property was removed or added for clients of 400 and 404."""
    old = _with_errors(tmp_path, "old", {"400": ERROR, "404": ERROR})
    new = _with_errors(tmp_path, "new", {"400": ERROR, "404": ERROR, "413": ERROR})
    report = diff.run(str(old), str(new))
    assert [(c.kind, c.pointer) for c in report.changes] == [("response-non-success-status-added", "getOrder response 413")], diff_report.text(report)


def test_status_leaving_a_shared_error_schema_is_judged_for_that_status(tmp_path: Path) -> None:
    """400 and 404 shared Error; NEW gives 404 a schema without ``hint``: only 404 lost it."""
    narrower = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
    old = _with_errors(tmp_path, "old", {"400": ERROR, "404": ERROR, "409": ERROR})
    new = _with_errors(tmp_path, "new", {"400": ERROR, "404": narrower, "409": narrower})
    report = diff.run(str(old), str(new))
    removed = [c for c in report.changes if c.kind == "response-optional-property-removed"]
    assert [c.pointer for c in removed] == ["getOrder response 404|409 /hint"], diff_report.text(report)
    assert diff_report.worst(report.changes) == "warning"


def test_history_diff_has_no_false_warning_from_the_added_413(history: diff.Report) -> None:
    """The image-only spec's error responses are the current ones' minus 413: nothing of an
    error body was added or removed (issue 15: a false "optional property removed (Error)")."""
    false = [c for c in history.changes if c.kind in ("response-optional-property-removed", "response-required-property-removed", "response-property-added") and c.pointer.endswith(" /")]
    assert not false, diff_report.text(history)
    assert any(c.kind == "response-non-success-status-added" and c.pointer == "createGeneration response 413" for c in history.changes)


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


def test_cli_names_every_spec_that_cannot_be_read(tmp_path: Path) -> None:
    """Both OLD and NEW missing: both are named (each on its own line), not only the first."""
    old, new = tmp_path / "old-missing.yaml", tmp_path / "new-missing.yaml"
    result = _genspec("diff", str(old), str(new))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{old}:") for line in lines), result.stderr
    assert any(line.startswith(f"{new}:") for line in lines), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("spec", [V02, V03])
def test_history_spec_passes_check_and_generates_its_own_package(spec: Path) -> None:
    from genspec.check import check

    checked = check.run(spec)
    assert checked.api.package != "luma_gen" and checked.api.version == spec.stem
    assert {r.id for r in checked.api.rules} >= {"image-ref-exactly-one-source", "image-ref-media-type-with-data", "image-ref-max-9-for-image", "image-ref-max-8-for-image-edit"}


#: nullable request fields of sdk-0.5.0.md, one per kind of position (top level, $ref'd
#: objects and enums, media references, nested options, a control's field)
NULLABLE = [
    "/aspect_ratio", "/output_format", "/source", "/user_id", "/video", "/source/url", "/source/data",
    "/source/media_type", "/source/generation_id", "/video/hdr", "/video/duration", "/video/keyframes",
    "/video/edit", "/video/edit/strength", "/video/edit/controls/depth/blur", "/video/start_frame",
]


def test_video_to_current_nullability_loosens_requests(to_current: diff.Report) -> None:
    for pointer in NULLABLE:
        change = _find(to_current, "request-property-became-nullable", f"createGeneration request {pointer}")
        assert change.severity == "non-breaking" and change.reason == "only widens what requests may send"
    for pointer in ("/aspect_ratio", "/source", "/video", "/source/data", "/video/hdr"):
        cex = _find(to_current, "request-property-became-nullable", f"createGeneration request {pointer}").counterexample
        assert cex is not None and cex["accepted_by"] == "NEW" and "null" in json.dumps(cex["body"])
    # prompt, image_ref, model, style, type and web_search stay not nullable
    for name in ("prompt", "image_ref", "model", "style", "type", "web_search"):
        assert not [c for c in to_current.changes if c.kind.endswith("nullable") and c.pointer == f"createGeneration request /{name}"]


def test_video_to_current_layering_verdicts(to_current: diff.Report) -> None:
    request_type = _find(to_current, "request-property-enum-value-added", "createGeneration request /type")
    assert request_type.severity == "non-breaking" and '"layering"' in request_type.message
    assert request_type.counterexample is not None and request_type.counterexample["body"]["type"] == "layering"
    response_type = _find(to_current, "response-property-enum-value-added", "createGeneration response 200|201 /type")
    assert response_type.severity == "warning" and "exhaustive" in response_type.reason
    layer = _find(to_current, "response-property-added", "createGeneration response 200|201 /output[]/layer")
    assert layer.severity == "non-breaking"
    options = _find(to_current, "new-optional-request-property", "createGeneration request /layering")
    assert options.severity == "non-breaking"
    assert to_current.count("breaking") == 0, diff_report.text(to_current)
    added = {c.pointer for c in to_current.changes if c.kind == "rule-added"}
    assert {"rule layering-needs-source", "rule layering-model-uni-1", "rule layering-prompt-max-500", "rule layering-options-only-for-layering"} <= added


def test_current_to_video_is_breaking_with_counterexamples(from_current: diff.Report) -> None:
    for pointer in NULLABLE:
        change = _find(from_current, "request-property-became-not-nullable", f"createGeneration request {pointer}")
        assert change.severity == "breaking"
    for pointer in ("/aspect_ratio", "/source", "/video", "/source/data", "/video/hdr"):
        cex = _find(from_current, "request-property-became-not-nullable", f"createGeneration request {pointer}").counterexample
        assert cex is not None and cex["accepted_by"] == "OLD" and "null" in json.dumps(cex["body"])
    removed = _find(from_current, "request-property-enum-value-removed", "createGeneration request /type")
    assert removed.severity == "breaking" and removed.counterexample is not None
    assert removed.counterexample["accepted_by"] == "OLD" and removed.counterexample["body"]["type"] == "layering"
    gone = _find(from_current, "request-property-removed", "createGeneration request /layering")
    assert gone.severity == "breaking" and gone.counterexample is not None and gone.counterexample["accepted_by"] == "OLD"


def test_bodies_drawn_from_generated_strategies_join_the_candidates() -> None:
    """judge.draw takes valid bodies from a generated strategies module (valid_request)."""
    from types import SimpleNamespace

    from genspec.evolve import judge
    from hypothesis import strategies as st

    module = SimpleNamespace(valid_request=lambda op: st.fixed_dictionaries({"item": st.sampled_from(["a", "b"]), "qty": st.integers(1, 3)}))
    drawn = judge.draw(module, "createOrder", 20)
    assert drawn and all(set(b) == {"item", "qty"} for b in drawn)
    assert judge.draw(SimpleNamespace(), "createOrder") == []
