"""``genspec fuzz``: send valid and near-miss requests drawn from the spec to a server.

For every operation with a JSON request body and every rule its body can break, the fuzzer
sends valid bodies that put the rule into effect (expected: 2xx and a response body that
matches the response schema and its rules) and near misses of the rule (expected: 4xx).
Operations without a body whose path parameters name earlier results (``GET /x/{id}``) are
sent the ids the creates returned. Strategies and validators are rendered from the spec into
a private package (the generator never imports ``generated/``); Hypothesis draws the bodies,
and shrinks a mismatching one to the smallest it can find within a budget of requests.

Requests cost money on a real API, so only loopback hosts are accepted unless
``allow_remote``. String formats in ``opaque_formats`` (default ``uuid``) name server state
(ids of earlier results): valid bodies leave them out wherever the spec allows.
"""

from __future__ import annotations

import ipaddress
import random
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable
from urllib.parse import quote, urlsplit

import httpx

#: a 429 is waited out, not counted: at most this many seconds per wait (a larger
#: ``Retry-After`` is cut to it) and this many seconds of waiting for one request in all
RETRY_AFTER_CAP, PATIENCE_429 = 60.0, 600.0


class FuzzError(Exception):
    """A problem that stops the run before or while sending (bad URL, unreachable server)."""


@dataclass
class Row:
    """Counts for one (operation, rule); ``rule`` is ``(any)`` for plain valid bodies."""

    operation: str
    rule: str
    valid_sent: int = 0
    near_miss_sent: int = 0
    accepted: int = 0
    rejected: int = 0
    other: int = 0
    mismatches: int = 0
    exercised_valid: int = 0
    exercised_near_miss: int = 0


@dataclass
class Mismatch:
    """A response that contradicts the spec: the smallest body Hypothesis found for it."""

    operation: str
    rule: str
    kind: str  # "valid" or "near-miss"
    expected: str
    status: int
    reason: str
    body: Any
    description: str = ""
    response: Any = None


@dataclass
class Report:
    """Everything a run found; :meth:`as_dict` is the JSON report."""

    base_url: str
    seed: int
    examples: int
    rows: list[Row] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    ids_seen: int = 0
    waits_429: int = 0
    waited_429_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def per_operation(self) -> list[dict[str, Any]]:
        """One total per operation, in the order the rows came: its rules (the rows other than
        ``(any)``), requests sent, answers by kind and mismatches, summed over its rows."""
        totals: dict[str, dict[str, Any]] = {}
        counted = ("valid_sent", "near_miss_sent", "accepted", "rejected", "other", "mismatches")
        for r in self.rows:
            total = totals.setdefault(r.operation, {"operation": r.operation, "rules": 0, **{k: 0 for k in counted}})
            total["rules"] += r.rule != "(any)"
            for k in counted:
                total[k] += getattr(r, k)
        return list(totals.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "seed": self.seed,
            "examples": self.examples,
            "ok": self.ok,
            "operations": self.per_operation(),
            "rows": [asdict(r) for r in self.rows],
            "mismatches": [asdict(m) for m in self.mismatches],
            "throttled": {"waits": self.waits_429, "seconds": round(self.waited_429_seconds, 3)},
        }


def check_host(base_url: str, allow_remote: bool) -> None:
    """Raise :class:`FuzzError` unless ``base_url`` is http(s) on a loopback host (or
    ``allow_remote``)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FuzzError(f"--base-url {base_url!r} is not an http(s) URL such as http://127.0.0.1:8080/v1")
    host = parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if not loopback and not allow_remote:
        raise FuzzError(f"{host} is not a loopback host; requests to a real API cost money (pass --allow-remote to send them anyway)")


def load_package(spec: str) -> tuple[Any, Any, Any]:
    """Render the spec's validators and strategies into a private package and import them.

    Returns ``(api, validators module, strategies module)``; raises ``SpecErrors``.
    """
    import importlib

    from genspec.check import check
    from genspec.render import render

    checked = check.run(spec)
    names = ("_runtime.py", "validators.py", "rules.py", "_schemafacts.py", "_strategies.py", "strategies.py")
    package = render.import_rendered(checked.api, checked.compiled, names, "fuzz")
    name = package.__name__
    return checked.api, importlib.import_module(f"{name}.validators"), importlib.import_module(f"{name}.strategies")


def _body(value: Any) -> Any:
    return getattr(value, "body", value)


class _Found(Exception):
    def __init__(self, mismatch: Mismatch):
        super().__init__(mismatch.reason)
        self.mismatch = mismatch


def _found(mismatch: Mismatch) -> None:
    """Raise :class:`_Found`, always from this line: Hypothesis tells failures apart by where
    they are raised, and a replay of the best body must count as the same failure."""
    raise _Found(mismatch)


class Fuzzer:
    """Sends the requests of one run. Progress callbacks: ``on_send()`` after every answered
    request, ``on_step(row, kind)`` when one (operation, rule, kind) step is done (``kind`` is
    ``valid``, ``near-miss`` or ``params``), ``on_wait(seconds, response)`` before waiting out
    a 429 (the wait is not a request and never a mismatch)."""

    def __init__(self, api: Any, validators: Any, strategies: Any, http: httpx.Client, examples: int, seed: int,
                 opaque_formats: tuple[str, ...] = ("uuid",), on_send: Callable[[], None] = lambda: None,
                 shrink_budget: int = 100, on_step: Callable[[Row, str], None] = lambda row, kind: None,
                 on_wait: Callable[[float, httpx.Response], None] = lambda seconds, response: None,
                 sleep: Callable[[float], None] = time.sleep):
        self.api, self.validators, self.strategies, self.http = api, validators, strategies, http
        self.examples, self.seed, self.opaque = examples, seed, tuple(opaque_formats)
        self.shrink_budget = shrink_budget
        self.on_send, self.on_step, self.on_wait, self.sleep = on_send, on_step, on_wait, sleep
        self.dead: FuzzError | None = None
        self.ids: dict[str, list[str]] = {}
        self.ids_by_path: dict[str, dict[str, list[str]]] = {}
        self.report = Report(str(http.base_url).rstrip("/"), seed, examples)

    # ------------------------------------------------------------ planning
    def plan(self, operation_ids: list[str], rules: tuple[str, ...] = ()) -> list[tuple[Any, str | None, str]]:
        """``(operation, rule or None, kind)`` in sending order: bodies first, then operations
        without a body (sent the ids the bodies' responses returned; when none of the chosen
        operations has a body, plain valid bodies of the others are sent first for ids).
        ``rules`` limits the rules (default: all)."""
        steps: list[tuple[Any, str | None, str]] = []
        ops = [op for op in self.api.operations if op.operation_id in operation_ids]
        for op in ops:
            if not op.body_schema:
                continue
            steps.append((op, None, "valid"))
            for rule in self.strategies.REQUEST_RULES[op.operation_id]:
                if rules and rule not in rules:
                    continue
                steps.append((op, rule, "valid"))
                if rule not in self.strategies.UNBUILDABLE:
                    steps.append((op, rule, "near-miss"))
        rest = [(op, None, "params") for op in ops if not op.body_schema and any(p.location == "path" for p in op.params)]
        if rest and not steps:
            steps = [(op, None, "valid") for op in self.api.operations if op.body_schema]
        return steps + rest

    def planned_requests(self, steps: list) -> int:
        """Requests the plan sends when nothing mismatches (for a progress bar)."""
        return self.examples * len(steps)

    # ------------------------------------------------------------ running
    def run(self, steps: list) -> Report:
        """Send every step's requests; returns the report (mismatches included)."""
        rows: dict[tuple[str, str], Row] = {}
        for op, rule, kind in steps:
            key = (op.operation_id, rule or "(any)")
            if key not in rows:
                rows[key] = Row(*key)
                self.report.rows.append(rows[key])
            row = rows[key]
            if kind == "params":
                self._params(op, row)
            else:
                if kind == "valid":
                    strategy = self.strategies.valid_request(op.operation_id, rule, avoid_formats=self.opaque)
                else:
                    strategy = self.strategies.near_miss(op.operation_id, rule)
                self._hypothesis(strategy, lambda value, op=op, rule=rule, kind=kind, row=row: self._one(op, rule, kind, row, value))
            self.on_step(row, kind)
        return self.report

    def _hypothesis(self, strategy: Any, check: Callable[[Any], None]) -> None:
        from hypothesis import HealthCheck, Phase, Verbosity, given, settings
        from hypothesis import seed as seeded

        last: list[Mismatch] = []
        budget = [self.shrink_budget]

        @seeded(self.seed)
        @settings(max_examples=self.examples, database=None, deadline=None, derandomize=False, print_blob=False,
                  verbosity=Verbosity.quiet, suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                  phases=[Phase.generate, Phase.shrink])
        @given(strategy)
        def send(value: Any) -> None:
            if self.dead is not None:
                return
            if last:  # shrinking: replays of the best body cost nothing, other tries the budget
                if _body(value) == last[-1].body:
                    _found(last[-1])
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            try:
                check(value)
            except _Found as found:
                last.append(found.mismatch)
                raise

        try:
            send()
        except _Found as found:  # the smallest body Hypothesis found
            self.report.mismatches.append(found.mismatch)
        except Exception:  # Flaky (the server answered differently on replay), Unsatisfiable
            if last:
                self.report.mismatches.append(last[-1])
        if self.dead is not None:
            raise self.dead

    def _one(self, op: Any, rule: str | None, kind: str, row: Row, value: Any) -> None:
        body = value.body if kind == "near-miss" else value
        response = self._send(op.method, op.path, body)
        status = response.status_code
        row.valid_sent += kind == "valid"
        row.near_miss_sent += kind == "near-miss"
        row.accepted += 200 <= status < 300
        row.rejected += 400 <= status < 500
        row.other += not (200 <= status < 300 or 400 <= status < 500)
        payload = _json(response)
        if kind == "near-miss":
            if 400 <= status < 500:
                row.exercised_near_miss += 1
                return
            self._mismatch(row, op, rule, kind, "4xx", status, f"a near miss was answered {status}", body, value.description, payload)
        problem = self._valid_outcome(op, status, payload)
        if problem:
            self._mismatch(row, op, rule, kind, "2xx", status, problem, body, "", payload)
        if rule is not None and rule in self.strategies.rules_exercised(op.body_schema, body):
            row.exercised_valid += 1
        self._remember_ids(op, payload)

    def _valid_outcome(self, op: Any, status: int, payload: Any) -> str:
        if not 200 <= status < 300:
            prefix = urlsplit(self.api.server_url).path.rstrip("/")
            if status == 404 and prefix and not urlsplit(str(self.http.base_url)).path.rstrip("/").endswith(prefix):
                return f"a valid body was answered 404 (the base URL lacks {prefix}, the path of the spec's server URL {self.api.server_url})"
            return f"a valid body was answered {status}"
        if op.response_schema:
            found = self.validators.validate_response(op.operation_id, payload)
            if found:
                return f"the {status} response breaks the response schema: {found[0]}"
        return ""

    def _mismatch(self, row: Row, op: Any, rule: str | None, kind: str, expected: str, status: int, reason: str, body: Any, description: str, payload: Any) -> None:
        row.mismatches += 1
        _found(Mismatch(op.operation_id, rule or "(any)", kind, expected, status, reason, body, description, payload))

    def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        """One request; a 429 is waited out (``Retry-After``, at most :data:`RETRY_AFTER_CAP`
        s a time) and sent again, up to :data:`PATIENCE_429` s in all, then the run stops
        with :class:`FuzzError`. Waits are counted in the report, never as mismatches."""
        waited = 0.0
        while True:
            try:
                response = self.http.request(method.upper(), path.lstrip("/"), json=body)
            except httpx.HTTPError as exc:
                self.dead = FuzzError(f"{self.http.base_url}: {type(exc).__name__}: {exc}")
                raise self.dead from None
            if response.status_code == 401:  # every request would be: no verdict on any rule
                self.dead = FuzzError(f"{self.http.base_url}: the server refused the auth token (401: {_message(response)}); "
                                      f"pass one it accepts with --auth-token or {self.api.env_token}")
                raise self.dead
            if response.status_code != 429:
                self.on_send()
                return response
            wait = min(RETRY_AFTER_CAP, _seconds(response.headers.get("Retry-After")))
            if waited + wait > PATIENCE_429:
                self.dead = FuzzError(
                    f"{self.http.base_url}: still rate limited (429) after waiting {waited:.0f} s for one request; "
                    "fuzz a server without a rate limit (luma-emulator --rate-limit 0)")
                raise self.dead
            self.on_wait(wait, response)
            self.report.waits_429 += 1
            self.report.waited_429_seconds += wait
            waited += wait
            self.sleep(wait)

    # ------------------------------------------------------------ path parameters
    def _remember_ids(self, op: Any, payload: Any) -> None:
        """Keep the string fields of a response, by name and by the path that returned them:
        an id for ``/things/{id}`` comes first from what ``/things`` returned."""
        if isinstance(payload, dict):
            for key, value in payload.items():
                if isinstance(value, str) and value:
                    self.ids.setdefault(key, []).append(value)
                    self.ids_by_path.setdefault(op.path, {}).setdefault(key, []).append(value)

    def _params(self, op: Any, row: Row) -> None:
        path_params = [p for p in op.params if p.location == "path"]
        choices = [self._ids_for(p.name, op.path) for p in path_params]
        if not path_params or not all(choices):
            return
        rng = random.Random(self.seed)
        for _ in range(min(self.examples, max(len(c) for c in choices))):
            path = op.path
            for param, ids in zip(path_params, choices):
                path = path.replace("{" + param.name + "}", quote(rng.choice(ids), safe=""))
            response = self._send(op.method, path, None)
            row.valid_sent += 1
            status = response.status_code
            row.accepted += 200 <= status < 300
            row.rejected += 400 <= status < 500
            row.other += not (200 <= status < 300 or 400 <= status < 500)
            problem = self._valid_outcome(op, status, _json(response))
            if problem and op.method != "get" and str(status) in op.statuses and 400 <= status < 500 and status != 404:
                # an action on an existing id may be refused for the state it is in (a
                # documented 4xx); only the id is ours to choose, not that state
                problem = ""
            if problem:
                row.mismatches += 1
                self.report.mismatches.append(Mismatch(op.operation_id, "(any)", "valid", "2xx", status, problem, {"path": path}, "", _json(response)))
                return

    def _ids_for(self, name: str, path: str = "") -> list[str]:
        """Ids earlier responses returned for a path parameter: a field of the same name, else
        ``id``, else the last word of the name (``order_id`` -> ``id``); those returned by the
        collection the path is under (``/things`` for ``/things/{id}``) first."""
        collection = path.split("/{", 1)[0]
        for pool in (self.ids_by_path.get(collection, {}), self.ids):
            for key in (name, "id", name.rsplit("_", 1)[-1]):
                if pool.get(key):
                    return sorted(set(pool[key]))
        return []


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        return 1.0


def _message(response: httpx.Response) -> str:
    """The one-line message of an error response (``error.message``), else its first 100
    characters of text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    inner = body.get("error") if isinstance(body, dict) else None
    text = inner.get("message") if isinstance(inner, dict) else None
    return " ".join(str(text if text else response.text[:100]).split()) or "no body"


def run(spec: str, base_url: str, *, auth_token: str | None = None, operations: tuple[str, ...] = (), rules: tuple[str, ...] = (),
        examples: int = 25, seed: int | None = None, allow_remote: bool = False, opaque_formats: tuple[str, ...] = ("uuid",),
        timeout: float = 30.0, shrink_budget: int = 100, progress: Any = None,
        on_step: Callable[[Row, str], None] | None = None, on_wait: Callable[[float, httpx.Response], None] | None = None) -> Report:
    """Fuzz the server at ``base_url`` with requests drawn from ``spec``; returns the report.

    ``auth_token`` defaults to the environment variable the spec names (``x-genspec.env``);
    ``operations`` and ``rules`` to all; ``seed`` to a random one (it is in the report);
    ``shrink_budget``: requests spent shrinking each mismatching body (0: none).
    ``progress(total)`` may return a callable advanced once per request; ``on_step`` and
    ``on_wait`` are :class:`Fuzzer`'s (a step done, a 429 about to be waited out). Raises
    :class:`FuzzError` (bad URL, remote host, unknown operation, no auth token, unreachable
    server) and ``SpecErrors``.
    """
    import os

    check_host(base_url, allow_remote)
    api, validators, strategies = load_package(spec)
    known = [op.operation_id for op in api.operations]
    unknown = [o for o in operations if o not in known]
    if unknown:
        raise FuzzError(f"--operation {unknown[0]!r} is not an operationId of {spec} (known: {', '.join(known)})")
    stray = [r for r in rules if r not in strategies.RULE_IDS]
    if stray:
        raise FuzzError(f"--rule {stray[0]!r} is not a rule of {spec} (see `genspec check`; rules.py lists them)")
    token = (auth_token if auth_token is not None else os.environ.get(api.env_token, "")).strip()
    if not token:  # every valid body would be answered 401 and reported as a mismatch
        raise FuzzError(f"no auth token: pass --auth-token or set {api.env_token}")
    bad = next((ch for ch in token if not " " <= ch <= "~"), None)
    if bad is not None:
        raise FuzzError(f"the auth token contains {bad!r}, which an HTTP header cannot carry (printable ASCII only)")
    headers = {"Authorization": f"Bearer {token}"}
    seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
    with httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers, timeout=timeout) as http:
        fuzzer = Fuzzer(api, validators, strategies, http, examples, seed, opaque_formats, shrink_budget=shrink_budget)
        fuzzer.on_step = on_step or fuzzer.on_step
        fuzzer.on_wait = on_wait or fuzzer.on_wait
        steps = fuzzer.plan(list(operations) or known, rules)
        if progress is not None:
            fuzzer.on_send = progress(fuzzer.planned_requests(steps))
        return fuzzer.run(steps)


def print_report(report: Report, console: Any) -> None:
    """The table per rule, the totals per operation and every mismatch with its smallest body,
    on a rich console."""
    import json

    from rich.markup import escape
    from rich.table import Table

    def safe(text: Any) -> str:  # outside text (URL, server answers): no markup, control characters escaped
        return escape(re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text)))

    table = Table(title=f"genspec fuzz {safe(report.base_url)} (seed {report.seed}, {report.examples} examples per row)")
    table.add_column("operation", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    for name in ("valid sent", "near misses sent", "accepted 2xx", "rejected 4xx", "other", "mismatches"):
        table.add_column(name, justify="right")
    for r in report.rows:
        style = "red" if r.mismatches else None
        table.add_row(safe(r.operation), safe(r.rule), str(r.valid_sent), str(r.near_miss_sent), str(r.accepted), str(r.rejected), str(r.other), str(r.mismatches), style=style)
    console.print(table)
    totals = Table(title="per operation")
    for name in ("operation", "rules", "valid sent", "near misses sent", "accepted 2xx", "rejected 4xx", "other", "mismatches"):
        totals.add_column(name, justify="left" if name == "operation" else "right", no_wrap=name == "operation")
    for t in report.per_operation():
        totals.add_row(safe(t["operation"]), *(str(t[k]) for k in ("rules", "valid_sent", "near_miss_sent", "accepted", "rejected", "other", "mismatches")),
                       style="red" if t["mismatches"] else None)
    console.print(totals)
    for m in report.mismatches:
        what = f"near miss of {m.rule}" if m.kind == "near-miss" else (f"valid body exercising {m.rule}" if m.rule != "(any)" else "valid request")
        console.print(f"[red]MISMATCH[/red] {safe(m.operation)}: {safe(what)}: {safe(m.reason)} (expected {safe(m.expected)})", highlight=False)
        if m.description:
            console.print(f"  {safe(m.description)}", highlight=False)
        console.print("  minimal body: " + json.dumps(m.body, ensure_ascii=False), highlight=False, markup=False, soft_wrap=True)
    rules = [r for r in report.rows if r.rule != "(any)"]
    both = sum(1 for r in rules if r.exercised_valid and r.exercised_near_miss)
    console.print(f"{len(report.mismatches)} mismatch{'es' if len(report.mismatches) != 1 else ''}; {both} of {len(rules)} rules exercised both ways", highlight=False)
    if report.waits_429:
        console.print(f"rate limited: waited out {report.waits_429} 429 answer{'s' if report.waits_429 != 1 else ''} ({report.waited_429_seconds:.1f} s in all; "
                      "none counted as a mismatch); a server without a rate limit is faster (luma-emulator --rate-limit 0)", highlight=False, markup=False)
