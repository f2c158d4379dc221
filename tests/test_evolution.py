"""Regeneration says what changed: the manifest in the generated package, the summary of
``genspec generate`` with its semver suggestion, and ``genspec generate --check`` failing (what
``.ci/run`` runs) when generated/ is stale against the spec."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from genspec.check import check
from genspec.evolve import evolution
from genspec.model import contract
from genspec.render import render

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "generations.yaml"
HISTORY = ROOT / "spec" / "history" / "image-only.yaml"


def _state(spec: Path) -> tuple[object, dict[str, str], dict]:
    """(api, rendered validator modules, manifest) of a spec, without black (fast)."""
    checked = check.run(spec)
    files = render.render(checked.api, checked.compiled, "", only=("_runtime.py", "validators.py"), format=False)
    modules = {Path(rel).name: text for rel, text in files.items()}
    return checked.api, modules, contract.manifest(contract.build(checked.api))


@pytest.fixture(scope="module")
def old() -> tuple[object, dict[str, str], dict]:
    return _state(HISTORY)


@pytest.fixture(scope="module")
def new() -> tuple[object, dict[str, str], dict]:
    return _state(SPEC)


def _summary(before: tuple, after: tuple) -> list[str]:
    _, modules, manifest = before
    api, new_modules, _ = after
    snap = evolution.Snapshot(Path("out") / "pkg", manifest, {**modules, "_manifest.py": ""})
    return evolution.summary_lines(snap, api, {f"pkg/{k}": v for k, v in new_modules.items()})


def test_committed_manifest_matches_the_spec(new: tuple) -> None:
    text = (ROOT / "generated" / "luma_gen" / "_manifest.py").read_text()
    assert text.startswith(render.MARKER)
    assert evolution.read_manifest(text) == new[2]


def test_history_to_current_is_a_minor_bump(old: tuple, new: tuple) -> None:
    lines = _summary(old, new)
    text = "\n".join(lines)
    assert "  types: 21 added" in text  # 13 for video, 8 for the Files API
    assert "  fields: 3 added" in text  # video on the body, generation_id and file_id on media references
    assert "  operations: 6 added" in text
    assert "  enum values: " in text and "added" in text.split("enum values: ")[1].splitlines()[0]
    assert "  rules: 30 added, 2 changed" in text
    assert "breaking:" not in text
    assert lines[-1].startswith("suggested version bump: minor (0.9.0 -> 0.10.0)")


def test_current_to_history_is_a_major_bump_naming_what_breaks(old: tuple, new: tuple) -> None:
    lines = _summary(new, old)
    text = "\n".join(lines)
    assert "breaking: type GenerationCreateParams /video: property removed" in text
    assert "breaking: createFile: operation removed: POST /files (clients that call it fail)" in text
    assert lines[-1].startswith("suggested version bump: major (1.0.0 -> 2.0.0)")


def test_unchanged_and_first_generation(new: tuple) -> None:
    assert "no version bump needed" in _summary(new, new)[0]
    api = new[0]
    assert evolution.summary_lines(evolution.Snapshot(Path("nowhere")), api, {})[0].endswith(f"first generation of {api.package} {api.version}")


@pytest.mark.parametrize(
    ("version", "level", "expected"),
    [("1.2.3", "major", "2.0.0"), ("1.2.3", "minor", "1.3.0"), ("1.2.3", "patch", "1.2.4"), ("1.2.3", "none", "1.2.3"), ("v1", "major", "v1")],
)
def test_next_version(version: str, level: str, expected: str) -> None:
    assert evolution.next_version(version, level) == expected


def test_bump_levels() -> None:
    from genspec.evolve.diff import Change

    docs = Change("description-changed", "non-breaking", "x", "m", "r")
    added = Change("new-optional-request-property", "non-breaking", "x", "m", "r")
    broke = Change("request-property-removed", "breaking", "x", "m", "r")
    assert evolution.bump([]) == "none"
    assert evolution.bump([docs]) == "patch"
    assert evolution.bump([docs, added]) == "minor"
    assert evolution.bump([docs, added, broke]) == "major"


def _genspec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "genspec.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_generate_check_fails_on_a_stale_tree_and_regeneration_says_what_changed(tmp_path: Path) -> None:
    """What .ci/run relies on: the committed tree, copied, goes stale when its spec changes."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "spec").mkdir()
    spec = tmp_path / "spec" / "generations.yaml"
    text = SPEC.read_text()
    assert "enum: [auto, manga]" in text
    spec.write_text(text.replace("enum: [auto, manga]", "enum: [auto, manga, photo]"))
    out = tmp_path / "generated"
    shutil.copytree(ROOT / "generated", out, ignore=shutil.ignore_patterns("__pycache__"))

    stale = _genspec("generate", "--check", "--spec", str(spec), "--out", str(out))
    assert stale.returncode == 1
    for name in ("validators.py", "_manifest.py"):
        assert f"{out / 'luma_gen' / name}: stale (run `genspec generate --spec {spec} --out {out}`)" in stale.stderr
    assert "Traceback" not in stale.stderr

    regenerated = _genspec("generate", "--spec", str(spec), "--out", str(out))
    assert regenerated.returncode == 0, regenerated.stderr
    assert "  enum values: 1 added" in regenerated.stdout
    assert "suggested version bump: minor (1.0.0 -> 1.1.0)" in regenerated.stdout
