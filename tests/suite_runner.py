"""The official JSON Schema Test Suite run through genspec's compiler and generated validators.

The suite is not copied into the project: :func:`suite_folder` downloads the pinned source
distribution of ``jsonschema`` (which ships ``json/tests`` and ``json/remotes``) with pip into
``.cache/jsonschema-suite/`` (gitignored) and unpacks it once.

:func:`run_file` wraps every group of one suite file as a component schema ``S<n>`` of one
generated OpenAPI 3.1 spec (``$ref``\\ s into the group's own root, such as ``#/$defs/a`` or
``#``, are pointed at its component, as a spec author would write them; nothing else is
changed), compiles and renders the validators once for the whole file, and runs every test
instance through ``validate_schema``. A group genspec refuses (a spec problem under its
component) counts each of its tests as failed, and the other groups are compiled again
without it. Remote references (``http://localhost:1234/...``) map to the suite's
``remotes/`` folder through the spec's ``x-genspec`` ``schema-uris`` setting.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genspec.load import loader
from genspec.load.errors import Reporter, SpecErrors
from genspec.model import parse
from genspec.render import render

ROOT = Path(__file__).resolve().parent.parent
PIN = "jsonschema==4.26.0"
CACHE = ROOT / ".cache" / "jsonschema-suite"
REMOTE_BASE = "http://localhost:1234/"


def suite_folder() -> Path:
    """The ``json`` folder of the pinned sdist (downloaded and unpacked on first use).

    Raises ``RuntimeError`` with pip's last line when the download fails (never skipped).
    """
    name = PIN.replace("==", "-")
    folder = CACHE / name / "json"
    if (folder / "tests" / "draft2020-12").is_dir():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"{name}.tar.gz"
    if not archive.exists():
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", PIN, "-d", str(CACHE)],
            check=False, capture_output=True, text=True, timeout=600,
        )
        if done.returncode != 0 or not archive.exists():
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"pip download {PIN} failed: {last[0]}")
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp, tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if "/json/" in m.name and (m.isfile() or m.isdir())]
        tar.extractall(tmp, members=members, filter="data")
        (Path(tmp) / name).rename(CACHE / name)
    return folder


@dataclass
class Outcome:
    """Results of one suite file: ``failures`` lists ``group / test: why``."""

    passed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)


def _point_at_component(schema: Any, component: str, root: bool = True) -> Any:
    """``schema`` with the ``#``-pointer references of the spec's own resource prefixed by the
    component's pointer; (sub)schemas with a ``$id`` (resources of their own) and values of
    ``const``, ``enum``, ``default`` and ``examples`` are left as they are."""
    if isinstance(schema, list):
        return [_point_at_component(x, component, root) for x in schema]
    if not isinstance(schema, dict):
        return schema
    if "$id" in schema:  # a resource of its own: its references are read against its $id
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("$ref", "$dynamicRef") and isinstance(value, str) and (value == "#" or value.startswith("#/")):
            out[key] = f"#/components/schemas/{component}" + value[1:]
        elif key in ("const", "enum", "default", "examples"):
            out[key] = value
        elif key == "properties" or key == "patternProperties" or key == "$defs" or key == "dependentSchemas":
            out[key] = {k: _point_at_component(v, component, False) for k, v in value.items()} if isinstance(value, dict) else value
        else:
            out[key] = _point_at_component(value, component, False)
    return out


def _spec(groups: dict[str, Any], remotes: Path, formats: list[str]) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "suite",
            "version": "1",
            "x-genspec": {"package": "suite", "schema-uris": {REMOTE_BASE: remotes.as_uri() + "/"}, "assert-formats": formats},
        },
        "paths": {},
        "components": {"schemas": {name: _point_at_component(schema, name) for name, schema in groups.items()}},
    }


def _build(groups: dict[str, Any], remotes: Path, work: Path, formats: list[str]) -> tuple[Any, list[Any]]:
    """Compile ``groups``; returns (validators module or None, the spec problems)."""
    path = work / "suite.json"
    path.write_text(json.dumps(_spec(groups, remotes, formats), ensure_ascii=False), encoding="utf-8")
    try:
        doc = loader.load(path)
    except SpecErrors as exc:
        return None, exc.errors
    reporter = Reporter(doc.path, doc.lines)
    api, compiled = parse.build(doc, reporter)
    if reporter.errors:
        return None, reporter.errors
    package = render.import_rendered(api, compiled, ("_runtime.py", "validators.py"), "suite")
    return importlib.import_module(f"{package.__name__}.validators"), []


def _owner(pointer: str) -> str | None:
    prefix = "/components/schemas/"
    return pointer[len(prefix):].split("/")[0] if pointer.startswith(prefix) else None


def run_file(path: Path, remotes: Path, formats: list[str] | None = None) -> Outcome:
    """Run one suite file (a list of groups ``{description, schema, tests}``), asserting
    ``formats`` (none by default: 2020-12 makes formats annotations)."""
    groups = json.loads(path.read_text(encoding="utf-8"))
    named = {f"S{i}": g for i, g in enumerate(groups)}
    outcome = Outcome()
    refused: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="genspec-suite-") as tmp:
        validators = None
        for _ in range(len(named) + 1):
            live = {n: g["schema"] for n, g in named.items() if n not in refused}
            if not live:
                break
            validators, errors = _build(live, remotes, Path(tmp), formats or [])
            if validators is not None:
                break
            blamed = False
            for e in errors:
                owner = _owner(e.pointer)
                if owner in live and owner not in refused:
                    refused[owner] = f"refused: {e.what}"
                    blamed = True
            if not blamed:  # a problem no group owns: every group fails
                refused.update({n: f"refused: {errors[0].what}" for n in live})
        for name, group in named.items():
            for test in group["tests"]:
                label = f"{group['description']} / {test['description']}"
                if name in refused or validators is None:
                    why = refused.get(name, "not compiled")
                else:
                    try:
                        found = validators.validate_schema(name, test["data"])
                    except Exception as exc:  # noqa: BLE001 - a crash is a failed test
                        why = f"crashed: {type(exc).__name__}: {exc}"
                    else:
                        if (not found) == test["valid"]:
                            outcome.passed += 1
                            continue
                        why = "accepted an invalid instance" if not found else f"rejected a valid instance: {found[0]}"
                outcome.failed += 1
                outcome.failures.append(f"{label}: {why}")
    return outcome
