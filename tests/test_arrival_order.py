"""One story per release whatever order the articles arrive in (issue: backfill, late sites).

A first crawl stores each site's backlog newest list page first and sites one after another,
so an article is often older than everything the detector has seen. These tests crawl the
simulated network on loopback through the real pipeline and compare the stored stories with
the simulator's ground truth and with the offline publication-order clustering.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from crawler.dedup import cluster_records
from crawler.pipeline import Pipeline, crawl_once
from crawler.sim import SimNetwork
from storage import open_store
from tests.simhelp import pairwise, partition, sim_settings, stored_stories

SITES, SEED, DAYS = 12, 7, 5


def _net() -> SimNetwork:
    return SimNetwork(sites=SITES, seed=SEED, backlog_days=DAYS, reprint_share=0.5)


def _records(store) -> list[dict]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with store.read_session() as s:
        rows = s.exec(text("SELECT url, title, text, published_at FROM articles")).all()
    return [{"id": u, "title": t, "text": x, "published_at": str(w).replace(" ", "T") if w else None} for u, t, x, w in rows]


def test_backfill_crawl_folds_its_reprints(tmp_path: Path) -> None:
    """The test that would have caught the 0.58 recall of a first crawl."""
    net = _net()
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "b.db", running.sources, net.now.date() - timedelta(days=DAYS))
        store = open_store(settings.database.url)
        asyncio.run(crawl_once(settings, store, deliver=False))
        truth_all = net.truth()
    got = stored_stories(store)
    truth = {u: truth_all[u] for u in got}
    assert len(got) > 60
    p, r = pairwise(truth, got)
    assert p >= 0.95 and r >= 0.95, (p, r)
    # the crawl agrees with the offline clustering of the same pages in publication order
    off = {o["id"]: o["story_id"] for o in cluster_records(_records(store), settings.dedup)}
    po, ro = pairwise(truth, off)
    assert abs(r - ro) <= 0.005 and abs(p - po) <= 0.005, ((p, r), (po, ro))
    store.close()


def test_reverse_source_order_gives_the_same_stories(tmp_path: Path) -> None:
    parts = []
    for name, reverse in (("fwd", False), ("rev", True)):
        net = _net()
        with net.start_in_thread() as running:
            sources = list(reversed(running.sources)) if reverse else list(running.sources)
            settings = sim_settings(tmp_path / f"{name}.db", sources, net.now.date() - timedelta(days=DAYS), crawl__concurrency=2)
            store = open_store(settings.database.url)
            asyncio.run(crawl_once(settings, store, deliver=False))
        parts.append(partition(stored_stories(store)))
        store.close()
    # each run serves a site on the same loopback address but another port: compare host + path
    a, b = ({frozenset((urlsplit(u).hostname, urlsplit(u).path) for u in g) for g in part} for part in parts)
    assert a == b


def test_a_site_down_during_the_backfill_joins_its_stories_when_it_comes_back(tmp_path: Path) -> None:
    net = _net()
    with net.start_in_thread() as running:
        by_site: dict[str, int] = {}
        for p in net.pages():
            if p.kind != "local":
                by_site[p.site_id] = by_site.get(p.site_id, 0) + 1
        late = max(by_site, key=by_site.__getitem__)
        net.set_fault(late, "down")
        settings = sim_settings(tmp_path / "d.db", running.sources, net.now.date() - timedelta(days=DAYS))
        store = open_store(settings.database.url)

        async def run() -> None:
            pipe = Pipeline(settings, store, clock=lambda: net.now)
            await pipe.open()
            try:
                await pipe.crawl(settings.enabled_sources())
                net.advance(timedelta(days=2))
                net.clear_fault(late)
                await pipe.crawl(settings.enabled_sources())
            finally:
                await pipe.aclose()

        asyncio.run(run())
        truth_all = net.truth()
        late_host = running.sources[[s["id"] for s in running.sources].index(late)]["url"].split("/presscenter")[0]
    got = stored_stories(store)
    truth = {u: truth_all[u] for u in got}
    late_urls = [u for u in got if u.startswith(late_host)]
    assert len(late_urls) >= 5
    # every reprint of the late site is in the story of its release's other reprints
    pairs = [(u, v) for u in late_urls for v in got if v != u and truth[v] == truth[u] and not v.startswith(late_host)]
    assert pairs
    joined = sum(got[u] == got[v] for u, v in pairs) / len(pairs)
    assert joined >= 0.95, joined
    # and the whole archive is what the offline clustering in publication order gives
    off = {o["id"]: o["story_id"] for o in cluster_records(_records(store), settings.dedup)}
    (p, r), (po, ro) = pairwise(truth, got), pairwise(truth, off)
    assert abs(p - po) <= 0.01 and abs(r - ro) <= 0.01, ((p, r), (po, ro))
    store.close()


def test_a_failed_settle_keeps_its_days_for_the_next_crawl(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import crawler.recluster as recluster_mod
    from crawler.errors import StorageError

    real = recluster_mod.settle
    calls: list[tuple[int, int]] = []

    def failing(store, settings, a, b):  # type: ignore[no-untyped-def]
        calls.append((a, b))
        raise StorageError("database is locked (simulated)")

    net = SimNetwork(sites=4, seed=SEED, backlog_days=3, reprint_share=0.6)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "f.db", running.sources, net.now.date() - timedelta(days=3))
        store = open_store(settings.database.url)

        async def run() -> tuple[set[int], set[int]]:
            pipe = Pipeline(settings, store, clock=lambda: net.now)
            await pipe.open()
            try:
                monkeypatch.setattr(recluster_mod, "settle", failing)
                reports = await pipe.crawl(settings.enabled_sources())
                assert all(r.ok for r in reports)  # the crawl itself is not failed by the settle
                kept = set(pipe.detector.disorder)
                monkeypatch.setattr(recluster_mod, "settle", real)
                await pipe.crawl(settings.enabled_sources())
                return kept, set(pipe.detector.disorder)
            finally:
                await pipe.aclose()

        kept, after = asyncio.run(run())
    assert calls and kept, "the backfill arrived out of order and its days were kept after the failure"
    assert after == set()  # settled on the next crawl
    store.close()
