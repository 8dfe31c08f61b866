"""The ``mosnews`` command line (typer). Each command group lives in its own module;
importing them here registers their commands on :data:`crawler.cli.app.app`."""

from __future__ import annotations

from crawler.cli.app import app

# Command modules register themselves on ``app`` when imported.
from crawler.cli import crawl as _crawl  # noqa: F401,E402

for _name in ("stories", "alerts", "query", "ops", "demo"):
    try:
        __import__(f"crawler.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a command module not written yet
        if _exc.name != f"crawler.cli.{_name}":
            raise


def main() -> None:
    """Console-script entry point: ``mosnews``."""
    app()


__all__ = ["app", "main"]
