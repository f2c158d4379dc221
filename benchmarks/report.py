"""Tables of the benchmark results, as Markdown: printed and written to ``RESULTS.md``."""

from __future__ import annotations

from typing import Any

from .system import summary

#: goals of issue 6 (ours / reference), each met when the ratio is at most 1.0 (2.0 for generation)
GENERATION_LIMIT = 2.0
#: issue 13: the compiled build of the validators at most half jsonschema-rs's time
COMPILED_LIMIT = 0.5


def _us(values: list[float]) -> str:
    s = summary(values)
    return f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})" if values else "-"


def _met(ratio: float, limit: float = 1.0) -> str:
    return "met" if ratio <= limit else "**not met**"


def validator_rows(results: dict[str, Any]) -> list[list[str]]:
    """One row per tool: us/request valid and invalid (median, min-max), mode, disagreements
    with our validator, rules it cannot express, near-miss rules it let through."""
    rows = []
    for tool, r in results["tools"].items():
        if "error" in r:
            rows.append([tool, "-", "-", "-", "-", "-", r["error"]])
            continue
        rows.append([
            f"{tool} ({r['version']})",
            _us(r["valid_us"]),
            _us(r["invalid_us"]),
            r["mode"],
            str(r.get("disagreements", "-")),
            r.get("cannot_express", "-"),
            r.get("missed_rules", "-"),
        ])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def ratios(results: dict[str, Any]) -> list[list[str]]:
    """The goals of issue 6 as ratios (ours / reference) with met / not met."""
    rows: list[list[str]] = []
    tools = results.get("validators", {}).get("tools", {})
    ours, rs = tools.get("ours"), tools.get("jsonschema-rs")
    if ours and rs and "error" not in ours and "error" not in rs:
        for tool, label, limit in (("ours", "ours (pure Python)", 1.0), ("ours-compiled", "ours compiled (mypyc)", COMPILED_LIMIT)):
            mine = tools.get(tool)
            if not mine or "error" in mine:
                rows += [[f"validator, {kind} requests: {label} / jsonschema-rs iter_errors", (mine or {}).get("error", "not run"), "-", f"<= {limit}", "not measured"] for kind in ("valid", "invalid")]
                continue
            for kind in ("valid", "invalid"):
                a = summary(mine[f"{kind}_us"])
                b = summary(rs[f"{kind}_us"])
                best = a["min"] / b["min"]
                rows.append([f"validator, {kind} requests: {label} / jsonschema-rs iter_errors (medians; best rounds {a['min']:.2f} / {b['min']:.2f} us, ratio {best:.2f})",
                             f"{a['median']:.2f} us / {b['median']:.2f} us", f"{a['median'] / b['median']:.2f}", f"<= {limit}", _met(a["median"] / b["median"], limit)])
        rows.append(["validator: verdicts disagreeing with the reference (tests/oracle.py)", str(results["validators"].get("oracle_disagreements", "-")), "-", "0", _met(float(results["validators"].get("oracle_disagreements", 1) or 0), 0.0)])
    rows += strategy_ratios(results.get("strategies"))
    gen = results.get("generation")
    if gen and "skipped" not in gen:
        a, b = gen["genspec_cold_s"]["median"], gen["datamodel_codegen_s"]["median"]
        rows.append(["genspec generate (cold) / datamodel-codegen alone", f"{a:.2f} s / {b:.2f} s", f"{a / b:.2f}", f"<= {GENERATION_LIMIT}", _met(a / b, GENERATION_LIMIT)])
        w = gen["genspec_unchanged_s"]["median"]
        rows.append(["genspec generate (spec unchanged) / datamodel-codegen alone", f"{w:.2f} s / {b:.2f} s", f"{w / b:.2f}", f"<= {GENERATION_LIMIT}", _met(w / b, GENERATION_LIMIT)])
        rows.append(["files rewritten by a second generate (nothing changed)", f"{gen['rewritten_when_unchanged']} of {gen['files']}", "-", "0", _met(gen["rewritten_when_unchanged"], 0.0)])
    client = results.get("client")
    if client and "skipped" not in client:
        a, b = client["ours"]["median"] * 1e3, client["sdk"]["median"] * 1e3
        rows.append(["client create+get round trip: ours (validating) / official SDK", f"{a:.2f} ms / {b:.2f} ms", f"{a / b:.2f}", "<= 1.0", _met(a / b)])
    load = results.get("throughput")
    if load and "skipped" not in load:
        a, b = load["emulator"]["median"], load["prism"]["median"]
        rows.append(["create requests/s: Prism / emulator (so <= 1.0 means the emulator holds at least as many)", f"{b:.0f} / {a:.0f} req/s", f"{b / a:.2f}", "<= 1.0", _met(b / a)])
    return rows


def _peer_rate(peer: dict[str, Any]) -> tuple[float, bool]:
    """(valid bodies per second of hypothesis-jsonschema, whether that is an upper bound: none
    drawn, so fewer than one in the time it had)."""
    seconds = peer.get("wall_s") or 1.0
    n = peer.get("valid_without_cel", 0)
    return (n / seconds, False) if n else (1.0 / seconds, True)


def strategy_ratios(draw: dict[str, Any] | None) -> list[list[str]]:
    """Goal rows of the strategies part: seconds per valid body against hypothesis-jsonschema,
    and the first 10 draws against the health check's 1 s."""
    if not draw or "error" in draw.get("ours", {"error": 1}):
        return []
    rows = []
    ours = draw["ours"]["valid_per_s"]
    peer = draw.get("hypothesis_jsonschema") or {}
    if "error" not in peer and ours:
        rate, bound = _peer_rate(peer)
        ratio = rate / ours
        rows.append(["valid request bodies: seconds per body, ours / hypothesis-jsonschema (same schema, no CEL)",
                     f"{1 / ours * 1e3:.1f} ms / {'> ' if bound else ''}{1 / rate * 1e3:.0f} ms", f"{'< ' if bound else ''}{ratio:.2g}", "<= 1.0", _met(ratio)])
    colds = [c for c in draw.get("cold", []) if "error" not in c]
    if colds:
        worst = max(max(c["valid_request"]["wall_s"], c["near_miss"]["wall_s"]) for c in colds)
        rows.append([f"README strategies, first 10 draws in a fresh process and folder (what the too_slow health check times), worst of {len(colds)}",
                     f"{worst:.2f} s / 1.00 s", f"{worst:.2f}", "<= 1.0", _met(worst)])
    return rows


def strategy_section(draw: dict[str, Any]) -> list[str]:
    """The strategies part in detail."""
    out = ["", "## Strategies", ""]
    out.append(f"Valid createGeneration bodies drawn per second of CPU time by `luma_gen.strategies.valid_request` in a warm process "
               f"(checked: every value validated; {draw['seconds']:.0f} s of drawing each, generation phase only); a body counts as valid when "
               "`validate_request` accepts it, every rule included.")
    out.append("")
    rows = []
    for key, label in (("ours", "ours, `valid_request(\"createGeneration\")`"), ("ours_trigger", "ours, `trigger=\"video-loop-not-with-hdr\"`")):
        r = draw.get(key) or {}
        rows.append([label, "-", "-", r.get("error", "-")] if "error" in r else [label, str(r["drawn"]), str(r["valid"]), f"{r['valid_per_s']:.0f}"])
    peer = draw.get("hypothesis_jsonschema") or {}
    if "error" in peer:
        rows.append(["hypothesis-jsonschema", "-", "-", peer["error"]])
    else:
        rate, bound = _peer_rate(peer)
        rows.append([f"hypothesis-jsonschema {peer['version']} `from_schema` (same schema, `x-` keywords and so CEL removed; {peer['wall_s']:.0f} s wall"
                     f"{', stopped at its limit' if peer.get('stopped_at_limit') else ''})",
                     str(peer["drawn"]), f"{peer['valid']} ({peer['valid_without_cel']} without CEL)", f"{'< ' if bound else ''}{rate:.2f} (wall)"])
    out += _table(["strategy", "drawn", "valid", "valid bodies/s"], rows)
    colds = [c for c in draw.get("cold", []) if "error" not in c]
    if colds:
        out += ["", "The README's two strategies in fresh processes, each in an empty folder (no `.hypothesis`): seconds to make them "
                "(at import, before any test) and from the test's start to its 10th example (what the `too_slow` health check "
                "times; it fails past 1 s).", ""]
        out += _table(["run", "make (wall / CPU s)", "valid_request: 10 draws (wall / CPU s)", "near_miss: 10 draws (wall / CPU s)"], [
            [str(i + 1), f"{c['make_wall_s']:.2f} / {c['make_cpu_s']:.2f}", f"{c['valid_request']['wall_s']:.2f} / {c['valid_request']['cpu_s']:.2f}",
             f"{c['near_miss']['wall_s']:.2f} / {c['near_miss']['cpu_s']:.2f}"] for i, c in enumerate(colds)])
    return out


def markdown(results: dict[str, Any]) -> str:
    """RESULTS.md: machine, command, goals as ratios, then each measurement in detail."""
    m = results["machine"]
    out = [
        "# Benchmark results",
        "",
        f"Written by `{results['command']}` in {results['elapsed_s']:.0f} s (one run; every number below comes from it).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['platform']}; Python {m['python']}; "
        f"load average at the start {m['load_average']}.",
        "",
        "## Goals (issue 6)",
        "",
    ]
    out += _table(["goal", "ours / reference", "ratio", "goal", "status"], ratios(results))
    val = results.get("validators")
    if val:
        c = val["corpus"]
        out += [
            "",
            "## Validators",
            "",
            f"Corpus: {c['valid'] + c['invalid']} createGeneration bodies from `luma_gen.strategies` (seed {c['seed']}): "
            f"{c['valid']} valid ({', '.join(f'{k} {v}' for k, v in c['valid_types'].items())}), "
            f"{c['invalid']} near misses over {len(c['near_miss_rules'])} rules; median body {c['median_body_bytes']} bytes, "
            f"largest {c['max_body_bytes']}.",
            "Each tool runs in its own process on the same corpus; microseconds of CPU time per request, median of the rounds "
            "(min-max in brackets). Disagreements: requests where the tool's verdict differs from our validator's. "
            f"Our verdicts against the reference (tests/oracle.py, jsonschema + cel-python): {val.get('oracle_disagreements', '-')} disagreements.",
            "",
        ]
        out += _table(["tool", "us/request valid", "us/request invalid", "errors", "disagreements", "rules it cannot express", "near-miss rules it let through"], validator_rows(val))
        rows = val.get("breakdown") or []
        tools = [t for t in ("ours", "jsonschema-rs", "json.loads") if any(t in r for r in rows)]
        if rows and tools:
            out += ["", "Where the time goes, by body size (one more pass timing each request, wall clock, best of 3): mean us/request and the bucket's share of the tool's total.", ""]
            out += _table(["requests", "size", "count"] + [f"{t} mean (share)" for t in tools], [
                [r["kind"], r["bucket"], str(r["requests"])] + [f"{r[t]['mean_us']:.2f} ({r[t]['share'] * 100:.0f} %)" if t in r else "-" for t in tools]
                for r in rows
            ])
        prof = val.get("profile") or {}
        if prof:
            out += ["", "cProfile of our validator on the corpus (own time; profiling inflates calls, so shares are indicative):", ""]
            rows = []
            for kind, entries in prof.items():
                rows += [[kind, f"`{name}`", f"{share * 100:.0f} %", str(calls)] for name, share, calls in entries]
            out += _table(["requests", "function", "share of own time", "calls"], rows)
    if results.get("strategies"):
        out += strategy_section(results["strategies"])
    gen = results.get("generation")
    if gen:
        out += ["", "## Generation", ""]
        if "skipped" in gen:
            out.append(f"Skipped: {gen['skipped']}")
        else:
            out += _table(["command (fresh process)", "median s", "min-max s", "runs"], [
                ["genspec generate, empty output folder (load, check, render, format, write)", f"{gen['genspec_cold_s']['median']:.2f}", f"{gen['genspec_cold_s']['min']:.2f}-{gen['genspec_cold_s']['max']:.2f}", str(gen["genspec_cold_s"]["n"])],
                ["genspec generate again, nothing changed", f"{gen['genspec_unchanged_s']['median']:.2f}", f"{gen['genspec_unchanged_s']['min']:.2f}-{gen['genspec_unchanged_s']['max']:.2f}", str(gen["genspec_unchanged_s"]["n"])],
                ["datamodel-codegen alone, same spec (its default black + isort)", f"{gen['datamodel_codegen_s']['median']:.2f}", f"{gen['datamodel_codegen_s']['min']:.2f}-{gen['datamodel_codegen_s']['max']:.2f}", str(gen["datamodel_codegen_s"]["n"])],
            ])
    client = results.get("client")
    if client:
        out += ["", "## Client overhead", ""]
        if "skipped" in client:
            out.append(f"Skipped: {client['skipped']}")
        else:
            out.append(f"create + get against one `luma-emulator` process on loopback; blocks of {client['pairs_per_block']} round trips, interleaved; ms per round trip.")
            out.append("")
            out += _table(["client", "median ms", "min-max ms", "blocks"], [
                [name, f"{client[name]['median'] * 1e3:.2f}", f"{client[name]['min'] * 1e3:.2f}-{client[name]['max'] * 1e3:.2f}", str(client[name]["n"])]
                for name, label in (("ours", ""), ("sdk", ""), ("httpx", ""))
            ])
            out.append("")
            out.append("`ours`: `luma_gen.Client` (validation on); `sdk`: `luma_agents.Luma`; `httpx`: the same two requests with a bare `httpx.Client` (the floor).")
    load = results.get("throughput")
    if load:
        out += ["", "## Emulator throughput", ""]
        if "skipped" in load:
            out.append(f"Skipped: {load['skipped']}")
        else:
            out.append(f"`wrk -t1 -c{load['connections']} -d{load['seconds']}s`, POST of `{load['body']}`; runs alternate between the two servers.")
            out.append("")
            out += _table(["server", "median req/s", "min-max req/s", "runs", "requests", "non-2xx"], [
                [label, f"{load[name]['median']:.0f}", f"{load[name]['min']:.0f}-{load[name]['max']:.0f}", str(load[name]["n"]), str(load[name]["requests"]), str(load[name]["non_2xx"])]
                for name, label in (("emulator", "luma-emulator (validates every rule, SQLite file)"), ("prism", f"Prism {load['prism_version']} (`prism mock`)"))
            ])
        prof = load.get("profile") if "skipped" not in load else None
        if prof and "skipped" not in prof:
            out += ["", f"The emulator holds fewer creates per second than Prism, so it ran once more under cProfile with the same load ({prof['rps_profiled']:.0f} req/s profiled). "
                    "What `create_generation` spends its time on (cumulative, share of the handler):", ""]
            out += _table(["callee", "cumulative s", "share", "calls"], [[f"`{n}`", f"{c:.2f}", f"{s * 100:.0f} %", str(k)] for n, c, s, k in prof["handler_callees"]])
            out += ["", f"Validation (`luma_gen.validate_request`) takes {prof.get('validation_share', 0) * 100:.1f} % of the handler; "
                    "`run_in_threadpool` is the SQLite work (insert and the fsynced commit before the 2xx) and its thread hops."]
            out += ["", "Functions with the most own time in the event-loop thread (share of all profiled time):", ""]
            out += _table(["function", "own s", "share"], [[f"`{n}`", f"{t:.2f}", f"{s * 100:.0f} %"] for n, t, s in prof["own"]])
    for note in results.get("notes", []):
        out += ["", note]
    return "\n".join(out) + "\n"
