"""The README's Files example, run as written against the emulator (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Files: upload once, reference by `file_id`", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
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
    assert names["seen"] == [names["made"].id]
    got = httpx.get(f"{emulator_url}/files/{names['made'].id}", headers={"Authorization": f"Bearer {emulator_token}"}).json()
    assert got["state"] == "deleted" and got["deleted_at"]
