"""``.ci/demo``, the README's main command, end to end as a user runs it: it succeeds and
leaves nothing behind in the temporary directory (it used to leave its emulator's folder)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_succeeds_and_cleans_up_its_temporary_folders(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.run(["bash", str(ROOT / ".ci" / "demo")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "completed" in proc.stdout + proc.stderr
    # Lark's CEL parser cache (one file keyed by the grammar, reused) may stay; nothing else
    left = sorted(p.name for p in tmp.iterdir())
    assert all(name.startswith(".lark_cache") and (tmp / name).is_file() for name in left), left
