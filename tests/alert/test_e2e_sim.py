"""End to end: crawl the simulated network, deliver to a real webhook receiver and a real SMTP server.

Exactly one alert per new story (never per reprint), nothing on a second crawl, nothing for the
backlog with ``first_run: skip``; with ``first_run: send`` the backlog's stories alert once each.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from crawler.pipeline import crawl_once
from crawler.sim import SimNetwork
from storage import open_store
from storage.models import AlertOutbox, Story

from tests.alert.conftest import SECRET
from tests.alert.receivers import start_smtp
from tests.simhelp import sim_settings


def _alerts(receiver) -> list[int]:
    return sorted(b["data"]["story_id"] for b in receiver.bodies() if b["type"] == "story.created")


def _channels(receiver, smtp_port: int) -> dict:
    return {
        "webhooks": [{"url": receiver.url, "secret": SECRET, "timeout": "5s"}],
        "email": {"host": "127.0.0.1", "port": smtp_port, "from": "bot@mosnews.test", "to": ["r@example.test"], "timeout": "5s"},
    }


@pytest.mark.slow
def test_crawl_alerts_once_per_new_story(tmp_path: Path, receiver) -> None:
    smtp = start_smtp()
    net = SimNetwork(sites=8, seed=5, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    try:
        with net.start_in_thread() as running:
            settings = sim_settings(tmp_path / "m.db", running.sources, since,
                                    alerts={"allow_private_targets": True, "first_run": "skip", "settle": "0s", **_channels(receiver, smtp.port)})
            store = open_store(settings.database.url)
            _, rep = asyncio.run(crawl_once(settings, store))
            assert rep.sent == 0 and receiver.hits == [] and smtp.handler.messages == []  # backlog skipped
            with store.read_session() as s:
                backlog = len(s.exec(select(Story)).all())
            assert backlog > 0

            net.advance(timedelta(hours=24))
            asyncio.run(crawl_once(settings, store))
            with store.read_session() as s:
                new = sorted(
                    r.story_id for r in s.exec(select(AlertOutbox).where(AlertOutbox.event == "story.created", AlertOutbox.status == "dispatched"))
                )
                stories = {st.id: st.reprint_count for st in s.exec(select(Story))}
            assert new, "the simulated network published new releases"
            assert _alerts(receiver) == new  # one webhook per new story
            assert len(set(receiver.accepted_ids())) == len(new)
            assert len(smtp.handler.messages) == len(new)  # one e-mail per new story
            assert sum(stories[i] for i in new) > len(new)  # some new stories have reprints: still one alert each
            subjects = [email.message_from_bytes(raw, policy=email.policy.default)["Subject"] for _, _, raw in smtp.handler.messages]
            assert all(sub.startswith("Новый релиз: ") for sub in subjects)

            hits, mails = len(receiver.hits), len(smtp.handler.messages)
            asyncio.run(crawl_once(settings, store))  # nothing new: nothing sent
            assert len(receiver.hits) == hits and len(smtp.handler.messages) == mails
            store.close()
    finally:
        smtp.stop()


@pytest.mark.slow
def test_first_run_send_alerts_the_backlog_once(tmp_path: Path, receiver) -> None:
    smtp = start_smtp()
    net = SimNetwork(sites=["arbat", "tagan"], seed=6, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    try:
        with net.start_in_thread() as running:
            settings = sim_settings(tmp_path / "m.db", running.sources, since,
                                    alerts={"allow_private_targets": True, "first_run": "send", "settle": "0s", **_channels(receiver, smtp.port)})
            store = open_store(settings.database.url)
            asyncio.run(crawl_once(settings, store))
            with store.read_session() as s:
                ids = sorted(st.id for st in s.exec(select(Story)))
            assert ids and _alerts(receiver) == ids and len(smtp.handler.messages) == len(ids)
            asyncio.run(crawl_once(settings, store))
            assert _alerts(receiver) == ids
            store.close()
    finally:
        smtp.stop()
