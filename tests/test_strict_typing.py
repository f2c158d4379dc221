"""The generated package is ``mypy --strict`` clean (issue 15, item 21): the committed
``generated/luma_gen`` and the package of an unrelated spec (``tests/specs/bookshop.yaml``),
each checked with every module (validators, strategies, CEL runtime, CLI) and the libraries'
own types (pydantic, httpx, click, hypothesis). One mypy run per package, its cache in a
temporary folder; slow-ish (about 10 s each, cold), so it runs once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from genhelp import ROOT, generate


def _strict(folder: Path, package: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "--no-error-summary", "-p", package],
        cwd=folder, capture_output=True, text=True, timeout=600,
    )


def test_the_generated_packages_pass_mypy_strict(tmp_path: Path) -> None:
    shop = tmp_path / "bookshop"
    shop_package = generate(ROOT / "tests" / "specs" / "bookshop.yaml", shop)
    failures = []
    for folder, package in ((ROOT / "generated", "luma_gen"), (shop, shop_package)):
        proc = _strict(folder, package, tmp_path / f"mypy-cache-{package}")
        if proc.returncode != 0:
            failures.append(f"mypy --strict -p {package} (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    assert not failures, "\n".join(failures)
