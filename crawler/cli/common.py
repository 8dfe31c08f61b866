"""Helpers shared by CLI commands: config loading, store opening, exit codes, output."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from crawler.config import Settings, load_settings, settings_from_dict
from crawler.errors import ConfigError, StorageError

#: Exit codes: 0 ok; 1 something needs attention (status) or a runtime failure; 2 bad config/usage; 3 database error.
EXIT_OK, EXIT_ATTENTION, EXIT_CONFIG, EXIT_DATABASE = 0, 1, 2, 3

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="Path to config.yaml.", envvar="MOSNEWS_CONFIG", show_default=True),
]
DEFAULT_CONFIG = Path("config.yaml")


def fail(message: str, code: int) -> NoReturn:
    """Print ``mosnews: error: <message>`` to stderr and exit with ``code``."""
    typer.echo(f"mosnews: error: {message}", err=True)
    raise typer.Exit(code)


def get_settings(path: Path, *, database_only: bool = False) -> Settings:
    """Load the config or exit 2 with one clear message (never a traceback); its secrets are
    registered for log redaction (:func:`crawler.redact.protect_settings`).

    ``database_only``: for commands that only query the database — when the default
    ``config.yaml`` does not exist and ``$MOSNEWS_DATABASE_URL`` is set, run on the defaults with that database
    (``MOSNEWS_DATABASE_URL=… mosnews releases`` works from any directory).
    """
    from crawler.redact import protect_settings

    url = os.environ.get("MOSNEWS_DATABASE_URL")
    # only the default config may be absent: a --config path given by hand that does not exist is a typo
    if database_only and url and not path.exists() and path == DEFAULT_CONFIG:
        try:
            settings = settings_from_dict({"database": {"url": url}}, env={}, origin="$MOSNEWS_DATABASE_URL")
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
        protect_settings(settings)
        return settings
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    protect_settings(settings)  # before anything can log a webhook or Apprise URL
    return settings


def missing_sqlite(url: str) -> Path | None:
    """The file of a SQLite ``url`` when it does not exist yet, else ``None``."""
    from storage.engine import sqlite_path

    path = sqlite_path(url)
    return path if path is not None and not path.exists() else None


def open_db(settings: Settings, *, url: str | None = None, must_exist: bool = False):  # type: ignore[no-untyped-def]
    """Open and migrate the configured database or exit 3 with a clear message.

    ``must_exist``: commands that only read or fix stored data refuse a SQLite file that is
    not there (a mistyped path would otherwise create an empty database and report nothing).
    """
    from storage import open_store

    target = url or settings.database.url
    path = missing_sqlite(target)
    if must_exist and path is not None:
        fail(f"no database at {path} (check database.url / MOSNEWS_DATABASE_URL; `mosnews crawl` creates it)", EXIT_DATABASE)
    try:
        return open_store(target)
    except StorageError as exc:
        fail(str(exc), EXIT_DATABASE)


@contextmanager
def database(settings: Settings, *, must_exist: bool = False) -> Iterator[Any]:
    """``with database(settings) as store:`` — :func:`open_db`, then a database failure inside
    the block exits 3 with its message, and the store is closed whatever happens."""
    store = open_db(settings, must_exist=must_exist)
    try:
        yield store
    except StorageError as exc:
        fail(str(exc), EXIT_DATABASE)
    finally:
        store.close()


WideOption = Annotated[bool, typer.Option("--wide", "-w", help="Show whole rows (no cutting to the terminal width).")]


def table_width(wide: bool = False) -> int | None:
    """Characters a table row may take: ``None`` (no limit) with ``--wide`` or when standard output
    is not a terminal and ``$COLUMNS`` is unset (a pipe or a file gets whole rows); else the
    terminal width (``$COLUMNS`` first)."""
    import shutil

    if wide:
        return None
    if os.environ.get("COLUMNS", "").isdigit():
        return max(40, int(os.environ["COLUMNS"]))
    if not sys.stdout.isatty():
        return None
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def fit(line: str, width: int | None) -> str:
    """``line`` cut to ``width`` characters, ending in «…» when cut (``None``: unchanged)."""
    if width is None or len(line) <= width:
        return line
    return line[: width - 1] + "…"


def is_tty() -> bool:
    return sys.stderr.isatty()
