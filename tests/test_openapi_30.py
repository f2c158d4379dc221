"""Issue 14: OpenAPI 3.0 documents are read by rewriting them as 3.1 on load (nullable,
boolean exclusive bounds, example), and problems keep the lines of the original file."""

from __future__ import annotations

from pathlib import Path

from genhelp import ROOT, generate, genspec, import_package, submodule

SPEC = ROOT / "tests" / "specs" / "kennel30.yaml"


def test_a_30_spec_generates_validators_with_31_meaning(tmp_path: Path) -> None:
    package = generate(SPEC, tmp_path)
    validators = submodule(import_package(tmp_path / package), "validators")
    assert validators.validate_request("addDog", {"name": "Rex", "nickname": None, "size": None, "weight": 0.5}) == []
    assert [v.path for v in validators.validate_request("addDog", {"name": "Rex", "weight": 0})] == ["/weight"]
    assert validators.validate_request("addDog", {"name": "Rex", "weight": 90}) == []
    assert [v.path for v in validators.validate_request("addDog", {"name": None})] == ["/name"]


def test_problems_of_a_30_spec_keep_their_original_lines(tmp_path: Path) -> None:
    broken = SPEC.read_text().replace("nickname: {type: string, nullable: true}", "nickname: {$ref: '#/components/schemas/Nick', nullable: true}")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "Nick'" in text)
    spec = tmp_path / "kennel.yaml"
    spec.write_text(broken)
    proc = genspec("check", str(spec))
    assert proc.returncode == 1
    assert f"kennel.yaml:{line}: " in proc.stderr and "Nick" in proc.stderr, proc.stderr
