"""The generated ``luma-gen`` CLI through a subprocess, against the real emulator."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml


def _png(path: Path) -> Path:
    raw = b"".join(b"\x00" + b"\x10\x80\xf0" * 2 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def cli(emulator_url: str, emulator_token: str):
    def run(*args: str, token: str | None = emulator_token) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("LUMA_AGENTS_API_KEY", "LUMA_BASE_URL")}
        env["LUMA_BASE_URL"] = emulator_url
        if token is not None:
            env["LUMA_AGENTS_API_KEY"] = token
        return subprocess.run([sys.executable, "-m", "luma_gen.cli", *args], capture_output=True, text=True, env=env, timeout=120)

    return run


def test_create_with_a_file_reference_waits_and_downloads(cli, tmp_path: Path) -> None:
    ref = _png(tmp_path / "ref.png")
    out = tmp_path / "out"
    proc = cli("generations", "create", "--prompt", "A glass of iced coffee", "--image-ref", f"@{ref}", "--download", str(out), "--poll-interval", "0.05", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    body, _, saved = proc.stdout.partition("\nsaved ")
    result = json.loads(body)
    assert result["state"] == "completed"
    path = Path(saved.strip())
    assert path.parent == out and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "completed" in proc.stderr  # the progress lines


def test_dotted_flags_and_yaml_values_build_the_body(cli) -> None:
    proc = cli("generations", "create", "--prompt", "boat", "--type", "video", "--video", "{duration: 10s}", "--video.hdr", "--video.exr-export", "--format", "yaml")
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load(proc.stdout)["type"] == "video"


def test_a_broken_rule_prints_each_violation_and_exits_1(cli) -> None:
    proc = cli("generations", "create", "--prompt", "x", "--type", "video", "--video.duration", "10s", "--video.loop", "--video.keyframes", "https://e.com/a.png", "--video.keyframe-indexes", "300")
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert "/video/duration: loop is not supported with duration=10s [video-loop-not-with-10s]" in lines
    assert any("[video-keyframe-indexes-in-grid]" in line for line in lines)
    assert lines[-1].endswith("nothing was sent") and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, code, needle", [
    (("generations", "get", "nope"), 1, "must be a valid uuid"),
    (("generations", "get", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"), 1, "error: 404"),
    (("generations", "create", "--prompt", "x", "--image-ref", "{url: ["), 2, "neither JSON nor YAML"),
    (("generations", "create", "--prompt", "x", "--source", "@/no/such/file.png"), 2, "cannot read"),
    (("generations", "create", "--prompt", "x", "--type", "nope"), 2, "Invalid value for '--type'"),
    (("generations", "create", "--prompt", "x", "--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0"), 1, "cannot reach http://127.0.0.1:9"),
])
def test_user_errors_are_one_line_without_traceback(cli, args: tuple, code: int, needle: str) -> None:
    proc = cli(*args)
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr and "Traceback" not in proc.stderr


def test_missing_token_is_a_usage_error(cli) -> None:
    proc = cli("generations", "create", "--prompt", "x", token=None)
    assert proc.returncode == 2 and "LUMA_AGENTS_API_KEY" in proc.stderr


def test_get_prints_the_generation_and_help_works_everywhere(cli) -> None:
    created = json.loads(cli("generations", "create", "--prompt", "x", "--format", "json").stdout)
    proc = cli("generations", "get", created["id"], "--wait", "--poll-interval", "0.05", "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["state"] == "completed"
    for args in ((), ("generations",), ("generations", "create"), ("generations", "get"), ("completion",)):
        assert cli(*args, "--help").returncode == 0
    assert "_LUMA_GEN_COMPLETE" in cli("completion", "bash").stdout


def test_layering_waits_downloads_every_layer_and_shows_a_table_of_them(cli, tmp_path: Path) -> None:
    photo = _png(tmp_path / "photo.png")
    out = tmp_path / "out"
    proc = cli("generations", "create", "--prompt", "Separate the cyclist", "--type", "layering", "--source", f"@{photo}",
               "--layering.resolution", "2k", "--wait", "--download", str(out), "--poll-interval", "0.05")
    assert proc.returncode == 0, proc.stderr
    saved = sorted(out.iterdir())
    gid = saved[0].name.split("-0-")[0]
    # named <id>-<layer index>-<layer label>, front to back; the last is the background
    assert [p.name.removeprefix(gid) for p in saved][-1].endswith("-background.png") and len(saved) >= 2
    assert [p.name.removeprefix(gid + "-").split("-")[0] for p in saved] == [str(i) for i in range(len(saved))]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in saved)
    # the pretty format: a table of the outputs, one row per layer, its fields as columns
    table = proc.stdout
    for column in ("layer.index", "layer.label", "layer.alpha_hint"):
        assert column in table, table
    assert "background" in table and "none" in table


def test_nulls_in_values_are_sent_and_accepted(cli) -> None:
    proc = cli("generations", "create", "--prompt", "x", "--source", "{url: 'https://example.com/a.png', data: null}", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["state"] == "queued"
