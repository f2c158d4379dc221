"""What a regeneration changed in the generated API, and the semantic-version bump it asks for.

Every generated package records its contract in ``_manifest.py`` (see
:func:`generator.contract.manifest`). Before ``genspec generate`` writes, :func:`snapshot`
reads what the output folder holds (the manifest and the previous modules); afterwards
:func:`summary_lines` compares it with the new generation using the same classification as
``genspec diff`` (:mod:`generator.diff`), judges changed rules by behaviour (bodies drawn from
the new spec and from the previous package's strategies, run through the previous validators
and the new ones), and suggests the bump: **major** for anything breaking,
**minor** for additions and loosened constraints, **patch** for documentation only.
"""

from __future__ import annotations

import ast
import atexit
import importlib
import importlib.util
import itertools
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from genspec.evolve import bodies, diff, judge
from genspec.evolve.diff import BREAKING, NON_BREAKING, WARNING, Change
from genspec.load.ir import Api
from genspec.model import contract

MANIFEST_FILE = "_manifest.py"
_counter = itertools.count()
#: request bodies per operation for the summary's rule judgement (``genspec diff`` runs more)
SUMMARY_BUDGET = 3000
#: valid bodies drawn from the previous package's strategies (when it has them)
SUMMARY_DRAWS = 50
#: non-breaking kinds that change nothing a program can observe
_DOCS_ONLY = {"description-changed", "api-description-changed", "rule-message-changed", "info-version-changed"}


@dataclass
class Snapshot:
    """What an output folder held before a generation: the manifest (None when absent) and
    the text of every module of the package."""

    package_dir: Path
    manifest: dict[str, Any] | None = None
    modules: dict[str, str] = field(default_factory=dict)


def read_manifest(text: str) -> dict[str, Any] | None:
    """The ``MANIFEST`` literal of a ``_manifest.py`` (None if it has none or cannot be read)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign) and node.targets else None)
        if isinstance(target, ast.Name) and target.id == "MANIFEST" and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def snapshot(package_dir: Path) -> Snapshot:
    """Read ``package_dir`` before it is overwritten."""
    snap = Snapshot(package_dir)
    if not package_dir.is_dir():
        return snap
    for path in sorted(package_dir.glob("*.py")):
        try:
            snap.modules[path.name] = path.read_text(encoding="utf-8")
        except OSError:
            continue
    if MANIFEST_FILE in snap.modules:
        snap.manifest = read_manifest(snap.modules[MANIFEST_FILE])
    return snap


def _import_validators(modules: dict[str, str], module: str = "validators") -> ModuleType | None:
    """Import ``validators.py`` (or ``module``) of a package given as {file name: text}, in a
    private copy; None when it is missing or does not import."""
    if f"{module}.py" not in modules:
        return None
    tmp = tempfile.mkdtemp(prefix="genspec-prev-")
    atexit.register(shutil.rmtree, tmp, True)  # modules may import lazily until the process ends
    pkg = Path(tmp) / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in modules.items():
        if name != "__init__.py":
            (pkg / name).write_text(text)
    name = f"_genspec_prev_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    if spec is None or spec.loader is None:
        return None
    try:
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return importlib.import_module(f"{name}.{module}")
    except Exception:  # an old or broken package: judge without behaviour
        return None


def _behaviours(api: Api, old_modules: dict[str, str], new_modules: dict[str, str]) -> list[bodies.Behaviour] | None:
    old_v, new_v = _import_validators(old_modules), _import_validators(new_modules)
    if old_v is None or new_v is None:
        return None
    old_strategies = _import_validators(old_modules, "strategies")
    sampler = bodies.Sampler(api.document)
    out = []
    for op in api.operations:
        if not op.body_schema or op.operation_id not in getattr(old_v, "OPERATIONS", ()):
            continue
        raw = ((api.document.get("paths") or {}).get(op.path) or {}).get(op.method) or {}
        found = contract._json_schema(api.document, raw.get("requestBody"), "")
        seeds = [v for _, v in op.body_examples] + [e for r in api.rules if r.owner == op.body_schema for e in r.valid_examples + r.invalid_examples]
        extra = judge.draw(old_strategies, op.operation_id, SUMMARY_DRAWS) if old_strategies is not None else []
        cands = bodies.candidates([(sampler, found[0])] if found else [], seeds, budget=SUMMARY_BUDGET, extra=extra)
        op_id = op.operation_id
        out.append(bodies.judge(op_id, cands, lambda b, v=old_v: v.validate_request(op_id, b), lambda b, v=new_v: v.validate_request(op_id, b)))
    return out


def _none(_: str) -> str:
    return ""


def compare_manifests(old: dict[str, Any], new: dict[str, Any], behaviours: list[bodies.Behaviour] | None) -> list[Change]:
    """Changes of the generated API: operations, parameters, types, fields, enum values, rules."""
    changes = diff.compare_operations(old.get("operations", {}), new.get("operations", {}), _none, _none)
    old_params, new_params = ({f"{op} parameter {k}": {**v, "side": "request"} for op, o in m.get("operations", {}).items() for k, v in o.get("params", {}).items()} for m in (old, new))
    both_ops = set(old.get("operations", {})) & set(new.get("operations", {}))
    changes += diff.compare_nodes({k: v for k, v in old_params.items() if k.split(" ", 1)[0] in both_ops}, {k: v for k, v in new_params.items() if k.split(" ", 1)[0] in both_ops}, _none, _none)
    old_types, new_types = old.get("types", {}), new.get("types", {})
    changes += diff.compare_type_names(old_types, new_types)
    for name in sorted(set(old_types) & set(new_types)):
        o, n = old_types[name], new_types[name]
        for side in sorted(set(o.get("sides", [])) | set(n.get("sides", []))) or ["request"]:
            changes += diff.compare_facts(f"type {name}", f"{side}-type", side, o, n, _none)
            of, nf = o.get("fields", {}), n.get("fields", {})
            nodes_o = {f"type {name} /": {}, **{f"type {name} /{f}": {**v, "side": side} for f, v in of.items()}}
            nodes_n = {f"type {name} /": {}, **{f"type {name} /{f}": {**v, "side": side} for f, v in nf.items()}}
            changes += diff.compare_nodes(nodes_o, nodes_n, _none, _none)
    changes += diff.compare_rules(old.get("rules", {}), new.get("rules", {}), behaviours, _none, _none)
    if behaviours:
        changes = diff.attach(changes, behaviours, set(old.get("rules", {})) | set(new.get("rules", {})))
        changes = [c for c in changes if c.kind != "request-accepted"]  # explained by the additions listed
    return diff.merge(changes)


def bump(changes: list[Change]) -> str:
    """``major`` (something breaking), ``minor`` (additions, loosening, warnings), ``patch``
    (documentation only) or ``none``."""
    if any(c.severity == BREAKING for c in changes):
        return "major"
    if any(c.severity == WARNING or (c.severity == NON_BREAKING and c.kind not in _DOCS_ONLY) for c in changes):
        return "minor"
    return "patch" if changes else "none"


def next_version(version: str, level: str) -> str:
    """``1.2.3`` bumped at ``level``; a version that is not X.Y.Z is returned unchanged."""
    parts = version.split("-", 1)[0].split("+", 1)[0].split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return version
    major, minor, patch = (int(p) for p in parts)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}.get(level, version)


def _category(c: Change) -> str:
    if c.pointer.startswith("rule "):
        return "rules"
    if c.kind == "request-rejected":
        return "requests rejected"
    if "enum" in c.kind:
        return "enum values"
    if " parameter " in c.pointer:
        return "parameters"
    if c.kind.startswith("component-schemas"):
        return "types"
    if c.pointer.startswith("type "):
        return "fields"
    return "operations"


def _action(c: Change) -> str:
    if "removed" in c.kind:
        return "removed"
    if "added" in c.kind or c.kind.startswith("new-"):
        return "added"
    return "changed"


def categories(changes: list[Change]) -> dict[str, dict[str, int]]:
    """Counts per category (operations, parameters, types, fields, enum values, rules) and
    action (added, removed, changed); documentation-only changes are left out."""
    out: dict[str, dict[str, int]] = {}
    seen: set[tuple[str, str]] = set()
    for c in changes:
        if c.kind in _DOCS_ONLY or (c.pointer, c.message) in seen:
            continue
        seen.add((c.pointer, c.message))
        n = len(c.message.split(":", 1)[1].split(",")) if c.kind.startswith("component-schemas") else 1
        if "enum-value" in c.kind:
            n = len(c.message.split(":", 1)[1].split(","))
        bucket = out.setdefault(_category(c), {})
        bucket[_action(c)] = bucket.get(_action(c), 0) + n
    return out


def summary_lines(previous: Snapshot, api: Api, files: dict[str, str]) -> list[str]:
    """A short summary of what this generation changed, and the suggested version bump."""
    new = contract.manifest(contract.build(api))
    pkg = previous.package_dir
    if not previous.modules:
        return [f"{pkg}: first generation of {api.package} {api.version}"]
    if previous.manifest is None:
        return [f"{pkg}: held no {MANIFEST_FILE}, so there is nothing to compare; the next generation will say what changed"]
    old = previous.manifest
    new_modules = {Path(rel).name: text for rel, text in files.items()}
    behaviours = _behaviours(api, previous.modules, new_modules)
    changes = compare_manifests(old, new, behaviours)
    if not changes:
        same = old.get("spec_sha256") == new.get("spec_sha256")
        return [f"API unchanged since the last generation{'' if same else ' (the spec changed, the generated API did not)'}: no version bump needed"]
    lines = ["What changed in the generated API since the last generation:"]
    for cat, actions in sorted(categories(changes).items()):
        lines.append(f"  {cat}: " + ", ".join(f"{n} {a}" for a, n in sorted(actions.items())))
    docs = sum(1 for c in changes if c.kind in _DOCS_ONLY)
    if docs:
        lines.append(f"  documentation: {docs} changed")
    breaking = [c for c in changes if c.severity == BREAKING]
    for c in breaking[:8]:
        lines.append(f"  breaking: {c.pointer}: {c.message} ({c.reason})")
    if len(breaking) > 8:
        lines.append(f"  ... and {len(breaking) - 8} more breaking changes (see `genspec diff`)")
    level = bump(changes)
    old_version = str(old.get("version", "0.0.0"))
    suggested = next_version(old_version, level)
    why = {"major": "breaking changes", "minor": "additions or loosened constraints, nothing breaking", "patch": "documentation only", "none": "nothing changed"}[level]
    line = f"suggested version bump: {level} ({old_version} -> {suggested}): {why}"
    if api.version != old_version:
        line += f"; the spec's info.version is {api.version}"
    lines.append(line)
    return lines
