"""``genspec check``: every problem of a spec, each as ``FILE:LINE: what (how to fix)``.

Order: load (YAML, duplicate keys) -> openapi-spec-validator (the OpenAPI 3.1 meta-schema) ->
genspec's own checks while compiling (refs resolve, keywords known, rules well formed and
unique, CEL parses, names existing properties and has sound types) -> examples run through the
compiled validators (every rule's valid examples pass, its invalid ones break that rule; every
request body example of an operation passes).
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from genspec.check import lint, lint_examples, meaning
from genspec.load import loader, upgrade
from genspec.load.errors import Reporter, SpecError, SpecErrors
from genspec.load.ir import Api
from genspec.load.loader import Document, escape_pointer
from genspec.model import parse
from genspec.render import render
from genspec.schema.compile import Compiled


@dataclass
class Checked:
    """A spec that passed every check: the document, its model and compiled validators."""

    doc: Document
    api: Api
    compiled: Compiled
    validators: ModuleType
    #: with ``run(..., package=True)``: every file ``generate`` writes (relative path ->
    #: content), rendered, formatted and imported
    files: dict[str, str] | None = None
    #: what is worth fixing but did not stop the check (``Reporter.warn``), sorted
    warnings: list[SpecError] = dataclasses.field(default_factory=list)


#: openapi-spec-validator findings genspec reports itself, with a line number
_OWN_CHECKS = ("ParameterDuplicateError", "UnresolvableParameterError", "DuplicateOperationIDError")


def _version(doc: Document) -> None:
    """Stop at once (one line) for a document that is not OpenAPI 3.1 or 3.0 (3.0 is rewritten
    as 3.1 here, :mod:`genspec.load.upgrade`): nothing else applies."""
    version = doc.data.get("openapi")
    if isinstance(version, str) and version.startswith("3.1"):
        return
    if upgrade.is_30(doc.data):
        upgrade.upgrade(doc.data)
        return
    if "openapi" not in doc.data:
        what = "not an OpenAPI document (it has no 'openapi' key); genspec reads OpenAPI 3.1 documents"
        hint = "start the document with openapi: 3.1.0"
    else:
        what = f"genspec reads OpenAPI 3.1 (and 3.0) documents, this one says openapi: {version!r}"
        hint = "set openapi: 3.1.0 and use JSON Schema 2020-12 schemas"
    raise SpecErrors([SpecError(doc.path, doc.lines.get("/openapi") or doc.lines.get("", 1), what, hint, "/openapi")])


def _locate(doc: Document, path: str, instance: Any) -> str | None:
    """The absolute pointer of a validator finding; None when it cannot be placed.

    openapi-spec-validator reports schema findings relative to the schema it was checking, so
    a path that does not resolve is matched against the document's pointers ending with it.
    """
    if path:
        try:
            if doc.resolve(path) == instance or repr(instance) == "<unset>":
                return path
        except KeyError:
            pass
    else:
        return "" if instance == doc.data else None
    for candidate in sorted(doc.lines, key=lambda p: doc.lines[p]):
        if candidate.endswith(path):
            try:
                if doc.resolve(candidate) == instance:
                    return candidate
            except KeyError:
                continue
    return None


def _meta_schema(doc: Document) -> list[tuple[str | None, str, str]]:
    """openapi-spec-validator's findings as ``(pointer or None, what, hint)``."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    hint = "see https://spec.openapis.org/oas/v3.1.0"
    try:
        errors = list(OpenAPIV31SpecValidator(_without_schema_defaults(doc), base_uri=Path(doc.path).resolve().as_uri()).iter_errors())
    except RecursionError:
        return [(None, "the spec's $ref structure is too deep or cyclic for openapi-spec-validator", "break the cycle")]
    except Exception as exc:  # the validator raises on some malformed documents
        if any(c.__name__ == "Unresolvable" and c.__module__.startswith("referencing") for c in type(exc).__mro__):
            return []  # a reference it cannot follow (an $anchor, a $dynamicRef): genspec resolves them itself
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [(None, f"openapi-spec-validator failed: {text[:200]}", "fix the document structure")]
    out: list[tuple[str | None, str, str]] = []
    for err in errors:
        if type(err).__name__ in _OWN_CHECKS:
            continue
        if getattr(err, "validator", None) == "format" and getattr(err, "validator_value", None) == "regex":
            continue  # patterns are ECMA-262, which genspec's compiler checks itself
        path = "".join("/" + escape_pointer(str(p)) for p in getattr(err, "absolute_path", []))
        message = str(getattr(err, "message", "") or err).splitlines()[0] or "invalid"
        if len(message) > 300:
            message = message[:300] + "..."
        out.append((_locate(doc, path, getattr(err, "instance", None)), f"OpenAPI 3.1: {message}", hint))
    return out


def _without_schema_defaults(doc: Document) -> Any:
    """The document, or a copy without the ``default`` of its schemas when it has some.

    openapi-spec-validator rejects a default its schema rejects; JSON Schema 2020-12 makes
    ``default`` an annotation, so genspec reports that as a warning of its own
    (:mod:`lint_examples`) and keeps it out of the validator's errors.
    """
    lint_of = lint.Lint(doc, Reporter(doc.path))
    if not any("default" in node for node, _ in lint_of.schemas()):
        return doc.data
    data = copy.deepcopy(doc.data)
    for node, _ in lint.Lint(dataclasses.replace(doc, data=data), Reporter(doc.path)).schemas():
        node.pop("default", None)
    return data


def _add_meta(found: list[tuple[str | None, str, str]], reporter: Reporter, placed: bool) -> None:
    """Add validator findings genspec did not already report on the same line.

    ``placed``: add the findings placed on a line (those on a line genspec reported already
    are left out); else the ones that cannot be placed, only when genspec found nothing at
    all (they are then most likely a problem genspec reports itself, with its line).
    """
    own = {e.line for e in reporter.errors}
    nothing_else = not reporter.errors
    for ptr, what, hint in found:
        if ptr is None:
            if not placed and nothing_else:
                reporter.add("", what, hint)
        elif placed and reporter.line_of(ptr) not in own:
            reporter.add(ptr, what, hint)


def _crashed(doc: Document, reporter: Reporter, meta: list[tuple[str | None, str, str]], exc: Exception) -> None:
    """Turn an unexpected exception while reading a spec into problems (raises SpecErrors).

    A spec that already has problems (genspec's own or the meta-schema's) most likely broke
    genspec through one of them: those are reported. Otherwise the exception is a genspec bug,
    reported as one line naming where it happened.
    """
    _add_meta(meta, reporter, placed=True)
    _add_meta(meta, reporter, placed=False)
    if not reporter.errors:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb is not None else ""
        reporter.add("", f"genspec failed reading this spec ({type(exc).__name__}{where}: {str(exc)[:120]})", "this is a genspec bug; please report it with the spec")
    reporter.raise_if_any()


def load_validators(api: Api, compiled: Compiled) -> ModuleType:
    """Render the validators into a private temporary package and import it.

    Returns the ``validators`` module (its ``validate_schema``, ``validate_request``, ...).
    """
    package = render.import_rendered(api, compiled, ("_runtime.py", "validators.py"), "check")
    return importlib.import_module(f"{package.__name__}.validators")


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _examples(api: Api, validators: ModuleType, reporter: Reporter) -> None:
    known = {r.id for r in api.rules}
    for rule in api.rules:
        if not rule.valid_examples or not rule.invalid_examples:
            reporter.add(rule.pointer, f"rule '{rule.id}' needs at least one valid and one invalid example", "add examples: {valid: [...], invalid: [...]}")
        for i, example in enumerate(rule.valid_examples):
            found = validators.validate_schema(rule.owner, example)
            if found:
                v = found[0]
                reporter.add(f"{rule.pointer}/examples/valid/{i}", f"valid example of rule '{rule.id}' is rejected: {v.path or '/'}: {v.message} [{v.rule}]", "fix the example or the rule")
        for i, example in enumerate(rule.invalid_examples):
            found = validators.validate_schema(rule.owner, example)
            if not any(v.rule == rule.id for v in found):
                others = ", ".join(sorted({v.rule for v in found})) or "nothing"
                reporter.add(f"{rule.pointer}/examples/invalid/{i}", f"invalid example {_short(example)} of rule '{rule.id}' does not break it (breaks {others})", "fix the example or the rule")
            for other in rule.subsumed_by:
                if other in known and not any(v.rule == other for v in found):
                    reporter.add(f"{rule.pointer}/subsumed-by", f"rule '{rule.id}' says it is subsumed by '{other}', but invalid example {_short(example)} does not break '{other}'", "fix subsumed-by or the example")
    for rule in api.rules:
        for other in rule.subsumed_by:
            if other not in known:
                reporter.add(f"{rule.pointer}/subsumed-by", f"rule '{rule.id}' names unknown rule '{other}' in subsumed-by", "use the id of a rule of this spec")
    for op in api.operations:
        for name, value in op.body_examples:
            found = validators.validate_request(op.operation_id, value)
            if found:
                v = found[0]
                ptr = f"{op.body_media_ptr}/examples/{escape_pointer(name)}"
                reporter.add(ptr, f"request example '{name}' of {op.operation_id} is invalid: {v.path or '/'}: {v.message} [{v.rule}]", "fix the example")


def render_package(doc: Document, api: Api, compiled: Compiled, invalid_defaults: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file ``genspec generate`` writes for ``doc``: models, rendered and formatted; then
    the package is imported from a temporary folder, so a spec that passes ``check`` yields a
    package that imports. Raises :class:`SpecErrors` (one line per file that does not import).

    A module whose optional extra (or a run-time dependency of the generated package) is not
    installed here is compiled instead of imported. ``invalid_defaults`` are the pointers of
    ``default`` values their schema rejects (warnings): the models leave them out, since a
    model would otherwise take (or, for an object, fail to parse) a value the spec forbids.
    """
    data = doc.data
    if invalid_defaults:
        data = copy.deepcopy(doc.data)
        for ptr in invalid_defaults:
            parent = loader.pointer_node(data, ptr.rsplit("/", 1)[0])
            if isinstance(parent, dict):
                parent.pop("default", None)
    files = render.render_with_models(api, compiled, data, doc.path)
    problems = render.import_files(files, api.package)
    if problems:
        raise SpecErrors([SpecError(doc.path, 0, what, "report this as a genspec bug with the spec that caused it") for what in problems])
    return files


def run(spec: str | Path, package: bool = False) -> Checked:
    """Check ``spec``; return the checked result or raise :class:`SpecErrors` with every problem.

    Every check runs even when an earlier one found problems (all problems in one run); the
    examples run whenever the compiled validators import. ``package=True`` also renders,
    formats and imports everything ``generate`` writes (``Checked.files``), once the spec has
    no other problem.
    """
    doc = loader.load(spec)
    _version(doc)
    reporter = Reporter(doc.path, doc.lines)
    lint.pair_surrogates(doc, reporter)
    meta = _meta_schema(doc)
    try:
        api, compiled = parse.build(doc, reporter)
        meaning.run(doc, reporter)
    except RecursionError:
        reporter.add("", "a schema nests too deeply", "flatten it with $ref")
        reporter.raise_if_any()
        raise
    except Exception as exc:  # noqa: BLE001 - see _crashed
        _crashed(doc, reporter, meta, exc)
    _add_meta(meta, reporter, placed=True)
    earlier = bool(reporter.errors)
    try:
        validators = load_validators(api, compiled)
    except SyntaxError as exc:
        reporter.add("", f"the compiled validators do not parse ({exc.msg})", "report this as a genspec bug")
        reporter.raise_if_any()
        raise
    except Exception:  # noqa: BLE001 - validators of a spec with problems may not import
        reporter.raise_if_any()
        raise
    try:
        _examples(api, validators, reporter)
        lint_examples.examples(doc, reporter, validators)
    except Exception:  # noqa: BLE001 - the problems found first most likely broke the examples
        if not earlier:
            raise
    _add_meta(meta, reporter, placed=False)
    reporter.raise_if_any()
    invalid_defaults = tuple(w.pointer for w in reporter.warnings if w.pointer.endswith("/default"))
    files = render_package(doc, api, compiled, invalid_defaults) if package else None
    return Checked(doc, api, compiled, validators, files, sorted(set(reporter.warnings)))
