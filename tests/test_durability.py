"""Durability (issue 7, part 3): ``kill -9`` the emulator in the middle of a burst of creates,
restart it on the same database, and every create that got a 2xx is still there, whole, and
completes."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from luma_emulator.config import CREATE_STATUS
from luma_emulator.store import Store
from luma_gen import validate_request

THREADS = 8
#: acknowledged creates to wait for before the kill (the burst goes on past it)
KILL_AFTER = 150
TOKENS = ("durable-a", "durable-b")


@contextmanager
def emulator_process(db: Path, *options: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """``luma-emulator`` in a subprocess on ``db``: ``(process, base URL)``; stopped (SIGKILL
    if still running) when the block ends."""
    cmd = [sys.executable, "-m", "luma_emulator", "--port", "0", "--db", str(db), "--rate-limit", "0",
           "--log-level", "warning", *options]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"serving (http://127\.0\.0\.1:\d+/v1) ", line)
        assert match, line
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_store_commits_durably(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "x.db"))
    try:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: fsync each commit
        assert store._db.in_transaction is False  # autocommit: a write is committed on return
    finally:
        store.close()


def test_kill_9_mid_burst_loses_no_acknowledged_create(tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    acknowledged: dict[str, tuple[str, str]] = {}  # id -> (token, prompt)
    sent: set[str] = set()
    unexpected: list[str] = []
    cut_off = [0]  # requests that failed at the transport level (in flight or after the kill)
    lock = threading.Lock()
    stop = threading.Event()

    def burst(url: str, token: str) -> None:
        with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {token}"}) as http:
            while not stop.is_set():
                prompt = f"burst {uuid.uuid4()}"
                with lock:
                    sent.add(prompt)
                try:
                    resp = http.post(f"{url}/generations", json={"prompt": prompt, "output_format": "jpeg"})
                except httpx.TransportError:
                    with lock:
                        cut_off[0] += 1
                    return
                with lock:
                    if resp.status_code == CREATE_STATUS:
                        acknowledged[resp.json()["id"]] = (token, prompt)
                    else:
                        unexpected.append(f"{resp.status_code} {resp.text[:200]}")

    with emulator_process(db, "--complete-after", "1") as (proc, url):
        threads = [threading.Thread(target=burst, args=(url, TOKENS[i % 2])) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.005)
        assert all(t.is_alive() for t in threads), "the burst ended before the kill"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=20)
        stop.set()
    assert proc.returncode == -signal.SIGKILL
    assert not unexpected, unexpected[:3]
    assert len(acknowledged) >= KILL_AFTER and cut_off[0] >= THREADS

    # no torn rows: the file is whole and every row is a complete, valid job
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = raw.execute("SELECT id, caller, created, complete_after, type, model, request FROM generations").fetchall()
    finally:
        raw.close()
    stored = {row[0] for row in rows}
    assert set(acknowledged) <= stored and len(rows) <= len(sent)
    for gid, caller, created, complete_after, gtype, model, request in rows:
        body = json.loads(request)
        assert body["prompt"] in sent and validate_request("createGeneration", body) == []
        assert (gtype, model, complete_after) == ("image", "uni-1", 1.0) and created > 0 and len(caller) == 64

    # restart on the same file: every acknowledged create is there and completes
    with emulator_process(db, "--complete-after", "30") as (_, url):
        clients = {token: httpx.Client(timeout=10, headers={"Authorization": f"Bearer {token}"}) for token in TOKENS}
        try:
            pending = dict(acknowledged)
            deadline = time.monotonic() + 20
            while pending:
                for gid, (token, _) in list(pending.items()):
                    resp = clients[token].get(f"{url}/generations/{gid}")
                    assert resp.status_code == 200, resp.text
                    if resp.json()["state"] == "completed":
                        del pending[gid]
                assert time.monotonic() < deadline, f"{len(pending)} jobs never completed"
                time.sleep(0.1) if pending else None
            some = next(iter(acknowledged))
            gen = clients[acknowledged[some][0]].get(f"{url}/generations/{some}").json()
            image = httpx.get(gen["output"][0]["url"], timeout=10)
            assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"
        finally:
            for client in clients.values():
                client.close()
