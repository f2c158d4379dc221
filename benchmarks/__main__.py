"""``python -m benchmarks``: the benchmarks of issue 6, from one command.

    python -m benchmarks                 # everything; writes benchmarks/RESULTS.md
    python -m benchmarks --quick         # a smoke run: 300 requests, short timings, no npm/wrk;
                                         # writes its report to the temp folder, never RESULTS.md

Parts (``--parts``, comma-separated, default all): ``validators`` (a fixed-seed corpus of
createGeneration bodies from ``luma_gen.strategies``, each validator timed in its own process),
``strategies`` (valid bodies drawn per second by ``luma_gen.strategies`` against
hypothesis-jsonschema on the same schema without CEL, and the first draws as Hypothesis's
``too_slow`` health check times them), ``generation`` (``genspec generate`` end to end against
``datamodel-codegen`` alone),
``client`` (create + get round trips: our client against the official SDK, one emulator) and
``throughput`` (the emulator against Prism under wrk).

The first full run installs the pinned peers: ``benchmarks/.venv`` from
``benchmarks/requirements.txt`` (pip), Prism into ``benchmarks/node_modules`` (``npm ci``) and
``wrk`` from Debian (``apt-get install wrk``, when run as root); ``--no-setup`` skips that, and
a peer that is not installed gets a row saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import compiled, corpus, report, system

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS_VENV = HERE / ".venv"
PARTS = ("validators", "strategies", "generation", "client", "throughput")
FAST_TOOLS = ("ours", "ours-compiled", "jsonschema-rs", "fastjsonschema", "pydantic", "json.loads")
#: tools timed request by request too, for the breakdown by body size
BREAKDOWN_TOOLS = ("ours", "jsonschema-rs", "json.loads")
SLOW_TOOLS = ("jsonschema", "openapi-core")


def setup() -> list[str]:
    """Install what is missing: the peers' venv (pip), Prism (npm ci, again when the lock
    file is newer than what is installed) and wrk (Debian's package, when run as root);
    returns notes for what could not be installed."""
    notes = []
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".installed"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    if not stamp.exists() or (HERE / "requirements.txt").stat().st_mtime > stamp.stat().st_mtime:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(HERE / "requirements.txt")], check=True)
        stamp.touch()
    installed = HERE / "node_modules" / ".package-lock.json"
    if not (HERE / "node_modules" / ".bin" / "prism").exists() or not installed.exists() or (HERE / "package-lock.json").stat().st_mtime > installed.stat().st_mtime:
        if shutil.which("npm"):
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, stdout=subprocess.DEVNULL)
        else:
            notes.append("npm is not installed: Prism (and so the throughput comparison) is skipped.")
    if shutil.which("wrk") is None and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        if _apt("install", "-y", "-q", "wrk") != 0:  # the package lists may be missing or old
            _apt("update", "-q")
            _apt("install", "-y", "-q", "wrk")
    if shutil.which("wrk") is None:
        notes.append("wrk is not installed (`apt-get install wrk`, as root): the throughput comparison is skipped.")
    return notes


def _apt(*args: str) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=900).returncode


def default_out(quick: bool) -> Path:
    """Where the report goes without ``--out``: ``benchmarks/RESULTS.md`` for a full run (the
    committed results); a quick run's one-run numbers go to the temp folder instead."""
    import tempfile

    return HERE / "RESULTS.md" if not quick else Path(tempfile.gettempdir()) / "genspec-benchmarks-quick.md"


def _peer_python(tool: str) -> str:
    if tool in ("ours", "ours-compiled"):
        return sys.executable
    python = PEERS_VENV / "bin" / "python"
    return str(python) if python.exists() else sys.executable


def _run_tool(tool: str, corpus_path: Path, rounds: int, budget: float, per_request: bool = False, first: str = "") -> dict[str, Any]:
    cmd = [_peer_python(tool), "-m", "benchmarks.peers", tool, str(corpus_path), str(system.SPEC), "--rounds", str(rounds), "--budget", str(budget)]
    cmd += ["--per-request"] if per_request else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [first, str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600, env=env)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        if "ModuleNotFoundError" in last:
            last = "not installed here (" + last.split("No module named", 1)[-1].strip(" '") + ")"
        return {"error": last[:200]}
    return json.loads(proc.stdout)


def _rule_kinds() -> tuple[list[str], list[str]]:
    """(every rule of the request body, its CEL rules)."""
    from luma_gen import strategies
    from luma_gen.rules import RULES

    rules = list(strategies.REQUEST_RULES[corpus.OPERATION])
    return rules, [r for r in rules if RULES[r].kind == "cel"]


def _short(names: list[str]) -> str:
    if not names:
        return "0"
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return f"{len(names)}: {shown}"


def validators(size: int, seed: int, quick: bool) -> dict[str, Any]:
    """Build the corpus, run every tool (fast ones in several interleaved processes), compare
    verdicts with ours and ours with the reference oracle."""
    path = corpus.build(size, seed)
    data = corpus.load(path)
    rounds, processes, budget = (2, 1, 2.0) if quick else (5, 3, 30.0)
    results: dict[str, dict[str, Any]] = {}
    built = "skipped by --quick (the C build takes minutes)" if quick else compiled.build()
    for n in range(processes):
        for tool in FAST_TOOLS:
            if tool == "ours-compiled" and not isinstance(built, Path):
                results[tool] = {"error": str(built)}
                continue
            first = str(built) if tool == "ours-compiled" else ""
            merge(results, tool, _run_tool(tool, path, rounds, budget, per_request=n == 0 and tool in BREAKDOWN_TOOLS, first=first))
    for tool in SLOW_TOOLS:
        merge(results, tool, _run_tool(tool, path, rounds, budget))
    rules, cel = _rule_kinds()
    expressible = {
        "ours": "0",
        "ours-compiled": "0",
        "jsonschema-rs": _short(cel) + " (CEL)",
        "fastjsonschema": _short(cel) + " (CEL)",
        "jsonschema": _short(cel) + " (CEL)",
        "openapi-core": _short(cel) + " (CEL)",
        "pydantic": f"all {len(rules)} (the models keep no x-rule or CEL rule)",
        "json.loads": "-",
    }
    ours = results.get("ours", {})
    near = [m["rule"] for m in data["invalid"]]
    for tool, r in results.items():
        r["cannot_express"] = expressible.get(tool, "-")
        if "error" in r or tool == "json.loads" or "error" in ours:
            r["disagreements"] = "-" if tool == "json.loads" else r.get("disagreements", "-")
            continue
        pairs = zip(r["accepts_valid"] + r["accepts_invalid"], ours["accepts_valid"] + ours["accepts_invalid"])
        r["disagreements"] = sum(1 for a, b in pairs if a != b)
        r["missed_rules"] = _short(sorted({rule for rule, a in zip(near, r["accepts_invalid"]) if a == "1"}))
    profile = {kind: system.validator_profile(bodies) for kind, bodies in (("valid", data["valid"]), ("invalid", [m["body"] for m in data["invalid"]]))}
    return {"corpus": data["meta"], "tools": results, "oracle_disagreements": oracle_disagreements(data), "breakdown": breakdown(data, results), "profile": profile}


#: body size buckets (bytes of the JSON text) of the breakdown
BUCKETS = ((0, 1_000, "< 1 KB"), (1_000, 10_000, "1-10 KB"), (10_000, 10**12, ">= 10 KB"))


def breakdown(data: dict[str, Any], results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per body-size bucket and kind (valid / invalid): requests, and for each timed tool the
    mean microseconds and the share of that tool's total time the bucket takes."""
    sizes = {"valid": [len(json.dumps(b)) for b in data["valid"]], "invalid": [len(json.dumps(m["body"])) for m in data["invalid"]]}
    rows = []
    for kind in ("valid", "invalid"):
        for lo, hi, label in BUCKETS:
            index = [i for i, n in enumerate(sizes[kind]) if lo <= n < hi]
            if not index:
                continue
            row: dict[str, Any] = {"kind": kind, "bucket": label, "requests": len(index)}
            for tool in BREAKDOWN_TOOLS:
                each = (results.get(tool) or {}).get("each_us")
                if not each:
                    continue
                times = each[kind]
                total = sum(times) or 1.0
                part = sum(times[i] for i in index)
                row[tool] = {"mean_us": part / len(index), "share": part / total}
            rows.append(row)
    for r in results.values():
        r.pop("each_us", None)
    return rows


def merge(results: dict[str, dict[str, Any]], tool: str, run: dict[str, Any]) -> None:
    """Fold one process's result into ``results[tool]`` (timings appended, verdicts kept)."""
    if "error" in run:
        results.setdefault(tool, run)
        return
    known = results.get(tool)
    if known is None or "error" in known:
        results[tool] = run
        return
    known["valid_us"] += run["valid_us"]
    known["invalid_us"] += run["invalid_us"]


def oracle_disagreements(data: dict[str, Any]) -> int:
    """Requests where our verdict differs from tests/oracle.py (jsonschema + cel-python)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from luma_gen import validate_request
    from oracle import Oracle

    oracle = Oracle(system.SPEC)
    bodies = data["valid"] + [m["body"] for m in data["invalid"]]
    name = "GenerationCreateParams"
    return sum(1 for b in bodies if oracle.is_valid(name, b) != (not validate_request(corpus.OPERATION, b)))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts, print the tables, write the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 requests, short timings, no throughput")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--size", type=int, default=None, help="corpus size (default 10000, quick 300)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=None, help="report file (default benchmarks/RESULTS.md; with --quick, genspec-benchmarks-quick.md in the temp folder)")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    parser.add_argument("--no-setup", action="store_true", help="do not install the peers")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": system.machine(), "notes": []}
    if not args.quick and not args.no_setup:
        results["notes"] += setup()
    size = args.size or (300 if args.quick else 10_000)
    if "validators" in parts:
        results["validators"] = validators(size, args.seed, args.quick)
    if "strategies" in parts:
        results["strategies"] = system.drawing(3.0 if args.quick else 20.0, 10.0 if args.quick else 120.0, 1 if args.quick else 3, _peer_python("hypothesis-jsonschema"))
    if "generation" in parts:
        results["generation"] = system.generation(1 if args.quick else 5)
    if "client" in parts:
        results["client"] = system.client_overhead(20 if args.quick else 200, 2 if args.quick else 7)
    if "throughput" in parts:
        results["throughput"] = load = system.throughput(2 if args.quick else 10, 16, 1 if args.quick else 3)
        if "skipped" not in load and load["emulator"]["median"] < load["prism"]["median"]:
            load["profile"] = system.emulator_profile(2 if args.quick else 10, 16)
    results["elapsed_s"] = time.perf_counter() - started
    results["command"] = "python -m benchmarks" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    text = report.markdown(results)
    out = args.out or default_out(args.quick)
    out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(text)
    print(f"report written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
