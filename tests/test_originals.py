"""Issue 12: the Mayor's originals (www.mos.ru replica on loopback) through the real crawl path."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from crawler.cli import app
from crawler.parse.mayor import ApiBlockPage, ApiShapeError, parse_api_item, parse_api_page, parse_date, parse_feed
from crawler.pipeline import crawl_once
from crawler.sim import MSK, SimNetwork
from storage import Store
from storage.models import AlertOutbox, Article, Source, Story
from storage.queries import releases
from tests.simhelp import sim_settings, write_config

START = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)
SINCE = "2026-02-27"


def make_net(**kw: Any) -> SimNetwork:
    kw.setdefault("sites", 6)
    kw.setdefault("seed", 12)
    kw.setdefault("start", START)
    kw.setdefault("backlog_days", 2)
    return SimNetwork(mayor=True, **kw)


def mayor_source(h: Any, *, feed: bool = True, api: bool = True) -> dict[str, Any]:
    src = dict(h.sources[0])
    assert src["kind"] == "mayor"
    if not api:
        src.pop("api")
    elif not feed:
        src["url"] = src["api"]  # API-only: url is the API itself
    return src


def crawl(settings: Any, store: Store, ids: list[str] | None = None) -> dict[str, Any]:
    reps, _ = asyncio.run(crawl_once(settings, store, source_ids=ids, deliver=False))
    return {r.source_id: r for r in reps}


def mayor_row(store: Store) -> Source:
    src = store.get_source("mayor")
    assert src is not None
    return src


def originals(store: Store) -> list[Article]:
    with store.read_session() as s:
        return list(s.exec(select(Article).where(Article.source_id == "mayor")))


def truth_story(net: SimNetwork, url: str) -> str | None:
    return net.truth().get(url)


# --- pure parsing ---------------------------------------------------------------------


def test_feed_that_is_not_xml_is_a_clear_error() -> None:
    for body in (b"<html><body>blocked</body></html>", b'{"items": []}', b"\x00\x01garbage"):
        with pytest.raises(Exception, match="not an RSS/Atom feed"):
            parse_feed(body, "https://www.mos.ru/rss")


def test_date_without_offset_is_moscow_time() -> None:
    when, naive = parse_date("2026-03-02 12:00:00")
    assert naive and when == datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    when, naive = parse_date("Mon, 20 Feb 2023 20:03:00 +0300")
    assert not naive and when == datetime(2023, 2, 20, 17, 3, tzinfo=timezone.utc)
    when, naive = parse_date("Mon, 20 Feb 2023 20:03:00")
    assert naive and when == datetime(2023, 2, 20, 17, 3, tzinfo=timezone.utc)


def test_api_block_page_other_shape_and_renamed_fields() -> None:
    with pytest.raises(ApiBlockPage):
        parse_api_page(b"<html><body>Access denied</body></html>", "text/html", "https://x/api")
    with pytest.raises(ApiBlockPage):  # HTML even when the server says JSON
        parse_api_page(b"<!DOCTYPE html><html></html>", "application/json", "https://x/api")
    with pytest.raises(ApiShapeError, match="without an item list"):
        parse_api_page(b'{"status": "ok", "result": {}}', "application/json", "https://x/api")
    with pytest.raises(ApiShapeError, match="not JSON"):
        parse_api_item(b"{broken", "application/json", "https://x/api/1")
    page = parse_api_page(
        json.dumps({"items": [{"id": 9017050, "title": "T", "full_text": "<p>Один.</p><p>Два.</p>", "published_at": "2026-03-02T12:00:00+03:00"}]}).encode(),
        "application/json", "https://x/api",
    )
    assert page.renamed == {"text": "full_text", "date": "published_at"} and "api_fields_renamed" in page.flags
    assert page.items[0].text == "Один.\n\nДва." and page.items[0].item_id == "9017050"


# --- through the crawl path -----------------------------------------------------------------


def test_both_channels_link_releases_and_show_the_original(tmp_path: Path) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        settings = sim_settings(tmp_path / "db.sqlite", [mayor_source(h)] + h.sources[1:], SINCE)
        store = Store(settings.database.url)
        reps = crawl(settings, store)
        assert all(r.ok for r in reps.values())
        origs = originals(store)
        published = net.originals()
        assert len(origs) == len(published) > 0
        assert all(a.text and len(a.text) > 200 for a in origs)  # the full text from the API
        assert all("/mayor/themes/" in a.url for a in origs)  # the feed's link
        with store.read_session() as s:
            stories = list(s.exec(select(Story)))
            by_story = Counter(a.story_id for a in s.exec(select(Article)))
        with_orig = [st for st in stories if st.original_article_id is not None]
        assert len(with_orig) == len(origs)  # every original heads one story
        by_id = {a.id: a for a in origs}
        for st in with_orig:
            o = by_id[st.original_article_id]
            assert st.canonical_article_id == o.id and st.title == o.title
        truth = net.truth()
        # the originals link their district reprints: no false link, (almost) every reprint found
        linked = wrong = 0
        with store.read_session() as s:
            for st in with_orig:
                key = truth[by_id[st.original_article_id].url]
                for a in s.exec(select(Article).where(Article.story_id == st.id, Article.source_id != "mayor")):
                    linked += truth[a.url] == key
                    wrong += truth[a.url] != key
        assert wrong == 0
        reprints_of_originals = sum(1 for u, k in truth.items() if "/presscenter/" in u and k in {truth[o.url] for o in origs})
        assert linked >= 0.9 * reprints_of_originals
        assert sum(by_story[st.id] for st in with_orig) > len(with_orig)  # releases gathered reprints
        # release rows, the filter, the JSON output
        rels = releases(store, limit=None)
        only = releases(store, originals_only=True, limit=None)
        assert {r.story_id for r in only} == {st.id for st in with_orig}
        assert all(r.original_url and r.original_url == r.canonical_url for r in only)
        assert all(r.original_url is None for r in rels if r.story_id not in {x.story_id for x in only})
        cfg = write_config(tmp_path / "config.yaml", settings)
        out = CliRunner().invoke(app, ["releases", "--config", str(cfg), "--format", "json", "--originals-only", "--limit", "0"])
        assert out.exit_code == 0, out.output
        rows = json.loads(out.stdout)
        assert len(rows) == len(only) and all(r["original_url"] and r["original_published_at"] for r in rows)
        with store.engine.connect() as c:  # the public view
            n = c.exec_driver_sql("SELECT COUNT(*) FROM releases WHERE original_url IS NOT NULL").scalar()
            assert n == len(with_orig)
        st = with_orig[0]
        out = CliRunner().invoke(app, ["story", str(st.id), "--config", str(cfg)])
        assert "the Mayor's original: " + by_id[st.original_article_id].url in out.output
        assert mayor_row(store).health_flags is None
        out = CliRunner().invoke(app, ["export", "--config", str(cfg), "--originals-only", "--no-text"])
        lines = [json.loads(x) for x in out.stdout.splitlines()]
        assert len(lines) == len(only)
        for obj in lines:
            flagged = [p for p in obj["reprints"] if p["original"]]
            assert len(flagged) == 1 and flagged[0]["url"] == obj["original_url"] == obj["canonical_url"]
        out = CliRunner().invoke(app, ["export", "--config", str(cfg), "--format", "csv", "--no-text"])
        head = out.stdout.splitlines()[0].split(",")
        assert head[-3:] == ["original", "original_url", "original_published_at"]
        store.close()


def test_rss_only_and_api_only(tmp_path: Path) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        for mode, src in (("rss", mayor_source(h, api=False)), ("api", mayor_source(h, feed=False))):
            settings = sim_settings(tmp_path / f"{mode}.sqlite", [src], SINCE)
            store = Store(settings.database.url)
            net.stats.reset()
            rep = crawl(settings, store)["mayor"]
            assert rep.ok, rep.error
            origs = originals(store)
            assert len(origs) == len(net.originals()) > 0
            paths = [p for (sid, p) in net.stats.paths if sid == "mayor"]
            if mode == "rss":
                assert not any(p.startswith("/api/") for p in paths)
                assert all("/mayor/themes/" in a.url and a.text for a in origs)  # text from the feed
            else:
                assert not any(p.startswith("/rss") for p in paths)
                assert all("/news/item/" in a.url and len(a.text) > 200 for a in origs)
            with store.read_session() as s:
                assert all(st.original_article_id is not None for st in s.exec(select(Story)))
            store.close()


def test_reprints_before_the_original_attach_when_it_arrives(tmp_path: Path) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        settings = sim_settings(tmp_path / "db.sqlite", [mayor_source(h)] + h.sources[1:], SINCE)
        store = Store(settings.database.url)
        districts = [s["id"] for s in h.sources[1:]]
        crawl(settings, store, districts)  # reprints first
        with store.read_session() as s:
            before = {st.id for st in s.exec(select(Story))}
        truth = net.truth()
        with store.read_session() as s:
            story_of_release: dict[str, set[int]] = {}
            for a in s.exec(select(Article)):
                story_of_release.setdefault(truth[a.url], set()).add(a.story_id)
        rep = crawl(settings, store, ["mayor"])["mayor"]
        assert rep.ok and rep.new == len(net.originals())
        joined = 0
        with store.read_session() as s:
            for o in s.exec(select(Article).where(Article.source_id == "mayor")):
                key = truth[o.url]
                st = s.get(Story, o.story_id)
                assert st is not None and st.original_article_id == o.id and st.title == o.title
                if key in story_of_release:  # its reprints were there first: the original joined them
                    assert o.story_id in story_of_release[key]
                    assert o.story_id in before
                    joined += 1
                else:
                    assert o.story_id not in before
        assert joined >= 3
        # joining a story is not a new release: only originals without reprints created stories
        assert rep.stories_created == len(net.originals()) - joined
        store.close()


def test_edit_in_place_without_new_alert(tmp_path: Path) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        settings = sim_settings(tmp_path / "db.sqlite", [mayor_source(h)], SINCE, alerts__first_run="send")
        store = Store(settings.database.url)
        crawl(settings, store)
        with store.read_session() as s:
            outbox_before = len(list(s.exec(select(AlertOutbox))))
        newest = net.originals()[-1]
        net.mayor.edit(newest.rid, "Дополнение: работы завершат к концу года.")
        rep = crawl(settings, store)["mayor"]
        assert rep.ok and rep.new == 0 and rep.updated == 1
        with store.read_session() as s:
            assert len(list(s.exec(select(AlertOutbox)))) == outbox_before
            arts = [a for a in s.exec(select(Article).where(Article.source_id == "mayor")) if a.url.endswith(f"/{newest.item_id}/")]
        assert len(arts) == 1 and arts[0].text.endswith("Дополнение: работы завершат к концу года.")
        rep = crawl(settings, store)["mayor"]
        assert rep.new == 0 and rep.updated == 0
        store.close()


@pytest.mark.parametrize(
    "fault,params,flag,full_text",
    [
        ("not_xml", {}, "feed_not_xml", True),            # the API alone carries on
        ("block_page", {}, "api_block_page", False),       # the feed alone carries on (its preview)
        ("json_shape", {}, "api_shape", False),
        ("rename", {"frm": "text", "to": "full_text"}, "api_fields_renamed", True),
        ("naive_date", {}, "naive_date", True),
    ],
)
def test_bad_input_is_flagged_and_nothing_is_lost(tmp_path: Path, fault: str, params: dict, flag: str, full_text: bool, caplog: pytest.LogCaptureFixture) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        settings = sim_settings(tmp_path / "db.sqlite", [mayor_source(h)] + h.sources[1:3], SINCE)
        store = Store(settings.database.url)
        net.set_fault("mayor", fault, **params)
        with caplog.at_level(logging.WARNING, logger="mosnews.originals"):
            reps = crawl(settings, store)
        assert all(r.ok for r in reps.values()), {k: r.error for k, r in reps.items()}
        assert flag in (mayor_row(store).health_flags or [])
        assert any(r.name == "mosnews.originals" for r in caplog.records)
        origs = originals(store)
        assert len(origs) == len(net.originals())
        assert all(a.text for a in origs)
        assert all(len(a.text) > 200 for a in origs) == full_text
        published = {o.item_id: o.published_at for o in net.originals()}
        for a in origs:
            pid = int(a.url.rstrip("/").rsplit("/", 1)[1])
            assert a.published_at == published[pid]  # the naive dates were read as Moscow time
        for sid in [s["id"] for s in h.sources[1:3]]:  # the district crawl is unaffected
            assert store.has_articles(sid)
        out = CliRunner().invoke(app, ["status", "--config", str(write_config(tmp_path / "config.yaml", settings))])
        assert flag in out.output
        store.close()


def test_items_without_text_wait_then_are_kept(tmp_path: Path) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        settings = sim_settings(tmp_path / "db.sqlite", [mayor_source(h)], SINCE)
        store = Store(settings.database.url)
        net.set_fault("mayor", "no_text")
        rep = crawl(settings, store)["mayor"]
        assert rep.ok and "no_text" in (mayor_row(store).health_flags or [])
        # old items (past the grace period) are kept with their title; none is lost
        assert len(originals(store)) == len(net.originals())
        net.clear_fault("mayor")
        rep = crawl(settings, store)["mayor"]
        assert rep.updated == len(net.originals())  # the text arrived: updated in place
        assert all(len(a.text) > 200 for a in originals(store))
        assert mayor_row(store).health_flags is None
        store.close()


def test_429_storm_on_the_portal_leaves_districts_alone_and_loses_nothing(tmp_path: Path) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        settings = sim_settings(tmp_path / "db.sqlite", [mayor_source(h)] + h.sources[1:], SINCE)
        store = Store(settings.database.url)
        net.set_fault("mayor", "429", count=1000, retry_after=0)
        reps = crawl(settings, store)
        assert not reps["mayor"].ok and "429" in (reps["mayor"].error or "")
        assert all(r.ok for sid, r in reps.items() if sid != "mayor")
        row = mayor_row(store)
        assert row.consecutive_failures == 1 and {"feed_rate_limited", "api_rate_limited"} <= set(row.health_flags or [])
        assert not originals(store)
        net.clear_fault("mayor")
        reps = crawl(settings, store)
        assert reps["mayor"].ok and len(originals(store)) == len(net.originals())
        assert mayor_row(store).consecutive_failures == 0
        store.close()


def test_simulator_replica_publishes_late_and_missing_originals() -> None:
    net = SimNetwork(sites=20, seed=5, start=START, backlog_days=20, mayor=True)
    rels = net.releases()
    origs = net.originals()
    have = {o.rid for o in origs}
    missing = [r for r in rels if r.rid not in have and net.mayor.plan(r.rid) is None]
    assert 0.05 * len(rels) <= len(missing) <= 0.3 * len(rels)
    late = [o for o in origs if o.late]
    assert late
    first: dict[str, datetime] = {}
    for p in net.pages():
        if p.story in have:
            first[p.story] = min(first.get(p.story, p.published_at), p.published_at)
    for o in late:
        assert o.published_at > first[o.rid]
    on_time = [o for o in origs if not o.late and o.rid in first]
    assert sum(o.published_at < first[o.rid] for o in on_time) == len(on_time)
    assert all(str(o.item_id).endswith("050") for o in origs)


# --- alerts ---------------------------------------------------------------------------------


def _article(url: str, title: str, when: datetime) -> Any:
    from crawler.types import ParsedArticle

    text = "Сергей Собянин открыл новую школу в районе Марьино. В ней будут учиться 1100 детей."
    return ParsedArticle(url=url, title=title, published_at=when, lead=text, text=text)


def test_wait_for_original_then_the_first_alert_carries_it(tmp_path: Path) -> None:
    from crawler.alert.render import Message, webhook_json
    from storage.intents import ArticleWrite, SourceRow
    from storage.outbox import fan_out, load_story

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.sync_sources([SourceRow("marino", "Управа района Марьино", "ЮВАО", "uprava", "https://marino.mos.ru/presscenter/news/"),
                        SourceRow("mayor", "Мэр Москвы", "Москва", "mayor", "https://www.mos.ru/rss")])
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    wait = timedelta(minutes=5)
    sent: list[int] = []

    def route(ev: Any, story: Any, ch: str) -> tuple[str, str]:
        sent.append(ev.id)
        return "pending", ""

    def story_ids() -> dict[int, str]:
        with store.read_session() as s:
            return {r.id: r.status for r in s.exec(select(AlertOutbox))}

    # 1. a district reprint founds the story: its alert waits for the original …
    r1 = store.save_article(ArticleWrite("marino", _article("https://marino.mos.ru/presscenter/news/detail/1.html", "Открылась школа", t0), at=t0))
    assert fan_out(store, t0 + timedelta(minutes=1), ["hook"], route, wait_for_original=wait) == 0
    assert not sent and set(story_ids().values()) == {"pending"}
    # … the original joins it: due now, and the alert carries the original
    class Join:
        story_id, score, explanation = r1.story_id, 0.9, {}

    r2 = store.save_article(ArticleWrite("mayor", _article("https://www.mos.ru/mayor/themes/10299/9017050/", "Сергей Собянин открыл школу в Марьине", t0 - timedelta(minutes=30)), at=t0 + timedelta(minutes=2)), decide=lambda: Join())
    assert r2.story_id == r1.story_id and not r2.story_created
    assert fan_out(store, t0 + timedelta(minutes=2), ["hook"], route, wait_for_original=wait) == 1
    with store.read_session() as s:
        story = load_story(s, r1.story_id)
    assert story is not None and story.original_url == "https://www.mos.ru/mayor/themes/10299/9017050/"
    assert story.title == "Сергей Собянин открыл школу в Марьине" and story.canonical_url == story.original_url
    body = json.loads(webhook_json(Message("story.created", t0, (("story.created", story),))))
    assert body["version"] == 2 and body["data"]["original_url"] == story.original_url
    assert body["data"]["original_published_at"] == "2026-03-02T08:30:00Z"
    assert [r["original"] for r in body["data"]["reprints"]] == [True, False]
    # 2. local news with no original: alerted once the wait is over, not before
    r3 = store.save_article(ArticleWrite("marino", _article("https://marino.mos.ru/presscenter/news/detail/2.html", "Субботник во дворе", t0), at=t0))
    assert r3.story_created
    assert fan_out(store, t0 + timedelta(minutes=4), ["hook"], route, wait_for_original=wait) == 0
    assert fan_out(store, t0 + timedelta(minutes=5), ["hook"], route, wait_for_original=wait) == 1
    assert set(story_ids().values()) == {"dispatched"}
    store.close()


def test_a_second_original_founds_its_own_story(tmp_path: Path) -> None:
    from storage.intents import ArticleWrite, SourceRow
    from storage.stories import attach_lone_article

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.sync_sources([SourceRow("mayor", "Мэр Москвы", "Москва", "mayor", "https://www.mos.ru/rss"),
                        SourceRow("marino", "Управа района Марьино", "ЮВАО", "uprava", "https://marino.mos.ru/presscenter/news/")])
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    a = store.save_article(ArticleWrite("mayor", _article("https://www.mos.ru/mayor/themes/1/9017050/", "Открыта школа в Марьине", t0), at=t0))

    class Join:
        story_id, score, explanation = a.story_id, 0.8, {"best": {"story": a.story_id}}

    # a template of the same week: the detector says "join", but one release has one original
    b = store.save_article(ArticleWrite("mayor", _article("https://www.mos.ru/mayor/themes/1/9018050/", "Открыта школа в Митине", t0), at=t0), decide=lambda: Join())
    assert b.story_created and b.story_id != a.story_id
    with store.read_session() as s:
        art = s.get(Article, b.article_id)
        assert art is not None and "original_conflict" in (art.story_explanation or {})
    assert not attach_lone_article(store, b.article_id, a.story_id, 0.9, {})
    # a district reprint still joins
    c = store.save_article(ArticleWrite("marino", _article("https://marino.mos.ru/presscenter/news/detail/5.html", "Школа", t0), at=t0), decide=lambda: Join())
    assert c.story_id == a.story_id
    store.close()


def test_probe_reads_the_feed_and_the_api(tmp_path: Path) -> None:
    net = make_net()
    with net.start_in_thread() as h:
        src = mayor_source(h)
        settings = sim_settings(tmp_path / "db.sqlite", [src], SINCE)
        cfg = write_config(tmp_path / "config.yaml", settings)
        newest = net.originals()[-1]
        out = CliRunner().invoke(app, ["probe", src["url"], "--config", str(cfg)])
        assert out.exit_code == 0, out.output
        assert "as an RSS/Atom feed (rss20)" in out.output and str(newest.item_id) in out.output
        out = CliRunner().invoke(app, ["probe", src["api"] + "press/news?per-page=5", "--config", str(cfg)])
        assert "as an API collection page: 5 items" in out.output and "next: http" in out.output
        out = CliRunner().invoke(app, ["probe", src["api"] + f"press/news/{newest.item_id}", "--config", str(cfg)])
        assert "as one API item: 1 items" in out.output and newest.title[:40] in out.output
        net.set_fault("mayor", "rename", frm="text", to="full_text")
        out = CliRunner().invoke(app, ["probe", src["api"] + f"press/news/{newest.item_id}", "--config", str(cfg)])
        assert "text → full_text" in out.output


def test_dispatcher_waits_only_while_an_originals_source_is_enabled(tmp_path: Path) -> None:
    from crawler.alert import Dispatcher
    from crawler.config import settings_from_dict

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    district = {"id": "marino", "name": "Марьино", "url": "https://marino.mos.ru/presscenter/news/"}
    mayor = {"id": "mayor", "kind": "mayor", "name": "Мэр Москвы", "url": "https://www.mos.ru/rss",
             "api": "https://www.mos.ru/api/newsfeed/v4/frontend/json/ru/"}
    for sources, wait, expected in (
        ([district, mayor], "5m", timedelta(minutes=5)),
        ([district, {**mayor, "enabled": False}], "5m", None),
        ([district], "5m", None),
        ([district, mayor], "0s", None),
    ):
        settings = settings_from_dict({"sources": sources, "alerts": {"wait_for_original": wait}}, env={})
        assert Dispatcher(settings, store)._wait_for_original() == expected
    store.close()


def test_config_api_key_only_for_mayor_sources() -> None:
    from crawler.config import settings_from_dict
    from crawler.errors import ConfigError

    with pytest.raises(ConfigError, match="api is only for sources of kind: mayor"):
        settings_from_dict({"sources": [{"id": "a", "name": "A", "url": "https://a.mos.ru/x/", "api": "https://a.mos.ru/api/"}]}, env={})
    s = settings_from_dict({"sources": [{"id": "m", "name": "M", "kind": "mayor", "url": "https://www.mos.ru/rss", "api": "https://www.mos.ru/api/x"}]}, env={})
    assert s.sources[0].api == "https://www.mos.ru/api/x/"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_releases_view_and_original_column_on_both_databases(tmp_path: Path, dialect: str) -> None:
    import os

    from storage.intents import ArticleWrite, SourceRow

    if dialect == "postgresql":
        if not os.environ.get("MOSNEWS_TEST_PG"):
            pytest.skip("MOSNEWS_TEST_PG is not set: PostgreSQL tests skipped")
        from tests.pgutil import drop_schema, fresh_pg_url

        url = fresh_pg_url(os.environ["MOSNEWS_TEST_PG"])
    else:
        url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = Store(url)
    try:
        store.sync_sources([SourceRow("mayor", "Мэр Москвы", "Москва", "mayor", "https://www.mos.ru/rss"),
                            SourceRow("marino", "Марьино", "ЮВАО", "uprava", "https://marino.mos.ru/presscenter/news/")])
        t0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
        r1 = store.save_article(ArticleWrite("marino", _article("https://marino.mos.ru/presscenter/news/detail/1.html", "Для жителей района Марьино: школа", t0), at=t0))

        class Join:
            story_id, score, explanation = r1.story_id, 0.9, {}

        store.save_article(ArticleWrite("mayor", _article("https://www.mos.ru/mayor/themes/1/9017050/", "Собянин открыл школу", t0 - timedelta(hours=1)), at=t0), decide=lambda: Join())
        local = store.save_article(ArticleWrite("marino", _article("https://marino.mos.ru/presscenter/news/detail/2.html", "Субботник", t0), at=t0))
        with store.engine.connect() as c:
            rows = {r[0]: r[1:] for r in c.exec_driver_sql("SELECT story_id, title, canonical_url, original_url, original_published_at FROM releases")}
        title, canonical, original, when = rows[r1.story_id]
        assert title == "Собянин открыл школу" and canonical == original == "https://www.mos.ru/mayor/themes/1/9017050/"
        assert when is not None
        assert rows[local.story_id][2:] == (None, None)
        assert [r.story_id for r in releases(store, originals_only=True)] == [r1.story_id]
        status = {s.id: s for s in store.list_sources()}
        assert status["mayor"].kind == "mayor"
    finally:
        store.close()
        if dialect == "postgresql":
            drop_schema(url)


def test_choose_canonical_prefers_the_original() -> None:
    from crawler.dedup.canonical import choose_canonical

    t = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    members = [("a", t, 3000), ("m", t + timedelta(hours=2), 800), ("b", t + timedelta(hours=1), 1200)]
    assert choose_canonical(members) == "a"
    assert choose_canonical(members, originals={"m"}) == "m"
    assert choose_canonical(members, originals={"zzz"}) == "a"
