"""The README's strategies snippet, as written, in a user's project: a fresh folder with no
conftest and no ``.hypothesis`` folder, Hypothesis's default settings and health checks (none
suppressed), on a machine whose cores are all busy (a shared CI runner), run a few times.

It used to fail most fresh runs on a busy machine with ``FailedHealthCheck: Input generation
is slow``: the first draws built Hypothesis's Unicode table and parsed the package's source
for constants; ``luma_gen.strategies`` now does that when a strategy is made (see
``_strategies.warm``), not in the draws the health check times.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

#: fresh runs under load, each must pass
RUNS = 2
#: seconds a busy loop runs at most (each stops by itself; the test stops it sooner)
BUSY_FOR = 300


def readme_snippet() -> str:
    """The README's Python block that uses ``luma_gen.strategies``, as written."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    found = [b for b in blocks if "from luma_gen import strategies" in b and "@given" in b]
    assert len(found) == 1, "README.md should have one Python block with the strategies example"
    return found[0]


@pytest.fixture
def busy_cores() -> object:
    """One busy loop per core, in subprocesses, for the duration of the test."""
    loop = f"import time\nend = time.monotonic() + {BUSY_FOR}\nwhile time.monotonic() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(os.cpu_count() or 1)]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_readme_snippet_passes_default_health_checks_on_a_busy_machine(tmp_path: Path, busy_cores: object) -> None:
    snippet = readme_snippet()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "PYTEST"))}
    for run in range(RUNS):
        project = tmp_path / f"project{run}"  # fresh: no conftest, no .hypothesis, no cache
        project.mkdir()
        (project / "test_snippet.py").write_text(snippet)
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_snippet.py"],
                              cwd=project, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"run {run + 1} of {RUNS}:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}"
        assert "2 passed" in proc.stdout
        assert "FailedHealthCheck" not in proc.stdout
