"""Every example of the READMEs, run as written (issue 15): each fenced ```bash and ```python
block of README.md, emulator/README.md and benchmarks/README.md.

Each block runs in an empty temporary folder that holds a copy of ``spec/`` and ``generated/``
(the paths the examples name) and the images they name (``first.png``, ``photo.png``,
``keyframe.png``), against one ``luma-emulator`` on a free loopback port, started as the
README starts it (``--rate-limit 0 --complete-after 0.5``), with ``LUMA_BASE_URL`` and
``LUMA_AGENTS_API_KEY`` set as the README exports them. The one rewrite: the port ``8080``
becomes that free port. A bash block runs under ``bash -euo pipefail`` (every command must
succeed; an expected failure is written ``|| ...`` in the README); a block of ``$ command``
lines followed by output is a session: each command's output must be the lines shown. A
Python block runs as a script (``tests/`` on ``PYTHONPATH``, for the emulator README's
"In tests" example). A block that cannot run so is marked ``<!-- not run: REASON -->`` on
the line before it and is reported as skipped with its reason, so none is left out silently.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = ("README.md", "emulator/README.md", "benchmarks/README.md")
RUN = ("bash", "python")
_FENCE = re.compile(r"^```(\S*)\s*$")
_NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.+?)\s*-->$")


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it starts (file, 1-based line of the fence), its language,
    its text, and the reason given for not running it (None: it runs)."""

    file: str
    line: int
    lang: str
    code: str
    not_run: str | None

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def blocks(name: str, text: str) -> list[Block]:
    """Every fenced block of ``text`` (a Markdown file called ``name``), in order."""
    found = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), None)
        assert end is not None, f"{name}:{start + 1}: a code block is not closed"
        before = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        reason = _NOT_RUN.match(before)
        found.append(Block(name, start + 1, lang, "\n".join(lines[start + 1:end]) + "\n", reason.group(1) if reason else None))
        i = end + 1
    return found


def all_blocks() -> list[Block]:
    return [b for name in READMES for b in blocks(name, (ROOT / name).read_text())]


def test_every_block_runs_or_says_why() -> None:
    """A block in another language (or none) must be marked not run with a reason; a marked
    block is listed with its reason (the skips of the test below)."""
    unmarked = [b.id for b in all_blocks() if b.lang not in RUN and b.not_run is None]
    assert not unmarked, f"code blocks that are neither bash nor python and say no reason: {unmarked}"
    runnable = [b for b in all_blocks() if b.not_run is None]
    assert len(runnable) >= 8, [b.id for b in runnable]  # the extractor finds the examples


def test_the_extractor_reads_markers_languages_and_lines() -> None:
    text = "# x\n\n<!-- not run: too slow -->\n```bash\nsleep 600\n```\n\n```python\nprint(1)\n```\n```\nusage\n```\n"
    got = blocks("X.md", text)
    assert [(b.line, b.lang, b.code, b.not_run) for b in got] == [
        (4, "bash", "sleep 600\n", "too slow"), (8, "python", "print(1)\n", None), (11, "", "usage\n", None)]


# ------------------------------------------------------------------ the emulator and the folder
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def readme_emulator(tmp_path_factory: pytest.TempPathFactory):
    """``luma-emulator --rate-limit 0 --complete-after 0.5`` on a free port: its base URL."""
    port = _free_port()
    folder = tmp_path_factory.mktemp("readme-emulator")
    log = (folder / "emulator.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "luma_emulator", "--port", str(port), "--rate-limit", "0",
                             "--complete-after", "0.5", "--db", str(folder / "emulator.db"), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the emulator did not start: {(folder / 'emulator.log').read_text()}")
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def _folder(tmp_path: Path) -> Path:
    from luma_emulator.media import render_image

    shutil.copytree(ROOT / "spec", tmp_path / "spec")
    shutil.copytree(ROOT / "generated", tmp_path / "generated", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    for name in ("first.png", "photo.png", "keyframe.png"):
        (tmp_path / name).write_bytes(render_image(name, None, "png"))
    return tmp_path


def _env(port: int) -> dict[str, str]:
    env = {**os.environ, "LUMA_BASE_URL": f"http://127.0.0.1:{port}/v1", "LUMA_AGENTS_API_KEY": "any-token", "EDITOR": "true"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.pop("HYPOTHESIS_PROFILE", None)  # as a user runs them
    return env


def _session(code: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines (continued by a trailing backslash) and the output lines after each."""
    steps: list[tuple[str, list[str]]] = []
    lines = code.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        assert lines[i].startswith("$ "), f"a session line that is neither a command nor its output: {lines[i]!r}"
        command = [lines[i][2:]]
        while command[-1].endswith("\\"):
            i += 1
            command.append(lines[i])
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        steps.append(("\n".join(command), output))
    return steps


def _run(block: Block, folder: Path, env: dict[str, str]) -> None:
    if block.lang == "python":
        (folder / "example.py").write_text(block.code)
        proc = subprocess.run([sys.executable, "example.py"], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{block.id} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        return
    if block.code.startswith("$ "):
        for command, expected in _session(block.code):
            proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
            assert proc.stdout.rstrip("\n").split("\n") == expected, f"{block.id}: {command}\n{proc.stdout}{proc.stderr}"
        return
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{block.id} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.parametrize("block", [b for b in all_blocks() if b.lang in RUN or b.not_run], ids=lambda b: b.id)
def test_readme_example(block: Block, readme_emulator: int, tmp_path: Path) -> None:
    if block.not_run is not None:
        pytest.skip(f"not run ({block.id}): {block.not_run}")
    port = readme_emulator
    code = block.code.replace("127.0.0.1:8080", f"127.0.0.1:{port}").replace("--port 8080", f"--port {port}")
    _run(Block(block.file, block.line, block.lang, code, None), _folder(tmp_path), _env(port))
