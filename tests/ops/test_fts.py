"""Russian full-text search: stemming, lazy refresh, SQLite FTS5 and PostgreSQL tsvector."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from crawler.textsearch import stem_text
from crawler.types import StoryDecision
from storage import fts
from storage.intents import ArticleWrite
from tests.ops.conftest import CLINICS, NOW, SCHOOL, article, populate


def test_stem_text_folds_case_yo_and_inflection():
    assert stem_text("Школы") == stem_text("школа") == stem_text("ШКОЛЕ")
    assert stem_text("Ёмкость") == stem_text("емкость")
    assert stem_text("«Новые», — поликлиники!") == stem_text("новая поликлиника")
    assert stem_text("…  ") == ""


def test_search_finds_inflected_forms(store):
    ids = populate(store)
    assert fts.refresh(store, stem_text) == 3
    assert [h.story_id for h in fts.search(store, "школы", stem_text)] == [ids["school"]]
    assert [h.story_id for h in fts.search(store, "поликлиника емкость", stem_text)] == [ids["clinics"]]
    assert [h.story_id for h in fts.search(store, "Бассейном", stem_text)] == [ids["school"]]  # body text
    assert fts.search(store, "школа поликлиника", stem_text) == []  # every word must match
    assert fts.search(store, "\"*) OR (", stem_text) == []  # no syntax leaks into FTS5/tsquery
    hits = fts.search(store, "москвы", stem_text)
    assert {h.story_id for h in hits} == {ids["school"], ids["clinics"]}
    assert hits[0].score >= hits[-1].score


def test_refresh_is_lazy_and_picks_up_changes(store):
    ids = populate(store)
    assert fts.refresh(store, stem_text) == 3
    assert fts.refresh(store, stem_text) == 0  # nothing changed: no write
    # An edit at the SAME second as the last indexed time (1 s resolution) is still seen.
    edited = article("arbat", "100", (SCHOOL[0], SCHOOL[1], SCHOOL[2] + " Рядом открыли стадион."), NOW - timedelta(hours=20))
    store.save_article(ArticleWrite(source_id="arbat", article=edited, at=NOW - timedelta(hours=1)))
    assert fts.refresh(store, stem_text) == 1
    assert [h.story_id for h in fts.search(store, "стадионы", stem_text)] == [ids["school"]]
    # A later new story.
    res = store.save_article(ArticleWrite(source_id="tverskoy", article=article("tverskoy", "900", ("Каток открылся в парке", "", "Каток работает до марта."), NOW), at=NOW))
    assert fts.refresh(store, stem_text) == 1
    assert [h.story_id for h in fts.search(store, "парки", stem_text)] == [res.story_id]
    # A story created with an OLDER updated_at than the mark is still indexed (by id).
    old = store.save_article(ArticleWrite(source_id="sokol", article=article("sokol", "901", ("Ярмарка выходного дня", "", "Ярмарка на Балтийской."), NOW - timedelta(days=5)), at=NOW - timedelta(days=5)))
    assert fts.refresh(store, stem_text) == 1
    assert [h.story_id for h in fts.search(store, "ярмарки", stem_text)] == [old.story_id]
    assert ids["clinics"] in {h.story_id for h in fts.search(store, "поликлиник", stem_text)}


def test_vanished_story_leaves_the_index(store):
    ids = populate(store)
    fts.refresh(store, stem_text)
    # Move the cleanup article into the clinics story, as a merge would; the emptied story is deleted.
    from sqlmodel import delete

    from storage.models import AlertOutbox, Article
    from storage.store import refresh_story

    with store.session() as s:
        s.exec(delete(AlertOutbox).where(AlertOutbox.story_id == ids["cleanup"]))  # type: ignore[call-overload]
        a = s.get(Article, 6)
        assert a is not None and a.story_id == ids["cleanup"]
        a.story_id = ids["clinics"]
        s.add(a)
        s.flush()
        refresh_story(s, ids["cleanup"], NOW)
        refresh_story(s, ids["clinics"], NOW)
    assert fts.refresh(store, stem_text) >= 1
    col = "story_id" if store.dialect == "postgresql" else "rowid"
    with store.read_session() as s:
        left = {r[0] for r in s.connection().execute(text(f"SELECT {col} FROM story_fts"))}
    assert ids["cleanup"] not in left
    assert ids["cleanup"] not in {h.story_id for h in fts.search(store, "субботник", stem_text)}


def test_rebuild(store):
    populate(store)
    fts.refresh(store, stem_text)
    assert fts.rebuild(store, stem_text) == 3
    assert len(fts.search(store, "школа", stem_text)) == 1


def test_reprint_attach_reindexes_story(store):
    ids = populate(store)
    fts.refresh(store, stem_text)
    # A longer reprint may become canonical; its text must be searchable.
    longer = (CLINICS[0], CLINICS[1], CLINICS[2] + " В каждой поликлинике будет кабинет офтальмолога и травмпункт.")
    store.save_article(
        ArticleWrite(source_id="tverskoy", article=article("tverskoy", "201", longer, NOW - timedelta(hours=3)), at=NOW),
        decide=lambda: StoryDecision(story_id=ids["clinics"], score=0.95),
    )
    assert fts.refresh(store, stem_text) == 1
    assert [h.story_id for h in fts.search(store, "травмпункты", stem_text)] == [ids["clinics"]]


def test_migration_0002_downgrades_and_upgrades(store):
    from alembic import command
    from sqlalchemy import inspect

    from storage.migrate import alembic_config, upgrade

    populate(store)
    fts.refresh(store, stem_text)
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert "story_fts" not in inspect(store.engine).get_table_names()
    assert store.get_meta(fts.META_KEY) is None
    upgrade(store.engine)
    assert fts.refresh(store, stem_text) == 3  # re-indexed from scratch
    assert len(fts.search(store, "школа", stem_text)) == 1
