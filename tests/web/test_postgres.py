"""The web interface on PostgreSQL: the simulator crawled into a fresh schema, served on loopback."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import feedparser
import httpx
import pytest
from sqlalchemy import text

from crawler.textsearch import stem_text
from storage import Store, fts, open_store

from tests.pgutil import drop_schema, fresh_pg_url
from tests.web.conftest import HOSTILE_TITLE, add_hostile_story, newest_first, serve

PG = os.environ.get("MOSNEWS_TEST_PG")
pytestmark = pytest.mark.skipif(not PG, reason="PostgreSQL tests need MOSNEWS_TEST_PG=postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def pg_web() -> Iterator[tuple[str, Store, int]]:
    from crawler.web.demo_db import build

    url = fresh_pg_url(PG or "")
    try:
        build(url, sites=6, seed=21, backlog_days=2)
        store = open_store(url)
        hostile = add_hostile_story(store)
        base, stop = serve(store)
        try:
            yield base, store, hostile
        finally:
            stop()
            store.close()
    finally:
        drop_schema(url)


def test_pages_filters_search_and_feed_on_postgresql(pg_web: tuple[str, Store, int]) -> None:
    base, store, hostile = pg_web
    html = httpx.get(base + "/").text
    assert [int(i) for i in re.findall(r'href="/stories/(\d+)"', html)] == newest_first(store)
    with store.read_session() as s:
        okrug = s.connection().execute(text("SELECT okrug FROM sources WHERE okrug <> '' ORDER BY id LIMIT 1")).scalar()
        in_okrug = {int(r[0]) for r in s.connection().execute(text(
            "SELECT DISTINCT a.story_id FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.okrug = :o"), {"o": okrug})}
        title = s.connection().execute(text("SELECT title FROM stories WHERE reprint_count > 1 ORDER BY id LIMIT 1")).scalar()
    got = {o["story_id"] for o in httpx.get(base + "/api/releases", params={"okrug": okrug, "limit": 200}).json()}
    assert got == in_okrug
    word = max(re.findall(r"[А-Яа-яЁё]{5,}", title), key=len)
    expected = {h.story_id for h in fts.search(store, word, stem_text, limit=1000)}
    assert expected and {o["story_id"] for o in httpx.get(base + "/api/releases", params={"q": word, "limit": 200}).json()} == expected
    r = httpx.get(base + "/feed.atom")
    feed = feedparser.parse(r.content)
    assert not feed.bozo and [e.id for e in feed.entries] == [f"tag:mosnews,2025:story:{i}" for i in newest_first(store)]
    assert httpx.get(base + "/feed.atom", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    page = httpx.get(f"{base}/stories/{hostile}").text
    assert "<script>window" not in page and "&lt;script&gt;" in page
    assert httpx.get(f"{base}/api/stories/{hostile}").json()["title"] == HOSTILE_TITLE
    assert httpx.get(base + "/sources").status_code == 200
