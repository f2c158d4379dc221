"""The README's Files example, run as written against the emulator (issue 12)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _example(language: str = "python") -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Files: upload once, reference by `file_id`", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_readme_files_example_runs(emulator_url: str, emulator_token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from luma_emulator.media import render_image

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LUMA_AGENTS_API_KEY", emulator_token)
    monkeypatch.setenv("LUMA_BASE_URL", emulator_url)
    (tmp_path / "keyframe.png").write_bytes(render_image("readme", None, "png"))
    names: dict = {}
    exec(compile(_example(), "README.md", "exec"), names)
    assert names["generation"].state == "completed"
    assert names["seen"] == [names["large"].id, names["made"].id]  # newest first
    assert names["made"].state == names["large"].state == "ready"
    size = (tmp_path / "keyframe.png").stat().st_size
    assert names["sent"][0] == (0, size) and names["sent"][-1] == (size, size)
    got = httpx.get(f"{emulator_url}/files/{names['made'].id}", headers={"Authorization": f"Bearer {emulator_token}"}).json()
    assert got["state"] == "deleted" and got["deleted_at"]


def test_the_readme_files_commands_run(emulator_url: str, emulator_token: str, tmp_path: Path) -> None:
    """The CLI block, line by line in one bash (set -e), with the venv's luma-gen on PATH."""
    env = {**os.environ, "LUMA_AGENTS_API_KEY": emulator_token, "LUMA_BASE_URL": emulator_url,
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", _example("bash")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    files = httpx.get(f"{emulator_url}/files", params={"state": "deleted"}, headers={"Authorization": f"Bearer {emulator_token}"}).json()["data"]
    assert len(files) == 1  # the one deleted at the end
    every = httpx.get(f"{emulator_url}/files", headers={"Authorization": f"Bearer {emulator_token}"}).json()["data"]
    assert len(every) == 2 and all(f["state"] == "ready" for f in every)  # the first upload and the one --upload sent
