"""Helpers shared by CLI commands: config loading, store opening, exit codes, output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from crawler.config import Settings, load_settings
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


def get_settings(path: Path) -> Settings:
    """Load the config or exit 2 with one clear message (never a traceback)."""
    try:
        return load_settings(path)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)


def open_db(settings: Settings, *, url: str | None = None):  # type: ignore[no-untyped-def]
    """Open and migrate the configured database or exit 3 with a clear message."""
    from storage import open_store

    try:
        return open_store(url or settings.database.url)
    except StorageError as exc:
        fail(str(exc), EXIT_DATABASE)


def is_tty() -> bool:
    return sys.stderr.isatty()
