"""Uploaded files: their rows in the emulator's SQLite database and their bytes on disk.

A file's metadata is one row of the ``files`` table (created beside ``generations`` in the same
database); its bytes are a file named by its id in a folder beside the database
(``<db>.files/``; for ``:memory:`` a temporary folder that dies with the process). Bytes are
written to a temporary name, fsynced and renamed before the row that says they arrived is
committed, so a file whose upload got a 2xx survives ``kill -9`` as jobs do.

Like a job's, a file's state is derived from timestamps when read: ``pending`` until its bytes
arrived and ``ingest_after`` seconds passed since, then ``ready`` (or ``failed`` when
``failure_reason`` is set); ``deleted`` once ``deleted`` is set (a soft delete).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any

from .store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    caller TEXT NOT NULL,
    created REAL NOT NULL,
    mime_type TEXT NOT NULL,
    purpose TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    filename TEXT,
    user_id TEXT,
    expires_at TEXT,
    received REAL,
    ingest_after REAL NOT NULL,
    failure_reason TEXT,
    deleted REAL
);
CREATE INDEX IF NOT EXISTS files_caller ON files (caller, seq);
"""

_COLUMNS = (
    "seq, id, caller, created, mime_type, purpose, size_bytes, filename, user_id, expires_at, "
    "received, ingest_after, failure_reason, deleted"
)


@dataclass(frozen=True)
class StoredFile:
    """One uploaded file. ``seq`` orders files (newest: highest); ``created``, ``received``
    (when the bytes arrived and ingest started, None before) and ``deleted`` are epoch seconds;
    ``ingest_after`` seconds of ingest; ``failure_reason`` set when ingest is to fail."""

    seq: int
    id: str
    caller: str
    created: float
    mime_type: str
    purpose: str
    size_bytes: int
    filename: str | None
    user_id: str | None
    expires_at: str | None
    received: float | None
    ingest_after: float
    failure_reason: str | None
    deleted: float | None


def file_state(f: StoredFile, now: float) -> str:
    """The file's state at ``now`` (epoch s): pending, ready, failed or deleted."""
    if f.deleted is not None:
        return "deleted"
    if f.received is None or now < f.received + f.ingest_after:
        return "pending"
    return "failed" if f.failure_reason else "ready"


class FileStore:
    """The ``files`` table of ``store``'s database and the folder of their bytes.

    Shares the store's connections and locks (one database, one writer). Every write returns
    after its commit. Raises ``sqlite3.Error``/``OSError`` only for a broken disk.
    """

    def __init__(self, store: Store):
        self.store = store
        with store._lock:
            store._db.executescript(_SCHEMA)
        if store.path == ":memory:":
            self.folder = tempfile.mkdtemp(prefix="luma-emulator-files-")
        else:
            self.folder = store.path + ".files"
            os.makedirs(self.folder, exist_ok=True)

    # ------------------------------------------------------------------ bytes
    def path_of(self, file_id: str) -> str:
        """Where the bytes of ``file_id`` are kept."""
        return os.path.join(self.folder, file_id)

    def write_bytes(self, file_id: str, data: bytes) -> None:
        """Store the bytes durably (temporary name, fsync, rename, fsync of the folder)."""
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path_of(file_id))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def read_bytes(self, file_id: str) -> bytes | None:
        """The stored bytes of ``file_id``, None if none arrived."""
        try:
            with open(self.path_of(file_id), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    # ------------------------------------------------------------------ rows
    def insert(self, row: dict[str, Any]) -> StoredFile:
        """Store a new file from ``row`` (every column but ``seq``); returns it once committed."""
        names = [c.strip() for c in _COLUMNS.split(",")][1:]
        with self.store._lock:
            self.store._db.execute(
                f"INSERT INTO files ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                tuple(row.get(n) for n in names),
            )
        found = self.get(row["caller"], row["id"])
        assert found is not None
        return found

    def get(self, caller: str, file_id: str) -> StoredFile | None:
        """The file ``file_id`` if it belongs to ``caller``, else None."""
        with self.store._read_lock:
            got = self.store._read.execute(
                f"SELECT {_COLUMNS} FROM files WHERE id = ? AND caller = ?", (file_id, caller)
            ).fetchone()
        return StoredFile(*got) if got else None

    def mark_received(self, caller: str, file_id: str, now: float) -> bool:
        """Record that the bytes arrived at ``now`` (ingest starts); False if they already had."""
        with self.store._lock:
            cur = self.store._db.execute(
                "UPDATE files SET received = ? WHERE id = ? AND caller = ? AND received IS NULL",
                (now, file_id, caller),
            )
        return cur.rowcount == 1

    def mark_deleted(self, caller: str, file_id: str, now: float) -> None:
        """Soft-delete: set ``deleted`` to ``now`` unless it already is."""
        with self.store._lock:
            self.store._db.execute(
                "UPDATE files SET deleted = ? WHERE id = ? AND caller = ? AND deleted IS NULL",
                (now, file_id, caller),
            )

    def page(self, caller: str, before: int | None, batch: int) -> list[StoredFile]:
        """Up to ``batch`` files of ``caller`` with ``seq`` below ``before`` (None: any),
        newest first: keyset order, so files added meanwhile never shift a page."""
        with self.store._read_lock:
            rows = self.store._read.execute(
                f"SELECT {_COLUMNS} FROM files WHERE caller = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                (caller, before if before is not None else 2**62, batch),
            ).fetchall()
        return [StoredFile(*r) for r in rows]


__all__ = ["FileStore", "StoredFile", "file_state"]
