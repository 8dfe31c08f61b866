"""A story's title through the real store (a SQLite file; PostgreSQL when MOSNEWS_TEST_PG is set):
the release's own wording, whatever order the reprints arrive in, on every path that refreshes a
story (a new member, an edit, merge, split, late attachment, the settle/recluster rewrite).

The fixtures are written for these tests, shaped like the titles district press centres give a
reprint of a Mayor's release: the release's headline, plain re-titlings, titles re-angled to a
district («В районе …», «Управа района …») and titles with a re-angling prefix («Для жителей
района …: …», «Жителей района … касается: …»).
"""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.dedup import canonical_rule, story_title
from crawler.types import ParsedArticle, StoryDecision
from storage import open_store
from storage.intents import ArticleWrite, SourceRow
from storage.models import Article, Story
from storage.stories import attach_lone_article, merge_stories, rewrite_stories, split_article

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)
RULES = {"canonical": canonical_rule, "title": story_title}

SOURCES = ["ostankino", "marfino", "butyrsky", "alekseevsky", "rostokino", "svao"]

#: An overpass opened by the Mayor, as six press centres titled it.
OVERPASS = {
    "headline": "Сергей Собянин открыл движение по эстакаде над железной дорогой на Огородном проезде",
    "plain": "Над железной дорогой на Огородном проезде заработала новая эстакада",
    "district": "В районе Останкинский открыли движение по эстакаде",
    "prefixed": "Для жителей района Марфино: в районе Останкинский открыли движение по эстакаде",
    "uprava": "Управа района Бутырский: движение по эстакаде на Огородном проезде открыто",
    "kasaetsya": "Жителей района Алексеевский касается: над железной дорогой на Огородном проезде заработала новая эстакада",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'titles.db'}")
    else:
        url = os.environ.get("MOSNEWS_TEST_PG")
        if not url:
            pytest.skip("MOSNEWS_TEST_PG is not set: PostgreSQL tests skipped")
        from tests.pgutil import drop_schema, fresh_pg_url

        pg = fresh_pg_url(url)
        request.addfinalizer(lambda: drop_schema(pg))
        s = open_store(pg)
    s.sync_sources([SourceRow(x, f"Управа района {x}", "СВАО", "uprava", f"https://{x}.mos.ru/presscenter/news/") for x in SOURCES])
    yield s
    s.close()


def _write(src: str, url: str, title: str, k: int, text_len: int = 8) -> ArticleWrite:
    art = ParsedArticle(url=url, title=title, published_at=T0 + timedelta(minutes=5 * k), lead="",
                        text=" ".join(["Движение по эстакаде открыли утром."] * text_len))
    return ArticleWrite(src, art, at=T0 + timedelta(hours=1, minutes=k))


def _store_story(store, members: list[tuple[str, str]], tag: str, lengths: list[int] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Store ``(source, title)`` members in the given order into one story (the first founds it,
    the others join it, as the detector would decide); returns the story id."""
    sid = None
    for k, (src, title) in enumerate(members):
        decide = (lambda sid=sid: StoryDecision(story_id=sid, score=0.9, explanation={})) if sid is not None else None
        n = lengths[k] if lengths else 8
        r = store.save_article(_write(src, f"https://{src}.mos.ru/presscenter/news/detail/{tag}-{k}.html", title, k, n), decide=decide, **RULES)
        sid = r.story_id
    assert sid is not None
    return sid


def _title(store, sid: int) -> str:  # type: ignore[no-untyped-def]
    with store.read_session() as s:
        st = s.get(Story, sid)
        assert st is not None
        return st.title


def test_every_arrival_order_gives_the_release_headline(store) -> None:  # type: ignore[no-untyped-def]
    keys = ["district", "prefixed", "headline", "plain"]
    seen: dict[str, list[tuple[str, ...]]] = {}
    for n, order in enumerate(itertools.permutations(keys)):
        # the canonical (longest) text goes to whichever arrives first: a district's copy often
        members = [(SOURCES[keys.index(k)], OVERPASS[k]) for k in order]
        sid = _store_story(store, members, f"p{n}", lengths=[20, 8, 8, 8])
        seen.setdefault(_title(store, sid), []).append(order)
    assert list(seen) == [OVERPASS["headline"]], seen


def test_equal_scores_tie_the_same_way_in_every_arrival_order(store) -> None:  # type: ignore[no-untyped-def]
    # Three plain re-titlings whose medoid scores are equal for two of them: the tie must go to the
    # shorter title whichever reprint arrived first (float sums in arrival order used to decide it).
    titles = ["Над путями построили эстакаду", "Эстакада готова к движению", "Новую эстакаду открыли над железной дорогой"]
    seen: dict[str, list[tuple[int, ...]]] = {}
    for n, order in enumerate(itertools.permutations(range(len(titles)))):
        sid = _store_story(store, [(SOURCES[k], titles[i]) for k, i in enumerate(order)], f"t{n}")
        seen.setdefault(_title(store, sid), []).append(order)
    assert list(seen) == ["Эстакада готова к движению"], {t: len(v) for t, v in seen.items()}


def test_title_is_recomputed_as_members_join(store) -> None:  # type: ignore[no-untyped-def]
    # A district's angled copy founds the story; the title must not stay the founder's.
    sid = _store_story(store, [("ostankino", OVERPASS["district"])], "j")
    assert _title(store, sid) == OVERPASS["district"]  # alone: nothing better
    _store_story_join(store, sid, "marfino", OVERPASS["prefixed"], "j1")
    assert _title(store, sid) == OVERPASS["district"]  # what the prefixed one quotes
    _store_story_join(store, sid, "butyrsky", OVERPASS["headline"], "j2")
    assert _title(store, sid) == OVERPASS["headline"]


def _store_story_join(store, sid: int, src: str, title: str, tag: str) -> int:  # type: ignore[no-untyped-def]
    r = store.save_article(_write(src, f"https://{src}.mos.ru/presscenter/news/detail/{tag}.html", title, 3),
                           decide=lambda: StoryDecision(story_id=sid, score=0.9, explanation={}), **RULES)
    assert r.story_id == sid
    return r.article_id


@pytest.mark.parametrize("angled", ["district", "prefixed", "uprava", "kasaetsya"])
def test_an_angled_title_loses_to_an_unangled_member(store, angled: str) -> None:  # type: ignore[no-untyped-def]
    # Three copies of the angled title against one plain re-titling: the plain one still wins.
    members = [("ostankino", OVERPASS[angled]), ("marfino", OVERPASS[angled]), ("butyrsky", OVERPASS[angled]),
               ("svao", OVERPASS["plain"])]
    sid = _store_story(store, members, angled, lengths=[30, 8, 8, 8])
    assert _title(store, sid) == OVERPASS["plain"]


def test_a_quoted_title_naming_a_district_loses_to_the_headline(store) -> None:  # type: ignore[no-untyped-def]
    # The user's report: «Для жителей района Марфино: в районе Останкинский …» quotes a member's
    # «В районе Останкинский …»; that re-angled title must not beat the Mayor's headline.
    members = [("ostankino", OVERPASS["district"]), ("marfino", OVERPASS["prefixed"]), ("butyrsky", OVERPASS["prefixed"]),
               ("svao", OVERPASS["headline"])]
    sid = _store_story(store, members, "q")
    assert _title(store, sid) == OVERPASS["headline"]


def test_the_mayors_headline_naming_a_district_is_not_set_aside(store) -> None:  # type: ignore[no-untyped-def]
    headline = "Собянин: в районе Ростокино открылась школа на 1100 мест"
    members = [("rostokino", "В районе Ростокино начала работу новая школа"), ("svao", headline), ("marfino", headline),
               ("ostankino", "Для жителей района Останкинский: в районе Ростокино открылась школа на 1100 мест")]
    sid = _store_story(store, members, "m")
    assert _title(store, sid) == headline


def test_only_angled_titles_still_give_a_sensible_title(store) -> None:  # type: ignore[no-untyped-def]
    prefixed = [("marfino", "Для жителей района Марфино: в Москве откроют пять новых станций метро"),
                ("ostankino", "Жителей района Останкинский касается: в Москве откроют пять новых станций метро"),
                ("butyrsky", "Для жителей района Бутырский: в Москве откроют пять новых станций метро")]
    sid = _store_story(store, prefixed, "o1")
    assert _title(store, sid) == "В Москве откроют пять новых станций метро"  # the wording they all quote
    local = [("rostokino", "Управа района Ростокино напоминает о правилах пожарной безопасности"),
             ("alekseevsky", "Управа района Ростокино напоминает о правилах пожарной безопасности"),
             ("svao", "Для жителей района Ростокино: управа напоминает о правилах пожарной безопасности")]
    sid2 = _store_story(store, local, "o2")
    assert _title(store, sid2) == "Управа района Ростокино напоминает о правилах пожарной безопасности"


def test_merge_split_and_late_attachment_recompute_the_title(store) -> None:  # type: ignore[no-untyped-def]
    angled = _store_story(store, [("ostankino", OVERPASS["district"]), ("marfino", OVERPASS["prefixed"])], "a")
    plain = _store_story(store, [("svao", OVERPASS["headline"])], "b")
    assert _title(store, angled) == OVERPASS["district"]
    merge_stories(store, angled, plain, **RULES)
    assert _title(store, angled) == OVERPASS["headline"]
    with store.read_session() as s:
        head = next(a.id for a in s.exec(Article.__table__.select().where(Article.story_id == angled)) if a.title == OVERPASS["headline"])
    alone = split_article(store, head, **RULES)
    assert _title(store, angled) == OVERPASS["district"] and _title(store, alone) == OVERPASS["headline"]
    lone = _store_story(store, [("butyrsky", OVERPASS["plain"])], "c")
    with store.read_session() as s:
        lone_article = next(a.id for a in s.exec(Article.__table__.select().where(Article.story_id == lone)))
    assert attach_lone_article(store, lone_article, angled, 0.8, {}, **RULES)
    assert _title(store, angled) == OVERPASS["plain"]


def test_the_settle_rewrite_gives_the_same_title(store) -> None:  # type: ignore[no-untyped-def]
    # Each reprint stored as its own story (as a backfill may), then the replay puts them together.
    ids = []
    for k, key in enumerate(["district", "prefixed", "uprava", "headline"]):
        sid = _store_story(store, [(SOURCES[k], OVERPASS[key])], f"s{k}")
        with store.read_session() as s:
            ids.append(next(a.id for a in s.exec(Article.__table__.select().where(Article.story_id == sid))))
    rewrite_stories(store, [(aid, 1, 0.9, {}) for aid in ids], **RULES)
    with store.read_session() as s:
        sids = {s.get(Article, aid).story_id for aid in ids}
    assert len(sids) == 1
    assert _title(store, sids.pop()) == OVERPASS["headline"]


def test_titles_an_older_rule_chose_are_rechosen_once(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from crawler.dedup.canonical import TITLE_REVISION
    from storage.models import Meta
    from storage.stories import TITLE_REVISION_KEY, retitle_stories

    sid = _store_story(store, [("ostankino", OVERPASS["district"]), ("marfino", OVERPASS["prefixed"]), ("svao", OVERPASS["headline"])], "r")
    untouched = _store_story(store, [("butyrsky", OVERPASS["uprava"])], "u")
    with store.session() as s:  # as the former rule left it
        st = s.get(Story, sid)
        st.title = OVERPASS["district"]
        s.add(st)
        s.merge(Meta(key=TITLE_REVISION_KEY, value="1"))
    assert retitle_stories(store, story_title, str(TITLE_REVISION)) == 1
    assert _title(store, sid) == OVERPASS["headline"] and _title(store, untouched) == OVERPASS["uprava"]
    assert store.get_meta(TITLE_REVISION_KEY) == str(TITLE_REVISION)
    assert retitle_stories(store, story_title, str(TITLE_REVISION)) is None  # recorded: nothing read


def test_the_pipeline_rechooses_old_titles_when_it_opens(tmp_path: Path) -> None:
    import asyncio

    from crawler.config import settings_from_dict
    from crawler.dedup.canonical import TITLE_REVISION
    from crawler.pipeline import Pipeline
    from storage.models import Meta
    from storage.stories import TITLE_REVISION_KEY

    db = tmp_path / "old.db"
    st = open_store(f"sqlite:///{db}")
    st.sync_sources([SourceRow(x, f"Управа района {x}", "СВАО", "uprava", f"https://{x}.mos.ru/presscenter/news/") for x in SOURCES])
    sid = _store_story(st, [("ostankino", OVERPASS["district"]), ("marfino", OVERPASS["prefixed"]), ("svao", OVERPASS["headline"])], "p")
    with st.session() as s:
        story = s.get(Story, sid)
        story.title = OVERPASS["district"]
        s.add(story)
        s.merge(Meta(key=TITLE_REVISION_KEY, value="1"))
    settings = settings_from_dict({"database": {"url": f"sqlite:///{db}"}, "server": {"enabled": False},
                                   "dedup": {"encoder": False}, "sources": []}, env={})

    async def go() -> None:
        pipe = Pipeline(settings, st)
        await pipe.open()
        await pipe.aclose()

    asyncio.run(go())
    assert _title(st, sid) == OVERPASS["headline"]
    assert st.get_meta(TITLE_REVISION_KEY) == str(TITLE_REVISION)
    st.close()
