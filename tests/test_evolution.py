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
V02 = ROOT / "spec" / "history" / "0.2.0.yaml"  # image only
HISTORY = ROOT / "spec" / "history" / "0.3.0.yaml"  # video; the version before the current one


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
def image_only() -> tuple[object, dict[str, str], dict]:
    return _state(V02)


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


def test_image_only_to_video_is_a_minor_bump(image_only: tuple, old: tuple) -> None:
    lines = _summary(image_only, old)
    text = "\n".join(lines)
    assert "  types: 13 added" in text
    assert "  fields: 2 added" in text  # video on the body, generation_id on media references
    assert "  enum values: " in text and "added" in text.split("enum values: ")[1].splitlines()[0]
    assert "  rules: 27 added, 2 changed" in text
    assert "breaking:" not in text
    assert lines[-1].startswith("suggested version bump: minor (0.2.0 -> 0.3.0)")


def test_video_to_current_is_a_minor_bump(old: tuple, new: tuple) -> None:
    lines = _summary(old, new)
    text = "\n".join(lines)
    # Layer, LayerAlphaHint, LayeringOptions, LayeringResolution; the Files API's 8 schemas
    assert "  types: 12 added" in text
    assert "  fields: 3 added, 39 changed" in text  # layering, output[].layer, file_id; the nullable fields
    assert "  operations: 5 added" in text  # the Files API
    assert "  enum values: 1 added" in text  # type: layering
    assert "  rules: 11 added, 20 changed" in text  # layering (8), files (3); the rules reading nullable fields
    assert "breaking:" not in text
    assert lines[-1].startswith("suggested version bump: minor (0.3.0 -> 0.4.0)")
    assert lines[-1].endswith("the spec's info.version is 0.5.0")


def test_current_to_video_is_a_major_bump_naming_what_breaks(old: tuple, new: tuple) -> None:
    lines = _summary(new, old)
    text = "\n".join(lines)
    assert "breaking: type AdvancedControls /depth: may no longer be null" in text
    assert lines[-1].startswith("suggested version bump: major (0.5.0 -> 1.0.0)")


def test_video_to_image_only_is_a_major_bump_naming_what_breaks(image_only: tuple, old: tuple) -> None:
    lines = _summary(old, image_only)
    text = "\n".join(lines)
    assert "breaking: type GenerationCreateParams /video: property removed" in text
    assert "breaking: type Model: enum values removed: \"ray-3.2\"" in text
    assert lines[-1].startswith("suggested version bump: major (0.3.0 -> 1.0.0)")


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
    shutil.copytree(ROOT / "generated", out, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))

    stale = _genspec("generate", "--check", "--spec", str(spec), "--out", str(out))
    assert stale.returncode == 1
    for name in ("validators.py", "_manifest.py"):
        assert f"{out / 'luma_gen' / name}: stale (run `genspec generate --spec {spec} --out {out}`)" in stale.stderr
    assert "Traceback" not in stale.stderr

    regenerated = _genspec("generate", "--spec", str(spec), "--out", str(out))
    assert regenerated.returncode == 0, regenerated.stderr
    assert "  enum values: 1 added" in regenerated.stdout
    assert "suggested version bump: minor (0.5.0 -> 0.6.0)" in regenerated.stdout


@pytest.fixture(scope="module")
def one_word_edit(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The committed tree, copied, and its spec with one word of one description changed;
    ``generate --check`` then ``generate`` run with TMPDIR pointed at an empty folder."""
    work = tmp_path_factory.mktemp("one-word")
    shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
    (work / "spec").mkdir()
    spec = work / "spec" / "generations.yaml"
    text = SPEC.read_text()
    assert text.count("web search grounding") == 1
    spec.write_text(text.replace("web search grounding", "web search anchoring"))
    out = work / "generated"
    shutil.copytree(ROOT / "generated", out, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    before = {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*")) if p.is_file()}
    tmp = work / "tmp"
    tmp.mkdir()
    env = {**__import__("os").environ, "TMPDIR": str(tmp)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "genspec.cli", *a, "--spec", str(spec), "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    stale = run("generate", "--check")
    tmp_after_check = sorted(p.name for p in tmp.iterdir())
    regenerated = run("generate")
    after = {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*")) if p.is_file()}
    return {"out": out, "spec": spec, "before": before, "after": after, "stale": stale, "regenerated": regenerated, "tmp": tmp, "tmp_after_check": tmp_after_check}


def test_a_one_word_description_edit_changes_only_the_files_carrying_it(one_word_edit: dict) -> None:
    """The spec's hash lives in _manifest.py alone: a description edit rewrites the manifest
    and the files that show that description, nothing else, and --check names only those."""
    before, after, out = one_word_edit["before"], one_word_edit["after"], one_word_edit["out"]
    assert one_word_edit["regenerated"].returncode == 0, one_word_edit["regenerated"].stderr
    changed = {rel for rel in before if before[rel] != after.get(rel)}
    carrying = {rel for rel, text in before.items() if "grounding" in text}
    assert carrying and "luma_gen/_manifest.py" not in carrying
    assert changed == carrying | {"luma_gen/_manifest.py"}
    assert len(changed) < len(before)
    stale = one_word_edit["stale"]
    assert stale.returncode == 1
    named = {line.split(": stale", 1)[0] for line in stale.stderr.splitlines() if ": stale" in line}
    assert named == {str(out / rel) for rel in changed}, stale.stderr


def test_the_spec_hash_is_recorded_once_and_read_by_the_package(one_word_edit: dict) -> None:
    import hashlib

    digest = hashlib.sha256(one_word_edit["spec"].read_bytes()).hexdigest()
    holding = {rel for rel, text in one_word_edit["after"].items() if digest in text}
    assert holding == {"luma_gen/_manifest.py"}
    assert "from ._manifest import SPEC_SHA256" in one_word_edit["after"]["luma_gen/__init__.py"]


def test_generate_leaves_nothing_in_the_temporary_directory(one_word_edit: dict) -> None:
    """Each `genspec generate` used to leave two genspec-prev-* folders behind (issue 15).
    What may stay is Lark's parser cache for CEL (one file keyed by the grammar, reused by
    every run: see genspec.schema.cel), so a second run adds nothing."""
    left = sorted(p.name for p in one_word_edit["tmp"].iterdir())
    assert all(name.startswith(".lark_cache") for name in left), left
    assert left == one_word_edit["tmp_after_check"]
