"""Whole-system measurements: generation time, client overhead against the official SDK, and
emulator throughput against Prism. Each function returns plain data for the report.

Everything runs on loopback, bounded in count and time; every process started here is stopped
here (by its own id).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "generations.yaml"
PRISM = ROOT / "benchmarks" / "node_modules" / ".bin" / "prism"
TOKEN = "benchmark-token"
BODY = '{"prompt": "A glass of iced coffee on a marble countertop, morning light", "type": "image", "model": "uni-1", "aspect_ratio": "16:9"}'
DMCG_OPTIONS = [
    "--input-file-type", "openapi", "--output-model-type", "pydantic_v2.BaseModel", "--use-annotated",
    "--field-constraints", "--enum-field-as-literal", "all", "--target-python-version", "3.11",
    "--disable-timestamp", "--use-double-quotes", "--collapse-root-models", "--use-schema-description",
    "--use-field-description",
]


def summary(values: list[float]) -> dict[str, float]:
    """Median, min and max of ``values`` (empty: zeros)."""
    if not values:
        return {"median": 0.0, "min": 0.0, "max": 0.0, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else (shutil.which(name) or name)


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-400:]}")
    return elapsed


def generation(runs: int) -> dict[str, Any]:
    """``genspec generate`` end to end (fresh process, empty output folder; then again on the
    same folder, where nothing changed) against ``datamodel-codegen`` alone on the same spec."""
    cold: list[float] = []
    warm: list[float] = []
    dmcg: list[float] = []
    rewritten: list[int] = []
    with tempfile.TemporaryDirectory(prefix="genspec-bench-") as tmp:
        for i in range(runs):
            out = Path(tmp) / f"out{i}"
            dmcg.append(_timed([_bin("datamodel-codegen"), "--input", str(SPEC), *DMCG_OPTIONS, "--output", str(Path(tmp) / f"m{i}.py")], ROOT))
            cold.append(_timed([_bin("genspec"), "generate", "--spec", str(SPEC), "--out", str(out)], ROOT))
            before = {p: p.stat().st_mtime_ns for p in out.rglob("*.py")}
            warm.append(_timed([_bin("genspec"), "generate", "--spec", str(SPEC), "--out", str(out)], ROOT))
            rewritten.append(sum(1 for p, m in before.items() if p.stat().st_mtime_ns != m))
    return {
        "genspec_cold_s": summary(cold),
        "genspec_unchanged_s": summary(warm),
        "datamodel_codegen_s": summary(dmcg),
        "files": len(before),
        "rewritten_when_unchanged": max(rewritten) if rewritten else 0,
    }


def _module(args: list[str], python: str = sys.executable, cwd: Path = ROOT, timeout: float = 600) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    proc = subprocess.run([python, "-m", "benchmarks.drawing", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _peer_bodies(python: str, seconds: float) -> dict[str, Any]:
    """hypothesis-jsonschema in its own process for ``seconds`` of CPU (killed after 1.5 times
    that of wall clock plus 15 s to start: its first draw may never end); the bodies it printed."""
    import threading

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([python, "-m", "benchmarks.drawing", "hypothesis-jsonschema", str(SPEC), "--seconds", str(seconds)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    start = time.perf_counter()
    reader.start()
    reader.join(timeout=1.5 * seconds + 15)
    stopped = proc.poll() is None
    if stopped:
        proc.kill()
    proc.wait(timeout=30)
    reader.join(timeout=10)
    wall = time.perf_counter() - start
    err = (proc.stderr.read() if proc.stderr else "").strip()
    proc.stderr and proc.stderr.close()
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    if not parsed:
        return {"error": (err.splitlines() or ["no output"])[-1][:200]}
    bodies = [p["body"] for p in parsed[1:]]
    return {"version": parsed[0].get("version", "?"), "bodies": bodies, "wall_s": wall, "stopped_at_limit": stopped}


def drawing(seconds: float, peer_seconds: float, cold_runs: int, peer_python: str) -> dict[str, Any]:
    """Valid createGeneration bodies per second: ours warm (plain and steered by a rule), the
    first 10 draws of the README's strategies in fresh processes in empty folders, and
    hypothesis-jsonschema on the same schema without CEL (bodies counted that our validator
    accepts, every rule included, and that it accepts with the CEL rules left out)."""
    from luma_gen import validate_request
    from luma_gen.rules import RULES

    out: dict[str, Any] = {"seconds": seconds, "peer_seconds": peer_seconds}
    out["ours"] = _module(["ours", str(SPEC), "--seconds", str(seconds)])
    out["ours_trigger"] = _module(["ours", str(SPEC), "--seconds", str(seconds), "--trigger", "video-loop-not-with-hdr"])
    colds = []
    for _ in range(cold_runs):
        with tempfile.TemporaryDirectory(prefix="genspec-bench-") as tmp:
            colds.append(_module(["cold", str(SPEC)], cwd=Path(tmp)))
    out["cold"] = colds
    peer = _peer_bodies(peer_python, peer_seconds)
    if "bodies" in peer:
        bodies = peer.pop("bodies")
        cel = {r for r, rule in RULES.items() if rule.kind == "cel"}
        found = [validate_request("createGeneration", b) for b in bodies]
        peer["drawn"] = len(bodies)
        peer["valid"] = sum(1 for f in found if not f)
        peer["valid_without_cel"] = sum(1 for f in found if all(v.rule in cel for v in f))
    out["hypothesis_jsonschema"] = peer
    return out


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@contextlib.contextmanager
def serving(cmd: list[str], port: int) -> Iterator[subprocess.Popen]:
    """Run a server command until the block ends; stop it (SIGTERM, then SIGKILL) by its id."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_port(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def emulator(db: Path) -> Iterator[str]:
    """``luma-emulator`` as its own process (rate limit off, SQLite file ``db``); yields the
    API base URL."""
    port = free_port()
    cmd = [_bin("luma-emulator"), "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
           "--rate-limit", "0", "--complete-after", "0", "--log-level", "warning"]
    with serving(cmd, port):
        yield f"http://127.0.0.1:{port}/v1"


def client_overhead(pairs: int, blocks: int) -> dict[str, Any]:
    """Median seconds per create+get round trip: our Client (validation on), the official SDK
    and plain httpx, against one emulator; blocks of ``pairs`` calls, interleaved."""
    import httpx
    from luma_agents import Luma
    from luma_gen import Client

    body = {"prompt": "A glass of iced coffee on a marble countertop, morning light", "type": "image", "aspect_ratio": "16:9"}
    results: dict[str, list[float]] = {"ours": [], "sdk": [], "httpx": []}
    with tempfile.TemporaryDirectory(prefix="genspec-bench-") as tmp, emulator(Path(tmp) / "client.db") as url:
        ours = Client(auth_token=TOKEN, base_url=url)
        sdk = Luma(auth_token=TOKEN, base_url=url)
        raw = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"})

        def run_ours() -> None:
            created = ours.generations.create(**body)
            ours.generations.get(str(created.id))

        def run_sdk() -> None:
            created = sdk.generations.create(**body)
            sdk.generations.get(created.id)

        def run_httpx() -> None:
            created = raw.post("/generations", json=body).json()
            raw.get(f"/generations/{created['id']}").json()

        calls = {"ours": run_ours, "sdk": run_sdk, "httpx": run_httpx}
        for fn in calls.values():  # warm up connections and caches
            for _ in range(max(3, pairs // 10)):
                fn()
        for _ in range(blocks):
            for name, fn in calls.items():
                start = time.perf_counter()
                for _ in range(pairs):
                    fn()
                results[name].append((time.perf_counter() - start) / pairs)
        ours.close()
        sdk.close()
        raw.close()
    out = {name: summary(values) for name, values in results.items()}
    out["pairs_per_block"] = pairs
    return out


_LUA = """wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""


def _wrk(url: str, seconds: int, connections: int, script: Path) -> dict[str, float]:
    proc = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 60,
    )
    text = proc.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    total = re.search(r"(\d+) requests in", text)
    if not rps:
        raise RuntimeError(f"wrk printed no rate: {text[-400:]} {proc.stderr[-400:]}")
    return {"rps": float(rps.group(1)), "non_2xx": int(non2xx.group(1)) if non2xx else 0, "requests": int(total.group(1)) if total else 0}


def throughput(seconds: int, connections: int, runs: int) -> dict[str, Any]:
    """Create requests per second: the emulator (validating every rule, persisting to SQLite)
    and Prism (``prism mock`` of the same spec), each loaded by wrk with the same body and
    concurrency, alternating runs. Skipped (with the reason) without wrk or Prism."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    if not PRISM.exists():
        return {"skipped": "Prism is not installed (cd benchmarks && npm ci)"}
    out: dict[str, Any] = {"seconds": seconds, "connections": connections, "body": BODY}
    rates: dict[str, list[dict[str, float]]] = {"emulator": [], "prism": []}
    with tempfile.TemporaryDirectory(prefix="genspec-bench-") as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(_LUA.format(body=BODY, token=TOKEN))
        prism_port = free_port()
        prism_cmd = [str(PRISM), "mock", str(SPEC), "-p", str(prism_port), "-h", "127.0.0.1", "-v", "warn"]
        with emulator(Path(tmp) / "load.db") as url, serving(prism_cmd, prism_port):
            targets = {"emulator": f"{url}/generations", "prism": f"http://127.0.0.1:{prism_port}/generations"}
            for name, target in targets.items():  # warm up
                _wrk(target, 2, connections, script)
            for _ in range(runs):
                for name, target in targets.items():
                    rates[name].append(_wrk(target, seconds, connections, script))
    for name, runs_ in rates.items():
        out[name] = summary([r["rps"] for r in runs_])
        out[name]["non_2xx"] = sum(int(r["non_2xx"]) for r in runs_)
        out[name]["requests"] = sum(int(r["requests"]) for r in runs_)
    out["prism_version"] = _prism_version()
    return out


def _prism_version() -> str:
    try:
        return subprocess.run([str(PRISM), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine() -> dict[str, Any]:
    """Facts about this machine for the report."""
    import platform

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": sys.version.split()[0] + " (" + platform.python_implementation() + ")",
        "platform": platform.platform(),
        "load_average": " ".join(f"{x:.2f}" for x in load),
    }


def emulator_profile(seconds: int, connections: int) -> dict[str, Any]:
    """Where the emulator's time goes under the same wrk load: the server runs under cProfile
    (event-loop thread) and is stopped with SIGINT; returns the handler's callees and the top
    functions by own time, as shares of the profiled time."""
    import pstats
    import signal

    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed"}
    with tempfile.TemporaryDirectory(prefix="genspec-bench-") as tmp:
        port = free_port()
        out = Path(tmp) / "emulator.prof"
        script = Path(tmp) / "post.lua"
        script.write_text(_LUA.format(body=BODY, token=TOKEN))
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "luma_emulator", "--host", "127.0.0.1", "--port", str(port),
               "--db", str(Path(tmp) / "profile.db"), "--rate-limit", "0", "--complete-after", "0", "--log-level", "warning"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_port(port, proc)
            rate = _wrk(f"http://127.0.0.1:{port}/v1/generations", seconds, connections, script)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if not out.exists():
            return {"skipped": "the profiled emulator wrote no profile"}
        stats = pstats.Stats(str(out))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values()) or 1.0
    own = sorted(((v[2], k) for k, v in raw.items()), reverse=True)[:10]
    handler = next((k for k in raw if k[2] == "create_generation"), None)
    callees = []
    if handler is not None:
        hcum = raw[handler][3] or 1.0
        for key, value in raw.items():
            callers = value[4]
            if handler in callers:
                callees.append((callers[handler][3], _label(key), callers[handler][1]))
        callees.sort(reverse=True)
        validation = sum(cum for cum, label, _ in callees if "validate_request" in label)
        callees = [(label, cum, cum / hcum, n) for cum, label, n in callees[:8]]
    else:
        validation, hcum = 0.0, 1.0
    return {
        "rps_profiled": rate["rps"],
        "own": [(_label(k), t, t / total) for t, k in own],
        "handler_callees": callees,
        "validation_share": validation / hcum,
    }


def _label(key: tuple) -> str:
    file, line, name = key
    if file == "~":
        return name
    parts = Path(file).parts
    short = "/".join(parts[-2:]) if "site-packages" not in parts else "/".join(parts[parts.index("site-packages") + 1:])
    return f"{short}:{line}({name})"


def validator_profile(bodies: list[Any]) -> list[tuple[str, float, int]]:
    """cProfile of our validator on ``bodies``: the functions taking most own time, with their
    share and number of calls (profiling inflates calls, so shares are indicative)."""
    import cProfile
    import pstats

    from luma_gen import validate_request

    profile = cProfile.Profile()
    profile.enable()
    for body in bodies:
        validate_request("createGeneration", body)
    profile.disable()
    raw = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values()) or 1.0
    top = sorted(((v[2], v[1], k) for k, v in raw.items()), reverse=True)[:8]
    return [(f"luma_gen {k[2]}" if "luma_gen" in k[0] else _label(k), t / total, calls) for t, calls, k in top]
