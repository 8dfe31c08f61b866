"""Per-channel filters, held stories, digests, reprint updates, Apprise; plus the pure helpers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from crawler.alert import Dispatcher
from crawler.alert.backoff import backoff_delay, give_up, parse_retry_after
from crawler.alert.filters import compile_filters, filter_input
from crawler.errors import ConfigError

from tests.alert.conftest import add_article, hook, make_settings

PARK = dict(title="В парке «Сокольники» высадили деревья", text="Жители района высадили сто лип.")


def _titles(receiver) -> list[str]:
    return sorted(b["data"]["title"] for b in receiver.bodies() if b["type"] == "story.created")


async def test_filters_per_channel(store, receiver, clock):
    s = make_settings(
        webhooks=[
            hook(receiver, name="all"),
            hook(receiver, name="parks", filters={"keywords": ["Парк"], "exclude_regex": ["субботник"]}),
            hook(receiver, name="szao", filters={"okrugs": ["сзао"]}),
            hook(receiver, name="metro", filters={"regex": [r"метро\b"], "fields": ["title"]}),
        ]
    )
    d = Dispatcher(s, store, clock=clock)
    add_article(store, clock.now)  # metro, arbat (ЦАО)
    add_article(store, clock.now, source="mitino", **PARK)
    rep = await d.dispatch_due()
    assert rep.sent == 2 + 1 + 1 + 1 and rep.filtered == 3
    per_story = {}
    for h in receiver.accepted():
        import json

        per_story.setdefault(json.loads(h.body)["data"]["title"], 0)
        per_story[json.loads(h.body)["data"]["title"]] += 1
    assert per_story == {"Собянин открыл новую станцию метро": 2, PARK["title"]: 3}


async def test_min_reprints_holds_until_reprints_arrive(store, receiver, clock):
    s = make_settings(webhooks=[hook(receiver, filters={"min_reprints": 3})])
    d = Dispatcher(s, store, clock=clock)
    a = add_article(store, clock.now)
    add_article(store, clock.now, **PARK)
    assert (await d.dispatch_due()).sent == 0
    add_article(store, clock.now, source="presnya", join=a)
    add_article(store, clock.now, source="vao", join=a)
    clock.advance(10)
    assert (await d.dispatch_due()).sent == 1
    assert _titles(receiver) == ["Собянин открыл новую станцию метро"]
    clock.advance(5 * 86400)  # past the dedup window: the lone park story is finally filtered
    await d.dispatch_due()
    from storage import outbox

    assert outbox.summary(store)["filtered"] == 1 and outbox.summary(store)["held"] == 0


async def test_mayor_only(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver, filters={"mayor_only": True})]), store, clock=clock)
    add_article(store, clock.now)
    add_article(store, clock.now, **PARK)
    await d.dispatch_due()
    assert _titles(receiver) == ["Собянин открыл новую станцию метро"]


async def test_digest_lists_new_stories_once_per_period(store, receiver, clock):
    s = make_settings(webhooks=[hook(receiver, name="digest", digest="10m"), hook(receiver, name="each")])
    d = Dispatcher(s, store, clock=clock)
    for i in range(3):
        add_article(store, clock.now, title=f"Релиз номер {i}")
    rep = await d.dispatch_due()
    assert rep.sent == 3  # the per-story channel
    clock.advance(300)
    add_article(store, clock.now, title="Релиз номер 3")
    await d.dispatch_due()
    clock.advance(301)  # the oldest waited 10 minutes
    rep = await d.dispatch_due()
    assert rep.digests == 1 and rep.sent == 1
    digests = [b for b in receiver.bodies() if b["type"] == "digest"]
    assert len(digests) == 1 and digests[0]["data"]["count"] == 4
    assert [x["title"] for x in digests[0]["data"]["stories"]] == [f"Релиз номер {i}" for i in range(4)]
    clock.advance(3600)
    assert (await d.dispatch_due()).sent == 0


async def test_updates_when_story_gains_reprints_at_most_once_per_period(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver, updates="1h")]), store, clock=clock)
    a = add_article(store, clock.now)
    await d.dispatch_due()
    add_article(store, clock.now, source="presnya", join=a)
    clock.advance(600)
    assert (await d.dispatch_due()).sent == 0  # within the period
    clock.advance(3000)
    assert (await d.dispatch_due()).sent == 1
    add_article(store, clock.now, source="vao", join=a)
    clock.advance(60)
    assert (await d.dispatch_due()).sent == 0
    clock.advance(3600)
    assert (await d.dispatch_due()).sent == 1
    clock.advance(7200)
    assert (await d.dispatch_due()).sent == 0  # no new reprints
    ups = [b for b in receiver.bodies() if b["type"] == "story.updated"]
    assert [(u["data"]["reprint_count"], u["data"]["previous_reprint_count"]) for u in ups] == [(2, 1), (3, 2)]


async def test_apprise_json_url(store, receiver, clock):
    port = receiver.server.server_address[1]
    receiver.require_signature = False  # apprise posts unsigned JSON
    d = Dispatcher(make_settings(apprise=[{"url": f"json://127.0.0.1:{port}/apprise", "timeout": "5s"}]), store, clock=clock)
    add_article(store, clock.now)
    rep = await d.dispatch_due()
    assert rep.sent == 1
    assert len(receiver.hits) == 1
    import json

    sent = json.loads(receiver.hits[0].body)
    assert sent["title"].startswith("Новый релиз: Собянин") and "Перепечатки (1)" in sent["message"]


def test_filter_config_errors():
    with pytest.raises(ConfigError, match="unknown key"):
        compile_filters({"keyword": ["x"]})
    with pytest.raises(ConfigError, match="bad regular expression"):
        compile_filters({"regex": ["("]})
    with pytest.raises(ConfigError, match="min_reprints"):
        compile_filters({"min_reprints": "3"})


def test_filter_yo_and_nbsp():
    f = compile_filters({"keywords": ["ёлка на площади"]})
    assert f.check(filter_input("Елка\u00a0на площади", "", [("a", "ЦАО")], 1)).ok
    assert not f.check(filter_input("Ель", "", [("a", "ЦАО")], 1)).ok


def test_backoff_grows_with_jitter_and_honours_retry_after():
    base, cap = timedelta(seconds=30), timedelta(hours=1)
    assert backoff_delay(1, base=base, cap=cap, rand=0.0) == timedelta(seconds=15)
    assert backoff_delay(1, base=base, cap=cap, rand=0.999).total_seconds() < 30
    assert backoff_delay(20, base=base, cap=cap, rand=1.0) == cap
    assert backoff_delay(1, base=base, cap=cap, rand=0.5, retry_after=600) == timedelta(seconds=600)
    assert backoff_delay(1, base=base, cap=cap, rand=0.5, retry_after=10**9) == timedelta(hours=6)
    rng = random.Random(1)
    total, n, t0 = timedelta(0), 0, datetime(2025, 1, 1, tzinfo=timezone.utc)
    while not give_up(started=t0, now=t0 + total, delay=(d := backoff_delay(n + 1, base=base, cap=cap, rand=rng.random())), retry_for=timedelta(hours=24)):
        total += d
        n += 1
    assert total > timedelta(hours=23) and 20 < n < 60  # ~24 h of retries, not thousands
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after("120", now=now) == 120
    assert parse_retry_after("Wed, 01 Jan 2025 00:02:00 GMT", now=now) == 120
    assert parse_retry_after("soon", now=now) is None
