"""Database engines: SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE) and PostgreSQL.

SQLite follows the datasette model: one writer at a time, taking the write
lock at the start of every write transaction (``BEGIN IMMEDIATE``) so two
writers never deadlock on a lock upgrade; readers use a separate engine with
deferred transactions and never block the writer (WAL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

from crawler.errors import StorageError

#: Milliseconds a connection waits for a SQLite lock before failing (SQLite ``busy_timeout``).
SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    """True for ``sqlite://`` URLs."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file path of a SQLite URL, or ``None`` for in-memory/other databases."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def normalize_url(url: str) -> str:
    """Map ``postgresql://`` to the psycopg 3 driver; leave others alone.

    Raises:
        StorageError: for a URL SQLAlchemy cannot parse.
    """
    try:
        u = make_url(url)
    except Exception:  # sqlalchemy.exc.ArgumentError
        raise StorageError("database.url: not a database URL SQLAlchemy can parse (the value is not shown)") from None
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, write: bool = True, echo: bool = False) -> Engine:
    """Create an engine for ``url``.

    Args:
        url: any SQLAlchemy URL (``sqlite:///mosnews.db``, ``postgresql://user@host/db``).
        write: SQLite only: ``True`` opens transactions with ``BEGIN IMMEDIATE``
            (the writer); ``False`` gives plain deferred transactions (readers).

    Raises:
        StorageError: unparseable URL, or a SQLite file whose directory does not exist.
    """
    url = normalize_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None and not path.parent.exists():
            raise StorageError(f"database.url: directory {path.parent} does not exist")
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own
            # transaction handling would emit a deferred BEGIN).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)
