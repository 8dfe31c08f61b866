"""mosnews: monitor Moscow district press centres and fold reprints into stories.

Data flows one way: fetch → parse → dedup → store → alert. Only
:mod:`crawler.pipeline` knows that order; see ``docs/architecture.md``.
"""

from __future__ import annotations

__version__ = "0.1.0"
