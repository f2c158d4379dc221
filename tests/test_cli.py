"""The genspec command through a subprocess: exit codes and output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from genhelp import ROOT, genspec

SPEC = ROOT / "spec" / "generations.yaml"


def test_check_passes_on_the_spec() -> None:
    proc = genspec("check")
    assert proc.returncode == 0, proc.stderr
    assert "spec/generations.yaml: ok" in proc.stdout


def test_check_lists_every_problem_with_file_and_line(tmp_path: Path) -> None:
    text = SPEC.read_text()
    text = text.replace("maxLength: 6000", "maxLenght: 6000", 1)
    one = "- {required: [generation_id], properties: {generation_id: {type: string}}}"
    assert one in text
    text = text.replace(one, one + "\n            - $ref: '#/components/schemas/Nope'", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    proc = genspec("check", str(bad))
    assert proc.returncode == 1
    lines = [l for l in proc.stderr.splitlines() if l.startswith(str(bad))]
    assert any("unknown schema keyword 'maxLenght'" in l and "did you mean 'maxLength'" in l for l in lines)
    assert any("does not resolve" in l for l in lines)
    for line in lines:
        assert line.split(":")[1].isdigit(), line
    assert "Traceback" not in proc.stderr


def test_invalid_yaml_gives_one_line_with_the_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.1.0\ninfo: {title: x\n  version: 1\n")
    proc = genspec("check", str(bad))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{bad}:")
    assert "invalid YAML" in proc.stderr and "Traceback" not in proc.stderr


def _copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "spec").mkdir(parents=True)
    shutil.copy(SPEC, root / "spec" / "generations.yaml")
    (root / "pyproject.toml").write_text("")
    shutil.copytree(ROOT / "generated", root / "generated")
    return root


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failed_generate_leaves_generated_untouched(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    before = _snapshot(root / "generated")
    spec = root / "spec" / "generations.yaml"
    spec.write_text(spec.read_text().replace("type: object", "type: objekt", 1))
    proc = genspec("generate", "--spec", str(spec), "--out", str(root / "generated"))
    assert proc.returncode == 1
    assert "unknown type 'objekt'" in proc.stderr and "nothing written" in proc.stderr
    assert _snapshot(root / "generated") == before


def test_generate_check_names_stale_files_and_generate_refreshes_them(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    spec = root / "spec" / "generations.yaml"
    out = root / "generated"
    assert genspec("generate", "--check", "--spec", str(spec), "--out", str(out)).returncode == 0
    spec.write_text(spec.read_text().replace("maxLength: 256", "maxLength: 255", 1))
    proc = genspec("generate", "--check", "--spec", str(spec), "--out", str(out))
    assert proc.returncode == 1
    assert "validators.py: stale" in proc.stderr
    proc = genspec("generate", "--spec", str(spec), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert genspec("generate", "--check", "--spec", str(spec), "--out", str(out)).returncode == 0
    # a second run rewrites nothing
    again = genspec("generate", "--spec", str(spec), "--out", str(out))
    assert " 0 written" in again.stdout


def test_generate_refuses_to_overwrite_a_hand_written_file(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    mine = root / "generated" / "luma_gen" / "models.py"
    mine.write_text("# my own models\n")
    proc = genspec("generate", "--spec", str(root / "spec" / "generations.yaml"), "--out", str(root / "generated"))
    assert proc.returncode == 1
    assert "refusing to overwrite a file without the genspec header" in proc.stderr
    assert mine.read_text() == "# my own models\n"


GOOD = {"prompt": "A glass of iced coffee", "type": "video", "video": {"duration": "10s", "hdr": True, "exr_export": True}}


def test_validate_valid_and_invalid_exit_codes_and_text(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    proc = genspec("validate", "--operation", "createGeneration", str(good))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = dict(GOOD, video={"duration": "10s", "exr_export": True, "loop": True})
    proc = genspec("validate", "--operation", "createGeneration", "-", stdin=json.dumps(bad))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "/video/hdr: exr_export requires hdr=true [video-exr-export-requires-hdr]",
        "/video/duration: loop is not supported with duration=10s [video-loop-not-with-10s]",
    ]


def test_validate_json_format(tmp_path: Path) -> None:
    proc = genspec("validate", "--operation", "createGeneration", "--format", "json", "-", stdin='{"prompt": ""}')
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {
        "valid": False,
        "violations": [{"path": "/prompt", "rule": "GenerationCreateParams.prompt.minLength", "message": "must be at least 1 character long"}],
    }


@pytest.mark.parametrize("stdin, args, needle", [
    ('{"prompt": ', [], "not valid JSON"),
    ('{"prompt": NaN}', [], "NaN is not JSON"),
    ('{"prompt": "a", "prompt": "b"}', [], "duplicate key"),
    ('{"prompt": "a"}', ["--operation", "createGeneraton"], "did you mean 'createGeneration'"),
])
def test_validate_usage_and_unreadable_input_exit_2(stdin: str, args: list[str], needle: str) -> None:
    operation = args or ["--operation", "createGeneration"]
    proc = genspec("validate", *operation, "-", stdin=stdin)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr


def test_validate_missing_file_and_invalid_utf8(tmp_path: Path) -> None:
    proc = genspec("validate", "--operation", "createGeneration", str(tmp_path / "nope.json"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr
    raw = tmp_path / "raw.json"
    raw.write_bytes(b'{"prompt": "\xff"}')
    proc = genspec("validate", "--operation", "createGeneration", str(raw))
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr


def test_every_command_takes_the_spec_as_an_argument_or_with_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from genspec.cli import main

    monkeypatch.delenv("LUMA_AGENTS_API_KEY", raising=False)
    spec = tmp_path / "copy.yaml"
    shutil.copy(SPEC, spec)
    body = tmp_path / "body.json"
    body.write_text('{"prompt": "a boat"}')
    run = lambda *args: CliRunner().invoke(main, list(args))  # noqa: E731
    for args in (["check", str(spec)], ["check", "--spec", str(spec)]):
        result = run(*args)
        assert result.exit_code == 0 and result.stdout.startswith(f"{spec}: ok"), result.output
    for args in (["validate", "--operation", "createGeneration", str(spec), str(body)], ["validate", "--operation", "createGeneration", "--spec", str(spec), str(body)]):
        result = run(*args)
        assert result.exit_code == 0 and "valid createGeneration request" in result.stdout, result.output
    monkeypatch.chdir(ROOT)  # the generated headers name the spec as given
    for args in (["generate", "spec/generations.yaml", "--check"], ["generate", "--spec", "spec/generations.yaml", "--check"]):
        result = run(*args)
        assert result.exit_code == 0 and "up to date" in result.stdout, result.output
    for args in (["fuzz", str(spec), "--base-url", "http://127.0.0.1:9/v1"], ["fuzz", "--spec", str(spec), "--base-url", "http://127.0.0.1:9/v1"]):
        result = run(*args)  # gets as far as the token check: the spec was read
        assert result.exit_code == 2 and "no auth token" in result.stderr, result.output
    result = run("check", str(spec), "--spec", str(SPEC))
    assert result.exit_code == 2 and "two specs given" in result.stderr
    result = run("validate", "--operation", "createGeneration", str(spec), str(body), str(body))
    assert result.exit_code == 2 and "[SPEC] FILE" in result.stderr


def test_fuzz_refuses_a_report_it_cannot_write_before_sending(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from genspec.cli import main

    for report in ("/dev/null/report.json", str(tmp_path)):
        result = CliRunner().invoke(main, ["fuzz", "--base-url", "http://127.0.0.1:9/v1", "--auth-token", "t", "--report", report])
        assert result.exit_code == 2 and "--report" in result.stderr and "ConnectError" not in result.stderr, result.output


def test_validate_prints_control_characters_of_the_input_escaped() -> None:
    proc = genspec("validate", "--operation", "createGeneration", "-", stdin='{"prompt": "x", "\\u001b[2J\\u202e": 1}')
    assert proc.returncode == 1 and "\x1b" not in proc.stdout and "\u202e" not in proc.stdout
    assert "unknown property '\\x1b[2J\\u202e'" in proc.stdout
