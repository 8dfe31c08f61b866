"""Late attachment end to end: a crawl stores a teaser alone, a later crawl brings the
release's full reprints and the teaser joins their story; its pending alert is cancelled.
A teaser pinned alone by ``mosnews split`` stays alone."""

from __future__ import annotations

import asyncio
import json
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from typer.testing import CliRunner

from crawler.cli import app
from crawler.config import settings_from_dict
from crawler.pipeline import crawl_once
from storage import open_store
from storage.stories import attach_lone_article, split_article
from tests.dedup.test_late_attach import CUT, FULL, TEASER
from tests.loopback import serve_asgi
from tests.simhelp import write_config

#: (number, doc, "dd.mm.yyyy hh:mm") in publication order.
ITEMS = [(1, CUT, "12.05.2026 10:00"), (2, TEASER, "12.05.2026 10:30"), (3, FULL[0], "12.05.2026 11:00"), (4, FULL[1], "12.05.2026 12:00")]


def _list(shown: int) -> str:
    lis = "".join(
        f'<li><p><span class="date">{when[:10]}</span><strong><a href="/presscenter/news/detail/{n}.html">{escape(d.title)}</a></strong></p></li>'
        for n, d, when in reversed(ITEMS[:shown])
    )
    return f'<html><head><meta charset="utf-8"><title>Новости</title></head><body><ul class="newslist">{lis}</ul></body></html>'


def _detail(n: int) -> str:
    _, d, when = ITEMS[n - 1]
    paras = "".join(f"<p>{escape(p)}</p>" for p in d.text.split("\n"))
    return (
        f'<html><head><meta charset="utf-8"><title>{escape(d.title)}</title></head><body><div class="primary_content">'
        f'<h1>{escape(d.title)}</h1><div class="b-text-content"><div class="news_date">{when}</div><article>{paras}</article>'
        "</div></div></body></html>"
    )


def _app(state: dict) -> Starlette:
    async def news(request: Request) -> HTMLResponse:
        return HTMLResponse(_list(state["shown"]))

    async def detail(request: Request) -> HTMLResponse:
        return HTMLResponse(_detail(int(request.path_params["n"])))

    async def robots(request: Request) -> PlainTextResponse:
        return PlainTextResponse("User-agent: *\nAllow: /\n")

    return Starlette(routes=[Route("/presscenter/news/", news), Route("/presscenter/news/detail/{n}.html", detail), Route("/robots.txt", robots)])


def _settings(base: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return settings_from_dict(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'late.db'}"},
            "crawl": {"since": "2026-05-01"},
            "fetch": {"delay": "0ms", "retries": 1},
            "dedup": {"encoder": False},
            "alerts": {"settle": "1h", "first_run": "send"},
            "sources": [{"id": "orekhovo", "name": "Управа района Орехово-Борисово Южное", "okrug": "ЮАО", "url": f"{base}/presscenter/news/"}],
        },
        env={},
    )


def _rows(store, sql: str):  # type: ignore[no-untyped-def]
    with store.read_session() as s:
        return s.exec(text(sql)).all()


def _story_by_title(store) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {t: sid for t, sid in _rows(store, "SELECT title, story_id FROM articles")}


@pytest.fixture
def first_crawl(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The press centre on loopback, crawled once with only the cut lead and the teaser listed:
    ``(state, settings, store)``; set ``state["shown"] = 4`` to list the full reprints too."""
    state = {"shown": 2}
    with serve_asgi(_app(state)) as base:
        settings = _settings(base, tmp_path)
        store = open_store(settings.database.url)
        asyncio.run(crawl_once(settings, store, deliver=False))
        yield state, settings, store
        store.close()


def test_teaser_joins_the_release_when_full_reprints_arrive(first_crawl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state, settings, store = first_crawl
    first = _story_by_title(store)
    assert first[TEASER.title] != first[CUT.title]  # the cut lead alone does not match the teaser
    teaser_story = first[TEASER.title]
    assert _rows(store, f"SELECT status FROM alert_outbox WHERE story_id={teaser_story}") == [("pending",)]

    state["shown"] = 4
    asyncio.run(crawl_once(settings, store, deliver=False))
    after = _story_by_title(store)
    assert len(set(after.values())) == 1  # cut, teaser and both full reprints: one story
    sid = after[CUT.title]
    assert not _rows(store, f"SELECT id FROM stories WHERE id={teaser_story}")  # the teaser's story is gone
    assert _rows(store, f"SELECT reprint_count FROM stories WHERE id={sid}") == [(4,)]
    statuses = dict(_rows(store, f"SELECT status, count(*) FROM alert_outbox WHERE story_id={sid} GROUP BY status"))
    assert statuses == {"pending": 1, "cancelled": 1}  # one alert for the release, the teaser's cancelled
    (expl,) = _rows(store, f"SELECT story_explanation FROM articles WHERE title='{TEASER.title}'")[0]
    assert "late" in expl and f"story {teaser_story}" in expl
    # `mosnews story` says why each reprint is there, the late one included
    res = CliRunner().invoke(app, ["story", str(sid), "--config", str(write_config(tmp_path / "config.yaml", settings))])
    assert res.exit_code == 0, res.output
    assert res.output.count("why:") == 4 and "story_score=" in res.output and f"late: moved from story {teaser_story}" in res.output
    assert res.output.count("why: founded the story") == 1  # the cut lead, not a reprint of anything earlier
    js = CliRunner().invoke(app, ["story", str(sid), "--json", "--config", str(tmp_path / "config.yaml")])
    assert json.loads(js.output)["story"]["published_at"].endswith("Z")


def test_split_teaser_stays_alone(first_crawl) -> None:  # type: ignore[no-untyped-def]
    state, settings, store = first_crawl
    (teaser_id, teaser_story), = _rows(store, f"SELECT id, story_id FROM articles WHERE title='{TEASER.title}'")
    assert split_article(store, teaser_id) == teaser_story  # already alone: only pinned
    (pinned,) = _rows(store, f"SELECT story_id FROM articles WHERE id={teaser_id}")[0]
    assert pinned == teaser_story
    state["shown"] = 4
    asyncio.run(crawl_once(settings, store, deliver=False))
    after = _story_by_title(store)
    assert after[TEASER.title] == pinned and after[FULL[0].title] == after[CUT.title] != pinned
    # the store refuses such a move directly, too
    assert attach_lone_article(store, teaser_id, after[CUT.title], 0.9, {}) is False
    assert attach_lone_article(store, 999_999, after[CUT.title], 0.9, {}) is False


def test_unsent_deliveries_of_the_absorbed_story_are_cancelled(first_crawl) -> None:  # type: ignore[no-untyped-def]
    """The teaser's alert already fanned out: the delivery still retrying is cancelled, the one
    a channel received stays as history (re-pointed to the release's story)."""
    from datetime import datetime, timezone

    from storage.models import AlertDelivery, AlertOutbox

    state, settings, store = first_crawl
    (teaser_story,) = _rows(store, f"SELECT story_id FROM articles WHERE title='{TEASER.title}'")[0]
    now = datetime.now(timezone.utc)
    with store.session() as s:
        row = s.exec(select(AlertOutbox).where(AlertOutbox.story_id == teaser_story)).one()
        row.status = "dispatched"
        s.add(row)
        s.add(AlertDelivery(outbox_id=row.id, channel="hook", message_id="msg_retrying", status="pending", attempts=3, created_at=now))
        s.add(AlertDelivery(outbox_id=row.id, channel="mail", message_id="msg_sent", status="delivered", attempts=1, delivered_at=now, created_at=now))
    state["shown"] = 4
    asyncio.run(crawl_once(settings, store, deliver=False))
    sid = _story_by_title(store)[CUT.title]
    assert _story_by_title(store)[TEASER.title] == sid
    assert dict(_rows(store, "SELECT message_id, status FROM alert_deliveries")) == {"msg_retrying": "cancelled", "msg_sent": "delivered"}
    assert {r[0] for r in _rows(store, "SELECT story_id FROM alert_outbox")} == {sid}  # history re-pointed, nothing dangling
