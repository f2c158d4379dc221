"""The compiled build of the generated validators, for the benchmark: the wheel that
``pip install generated/`` builds (``generated/setup.py``: mypyc, when a C compiler is present),
unpacked into ``benchmarks/.cache/compiled-<hash>/`` and put first on ``PYTHONPATH`` of the
``ours-compiled`` process. Cached by the hash of the generated package's sources.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATED = HERE.parent / "generated"


def _key() -> str:
    digest = hashlib.sha256()
    for path in sorted(GENERATED.rglob("*")):
        if path.is_file() and "build" not in path.parts and ".egg-info" not in str(path) and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(GENERATED)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def build() -> Path | str:
    """The folder holding the compiled package, or a sentence saying why there is none."""
    target = HERE / ".cache" / f"compiled-{_key()}"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(GENERATED, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps", "-w", str(Path(tmp) / "dist"), str(src)],
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            return "the wheel of generated/ did not build: " + ((proc.stderr.strip().splitlines() or ["?"])[-1])[:160]
        wheel = next((Path(tmp) / "dist").glob("*.whl"))
        names = zipfile.ZipFile(wheel).namelist()
        if not any(n.endswith(".so") or n.endswith(".pyd") for n in names):
            return "the wheel of generated/ holds no compiled module (no C compiler, or mypyc failed)"
        partial = target.with_suffix(".tmp")
        shutil.rmtree(partial, ignore_errors=True)
        zipfile.ZipFile(wheel).extractall(partial)
        partial.replace(target)
    return target
