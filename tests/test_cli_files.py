"""``luma-gen files upload|list|get|delete`` and ``generations create --upload`` against the
emulator over loopback (issue 12), run through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from luma_gen.cli import main


@pytest.fixture()
def run(emulator_url: str, emulator_token: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LUMA_AGENTS_API_KEY", emulator_token)
    monkeypatch.setenv("LUMA_BASE_URL", emulator_url)

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_upload_inline_and_presigned_then_wait(run, png: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("files", "upload", str(png), "--purpose", "reference", "--wait", "--poll-interval", "0.05", "--format", "json")
    assert code == 0, err
    ready = json.loads(out)
    assert ready["state"] == "ready" and ready["purpose"] == "reference" and ready["size_bytes"] == png.stat().st_size
    assert f"{png}: {png.stat().st_size} of {png.stat().st_size} bytes" in err  # the progress, not a TTY: plain lines
    code, out, err = run("files", "upload", str(png), "--inline-max", "0", "--format", "json")
    assert code == 0, err
    pending = json.loads(out)
    assert pending["state"] == "pending" and pending["size_bytes"] == png.stat().st_size  # completed, ingest running


def test_upload_of_a_missing_file_is_a_usage_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("files", "upload", str(tmp_path / "nope.png"))
    assert code == 2 and "does not exist" in err


def test_list_all_get_and_delete(run, png: Path) -> None:  # type: ignore[no-untyped-def]
    ids = []
    for _ in range(5):
        code, out, err = run("files", "upload", str(png), "--format", "json")
        assert code == 0, err
        ids.append(json.loads(out)["id"])
    code, out, _ = run("files", "list", "--limit", "2", "--format", "json")
    first = json.loads(out)
    assert code == 0 and [f["id"] for f in first["data"]] == ids[::-1][:2] and first["has_more"] is True
    code, out, _ = run("files", "list", "--limit", "2", "--all", "--format", "json")
    assert code == 0 and [f["id"] for f in json.loads(out)["data"]] == ids[::-1]
    code, out, _ = run("files", "get", ids[0], "--format", "json")
    assert code == 0 and json.loads(out)["id"] == ids[0]
    code, out, err = run("files", "delete", ids[0])
    assert code == 0, err
    code, out, _ = run("files", "list", "--state", "deleted", "--all", "--format", "json")
    assert [f["id"] for f in json.loads(out)["data"]] == [ids[0]]
    code, _, err = run("files", "list", "--limit", "101")
    assert code == 1 and "limit" in err


def test_generations_create_upload_references_the_file_by_id(run, png: Path, emulator_url: str, emulator_token: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("generations", "create", "--prompt", "Make it a rainy evening", "--type", "image_edit", "--source", f"@{png}",
                         "--upload", "--format", "json")
    assert code == 0, err
    generation = json.loads(out)
    got = httpx.get(f"{emulator_url}/files", headers={"Authorization": f"Bearer {emulator_token}"}).json()["data"]
    assert len(got) == 1 and got[0]["filename"] == "frame.png" and got[0]["state"] == "ready"
    # without --upload the same @file goes inline: no second file
    code, out, err = run("generations", "create", "--prompt", "Make it a rainy evening", "--type", "image_edit", "--source", f"@{png}", "--format", "json")
    assert code == 0, err
    assert len(httpx.get(f"{emulator_url}/files", headers={"Authorization": f"Bearer {emulator_token}"}).json()["data"]) == 1
    assert generation["state"] in ("queued", "processing", "completed")
