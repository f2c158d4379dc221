"""One validator, timed on the corpus in a process of its own.

    python -m benchmarks.peers TOOL CORPUS_JSON SPEC_YAML [--rounds N] [--budget SECONDS]

prints one JSON object: the tool's mode (every error or the first), per-round microseconds per
request on the valid and on the invalid bodies, its verdicts ("1" accepted) and the number of
errors it reported. TOOL is one of :data:`TOOLS`. Only ``ours`` imports ``luma_gen``; the peers
run in ``benchmarks/.venv`` (``benchmarks/requirements.txt``).

Every process loads the corpus, builds its validator, then runs ``gc.collect(); gc.freeze()``
so that no tool pays for collecting the corpus itself; the first pass (verdicts) warms up.
Times are the process's CPU time (``time.process_time``): on a shared machine, time spent
waiting for a core is not the validator's. ``--per-request`` adds one pass timing each request
(wall clock, nanoseconds) for the breakdown by body size.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import importlib.util
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "GenerationCreateParams"
OPERATION = "createGeneration"
#: the formats genspec asserts, with genspec's definitions (as tests/oracle.py)
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]*")

#: a check returns the number of errors it found (0: accepted)
Check = Callable[[Any], int]


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _root_schema(doc: dict) -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/components/schemas/{SCHEMA}", "components": doc["components"]}


def ours(doc: dict) -> tuple[Check, str, str]:
    """genspec's generated validator: every violation, CEL rules included."""
    from luma_gen import validate_request

    return (lambda body: len(validate_request(OPERATION, body))), "all errors", "luma_gen " + _version("genspec")


def ours_compiled(doc: dict) -> tuple[Check, str, str]:
    """The same validator from the compiled build (``generated/setup.py``, mypyc); refuses to
    run on the pure-Python module."""
    import luma_gen.validators

    if luma_gen.validators.__file__.endswith(".py"):
        raise SystemExit("ours-compiled: luma_gen.validators is not compiled here")
    check, mode, version = ours(doc)
    return check, mode, version + " (mypyc)"


def jsonschema_rs(doc: dict) -> tuple[Check, str, str]:
    """jsonschema-rs (Rust), Draft 2020-12, formats asserted, ``iter_errors``."""
    import jsonschema_rs as rs

    validator = rs.Draft202012Validator(_root_schema(doc), validate_formats=True)
    return (lambda body: sum(1 for _ in validator.iter_errors(body))), "all errors", "jsonschema-rs " + _version("jsonschema-rs")


def jsonschema_py(doc: dict) -> tuple[Check, str, str]:
    """jsonschema (Python), Draft 2020-12, uuid and uri asserted as genspec defines them."""
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(lambda s: not isinstance(s, str) or UUID.fullmatch(s) is not None)
    checker.checks("uri")(lambda s: not isinstance(s, str) or URI.fullmatch(s) is not None)
    validator = jsonschema.Draft202012Validator(_root_schema(doc), format_checker=checker)
    return (lambda body: sum(1 for _ in validator.iter_errors(body))), "all errors", "jsonschema " + _version("jsonschema")


def to_draft7(node: Any) -> Any:
    """A Draft 2020-12 schema rewritten for draft-07: ``dependentRequired`` -> ``dependencies``,
    component refs -> ``#/definitions/``, ``$ref`` with siblings wrapped in ``allOf``."""
    if isinstance(node, list):
        return [to_draft7(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_draft7(v) for k, v in node.items() if not (isinstance(k, str) and k.startswith("x-"))}
    if "dependentRequired" in out:
        out.setdefault("dependencies", {}).update(out.pop("dependentRequired"))
    if isinstance(out.get("$ref"), str):
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/definitions/")
        rest = {k: v for k, v in out.items() if k not in ("$ref", "description")}
        if rest:
            out = {"allOf": [{"$ref": out["$ref"]}, rest]}
    return out


def fastjsonschema_(doc: dict) -> tuple[Check, str, str]:
    """fastjsonschema on the draft-07 rewrite (:func:`to_draft7`): stops at the first error."""
    import fastjsonschema

    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": to_draft7(doc["components"]["schemas"]),
        "$ref": f"#/definitions/{SCHEMA}",
    }
    formats = {"uuid": UUID.pattern, "uri": lambda s: URI.fullmatch(s) is not None, "float": lambda s: True}
    validate = fastjsonschema.compile(schema, formats=formats)
    error = fastjsonschema.JsonSchemaValueException

    def check(body: Any) -> int:
        try:
            validate(body)
        except error:
            return 1
        return 0

    return check, "first error", "fastjsonschema " + _version("fastjsonschema")


def openapi_core(doc: dict) -> tuple[Check, str, str]:
    """openapi-core ``validate_request`` of a whole POST (it parses the JSON body itself)."""
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest

    api = OpenAPI.from_dict(doc)
    server = doc["servers"][0]["url"]
    host, _, base = server.partition("://")[2].partition("/")
    headers = {"Authorization": "Bearer benchmark"}

    def check(body: Any) -> int:
        request = MockRequest(
            f"https://{host}", "post", f"/{base}/generations", headers=headers,
            data=json.dumps(body).encode(), content_type="application/json",
        )
        try:
            api.validate_request(request)
        except Exception as exc:  # openapi-core raises one exception holding the errors
            cause = exc.__cause__
            return len(getattr(cause, "schema_errors", ()) or ()) or 1
        return 0

    return check, "all errors (raised)", "openapi-core " + _version("openapi-core")


def pydantic_models(doc: dict) -> tuple[Check, str, str]:
    """The pydantic v2 models datamodel-code-generator writes (generated/luma_gen/models.py)."""
    from pydantic import ValidationError

    path = ROOT / "generated" / "luma_gen" / "models.py"
    spec = importlib.util.spec_from_file_location("benchmark_models", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark_models"] = module
    spec.loader.exec_module(module)
    model = getattr(module, SCHEMA)

    def check(body: Any) -> int:
        try:
            model.model_validate(body)
        except ValidationError as exc:
            return exc.error_count()
        return 0

    return check, "all errors (raised)", "pydantic " + _version("pydantic") + " / datamodel-code-generator models"


def json_loads(doc: dict) -> tuple[Check, str, str]:
    """Baseline: ``json.loads`` of the same body (serialised beforehand): no verdict."""
    return (lambda text: 0 if json.loads(text) is not None else 0), "-", f"json (CPython {sys.version.split()[0]})"


TOOLS: dict[str, Callable[[dict], tuple[Check, str, str]]] = {
    "ours": ours,
    "ours-compiled": ours_compiled,
    "jsonschema-rs": jsonschema_rs,
    "fastjsonschema": fastjsonschema_,
    "jsonschema": jsonschema_py,
    "openapi-core": openapi_core,
    "pydantic": pydantic_models,
    "json.loads": json_loads,
}


def _time(check: Check, items: list[Any]) -> float:
    start = time.process_time()
    for item in items:
        check(item)
    return (time.process_time() - start) / max(1, len(items)) * 1e6


def _each(check: Check, items: list[Any]) -> list[float]:
    """Microseconds of each request (best of three passes, wall clock)."""
    best = [float("inf")] * len(items)
    clock = time.perf_counter_ns
    for _ in range(3):
        for i, item in enumerate(items):
            start = clock()
            check(item)
            elapsed = clock() - start
            if elapsed < best[i]:
                best[i] = elapsed
    return [b / 1000 for b in best]


def run(tool: str, corpus_path: str, spec_path: str, rounds: int, budget: float, per_request: bool = False) -> dict[str, Any]:
    """Verdicts and timings of ``tool`` on the corpus (see the module docstring)."""
    import yaml

    doc = yaml.safe_load(Path(spec_path).read_text())
    corpus = json.loads(Path(corpus_path).read_text())
    valid = corpus["valid"]
    invalid = [m["body"] for m in corpus["invalid"]]
    if tool == "json.loads":
        valid = [json.dumps(b) for b in valid]
        invalid = [json.dumps(b) for b in invalid]
    check, mode, version = TOOLS[tool](doc)
    gc.collect()
    gc.freeze()
    errors_valid = [check(b) for b in valid]
    errors_invalid = [check(b) for b in invalid]
    timings: dict[str, list[float]] = {"valid": [], "invalid": []}
    started = time.perf_counter()
    for i in range(rounds):
        timings["valid"].append(_time(check, valid))
        timings["invalid"].append(_time(check, invalid))
        if i >= 1 and time.perf_counter() - started > budget:
            break
    each = {"valid": _each(check, valid), "invalid": _each(check, invalid)} if per_request else None
    return {
        "each_us": each,
        "tool": tool,
        "version": version,
        "mode": mode,
        "valid_us": timings["valid"],
        "invalid_us": timings["invalid"],
        "accepts_valid": "".join("0" if e else "1" for e in errors_valid),
        "accepts_invalid": "".join("0" if e else "1" for e in errors_invalid),
        "errors_invalid": sum(errors_invalid),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: run one tool, print its JSON result on stdout."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers")
    parser.add_argument("tool", choices=sorted(TOOLS))
    parser.add_argument("corpus")
    parser.add_argument("spec")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--budget", type=float, default=30.0, help="stop adding rounds after this many seconds (at least 2 rounds)")
    parser.add_argument("--per-request", action="store_true", help="also time each request (for the breakdown by body size)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.tool, args.corpus, args.spec, args.rounds, args.budget, args.per_request)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
