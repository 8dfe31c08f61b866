"""mosnews: monitor Moscow district press centres and fold reprints into stories.

Data flows one way: fetch → parse → dedup → store → alert. Only
:mod:`crawler.pipeline` knows that order; see ``docs/architecture.md``.
"""

from __future__ import annotations

__version__ = "0.1.0"


def _skip_httpx_cli() -> None:
    """httpx imports its command-line tool (``httpx._main``: click, rich, pygments; ~11 MB
    resident, for the lifetime of a daemon) whenever those happen to be installed, and they
    are (typer brings rich). mosnews never runs that tool: marking the module as absent
    makes httpx define its stub ``main`` instead (httpx wraps the import in ``except
    ImportError``). Nothing changes when httpx was imported already."""
    import sys

    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


_skip_httpx_cli()
