"""The ``mosnews`` command line (typer). Each command group lives in its own module;
importing them here registers their commands on :data:`crawler.cli.app.app`."""

from __future__ import annotations

from crawler.cli import alerts as _alerts  # noqa: F401  alerts list|test|retry
from crawler.cli import crawl as _crawl  # noqa: F401  crawl, run, sources, probe, reparse
from crawler.cli import demo as _demo  # noqa: F401  demo
from crawler.cli import ops as _ops  # noqa: F401  status
from crawler.cli import query as _query  # noqa: F401  releases, search, export
from crawler.cli import sim as _sim  # noqa: F401  sim serve
from crawler.cli import stories as _stories  # noqa: F401  story, merge, split, recluster, cluster
from crawler.cli.app import app


def main() -> None:
    """Console-script entry point: ``mosnews``."""
    app()


__all__ = ["app", "main"]
