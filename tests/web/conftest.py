"""Fixtures for the web interface: a database crawled from the simulator, served on loopback."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from crawler.config import ServerSettings
from storage import Store, open_store
from storage.models import Article, Source, Story

from tests.alert.conftest import SECRET
from tests.alert.receivers import WebhookReceiver

#: A title from a hostile third-party page: markup, quotes, an ampersand and a 5,000-character word.
HOSTILE_TITLE = ("<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned=2\"> "
                 "«Кавычки» \"двойные\" 'одинарные' & </td></table> " + "Ы" * 5000)


@dataclass
class Served:
    """A running web interface: its base URL and the database behind it."""

    url: str
    db: Path
    store: Store
    hostile_story: int


def add_hostile_story(store: Store) -> int:
    """Store a story whose title and text come from a hostile page; returns its id."""
    when = datetime(2026, 2, 20, 9, 0, tzinfo=timezone.utc)
    with store.session() as s:
        if s.get(Source, "hostile") is None:
            s.add(Source(id="hostile", name="Управа <b>района</b> \"Взлом\"", okrug="ЦАО", url="https://hostile.mos.ru/"))
        story = Story(title=HOSTILE_TITLE, published_at=when, first_seen_at=when, updated_at=when, reprint_count=1)
        s.add(story)
        s.flush()
        art = Article(url="https://hostile.mos.ru/news/1.html?a=1&b=<x>", source_id="hostile", title=HOSTILE_TITLE,
                      published_at=when, lead="<script>alert(1)</script>", text="Абзац <i>один</i>.\n\nАбзац два & три.",
                      fetched_at=when, updated_at=when, content_hash="0" * 64, story_id=story.id, story_score=1.0,
                      story_explanation=None)
        s.add(art)
        s.flush()
        story.canonical_article_id = art.id
        sid = int(story.id)  # type: ignore[arg-type]
    from crawler.textsearch import stem_text
    from storage import fts

    fts.refresh(store, stem_text)
    return sid


def serve(store: Store, settings: ServerSettings | None = None) -> tuple[str, Any]:
    """Serve ``crawler.web`` over ``store`` on an ephemeral 127.0.0.1 port in a thread; returns (url, stop)."""
    from crawler.web.app import serve_web

    settings = settings or ServerSettings(host="127.0.0.1", port=0, web=True)
    box: dict[str, Any] = {}
    ready = threading.Event()

    def run() -> None:
        async def main() -> None:
            box["stop"], box["loop"] = asyncio.Event(), asyncio.get_running_loop()
            await serve_web(store, settings, stop=box["stop"],
                            bound=lambda h, p: (box.update(url=f"http://{h}:{p}"), ready.set()))

        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced by the waiting test
            box["error"] = exc
            ready.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert ready.wait(30), "web server did not start"
    if "error" in box:
        raise box["error"]

    def stop() -> None:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        t.join(15)

    return box["url"], stop


@pytest.fixture(scope="session")
def crawled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database built by crawling the simulator twice (the second crawl's new releases
    alerted to a real webhook receiver), plus one story with a hostile title."""
    from crawler.web.demo_db import build

    db = tmp_path_factory.mktemp("web") / "crawled.db"
    receiver = WebhookReceiver(SECRET)
    try:
        build(db, sites=8, seed=13, backlog_days=2, webhook={"url": receiver.url, "secret": SECRET, "timeout": "5s"})
        assert receiver.accepted(), "the second crawl alerted new releases"
    finally:
        receiver.close()
    store = open_store(f"sqlite:///{db}")
    try:
        add_hostile_story(store)
    finally:
        store.close()
    return db


@pytest.fixture(scope="session")
def web(crawled_db: Path) -> Iterator[Served]:
    """The web interface over the crawled database (read-only use only: tests must not write)."""
    store = open_store(f"sqlite:///{crawled_db}")
    with store.read_session() as s:
        from sqlmodel import select

        hostile = s.exec(select(Story.id).where(Story.title == HOSTILE_TITLE)).one()
    url, stop = serve(store)
    yield Served(url, crawled_db, store, int(hostile))
    stop()
    store.close()


@pytest.fixture
def db_copy(crawled_db: Path, tmp_path: Path) -> Path:
    """A private copy of the crawled database, for tests that change it."""
    dst = tmp_path / "copy.db"
    shutil.copy(crawled_db, dst)
    return dst


def newest_first(store: Store, limit: int = 50) -> list[int]:
    """Story ids newest first, straight from SQL (the expected order of every list)."""
    from sqlalchemy import text

    with store.read_session() as s:
        rows = s.connection().execute(text(
            "SELECT id FROM stories ORDER BY coalesce(published_at, first_seen_at) DESC, id DESC LIMIT :n"), {"n": limit})
        return [int(r[0]) for r in rows]


__all__ = ["HOSTILE_TITLE", "Served", "add_hostile_story", "newest_first", "serve"]
