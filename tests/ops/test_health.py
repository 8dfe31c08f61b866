"""Operator alerts: one source.failing event per episode."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from crawler.config import Settings
from crawler.health import check_sources
from storage.intents import CrawlOutcome
from storage.models import AlertOutbox
from tests.ops.conftest import NOW, populate


def _events(store):
    with store.read_session() as s:
        return list(s.exec(select(AlertOutbox).where(AlertOutbox.event == "source.failing").order_by(AlertOutbox.id)))


def test_failing_source_alerts_once_per_episode(store):
    populate(store)  # arbat etc. last succeeded at NOW-1h
    settings = Settings.model_validate({"alerts": {"operator": {"failing_after": "6h", "silent_after": "7d"}}})
    fail_at = NOW
    store.record_crawl(CrawlOutcome(source_id="arbat", at=fail_at, error="HTTP 502 Bad Gateway"))
    assert check_sources(store, settings, NOW + timedelta(hours=2)) == []  # failing, not long enough
    assert check_sources(store, settings, NOW + timedelta(hours=6)) == ["arbat:failing"]
    assert check_sources(store, settings, NOW + timedelta(hours=7)) == []  # same episode: no repeat
    [ev] = _events(store)
    assert ev.status == "pending" and ev.story_id is None
    assert ev.due_at == NOW + timedelta(hours=6) and ev.created_at == NOW + timedelta(hours=6)
    assert ev.payload == {
        "source_id": "arbat", "name": "Управа района Арбат", "okrug": "ЦАО",
        "since": "2025-03-10T11:00:00Z", "error": "HTTP 502 Bad Gateway", "reason": "failing",
    }
    # Recovery ends the episode; a new failure episode alerts again.
    store.record_crawl(CrawlOutcome(source_id="arbat", at=NOW + timedelta(hours=8), new_items=1, empty=False))
    assert check_sources(store, settings, NOW + timedelta(hours=8)) == []
    store.record_crawl(CrawlOutcome(source_id="arbat", at=NOW + timedelta(hours=9), error="timeout"))
    assert check_sources(store, settings, NOW + timedelta(hours=15)) == ["arbat:failing"]
    assert len(_events(store)) == 2


def test_never_succeeded_source_counts_from_first_sight(store):
    populate(store)
    settings = Settings()
    store.record_crawl(CrawlOutcome(source_id="brateevo", at=NOW, error="DNS failure"))
    assert check_sources(store, settings, NOW) == []
    assert check_sources(store, settings, NOW + timedelta(hours=5)) == []
    assert check_sources(store, settings, NOW + timedelta(hours=6)) == ["brateevo:failing"]
    assert _events(store)[0].payload["since"] == "2025-03-10T12:00:00Z"


def test_silent_source(store):
    populate(store)  # tverskoy's newest article: NOW-19h
    settings = Settings.model_validate({"alerts": {"operator": {"silent_after": "2d"}}})
    assert check_sources(store, settings, NOW) == []
    later = NOW + timedelta(days=2, hours=-4)
    for sid in ("arbat", "sokol", "tverskoy"):
        store.record_crawl(CrawlOutcome(source_id=sid, at=later, new_items=0, empty=False))
    got = check_sources(store, settings, later)
    assert got == ["tverskoy:silent"]  # tverskoy's newest item is 2d15h old; sokol's 1d23h, arbat's 1d22h
    ev = _events(store)[0]
    assert ev.payload["reason"] == "silent" and ev.payload["since"] == "2025-03-09T17:00:00Z"
    assert check_sources(store, settings, later + timedelta(hours=1)) == ["sokol:silent"]


def test_disabled_writes_nothing(store):
    populate(store)
    store.record_crawl(CrawlOutcome(source_id="arbat", at=NOW, error="boom"))
    settings = Settings.model_validate({"alerts": {"operator": {"enabled": False}}})
    assert check_sources(store, settings, NOW + timedelta(days=30)) == []
    assert _events(store) == []
