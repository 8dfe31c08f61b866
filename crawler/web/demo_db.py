"""Build a small crawled database from the simulated network (browser tests, screenshots).

Two crawls of the simulator (:mod:`crawler.sim`) on loopback: the backlog (alerts skipped,
as in production with ``alerts.first_run: skip``), then a day later the new releases, each
alerted once to a local webhook receiver when ``webhook_url`` is given.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any


def build(db: Path | str, *, sites: int = 10, seed: int = 13, backlog_days: int = 3,
          webhook: dict[str, Any] | None = None, failing: int = 0) -> Path | str:
    """Crawl a simulated network of ``sites`` press centres into ``db`` (a SQLite file, or any
    database URL such as ``postgresql://…``); returns ``db``.

    ``webhook``: an ``alerts.webhooks[]`` entry (``{"url", "secret"}``) that receives the second crawl's alerts.
    ``failing``: this many sites answer 503 / reset the connection during the second crawl.
    """
    from crawler.config import settings_from_dict
    from crawler.pipeline import crawl_once
    from crawler.sim import SimNetwork
    from crawler.textsearch import stem_text
    from storage import fts, open_store

    net = SimNetwork(sites=sites, seed=seed, backlog_days=backlog_days, releases_per_day=8, reprint_share=0.5)
    since = net.now.date() - timedelta(days=backlog_days)
    with net.start_in_thread() as running:
        raw: dict[str, Any] = {
            "database": {"url": db if isinstance(db, str) else f"sqlite:///{db}"},
            "crawl": {"interval": "10s", "since": str(since), "concurrency": 16, "max_pages": 60},
            "fetch": {"delay": "0ms", "per_host": 2, "retries": 3, "backoff": "50ms", "max_backoff": "300ms",
                      "total_timeout": "4s", "read_timeout": "2s", "connect_timeout": "2s"},
            "alerts": {"first_run": "skip", "settle": "0s", "webhooks": [webhook] if webhook else [], "allow_private_targets": True},  # the receiver is on loopback
            "server": {"enabled": False},
            "sources": running.sources,
        }
        settings = settings_from_dict(raw, env={})
        store = open_store(settings.database.url)
        try:
            asyncio.run(crawl_once(settings, store))
            net.advance(timedelta(hours=20))
            for k, src in enumerate(running.sources[:failing]):
                net.set_fault(src["id"], "503" if k % 2 == 0 else "reset")
            asyncio.run(crawl_once(settings, store))
            fts.refresh(store, stem_text)
        finally:
            store.close()
    return db
