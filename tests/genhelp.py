"""Helpers for tests: generate a spec into a folder and import the result under a fresh name."""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from genspec.check import check
from genspec.render import render

ROOT = Path(__file__).resolve().parent.parent
_n = itertools.count()


def generate(spec: str | Path, out: Path) -> str:
    """Run the whole pipeline in-process for ``spec`` into ``out``; return the package name."""
    checked = check.run(spec, package=True)
    assert checked.files is not None
    render.write(checked.files, out, checked.api.package)
    return checked.api.package


def import_package(folder: Path) -> ModuleType:
    """Import the package in ``folder`` under a unique module name (sub-modules included)."""
    name = f"_gen_{next(_n)}_{folder.name}"
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py", submodule_search_locations=[str(folder)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def submodule(package: ModuleType, name: str) -> ModuleType:
    """Import ``package.name``."""
    return importlib.import_module(f"{package.__name__}.{name}")


def genspec(*args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``genspec`` command in a subprocess; returns the completed process (text)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "genspec.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )
