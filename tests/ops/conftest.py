"""Fixtures for the query/operations tests: populated stores on SQLite and (optionally) PostgreSQL.

PostgreSQL tests run only when ``MOSNEWS_TEST_PG`` holds a URL
(e.g. ``postgresql://postgres@127.0.0.1:5432/test``); each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler.types import ParsedArticle, StoryDecision
from storage import Store, open_store
from storage.intents import ArticleWrite, CrawlOutcome, SourceRow

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
MSK = timezone(timedelta(hours=3))

SOURCES = [
    SourceRow("arbat", "Управа района Арбат", "ЦАО", "uprava", "https://arbat.mos.ru/presscenter/news/"),
    SourceRow("tverskoy", "Управа Тверского района", "ЦАО", "uprava", "https://tverskoy.mos.ru/presscenter/news/"),
    SourceRow("sokol", "Управа района Сокол", "САО", "uprava", "https://sokol.mos.ru/presscenter/news/"),
    SourceRow("brateevo", "Управа района Братеево", "ЮАО", "uprava", "https://brateevo.mos.ru/presscenter/news/"),
]

SCHOOL = (
    "Сергей Собянин открыл новую школу на западе Москвы",
    "Мэр Москвы рассказал о новом здании школы на 1100 учеников.",
    "В школе оборудованы 45 кабинетов, бассейн и спортивный зал. "
    "Школа стала частью программы строительства социальных объектов.",
)
CLINICS = (
    "В Москве построят десять поликлиник",
    "Новые поликлиники откроются до конца года.",
    "Поликлиники получат современное оборудование для диагностики. Ёмкость каждой — до 750 посещений в смену.",
)
CLEANUP = (
    "В районе Сокол прошёл весенний субботник",
    "Жители убрали сквер у станции метро.",
    "Около ста жителей района вышли на уборку сквера, высадили кустарники и покрасили скамейки.",
)


def article(source: str, slug: str, body: tuple[str, str, str], published: datetime | None, title: str | None = None) -> ParsedArticle:
    return ParsedArticle(
        url=f"https://{source}.mos.ru/presscenter/news/detail/{slug}.html",
        title=title or body[0],
        published_at=published,
        lead=body[1],
        text=body[2],
    )


def populate(store: Store, now: datetime = NOW) -> dict[str, int]:
    """Three stories: school (3 reprints, 2 okrugs, yesterday), clinics (2, today), cleanup (1, 10 days ago)."""
    store.sync_sources(SOURCES)
    at = now - timedelta(hours=1)

    def save(src: str, slug: str, body: tuple[str, str, str], published: datetime | None, story: int | None, title: str | None = None) -> int:
        dec = None if story is None else (lambda: StoryDecision(story_id=story, score=0.9))
        res = store.save_article(ArticleWrite(source_id=src, article=article(src, slug, body, published, title), at=at), decide=dec)
        assert res.story_id is not None
        return res.story_id

    school = save("arbat", "100", SCHOOL, now - timedelta(hours=20), None)
    save("tverskoy", "200", SCHOOL, now - timedelta(hours=19), school, title="Собянин открыл школу на 1100 мест")
    save("sokol", "300", SCHOOL, now - timedelta(hours=18), school)
    clinics = save("sokol", "301", CLINICS, now - timedelta(hours=3), None)
    save("arbat", "101", CLINICS, now - timedelta(hours=2), clinics)
    cleanup = save("sokol", "302", CLEANUP, now - timedelta(days=10), None)
    for sid in ("arbat", "tverskoy", "sokol"):
        store.record_crawl(CrawlOutcome(source_id=sid, at=at, new_items=1, empty=False))
    return {"school": school, "clinics": clinics, "cleanup": cleanup}


def pg_url() -> str | None:
    return os.environ.get("MOSNEWS_TEST_PG") or None


def _pg_schema_url(base: str) -> tuple[str, str]:
    schema = "mosnews_ops_" + uuid.uuid4().hex[:10]
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a private schema on ``MOSNEWS_TEST_PG``."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mosnews.db'}"
        return
    base = pg_url()
    if not base:
        pytest.skip("PostgreSQL tests need MOSNEWS_TEST_PG=postgresql://postgres@127.0.0.1:5432/test")
    import psycopg

    schema, url = _pg_schema_url(base)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield url
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = open_store(db_url)
    try:
        yield st
    finally:
        st.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'mosnews.db'}")
    try:
        yield st
    finally:
        st.close()
