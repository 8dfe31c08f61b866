"""storage.queries on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from storage import queries
from storage.intents import CrawlOutcome
from tests.ops.conftest import NOW, populate


def test_releases_newest_first_with_reprints(store):
    ids = populate(store)
    rels = queries.releases(store)
    assert [r.story_id for r in rels] == [ids["clinics"], ids["school"], ids["cleanup"]]
    school = rels[1]
    assert school.reprint_count == 3
    assert school.canonical_url == "https://arbat.mos.ru/presscenter/news/detail/100.html"
    assert school.reprint_urls == [
        "https://arbat.mos.ru/presscenter/news/detail/100.html",
        "https://tverskoy.mos.ru/presscenter/news/detail/200.html",
        "https://sokol.mos.ru/presscenter/news/detail/300.html",
    ]
    assert school.okrugs == ["САО", "ЦАО"]
    assert school.sources == ["arbat", "sokol", "tverskoy"]
    j = school.to_json()
    assert list(j) == ["story_id", "title", "published_at", "first_seen_at", "canonical_url", "reprint_count", "reprint_urls", "okrugs", "sources",
                       "original_url", "original_published_at"]
    assert j["published_at"] == "2025-03-09T16:00:00Z"


def test_releases_filters(store):
    ids = populate(store)
    day = [r.story_id for r in queries.releases(store, since=NOW - timedelta(days=1))]
    assert day == [ids["clinics"], ids["school"]]
    assert [r.story_id for r in queries.releases(store, sources=["tverskoy"])] == [ids["school"]]
    assert [r.story_id for r in queries.releases(store, okrugs=["САО"], since=NOW - timedelta(days=30))] == [ids["clinics"], ids["school"], ids["cleanup"]]
    assert queries.releases(store, okrugs=["ЮАО"]) == []
    assert [r.story_id for r in queries.releases(store, okrugs=["ЦАО"], sources=["sokol"])] == [ids["clinics"], ids["school"]]
    assert [r.story_id for r in queries.releases(store, story_ids=[ids["cleanup"]])] == [ids["cleanup"]]
    assert queries.releases(store, story_ids=[]) == []
    assert len(queries.releases(store, limit=1)) == 1


def test_export_has_every_reprint(store):
    ids = populate(store)
    exports = list(queries.iter_story_exports(store, since=NOW - timedelta(days=1)))
    assert [e.release.story_id for e in exports] == [ids["clinics"], ids["school"]]
    school = exports[1]
    assert [p.source_id for p in school.reprints] == ["arbat", "tverskoy", "sokol"]
    assert [p.canonical for p in school.reprints] == [True, False, False]
    assert school.reprints[0].score == 1.0 and school.reprints[1].score == 0.9
    assert "бассейн" in school.reprints[0].text
    assert school.reprints[1].title == "Собянин открыл школу на 1100 мест"
    bare = next(queries.iter_story_exports(store, with_text=False))
    assert bare.reprints[0].text == ""


def test_source_status(store):
    populate(store)
    store.record_crawl(CrawlOutcome(source_id="brateevo", at=NOW, error="HTTP 503"))
    rows = {r.id: r for r in queries.source_status(store, NOW)}
    assert list(rows) == ["sokol", "arbat", "tverskoy", "brateevo"]  # by okrug, then id
    assert rows["sokol"].items_last_day == 2 and rows["sokol"].articles == 3
    assert rows["tverskoy"].items_last_day == 1
    assert rows["arbat"].last_item_at == NOW - timedelta(hours=2)
    b = rows["brateevo"]
    assert (b.consecutive_failures, b.last_error, b.articles, b.last_item_at) == (1, "HTTP 503", 0, None)
