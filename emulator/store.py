"""Jobs in SQLite: one row a generation, plus the database's signing secret.

Callers are stored as the SHA-256 of their token, never the token. Every method is
thread-safe (each connection behind a lock).

Durability: every write method returns only after its transaction is committed, so the HTTP
response (a create's 2xx) is sent after the commit. A database file runs in WAL mode with
``synchronous=FULL``: a commit is fsynced, so a job whose create got a 2xx survives
``kill -9`` (and a power cut), and a crash never leaves half a row (a transaction is all or
nothing). Concurrent creates share one commit and one fsync (see :meth:`Store.insert`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS generations (
    id TEXT PRIMARY KEY,
    caller TEXT NOT NULL,
    created REAL NOT NULL,
    complete_after REAL NOT NULL,
    type TEXT NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    failure_code TEXT,
    hold TEXT,
    poll_status INTEGER,
    poll_times INTEGER,
    polls INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS generations_caller ON generations (caller);
CREATE TABLE IF NOT EXISTS marker_hits (
    caller TEXT NOT NULL,
    key TEXT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (caller, key)
);
"""


class StoreError(Exception):
    """The database cannot be opened or is not an emulator database (one-line message)."""


def caller_id(token: str) -> str:
    """The stored identity of a bearer token: its SHA-256, hex (64 chars)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Job:
    """One stored generation.

    ``created`` is epoch seconds; ``complete_after`` seconds from ``created`` to the end state;
    ``request`` the validated request body; ``failure_code`` set when a marker makes it fail;
    ``hold`` a state it stays in forever (``queued``/``processing``) or None; ``poll_status``
    and ``poll_times`` the status its GET answers (and for how many polls, None: always);
    ``polls`` how many GETs of it were answered so far.
    """

    id: str
    caller: str
    created: float
    complete_after: float
    type: str
    model: str
    request: dict[str, Any]
    failure_code: str | None = None
    hold: str | None = None
    poll_status: int | None = None
    poll_times: int | None = None
    polls: int = 0


_COLUMNS = (
    "id, caller, created, complete_after, type, model, request, failure_code, hold, "
    "poll_status, poll_times, polls"
)


def _job(row: tuple) -> Job:
    values = list(row)
    values[6] = json.loads(values[6])
    return Job(*values)


class _Waiter:
    """One insert waiting for the commit that holds it: ``done`` once committed or failed,
    ``error`` the failure (set and read under the store's write lock)."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = False
        self.error: Exception | None = None


def _row(job: Job) -> tuple:
    return (
        job.id,
        job.caller,
        job.created,
        job.complete_after,
        job.type,
        job.model,
        json.dumps(job.request, separators=(",", ":")),
        job.failure_code,
        job.hold,
        job.poll_status,
        job.poll_times,
        job.polls,
    )


_INSERT = f"INSERT INTO generations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


class Store:
    """The emulator's database.

    ``Store(path)`` opens (creating if needed) the SQLite file at ``path`` or ``":memory:"``;
    raises :class:`StoreError` if it cannot. The signing secret (32 random bytes) is made on
    first open and kept in the database, so output URLs stay valid across restarts.

    A file has two connections: one writes (behind ``_lock``), one reads (behind
    ``_read_lock``), so reads never wait for a commit's fsync (WAL lets them run beside it).
    ``:memory:`` has one connection for both (a second would be another database).
    """

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._pending_lock = threading.Lock()
        self._pending: list[tuple[tuple, _Waiter]] = []
        try:
            self._db = self._connect(path)
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL").fetchone()
            self._db.executescript(_SCHEMA)
            self.secret = self._init_secret()
            self._read = self._db if path == ":memory:" else self._connect(path)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path!r}: {exc}") from None
        self._read_lock = self._lock if self._read is self._db else threading.Lock()

    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 5000")
        db.execute("PRAGMA synchronous = FULL")
        return db

    def _init_secret(self) -> bytes:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()
        if row is None:
            secret = secrets.token_hex(32)
            self._db.execute("INSERT INTO meta (key, value) VALUES ('secret', ?)", (secret,))
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
            return bytes.fromhex(secret)
        return bytes.fromhex(row[0])

    def close(self) -> None:
        """Close the connections; the store is unusable afterwards."""
        with self._lock:
            if self._read is not self._db:
                with self._read_lock:
                    self._read.close()
            self._db.close()

    def insert(self, job: Job) -> None:
        """Store a new job (its ``id`` must be new); returns once it is committed (and, for a
        file, fsynced). Blocks: call it from a worker thread, not the event loop.

        Group commit: concurrent inserts queue up, and whichever thread gets the write lock
        commits every queued row in one transaction (one fsync), so throughput does not stop
        at one fsync per create. Each caller still returns only after its own row's commit.
        """
        waiter = _Waiter()
        with self._pending_lock:
            self._pending.append((_row(job), waiter))
        with self._lock:
            if not waiter.done:
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._commit(batch)
            if waiter.error is not None:
                raise waiter.error

    def _commit(self, batch: list[tuple[tuple, _Waiter]]) -> None:
        """Insert ``batch`` in one transaction (write lock held); if that fails, row by row,
        so one bad row (a duplicate id) fails only its own insert."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(_INSERT, [row for row, _ in batch])
            self._db.execute("COMMIT")
        except sqlite3.Error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            for row, waiter in batch:
                try:
                    self._db.execute(_INSERT, row)
                except sqlite3.Error as exc:
                    waiter.error = exc
                waiter.done = True
            return
        for _, waiter in batch:
            waiter.done = True

    def get(self, caller: str, generation_id: str) -> Job | None:
        """The job ``generation_id`` if it belongs to ``caller``, else None."""
        with self._read_lock:
            row = self._read.execute(
                f"SELECT {_COLUMNS} FROM generations WHERE id = ? AND caller = ?",
                (generation_id, caller),
            ).fetchone()
        return _job(row) if row else None

    def get_any(self, generation_id: str) -> Job | None:
        """The job ``generation_id`` whoever owns it (for the output files), else None."""
        with self._read_lock:
            row = self._read.execute(
                f"SELECT {_COLUMNS} FROM generations WHERE id = ?", (generation_id,)
            ).fetchone()
        return _job(row) if row else None

    def count_poll(self, generation_id: str) -> int:
        """Add one to the job's poll counter; returns the count before this poll."""
        with self._lock:
            row = self._db.execute(
                "UPDATE generations SET polls = polls + 1 WHERE id = ? RETURNING polls",
                (generation_id,),
            ).fetchone()
        return (row[0] - 1) if row else 0

    def count_marker_hit(self, caller: str, key: str) -> int:
        """Add one to the hits of marker ``key`` for ``caller``; returns the count before."""
        with self._lock:
            row = self._db.execute(
                "INSERT INTO marker_hits (caller, key, hits) VALUES (?, ?, 1) "
                "ON CONFLICT (caller, key) DO UPDATE SET hits = hits + 1 RETURNING hits",
                (caller, key),
            ).fetchone()
        return row[0] - 1

    def count(self) -> int:
        """How many jobs the database holds."""
        with self._read_lock:
            return int(self._read.execute("SELECT COUNT(*) FROM generations").fetchone()[0])
