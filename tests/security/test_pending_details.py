"""Issue 11 item 6: a detail page that failed (HTTP 500) is retried on later crawls until it is stored
or given up after ``crawl.detail_retry_for`` — in every markup family of the simulator."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crawler.cli import app
from crawler.pipeline import crawl_once
from crawler.sim import SimNetwork
from storage import open_store, pending
from tests.simhelp import sim_settings, write_config

MSK = ZoneInfo("Europe/Moscow")


def _urls(store) -> set[str]:  # type: ignore[no-untyped-def]
    with store.read_session() as s:
        return {u for (u,) in s.exec(text("SELECT url FROM articles")).all()}


def _setup(family: str):  # type: ignore[no-untyped-def]
    net = SimNetwork(sites=["arbat"], seed=31, backlog_days=1)
    net.set_fault("arbat", "family", family=family)
    return net, net.now.date() - timedelta(days=1)


def _pages(net: SimNetwork, since) -> list:  # type: ignore[no-untyped-def, type-arg]
    """Published pages since ``since``, with the URLs of the running (loopback) network."""
    since_msk = datetime.combine(since, datetime.min.time(), MSK)
    return sorted((p for p in net.pages() if p.published_at >= since_msk), key=lambda p: p.published_at)


@pytest.mark.parametrize("family", ["bitrix", "modern", "legacy", "soup"])
def test_failed_detail_page_is_fetched_on_a_later_crawl(tmp_path: Path, family: str) -> None:
    net, since = _setup(family)
    with net.start_in_thread() as running:
        pages = _pages(net, since)
        victim = pages[len(pages) // 2]
        settings = sim_settings(tmp_path / "m.db", running.sources, since, crawl__detail_backoff="0s")
        store = open_store(settings.database.url)
        try:
            net.set_fault("arbat", "500", paths=urlsplit(victim.url).path)
            reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
            assert reports[0].ok and reports[0].failed == 1
            assert victim.url not in _urls(store)
            assert pending.summary(store) == {"arbat": {"pending": 1, "given_up": 0}}
            assert pending.sources_with_rows(store) == {"arbat"}  # the one look-up a crawl of many sources makes
            net.clear_fault("arbat", "500")
            # Nothing new on the site: the list answers 304 (or shows only known items).
            reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
            assert reports[0].ok
            assert _urls(store) == {p.url for p in pages}
            assert pending.summary(store) == {}
            assert pending.sources_with_rows(store) == set()
        finally:
            store.close()


def test_given_up_after_detail_retry_for_and_shown_in_status(tmp_path: Path) -> None:
    net, since = _setup("bitrix")
    with net.start_in_thread() as running:
        victim = _pages(net, since)[0]
        settings = sim_settings(tmp_path / "m.db", running.sources, since, crawl__detail_backoff="0s", crawl__detail_retry_for="0s")
        cfg = write_config(tmp_path / "config.yaml", settings)
        store = open_store(settings.database.url)
        try:
            net.set_fault("arbat", "500", paths=urlsplit(victim.url).path)
            asyncio.run(crawl_once(settings, store, deliver=False))
            net.clear_fault("arbat", "500")
            asyncio.run(crawl_once(settings, store, deliver=False))
            assert victim.url not in _urls(store)  # given up: not retried any more
            assert pending.summary(store) == {"arbat": {"pending": 0, "given_up": 1}}
        finally:
            store.close()
    res = CliRunner().invoke(app, ["status", "-c", str(cfg), "--format", "json"])
    data = json.loads(res.output)
    row = next(r for r in data["sources"] if r["id"] == "arbat")
    assert row["given_up_details"] == 1 and row["pending_details"] == 0
    assert any("given up" in p for p in data["problems"]) and res.exit_code == 1
