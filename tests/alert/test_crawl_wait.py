"""A one-shot crawl delivers every alert that becomes due before it exits, bounded by
``alerts.crawl_wait`` / ``--wait``, and says how many it left and why (issue 14)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from crawler.cli.crawl import alerts_line
from crawler.pipeline import crawl_once
from crawler.sim import SimNetwork
from storage import open_store
from storage.models import Story

from tests.alert.conftest import SECRET
from tests.simhelp import sim_settings


def _sent(receiver) -> list[int]:
    return sorted(b["data"]["story_id"] for b in receiver.bodies() if b["type"] == "story.created")


def test_crawl_waits_for_settling_alerts_and_sends_them_all(tmp_path: Path, receiver) -> None:
    net = SimNetwork(sites=["arbat", "tagan"], seed=6, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "m.db", running.sources, since,
                                alerts={"first_run": "send", "settle": "2s", "crawl_wait": "2m", "allow_private_targets": True,
                                        "webhooks": [{"url": receiver.url, "secret": SECRET, "timeout": "5s"}]})
        store = open_store(settings.database.url)
        try:
            _, rep = asyncio.run(crawl_once(settings, store))
            with store.read_session() as s:
                ids = sorted(st.id for st in s.exec(select(Story)))
        finally:
            store.close()
    assert ids and _sent(receiver) == ids  # none left for the next run
    assert rep is not None and rep.sent == len(ids) and rep.left_count() == 0
    assert "nothing left undelivered" in alerts_line(rep, settings.alerts.crawl_wait)


def test_crawl_says_what_it_left_and_why(tmp_path: Path, receiver) -> None:
    net = SimNetwork(sites=["arbat"], seed=6, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "m.db", running.sources, since,
                                alerts={"first_run": "send", "settle": "1h", "allow_private_targets": True,
                                        "webhooks": [{"url": receiver.url, "secret": SECRET, "timeout": "5s"}]})
        store = open_store(settings.database.url)
        try:
            _, rep = asyncio.run(crawl_once(settings, store, wait=timedelta(seconds=0)))
            with store.read_session() as s:
                n = len(s.exec(select(Story)).all())
        finally:
            store.close()
    assert n > 0 and receiver.bodies() == []
    assert rep is not None and rep.sent == 0 and rep.left["settling"] == n == rep.left_count()
    line = alerts_line(rep, timedelta(0))
    assert f"alerts left for the next run or the daemon: {n}: {n} not due before the 0s limit" in line
