"""Outbox delivery to a real webhook receiver on loopback: once per story, retries, dead letters, crash safety."""

from __future__ import annotations

import json
from datetime import timedelta

from crawler.alert import Dispatcher
from storage import outbox
from storage.models import AlertDelivery
from sqlmodel import select

from tests.alert.conftest import add_article, hook, make_settings


async def test_one_alert_per_story_not_per_reprint(store, receiver, clock):
    s = make_settings(webhooks=[hook(receiver)])
    d = Dispatcher(s, store, clock=clock)
    a = add_article(store, clock.now)
    add_article(store, clock.now, source="presnya", join=a)
    add_article(store, clock.now, source="mitino", join=a)
    b = add_article(store, clock.now, source="vao", title="В ВАО прошёл субботник", text="Жители убрали парк.")
    rep = await d.dispatch_due()
    assert rep.sent == 2 and rep.failed == 0
    ids = receiver.accepted_ids()
    assert len(ids) == 2 and len(set(ids)) == 2
    bodies = {b_["data"]["story_id"]: b_ for b_ in receiver.bodies()}
    assert set(bodies) == {a, b}
    body = bodies[a]
    assert body["type"] == "story.created" and body["version"] == 2
    assert body["data"]["reprint_count"] == 3
    assert {r["source_id"] for r in body["data"]["reprints"]} == {"arbat", "presnya", "mitino"}
    assert body["data"]["okrugs"] == ["СЗАО", "ЦАО"]
    # A second pass, and more reprints later, send nothing (no `updates:` configured).
    add_article(store, clock.now, source="kurkino", join=a)
    clock.advance(3600)
    rep2 = await d.dispatch_due()
    assert rep2.sent == 0 and len(receiver.hits) == 2
    assert outbox.summary(store)["delivered"] == 2


async def test_first_run_skip_and_settle(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver)]), store, clock=clock)
    for i in range(5):
        add_article(store, clock.now, title=f"Архивная новость {i}", alert=False)
    add_article(store, clock.now, title="Свежая новость", settle=timedelta(minutes=10))
    assert (await d.dispatch_due()).sent == 0
    assert receiver.hits == []
    clock.advance(601)
    assert (await d.dispatch_due()).sent == 1
    assert [b["data"]["title"] for b in receiver.bodies()] == ["Свежая новость"]
    summ = outbox.summary(store)
    assert summ["outbox_skipped"] == 5 and summ["delivered"] == 1 and summ["pending"] == 0


async def test_failing_receiver_recovers_every_alert_once(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver)]), store, clock=clock)
    stories = [add_article(store, clock.now, title=f"Новость {i}") for i in range(3)]
    receiver.fail_next = 7
    receiver.retry_after = "30"
    rounds = 0
    while len(receiver.accepted()) < 3 and rounds < 20:
        await d.dispatch_due()
        clock.advance(31)
        rounds += 1
    ids = receiver.accepted_ids()
    assert sorted(b["data"]["story_id"] for b in receiver.bodies()) == stories
    assert len(ids) == len(set(ids)) == 3
    # Every retry of one alert carried the same id and the same bytes.
    by_id: dict[str, set[str]] = {}
    for h in receiver.hits:
        by_id.setdefault(h.webhook_id, set()).add(h.body)
    assert len(by_id) == 3 and all(len(v) == 1 for v in by_id.values())
    assert all(h.verified for h in receiver.hits)


async def test_retry_after_is_honoured(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver)]), store, clock=clock)
    add_article(store, clock.now)
    receiver.fail_next, receiver.retry_after = 1, "120"
    rep = await d.dispatch_due()
    assert rep.failed == 1
    clock.advance(60)
    assert (await d.dispatch_due()).sent == 0
    clock.advance(61)
    assert (await d.dispatch_due()).sent == 1


async def test_dead_letter_then_retry(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver)], retry_for="10s"), store, clock=clock)
    add_article(store, clock.now)
    receiver.fail_next = 100
    dead = 0
    for _ in range(10):
        dead += (await d.dispatch_due()).dead
        clock.advance(3)
    assert dead == 1
    summ = outbox.summary(store)
    assert summ["dead"] == 1 and summ["dead_recent"][0]["last_error"].endswith("HTTP 503")
    assert "s3cr3t-token" not in summ["dead_recent"][0]["last_error"]
    receiver.fail_next = 0
    assert outbox.requeue(store, clock.now) == 1
    assert (await d.dispatch_due()).sent == 1
    assert len(set(h.webhook_id for h in receiver.hits)) == 1
    assert outbox.summary(store)["dead"] == 0


async def test_permanent_error_dead_at_once(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver)]), store, clock=clock)
    add_article(store, clock.now)
    receiver.status = 400
    assert (await d.dispatch_due()).dead == 1


async def test_slow_receiver_gets_the_same_delivery_again(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver, timeout="0.3s")]), store, clock=clock)
    add_article(store, clock.now)
    receiver.delay = 1.0
    rep = await d.dispatch_due()
    assert rep.failed == 1 and rep.sent == 0
    # Not re-sent by a second pass while the lease holds, even though a retry is scheduled soon.
    receiver.delay = 0
    clock.advance(5)
    await d.dispatch_due()
    assert len({(h.webhook_id, h.body) for h in receiver.hits}) == 1
    assert len(receiver.accepted()) >= 1


async def test_source_failing_goes_to_every_channel(store, receiver, clock):
    from storage.models import AlertOutbox

    s = make_settings(webhooks=[hook(receiver, name="all"), hook(receiver, name="picky", filters={"keywords": ["парк"]}, digest="1h")])
    d = Dispatcher(s, store, clock=clock)
    with store.session() as ses:
        ses.add(
            AlertOutbox(
                event="source.failing",
                status="pending",
                created_at=clock.now,
                due_at=clock.now,
                payload={"source_id": "arbat", "name": "Управа района Арбат", "okrug": "ЦАО", "since": "2025-03-01T10:00:00Z", "error": "HTTP 503"},
            )
        )
    rep = await d.dispatch_due()
    assert rep.sent == 2
    bodies = receiver.bodies()
    assert {b["type"] for b in bodies} == {"source.failing"}
    assert bodies[0]["data"]["name"] == "Управа района Арбат"


async def test_vanished_story_is_cancelled(store, receiver, clock):
    from storage.models import AlertOutbox, Article, Story

    d = Dispatcher(make_settings(webhooks=[hook(receiver)]), store, clock=clock)
    sid = add_article(store, clock.now, settle=timedelta(minutes=1))
    with store.session() as ses:  # merged away before settle
        for a in ses.exec(select(Article).where(Article.story_id == sid)):
            a.story_id = None
            ses.add(a)
        ob = ses.exec(select(AlertOutbox).where(AlertOutbox.story_id == sid)).one()
        ob.story_id = None
        ob.event = "story.created"
        ses.add(ob)
        ses.flush()
        ses.delete(ses.get(Story, sid))
    clock.advance(120)
    rep = await d.dispatch_due()
    assert rep.sent == 0 and receiver.hits == []


async def test_message_ids_are_stable_and_salted(store, receiver, clock):
    d = Dispatcher(make_settings(webhooks=[hook(receiver)]), store, clock=clock)
    add_article(store, clock.now)
    await d.dispatch_due()
    with store.read_session() as ses:
        row = ses.exec(select(AlertDelivery)).one()
        salt = outbox.id_salt(ses)
    assert row.message_id == outbox.make_message_id(salt, row.outbox_id, row.channel)
    assert row.message_id.startswith("msg_") and receiver.accepted_ids() == [row.message_id]
    assert json.loads(row.payload["body"])["data"]["title"]


async def test_send_test_reports_each_channel(store, receiver, clock):
    s = make_settings(webhooks=[hook(receiver, name="good"), {"url": "http://127.0.0.1:9/x?k=topsecret", "secret": receiver.secret, "timeout": "1s"}])
    d = Dispatcher(s, store, clock=clock)
    res = await d.send_test()
    assert [(k, ok) for k, ok, _ in res] == [("good", True), ("webhook:1", False)]
    assert "topsecret" not in res[1][2]
    assert receiver.bodies()[0]["type"] == "test"
