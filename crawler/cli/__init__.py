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
from crawler.cli import web as _web  # noqa: F401  web
from crawler.cli.app import app


def main() -> None:
    """Console-script entry point: ``mosnews``.

    A reader that stops early (``mosnews releases | head -1``) gets the same exit code 0 whether
    or not the output still fitted in the pipe: a closed standard output is not a failure.
    """
    import os
    import sys

    def quiet_exit() -> None:
        try:  # nothing more can reach the reader; keep the interpreter's last flush from failing
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        sys.exit(0)

    try:
        app()
    except BrokenPipeError:
        quiet_exit()
    except SystemExit as exc:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":  # click saw EPIPE on standard output
            quiet_exit()
        raise exc


__all__ = ["app", "main"]
