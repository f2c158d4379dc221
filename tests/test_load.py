"""Load (issue 7, part 3): 50 concurrent clients send 5,000 creates and poll each job until it is
completed, against a ``luma-emulator`` subprocess on loopback with a database file (WAL, every commit
fsynced). Zero 5xx, every job completes, within a time bound; it prints requests per
second. Runs in CI; select it alone with ``pytest -m load``, skip it with ``-m "not load"``.
"""

from __future__ import annotations

import collections
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from luma_emulator.config import CREATE_STATUS
from test_durability import emulator_process

CLIENTS = 50
CREATES = 5_000
#: seconds from creation to completed: short, so polling ends soon
COMPLETE_AFTER = 0.1
POLL_INTERVAL = 0.05
#: the whole run must finish within this many seconds (it takes ~15 s on 2 idle cores)
TIME_BOUND = 240.0
#: one job may be polled at most this many times (a bound, not a target)
MAX_POLLS = 200


@dataclass
class Tally:
    """What the clients saw: status counts, completed jobs, requests sent (thread-safe)."""

    statuses: collections.Counter = field(default_factory=collections.Counter)
    completed: int = 0
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int, problem: str | None = None, completed: bool = False) -> None:
        """Count one response (and a problem, or a completed job)."""
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            self.completed += completed
            if problem:
                self.problems.append(problem)


class Caller:
    """One client: its own keep-alive connection (the standard library's ``http.client``: a
    real HTTP/1.1 client that costs ~0.3 ms of CPU a request, a tenth of httpx's, so the
    server, not the test, is what is measured) and its own bearer token."""

    def __init__(self, url: str, n: int):
        parts = urlsplit(url)
        self.prefix = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.headers = {"Authorization": f"Bearer load-client-{n}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """``(status, JSON body)`` of one request."""
        payload = json.dumps(body) if body is not None else None
        self.conn.request(method, self.prefix + path, body=payload, headers=self.headers)
        resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read())


def one_client(url: str, n: int, jobs: int, tally: Tally, deadline: float) -> None:
    """Caller ``n``: create ``jobs`` generations one after the other, polling each until done."""
    caller = Caller(url, n)
    try:
        for j in range(jobs):
            status, gen = caller.call("POST", "/generations", {"prompt": f"load {n}-{j}", "output_format": "jpeg"})
            if status != CREATE_STATUS:
                tally.saw(status, f"create: {status} {gen}")
                continue
            tally.saw(status, completed=gen["state"] == "completed")
            for _ in range(MAX_POLLS):
                if gen["state"] == "completed" or time.monotonic() > deadline:
                    break
                time.sleep(POLL_INTERVAL)
                status, gen = caller.call("GET", f"/generations/{gen['id']}")
                if status != 200:
                    tally.saw(status, f"poll: {status} {gen}")
                    break
                tally.saw(status, completed=gen["state"] == "completed")
            else:
                tally.saw(0, f"job {gen['id']} still {gen['state']} after {MAX_POLLS} polls")
    except Exception as exc:  # a dead connection, a timeout: counted, never hidden
        with tally.lock:
            tally.problems.append(f"client {n}: {type(exc).__name__}: {exc}")
    finally:
        caller.conn.close()


def run_load(url: str) -> Tally:
    """:data:`CLIENTS` clients at once (one thread each), :data:`CREATES` creates in all."""
    tally = Tally()
    deadline = time.monotonic() + TIME_BOUND
    threads = [
        threading.Thread(target=one_client, args=(url, n, CREATES // CLIENTS, tally, deadline), daemon=True)
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + 5)
    assert not any(t.is_alive() for t in threads), f"the load did not finish within {TIME_BOUND:g} s"
    return tally


@pytest.mark.load
def test_50_clients_5000_creates_and_polls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with emulator_process(tmp_path / "load.db", "--complete-after", str(COMPLETE_AFTER)) as (proc, url):
        start = time.monotonic()
        tally = run_load(url)
        elapsed = time.monotonic() - start
        assert proc.poll() is None, "the emulator died under load"
    rate = tally.requests / elapsed
    with capsys.disabled():
        print(
            f"\nload: {CLIENTS} clients, {CREATES} creates, {tally.requests} requests in {elapsed:.1f} s: "
            f"{rate:.0f} requests/s; statuses {dict(sorted(tally.statuses.items()))}"
        )
    assert not [status for status in tally.statuses if status >= 500], tally.statuses
    assert not tally.problems, tally.problems[:5]
    assert tally.statuses[CREATE_STATUS] == CREATES and tally.completed == CREATES
    assert elapsed < TIME_BOUND
