"""Shared test setup: Hypothesis profiles and the paths every test uses.

``HYPOTHESIS_PROFILE=ci`` (what ``.ci/run`` sets) is bounded and derandomized so the whole
suite stays well under 15 minutes on 2 cores; ``dev`` (the default) runs many more examples.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "generations.yaml"
sys.path.insert(0, str(Path(__file__).resolve().parent))

settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=500, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

pytest_plugins = ["fixtures_emulator"]


@pytest.fixture()
def png(tmp_path: Path) -> Path:
    """A real PNG (the emulator's own renderer) at ``tmp_path/frame.png``, for upload tests."""
    from luma_emulator.media import render_image

    path = tmp_path / "frame.png"
    path.write_bytes(render_image("upload", None, "png"))
    return path
