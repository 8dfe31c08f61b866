"""One daemon per database: an exclusive lock held for the daemon's lifetime.

SQLite: ``fcntl.flock`` on ``<database file>.lock`` (released by the kernel when the
process dies, even on ``kill -9``). PostgreSQL: a session-level advisory lock
(``pg_try_advisory_lock``) on a connection kept open, released the same way.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import text

from crawler.errors import StorageError
from storage.engine import sqlite_path

if TYPE_CHECKING:
    from storage.store import Store

#: Advisory lock key for PostgreSQL: the bytes "mosnews" as a big-endian integer.
PG_LOCK_KEY = int.from_bytes(b"mosnews", "big")


@contextmanager
def daemon_lock(store: Store) -> Iterator[None]:
    """Hold the database's daemon lock for the duration of the ``with`` block.

    Raises:
        StorageError: another process holds it ("another mosnews daemon is running …").
    """
    if store.dialect == "sqlite":
        path = sqlite_path(store.url)
        if path is None:  # in-memory database: nothing to share
            yield
            return
        lock_path = path.with_name(path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise StorageError(
                    f"another mosnews daemon is running on {path} (pid {holder}); refusing to start twice"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)
        return
    with store.engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
        conn.commit()
        if not got:
            raise StorageError(f"another mosnews daemon is running on {store.safe_url}; refusing to start twice")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            conn.commit()
