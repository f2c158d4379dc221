"""The generator's folders are its stages, and imports only go down the stack.

ARCHITECTURE.md's table of stages is the rule: each folder of ``generator/`` (the ``genspec``
import package) may import only the folders listed for it here, there are no import circles
between modules (lazy imports inside functions included), ``genspec`` never imports the
generated package or the emulator, and the generated package never imports ``genspec``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "generator"

#: folder -> the folders it may import (besides itself); "" is the package's top level (cli)
ALLOWED: dict[str, set[str]] = {
    "load": set(),
    "schema": {"load"},
    "surface": {"load"},
    "model": {"load", "schema", "surface"},
    "strategies": {"load", "schema", "model"},
    "render": {"load", "schema", "surface", "model", "strategies"},
    "check": {"load", "schema", "model", "render"},
    "evolve": {"load", "schema", "model", "check", "render"},
    "fuzz": {"check", "render"},
    "templates": set(),
    "": {"load", "schema", "surface", "model", "strategies", "render", "check", "evolve", "fuzz"},
}


def _module_name(path: Path, base: Path, package: str) -> str:
    parts = path.relative_to(base).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((package, *parts))


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every module of ``modules`` that ``path`` imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from pkg import mod`` imports the module ``pkg.mod``; ``from mod import name``
            # the module ``mod``
            subs = {f"{node.module}.{a.name}" for a in node.names} & modules
            found.update(subs or {node.module})
    return {m for m in found if m in modules}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p, GENERATOR, "genspec"): p for p in GENERATOR.rglob("*.py")}
    modules = set(files)
    return {name: _imports(path, modules) - {name} for name, path in files.items()}


def _folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (GENERATOR / parts[1]).is_dir()) else ""


def test_every_stage_folder_is_declared_and_documented():
    folders = {p.name for p in GENERATOR.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ALLOWED) - {"", "templates"}
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for folder in folders:
        assert f"`generator/{folder}/`" in architecture, f"ARCHITECTURE.md does not describe generator/{folder}/"


def test_imports_only_go_down_the_stack():
    wrong = []
    for module, targets in sorted(_graph().items()):
        source = _folder(module)
        for target in sorted(targets):
            dest = _folder(target)
            if dest != source and dest not in ALLOWED[source] and target != "genspec":
                wrong.append(f"{module} imports {target} ({source or 'top'} -> {dest or 'top'})")
    assert not wrong, "\n".join(wrong)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of ``graph``: its strongly connected components of two or more
    modules (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return circles


def test_the_circle_finder_finds_circles():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    graph = _graph()
    assert "genspec.schema.compile.core" in graph and "genspec.schema.cel.emitter" in graph
    # the package's own __init__ is imported by everything (``__version__``) and imports nothing
    assert not _imports(GENERATOR / "__init__.py", set(graph))
    assert not _circles(graph), _circles(graph)


def test_generator_and_generated_never_import_each_other():
    generated = ROOT / "generated"
    for path in generated.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) genspec\b", text, re.M), path
    for path in [*GENERATOR.rglob("*.py"), *(ROOT / "templates").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (luma_gen|luma_emulator)\b", text, re.M), path


def test_modules_stay_readable():
    long = {str(p.relative_to(ROOT)): n for p in GENERATOR.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 560}
    assert not long, f"modules over ~500 lines: {long}"
