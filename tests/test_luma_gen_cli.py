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


REFRAME = ("generations", "create", "--prompt", "x", "--type", "video_reframe", "--source", "{url: 'https://e.com/a.mp4', media_type: video/mp4}",
           "--video.source-position", "{x_norm: 0, y_norm: 0, w_norm: 1, h_norm: 1}")


@pytest.mark.parametrize("extra", [(), ("--no-validate",)])
@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity"])
def test_a_non_finite_number_is_one_violation_and_nothing_is_sent(cli, bad: str, extra: tuple) -> None:
    proc = cli(*REFRAME, f"--video.source-position.x-norm={bad}", *extra, "--base-url", "http://127.0.0.1:9/v1")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("/video/source_position/x_norm: must be a finite number") and lines[0].endswith("[json.number]")
    assert lines[1] == "createGeneration: 1 rule broken; nothing was sent"


def test_pretty_prints_server_text_as_it_is_whole_and_unpadded(cli) -> None:
    from luma_emulator.markers import marker_for

    created = json.loads(cli("generations", "create", "--prompt", f"x {marker_for('content_moderated')}", "--format", "json").stdout)
    failed = cli("generations", "get", created["id"], "--wait", "--poll-interval", "0.05")
    assert failed.returncode == 1 and "[[fail:...]]" in failed.stderr
    pretty = cli("generations", "get", created["id"]).stdout
    assert "(forced by the prompt's [[fail:...]] marker)" in pretty
    done = json.loads(cli("generations", "create", "--prompt", "x", "--wait", "--poll-interval", "0.05", "--format", "json").stdout)
    pretty = cli("generations", "get", done["id"]).stdout
    # the outputs are a table (one row per output), the URL its last column: whole, on one line
    # (it is signed anew per GET, so compare what comes before its query)
    lines = pretty.splitlines()
    assert lines[-2].split()[-1] == "url" and lines[-3] == "output"
    url = lines[-1].split()[-1]
    assert url.split("?")[0] == done["output"][0]["url"].split("?")[0] and len(url) > 100
    assert all(line == line.rstrip() for line in pretty.splitlines())


def test_pretty_escapes_control_characters_and_reads_no_markup(capsys: pytest.CaptureFixture) -> None:
    from luma_gen._cli_base import dump

    dump({"reason": "[bold]x[/bold] \x1b[2J\u202e", "n": None, "long": "u" * 300}, "pretty")
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "reason  [bold]x[/bold] \\x1b[2J\\u202e"
    assert out.splitlines()[1] == "n       null" and out.splitlines()[2] == "long    " + "u" * 300


def test_download_to_a_place_that_is_not_a_folder_is_refused_before_sending(cli, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    cases = ["/dev/null/x", str(_png(tmp_path / "f.png")), str(_png(tmp_path / "g.png") / "sub")]
    if os.geteuid() != 0:
        cases.append(str(locked / "out"))
    for dest in cases:
        proc = cli("generations", "create", "--prompt", "x", "--download", dest, "--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0")
        assert proc.returncode == 2, (dest, proc.stderr)
        assert "--download" in proc.stderr and "cannot reach" not in proc.stderr, proc.stderr
    proc = cli("generations", "create", "--prompt", "x", "--download", str(tmp_path / "new" / "deeper"), "--poll-interval", "0.05")
    assert proc.returncode == 0, proc.stderr


def test_every_violation_of_a_400_is_printed(cli) -> None:
    proc = cli("generations", "create", "--prompt", "x", "--no-validate", "--type", "video", "--video.duration", "10s", "--video.loop", "--video.exr-export")
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert "/video/duration: loop is not supported with duration=10s [video-loop-not-with-10s]" in lines
    assert any(line.endswith("[video-exr-export-requires-hdr]") for line in lines)
    assert lines[-1] == f"error: 400: the server rejected the request: {len(lines) - 1} rules broken" and "more)" not in proc.stderr


def test_a_token_is_judged_for_what_it_is(cli) -> None:
    spaced = cli("generations", "create", "--prompt", "x", "--auth-token", "My Auth Token")
    assert "no auth token" not in spaced.stderr and "Traceback" not in spaced.stderr
    tabbed = cli("generations", "create", "--prompt", "x", "--auth-token", "My\tToken")
    assert tabbed.returncode == 2 and "'\\t'" in tabbed.stderr and "no auth token" not in tabbed.stderr


def test_an_expired_wait_names_the_option_and_the_command_to_poll(cli) -> None:
    created = json.loads(cli("generations", "create", "--prompt", "x [[hold:queued]]", "--format", "json").stdout)
    proc = cli("generations", "get", created["id"], "--wait", "--wait-timeout", "0.2", "--poll-interval", "0.05")
    assert proc.returncode == 1
    assert "--wait-timeout" in proc.stderr and "timeout=" not in proc.stderr
    assert f"luma-gen generations get {created['id']} --wait" in proc.stderr


def test_a_base_url_without_the_prefix_gets_a_hint(cli, emulator) -> None:
    proc = cli("generations", "create", "--prompt", "x", "--base-url", emulator.root)
    assert proc.returncode == 1 and proc.stderr.startswith("error: 404") and "/v1" in proc.stderr


def test_a_list_given_to_a_repeatable_flag_is_its_items_and_a_wrong_type_is_one_violation(cli) -> None:
    listed = cli("generations", "create", "--prompt", "x", "--image-ref", '[{"url": "https://e.com/a.png"}, {"url": "https://e.com/b.png"}]',
                 "--image-ref", "https://e.com/c.png", "--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0")
    assert listed.returncode == 1 and "cannot reach" in listed.stderr  # valid, so it was sent
    proc = cli("generations", "create", "--prompt", "x", "--image-ref", '[[{"url": "https://e.com/a.png"}]]')
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["/image_ref/0: must be an object [ImageRef.type]", "createGeneration: 1 rule broken; nothing was sent"]


def test_json_keeps_the_nulls_the_server_returned(cli) -> None:
    proc = cli("generations", "create", "--prompt", "x", "--format", "json")
    result = json.loads(proc.stdout)
    assert "failure_code" in result and result["failure_code"] is None and result["failure_reason"] is None
    again = yaml.safe_load(cli("generations", "get", result["id"], "--format", "yaml").stdout)
    assert "failure_reason" in again and again["failure_reason"] is None


def test_a_retry_says_how_long_it_waits_and_why(cli) -> None:
    proc = cli("generations", "create", "--prompt", "x [[http:429x1]]", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if line.startswith("waiting")]
    assert "before retry 1 of 2" in line and "429" in line and "Retry-After" in line


def test_help_lists_every_allowed_value_in_whole_sentences() -> None:
    import click
    from luma_gen.cli import main

    def commands(group: click.Group, path: tuple = ()):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from commands(command, path + (name,))
            else:
                yield path + (name,), command

    checked = 0
    for path, command in commands(main):
        with click.Context(command, info_name=" ".join(path)) as ctx:
            text = " ".join(command.get_help(ctx).split())
        assert "..." not in text, path
        for param in command.params:
            if isinstance(param.type, click.Choice):
                checked += 1
                assert all(str(choice) in text for choice in param.type.choices), (path, param.name)
    assert checked >= 5


@pytest.mark.parametrize("option", ["--poll-interval", "--wait-timeout", "--timeout", "--max-retries"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_numbers_of_seconds_and_retries_are_checked_as_they_are_read(cli, option: str, value: str) -> None:
    proc = cli("generations", "create", "--prompt", "x", "--wait", option, value, "--base-url", "http://127.0.0.1:9/v1")
    assert proc.returncode == 2 and f"Invalid value for '{option}'" in proc.stderr and "Traceback" not in proc.stderr


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
