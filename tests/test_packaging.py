"""The generated package is a distribution of its own (issue 10): ``genspec generate`` writes its
``pyproject.toml`` and ``py.typed``; its run-time dependencies are the client's only; a part
that needs an extra says in one line which to install. The wheels themselves are built and
installed in fresh venvs by ``.ci/wheels`` (CI), which these tests do not repeat."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from genhelp import ROOT, generate

CLIENT_DEPENDENCIES = {line.split("#")[0].strip() for line in (ROOT / ".ci/client-dependencies.txt").read_text().splitlines()} - {""}


def _names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_landed_packaging_installs_the_client_with_run_time_dependencies_only():
    project = tomllib.loads((ROOT / "generated/pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "luma-gen"
    assert _names(project["dependencies"]) == CLIENT_DEPENDENCIES
    assert set(project["optional-dependencies"]) == {"cli", "strategies"}
    assert "click" in _names(project["optional-dependencies"]["cli"])
    assert _names(project["optional-dependencies"]["strategies"]) == {"hypothesis"}
    assert project["scripts"] == {"luma-gen": "luma_gen.__main__:main"}
    assert (ROOT / "generated/luma_gen/py.typed").is_file()


def test_an_unrelated_spec_gets_its_own_distribution(tmp_path: Path):
    spec = (ROOT / "tests/specs/bookshop.yaml").read_text(encoding="utf-8")
    spec = spec.replace("  x-genspec:\n", "  x-genspec:\n    distribution: bookshop-client\n", 1)
    (tmp_path / "shop.yaml").write_text(spec, encoding="utf-8")
    generate(tmp_path / "shop.yaml", tmp_path / "out")
    meta = tomllib.loads((tmp_path / "out/pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == "bookshop-client"
    assert meta["project"]["scripts"] == {"shop-gen": "shop_gen.__main__:main"}
    assert meta["tool"]["setuptools"]["packages"] == ["shop_gen"]
    assert (tmp_path / "out/shop_gen/py.typed").is_file()
    runtime = (tmp_path / "out/shop_gen/_runtime.py").read_text(encoding="utf-8")
    assert "DISTRIBUTION = 'bookshop-client'" in runtime or 'DISTRIBUTION = "bookshop-client"' in runtime


def test_a_bad_distribution_name_is_one_line_at_its_pointer(tmp_path: Path):
    spec = (ROOT / "tests/specs/bookshop.yaml").read_text(encoding="utf-8")
    spec = spec.replace("  x-genspec:\n", "  x-genspec:\n    distribution: 'not a name!'\n", 1)
    (tmp_path / "shop.yaml").write_text(spec, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "genspec.cli", "check", str(tmp_path / "shop.yaml")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if "distribution" in line]
    assert len(lines) == 1 and "/info/x-genspec/distribution" in lines[0] and ":8:" in lines[0], proc.stderr


def _without(modules: tuple[str, ...], code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter in which ``modules`` cannot be imported."""
    block = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    return subprocess.run([sys.executable, "-c", block + code], capture_output=True, text=True, timeout=120, cwd=ROOT / "tests")


@pytest.mark.parametrize("missing", ["click", "rich", "yaml", "filetype"])
def test_the_command_without_the_cli_extra_names_it_in_one_line(missing: str):
    proc = _without((missing,), "from luma_gen.__main__ import main\nmain()")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert f"missing: {missing}" in proc.stderr and "pip install 'luma-gen[cli]'" in proc.stderr


def test_strategies_without_hypothesis_name_the_extra_and_the_client_still_works():
    proc = _without(("hypothesis",), "import luma_gen.strategies")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].endswith("install it with: pip install 'luma-gen[strategies]'"), proc.stderr
    proc = _without(
        ("hypothesis", "click", "rich", "yaml", "filetype"),
        "from luma_gen import Client, validate_request\n"
        "print([v.rule for v in validate_request('createGeneration', {'prompt': 'x', 'type': 'video', 'video': {'duration': '10s', 'loop': True}})])\n"
        "print(type(Client(auth_token='t', base_url='http://127.0.0.1:9/v1')).__name__)",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["['video-loop-not-with-10s']", "Client"]


def test_every_subpackage_of_genspec_ships_in_its_wheel():
    """setuptools is given the package list by name (the folder is mapped to ``genspec``), so
    a new stage folder must be listed in pyproject.toml or the wheel silently lacks it."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(("genspec", *p.parent.relative_to(ROOT / "generator").parts))
        for p in (ROOT / "generator").rglob("__init__.py")
    }
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "genspec.templates" in listed
