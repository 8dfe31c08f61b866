"""The store on a real SQLite file (and on PostgreSQL when MOSNEWS_TEST_PG is set)."""

from __future__ import annotations

import os
import sqlite3
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from crawler.errors import StorageError
from crawler.types import ParsedArticle, StoryDecision
from storage import open_store
from storage.intents import ArticleWrite, CrawlOutcome, SourceRow
from storage.lock import daemon_lock
from storage.models import Article, Story

MSK = timezone(timedelta(hours=3))
T0 = datetime(2015, 2, 24, 9, 0, tzinfo=timezone.utc)


def art(url: str, title: str = "Собянин открыл школу", text: str = "Текст статьи.", when: datetime | None = None) -> ParsedArticle:
    return ParsedArticle(url=url, title=title, published_at=when or datetime(2015, 2, 24, 12, 30, tzinfo=MSK), lead="", text=text)


def pg_url() -> str | None:
    return os.environ.get("MOSNEWS_TEST_PG")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    else:
        url = pg_url()
        if not url:
            pytest.skip("MOSNEWS_TEST_PG is not set: PostgreSQL tests skipped")
        from tests.pgutil import drop_schema, fresh_pg_url

        pg = fresh_pg_url(url)
        request.addfinalizer(lambda: drop_schema(pg))
        s = open_store(pg)
    s.sync_sources([SourceRow("arbat", "Управа района Арбат", "ЦАО", "uprava", "https://arbat.mos.ru/presscenter/news/"),
                    SourceRow("tagan", "Управа Таганского района", "ЦАО", "uprava", "https://tagan.mos.ru/presscenter/news/")])
    yield s
    s.close()


def test_new_unchanged_updated(store) -> None:  # type: ignore[no-untyped-def]
    w = ArticleWrite("arbat", art("https://arbat.mos.ru/presscenter/news/detail/1.html"), at=T0)
    r1 = store.save_article(w)
    assert r1.status == "new" and r1.story_created and r1.story_id
    assert store.save_article(w).status == "unchanged"
    edited = ArticleWrite("arbat", art(w.article.url, text="Исправленный текст статьи."), at=T0 + timedelta(hours=1))
    r3 = store.save_article(edited)
    assert r3.status == "updated" and r3.article_id == r1.article_id and r3.story_id == r1.story_id
    with store.read_session() as s:
        rows = s.exec(text("SELECT count(*), max(text) FROM articles")).one()
    assert rows[0] == 1 and rows[1] == "Исправленный текст статьи."


def test_story_outbox_and_reprints(store) -> None:  # type: ignore[no-untyped-def]
    a = store.save_article(ArticleWrite("arbat", art("https://arbat.mos.ru/d/1.html", text="Короткий."), at=T0, settle=timedelta(minutes=10)))
    b = store.save_article(
        ArticleWrite("tagan", art("https://tagan.mos.ru/d/7.html", title="Новая школа", text="Гораздо более длинный текст перепечатки."), at=T0),
        decide=lambda: StoryDecision(story_id=a.story_id, score=0.93, explanation={"tfidf": 0.5}),
    )
    assert b.story_id == a.story_id and not b.story_created
    with store.read_session() as s:
        story = s.get(Story, a.story_id)
        assert story.reprint_count == 2
        # default rule: the fullest text among the earliest day's reprints
        assert story.canonical_article_id == b.article_id
        assert story.title == "Новая школа"
        outbox = s.exec(text("SELECT event, story_id, status, due_at FROM alert_outbox")).all()
        reprint = s.get(Article, b.article_id)
    assert len(outbox) == 1 and outbox[0][0] == "story.created" and outbox[0][2] == "pending"
    assert reprint.story_score == pytest.approx(0.93) and reprint.story_explanation == {"tfidf": 0.5, "role": "joined"}


def test_skipped_alert_for_first_run(store) -> None:  # type: ignore[no-untyped-def]
    store.save_article(ArticleWrite("arbat", art("https://arbat.mos.ru/d/2.html"), at=T0, alert=False))
    with store.read_session() as s:
        assert s.exec(text("SELECT status FROM alert_outbox")).one()[0] == "skipped"


def test_releases_view(store) -> None:  # type: ignore[no-untyped-def]
    a = store.save_article(ArticleWrite("arbat", art("https://arbat.mos.ru/d/1.html"), at=T0))
    store.save_article(ArticleWrite("tagan", art("https://tagan.mos.ru/d/9.html"), at=T0), decide=lambda: StoryDecision(a.story_id, 0.9))
    with store.read_session() as s:
        row = s.exec(text("SELECT story_id, canonical_url, reprint_count, reprint_urls FROM releases")).one()
    urls = row[3] if isinstance(row[3], list) else json.loads(row[3])
    assert row[0] == a.story_id and row[2] == 2
    assert sorted(urls) == ["https://arbat.mos.ru/d/1.html", "https://tagan.mos.ru/d/9.html"]


def test_record_crawl_health(store) -> None:  # type: ignore[no-untyped-def]
    store.record_crawl(CrawlOutcome("arbat", T0, error="TransientFetchError: HTTP 503"))
    store.record_crawl(CrawlOutcome("arbat", T0, error="TransientFetchError: HTTP 503"))
    src = store.get_source("arbat")
    assert src.consecutive_failures == 2 and "503" in src.last_error
    for _ in range(3):
        store.record_crawl(CrawlOutcome("arbat", T0, empty=True, markup_change_after=3, etag='"e"'))
    src = store.get_source("arbat")
    assert src.consecutive_failures == 0 and src.markup_changed and src.list_etag == '"e"'
    store.record_crawl(CrawlOutcome("arbat", T0, empty=False))
    assert not store.get_source("arbat").markup_changed


def test_utc_text_timestamps_on_sqlite(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    s.sync_sources([SourceRow("arbat", "A", "ЦАО", "uprava", "https://arbat.mos.ru/presscenter/news/")])
    s.save_article(ArticleWrite("arbat", art("https://arbat.mos.ru/d/1.html"), at=T0))
    s.close()
    con = sqlite3.connect(tmp_path / "m.db")
    published, fetched = con.execute("SELECT published_at, fetched_at FROM articles").fetchone()
    assert published == "2015-02-24T09:30:00Z"  # 12:30 Moscow time is 09:30 UTC
    assert fetched == "2015-02-24T09:00:00Z"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_daemon_lock_refuses_second_holder(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    with daemon_lock(s):
        with pytest.raises(StorageError, match="another mosnews daemon"):
            with daemon_lock(s):
                pass
    with daemon_lock(s):  # released: can be taken again
        pass


def test_unopenable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")


def test_daemon_lock_on_both_backends(store) -> None:  # type: ignore[no-untyped-def]
    with daemon_lock(store):
        with pytest.raises(StorageError, match="another mosnews daemon"):
            with daemon_lock(store):
                pass
    with daemon_lock(store):  # released when the holder leaves
        pass
