"""The whole path on PostgreSQL: crawl the simulated network, stories, outbox, one webhook per story."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from crawler.pipeline import crawl_once
from crawler.sim import SimNetwork
from storage import open_store
from tests.alert.conftest import SECRET
from tests.pgutil import drop_schema, fresh_pg_url
from tests.simhelp import sim_settings


def test_crawl_and_alert_on_postgresql(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    base = os.environ.get("MOSNEWS_TEST_PG")
    if not base:
        pytest.skip("MOSNEWS_TEST_PG is not set: PostgreSQL tests skipped")
    url = fresh_pg_url(base)
    net = SimNetwork(sites=6, seed=9, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    try:
        with net.start_in_thread() as running:
            settings = sim_settings(
                tmp_path / "unused.db", running.sources, since,
                database={"url": url},
                alerts={"allow_private_targets": True, "first_run": "send", "settle": "0s", "webhooks": [{"url": receiver.url, "secret": SECRET, "timeout": "5s"}]},
            )
            store = open_store(settings.database.url)
            _, rep = asyncio.run(crawl_once(settings, store))
            with store.read_session() as s:
                stories = s.exec(text("SELECT count(*) FROM stories")).one()[0]
                articles = s.exec(text("SELECT count(*), count(story_id) FROM articles")).one()
                releases = s.exec(text("SELECT count(*) FROM releases")).one()[0]
            want = len([p for p in net.pages() if p.published_at.date() >= since])
            assert articles[0] == articles[1] == want > 0
            assert releases == stories > 0
            assert rep.sent == stories and len(set(receiver.accepted_ids())) == stories
            asyncio.run(crawl_once(settings, store))  # nothing new: nothing sent again
            assert len(set(receiver.accepted_ids())) == stories and len(receiver.hits) == stories
            store.close()
    finally:
        drop_schema(url)
