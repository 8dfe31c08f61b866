"""End to end: crawl the simulated network into SQLite; incremental runs; every fault and its recovery."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from crawler.pipeline import crawl_once
from crawler.sim import SimNetwork
from storage import open_store
from tests.simhelp import sim_settings


def stored(store) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    with store.read_session() as s:
        return {u: sid for u, sid in s.exec(text("SELECT url, story_id FROM articles")).all()}


def expected_urls(net: SimNetwork, since_msk) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.url for p in net.pages() if p.published_at >= since_msk}


@pytest.fixture(scope="module")
def big(tmp_path_factory):  # type: ignore[no-untyped-def]
    """110 simulated sites, two days of backlog, one full first crawl."""
    net = SimNetwork(sites=110, seed=11, backlog_days=2)
    since = net.now.date() - timedelta(days=2)
    db = tmp_path_factory.mktemp("big") / "m.db"
    with net.start_in_thread() as running:
        settings = sim_settings(db, running.sources, since)
        store = open_store(settings.database.url)
        reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
        yield net, running, settings, store, reports, since
        store.close()


def test_full_crawl_stores_every_page_once(big) -> None:  # type: ignore[no-untyped-def]
    net, _running, _settings, store, reports, since = big
    assert len(reports) == 110 and all(r.ok for r in reports), [r.error for r in reports if not r.ok]
    got = stored(store)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    since_msk = datetime.combine(since, datetime.min.time(), ZoneInfo("Europe/Moscow"))
    want = expected_urls(net, since_msk)
    assert want and set(got) == want
    assert all(sid is not None for sid in got.values())
    with store.read_session() as s:
        n_sources_ok = s.exec(text("SELECT count(*) FROM sources WHERE last_success_at IS NOT NULL AND backfilled")).one()[0]
        bad_dates = s.exec(text("SELECT count(*) FROM articles WHERE published_at IS NULL OR text = ''")).one()[0]
    assert n_sources_ok == 110 and bad_dates == 0


def test_stories_match_truth(big) -> None:  # type: ignore[no-untyped-def]
    net, *_rest = big
    store = big[3]
    got = stored(store)
    truth = net.truth()
    pairs = list(itertools.combinations(sorted(got), 2))
    tp = sum(1 for a, b in pairs if got[a] == got[b] and truth[a] == truth[b])
    fp = sum(1 for a, b in pairs if got[a] == got[b] and truth[a] != truth[b])
    fn = sum(1 for a, b in pairs if got[a] != got[b] and truth[a] == truth[b])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    # A sanity floor for the wiring, not the quality target (bench/dedup_sim.py measures that).
    assert precision >= 0.9 and recall >= 0.8, (precision, recall)


def test_incremental_crawl_after_timeline_advances(big) -> None:  # type: ignore[no-untyped-def]
    net, running, settings, store, _reports, _since = big
    before = set(stored(store))
    net.stats.reset()
    reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
    assert sum(r.new for r in reports) == 0
    assert sum(r.not_modified for r in reports) == 110  # every list page answered 304
    net.advance(timedelta(hours=8))
    reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
    after = stored(store)
    new_urls = set(after) - before
    published_now = {p.url for p in net.pages()}
    assert new_urls == published_now - before
    assert sum(r.new for r in reports) == len(new_urls) > 0
    # Nothing was fetched twice: one detail fetch per new page.
    assert len(after) == len(set(after))


FAULTS = [
    ("500", {"count": 2}),
    ("503", {"count": 2, "retry_after": 0}),
    ("429", {"count": 1, "retry_after": 0}),
    ("reset", {"count": 2}),
    ("drip", {"count": 1, "seconds": 30.0, "chunk": 64}),
    ("truncate", {"count": 1, "fraction": 0.3, "mode": "transport"}),
    ("wrong_charset", {}),
    ("no_charset", {"strip_meta": True}),
    ("redirect", {}),
]


@pytest.mark.parametrize("kind,params", FAULTS, ids=[k for k, _ in FAULTS])
def test_fault_then_recovery(tmp_path: Path, kind: str, params: dict) -> None:
    net = SimNetwork(sites=["arbat", "tagan", "basman"], seed=5, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "m.db", running.sources, since, fetch__total_timeout="2s")
        store = open_store(settings.database.url)
        net.set_fault("arbat", kind, **params)
        asyncio.run(crawl_once(settings, store, deliver=False))
        net.clear_fault("arbat")
        asyncio.run(crawl_once(settings, store, deliver=False))
        got = stored(store)
        from datetime import datetime
        from zoneinfo import ZoneInfo

        since_msk = datetime.combine(since, datetime.min.time(), ZoneInfo("Europe/Moscow"))
        assert set(got) == expected_urls(net, since_msk), kind  # nothing lost, nothing extra
        with store.read_session() as s:
            n = s.exec(text("SELECT count(*), count(DISTINCT url) FROM articles")).one()
            titles = s.exec(text("SELECT title FROM articles WHERE source_id='arbat'")).all()
        assert n[0] == n[1]  # nothing duplicated
        if kind in ("wrong_charset", "no_charset"):
            assert all("Ð" not in t[0] and "\ufffd" not in t[0] for t in titles)  # decoded right
        store.close()


def test_site_down_is_recorded_then_recovers(tmp_path: Path) -> None:
    net = SimNetwork(sites=["arbat", "tagan"], seed=6, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "m.db", running.sources, since, fetch__retries=2)
        store = open_store(settings.database.url)
        net.set_fault("arbat", "down")
        reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
        by = {r.source_id: r for r in reports}
        assert not by["arbat"].ok and by["tagan"].ok
        src = store.get_source("arbat")
        assert src.consecutive_failures == 1 and src.last_error
        net.clear_fault("arbat")
        reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
        assert all(r.ok for r in reports)
        assert store.get_source("arbat").consecutive_failures == 0
        assert any(u.startswith(running.url("arbat")) for u in stored(store))
        store.close()


def test_markup_change_mid_run_still_parses(tmp_path: Path) -> None:
    net = SimNetwork(sites=["arbat"], seed=8, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "m.db", running.sources, since)
        store = open_store(settings.database.url)
        asyncio.run(crawl_once(settings, store, deliver=False))
        other = next(f for f in ("bitrix", "modern", "legacy", "soup") if f != net.family("arbat"))
        net.set_fault("arbat", "family", family=other)
        net.advance(timedelta(hours=12))
        reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
        assert reports[0].ok
        assert set(stored(store)) == {p.url for p in net.pages() if p.published_at.date() >= since}
        store.close()
