"""A fixed-seed corpus of createGeneration request bodies drawn from ``luma_gen.strategies``.

About 70 % are valid (half drawn plainly, half steered so that each rule of the operation is in
effect, which spreads them over every generation type) and 30 % near misses: one mutation of a
valid body that breaks exactly one rule, round-robin over every rule that can be broken.

Draws use Hypothesis with ``@seed`` (reproducible) split into jobs that run on every core; the
corpus is cached under ``benchmarks/.cache`` keyed by the seed, the counts and the strategies'
source, so a second run of the harness reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

OPERATION = "createGeneration"
HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VALID_SHARE = 0.7


def _draw(strategy: Any, count: int, seed_value: int) -> list[Any]:
    """``count`` values of ``strategy`` (fewer if Hypothesis exhausts it), reproducibly."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    out: list[Any] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out[:count]


def _job(job: tuple[str, str | None, int, int]) -> list[Any]:
    """Run one draw job: ``("valid", trigger, count, seed)`` or ``("miss", rule, count, seed)``."""
    from luma_gen import strategies

    kind, rule, count, seed_value = job
    if kind == "valid":
        return _draw(strategies.valid_request(OPERATION, rule), count, seed_value)
    misses = _draw(strategies.near_miss(OPERATION, rule or ""), count, seed_value)
    return [{"body": m.body, "rule": m.rule, "rules": list(m.rules), "pointer": m.pointer} for m in misses]


def plan(size: int, seed: int) -> list[tuple[str, str | None, int, int]]:
    """The draw jobs for a corpus of ``size`` requests: plain and rule-steered valid bodies,
    and near misses round-robin over the operation's breakable rules."""
    from luma_gen import strategies

    rules = list(strategies.REQUEST_RULES[OPERATION])
    breakable = [r for r in rules if _breakable(r)]
    n_valid = round(size * VALID_SHARE)
    n_miss = size - n_valid
    jobs: list[tuple[str, str | None, int, int]] = []
    plain = n_valid // 2
    chunks = max(1, min(8, plain // 200))
    for i in range(chunks):
        jobs.append(("valid", None, plain // chunks + (1 if i < plain % chunks else 0), seed * 1000 + i))
    steered = n_valid - plain
    for i, rule in enumerate(rules):
        count = steered // len(rules) + (1 if i < steered % len(rules) else 0)
        if count:
            jobs.append(("valid", rule, count, seed * 1000 + 100 + i))
    for i, rule in enumerate(breakable):
        count = n_miss // len(breakable) + (1 if i < n_miss % len(breakable) else 0)
        if count:
            jobs.append(("miss", rule, count, seed * 1000 + 500 + i))
    return jobs


def _breakable(rule: str) -> bool:
    from luma_gen import strategies

    try:
        strategies.near_miss(OPERATION, rule)
    except ValueError:
        return False
    return True


def _key(size: int, seed: int) -> str:
    import luma_gen

    package = Path(luma_gen.__file__).resolve().parent
    digest = hashlib.sha256(f"{size}:{seed}:{VALID_SHARE}".encode())
    for name in ("strategies.py", "_strategies.py", "_schemafacts.py"):
        path = package / name
        if path.exists():
            digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def build(size: int, seed: int, workers: int | None = None, use_cache: bool = True) -> Path:
    """Build (or reuse) the corpus; returns the path of its JSON file.

    The file holds ``{"meta": {...}, "valid": [body, ...], "invalid": [{"body", "rule",
    "rules", "pointer"}, ...]}``.
    """
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"corpus-{seed}-{size}-{_key(size, seed)}.json"
    if use_cache and path.exists():
        return path
    jobs = plan(size, seed)
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_job, jobs))
    else:
        results = [_job(j) for j in jobs]
    valid: list[Any] = []
    invalid: list[Any] = []
    for (kind, _, _, _), values in zip(jobs, results):
        (valid if kind == "valid" else invalid).extend(values)
    meta = describe(valid, invalid)
    meta.update({"seed": seed, "size_requested": size, "operation": OPERATION})
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"meta": meta, "valid": valid, "invalid": invalid}, ensure_ascii=False))
    tmp.replace(path)
    return path


def describe(valid: list[Any], invalid: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of the corpus: valid and near-miss requests, generation types, rules, sizes."""
    types = Counter(b.get("type", "image (omitted)") if isinstance(b, dict) else "?" for b in valid)
    sizes = sorted(len(json.dumps(b)) for b in valid + [m["body"] for m in invalid])
    return {
        "valid": len(valid),
        "invalid": len(invalid),
        "valid_types": dict(sorted(types.items())),
        "near_miss_rules": dict(sorted(Counter(m["rule"] for m in invalid).items())),
        "median_body_bytes": sizes[len(sizes) // 2] if sizes else 0,
        "max_body_bytes": sizes[-1] if sizes else 0,
    }


def load(path: Path) -> dict[str, Any]:
    """The corpus file as a dict (see :func:`build`)."""
    return json.loads(Path(path).read_text())
