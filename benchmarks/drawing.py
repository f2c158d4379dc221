"""How fast valid request bodies are drawn: ``luma_gen.strategies`` against hypothesis-jsonschema.

    python -m benchmarks.drawing ours SPEC_YAML --seconds S [--trigger RULE]
    python -m benchmarks.drawing cold SPEC_YAML
    python -m benchmarks.drawing hypothesis-jsonschema SPEC_YAML --seconds S

``ours`` prints one JSON object: valid createGeneration bodies drawn per second of CPU time in
a warm process (``valid_request``, every rule of the spec; after a warm-up of 20 draws), plain
and steered by ``--trigger``. ``cold`` times, in a fresh process started in an empty folder (no
``.hypothesis``), what Hypothesis's ``too_slow`` health check times: the first 10 draws of the
README's strategies (default settings; the check fails past 1 s). ``hypothesis-jsonschema``
runs in ``benchmarks/.venv`` on the same request schema without the CEL rules (JSON Schema
knows no CEL; ``x-`` keywords removed) and prints each body it draws as one JSON line, so the
caller can stop it at its time budget and still count what it produced.

Generation only (``Phase.generate``), no database, health checks off (a benchmark, not a test);
draws stop at the time budget.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OPERATION = "createGeneration"
SCHEMA = "GenerationCreateParams"


class _Enough(Exception):
    pass


def _run(strategy: Any, seconds: float, each: Any, max_examples: int = 10**6) -> None:
    """Draw from ``strategy`` until ``seconds`` of CPU time have passed; ``each(value)``."""
    from hypothesis import HealthCheck, Phase, given, settings

    start = time.process_time()

    @settings(max_examples=max_examples, phases=[Phase.generate], database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(value: Any) -> None:
        each(value)
        if time.process_time() - start > seconds:
            raise _Enough

    try:
        draw()
    except _Enough:
        pass


def ours(seconds: float, trigger: str | None) -> dict[str, Any]:
    """Valid bodies per CPU second, warm: ``valid_request`` checked (every value validated)."""
    from luma_gen import strategies, validate_request

    strategy = strategies.valid_request(OPERATION, trigger)
    _run(strategy, 1e9, lambda v: None, max_examples=20)  # warm-up
    counts = {"drawn": 0, "valid": 0}

    def each(value: Any) -> None:
        counts["drawn"] += 1
        counts["valid"] += not validate_request(OPERATION, value)

    start = time.process_time()
    _run(strategy, seconds, each)
    cpu = time.process_time() - start
    return {"tool": "ours", "trigger": trigger, **counts, "cpu_s": cpu, "valid_per_s": counts["valid"] / cpu if cpu else 0.0}


def cold() -> dict[str, Any]:
    """The first 10 draws of the README's two strategies in this (fresh) process: seconds of
    wall clock and CPU from the test's start to its 10th example, strategies made beforehand
    (as ``@given`` does at import)."""
    from hypothesis import given, settings
    from luma_gen import strategies

    made = time.perf_counter(), time.process_time()
    valid = strategies.valid_request(OPERATION, trigger="video-loop-not-with-hdr")
    miss = strategies.near_miss(OPERATION, "video-loop-not-with-hdr")
    build = time.perf_counter() - made[0], time.process_time() - made[1]
    out: dict[str, Any] = {"tool": "cold", "make_wall_s": build[0], "make_cpu_s": build[1]}
    for name, strategy in (("valid_request", valid), ("near_miss", miss)):
        marks: list[tuple[float, float]] = []

        @settings(max_examples=10, database=None)
        @given(strategy)
        def first(value: Any) -> None:
            marks.append((time.perf_counter(), time.process_time()))

        start = time.perf_counter(), time.process_time()
        first()
        end = marks[-1] if marks else start
        out[name] = {"examples": len(marks), "wall_s": end[0] - start[0], "cpu_s": end[1] - start[1]}
    return out


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if not (isinstance(k, str) and k.startswith("x-"))}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def jsonschema_peer(spec: Path, seconds: float) -> None:
    """hypothesis-jsonschema's ``from_schema`` on the request schema (components inline, no
    ``x-`` keywords, so no CEL): one JSON line per body, flushed, until ``seconds``."""
    import importlib.metadata

    import yaml
    from hypothesis_jsonschema import from_schema

    doc = yaml.safe_load(spec.read_text())
    schema = {"$ref": f"#/components/schemas/{SCHEMA}", "components": _strip(doc["components"])}
    print(json.dumps({"version": importlib.metadata.version("hypothesis-jsonschema")}), flush=True)
    _run(from_schema(schema), seconds, lambda v: print(json.dumps({"body": v}), flush=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.drawing")
    parser.add_argument("tool", choices=["ours", "cold", "hypothesis-jsonschema"])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--trigger", default=None)
    args = parser.parse_args(argv)
    if args.tool == "ours":
        print(json.dumps(ours(args.seconds, args.trigger)))
    elif args.tool == "cold":
        print(json.dumps(cold()))
    else:
        jsonschema_peer(args.spec, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
