"""The web interface over HTTP on loopback: pages, filters as URLs, JSON, Atom, headers, credentials."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import feedparser
import httpx
import pytest
from sqlalchemy import text

from crawler.cli.query import RELEASE_FIELDS
from crawler.config import ConfigError, ServerSettings, WebAuthSettings, settings_from_dict
from crawler.textsearch import stem_text
from storage import fts, open_store, queries

from tests.web.conftest import HOSTILE_TITLE, Served, newest_first, serve


def _ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'<a class="story" href="/stories/(\d+)"', html)]


def _okrug_stories(store, okrug: str) -> set[int]:
    with store.read_session() as s:
        rows = s.connection().execute(text(
            "SELECT DISTINCT a.story_id FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.okrug = :o"), {"o": okrug})
        return {int(r[0]) for r in rows}


def _a_title_word(store) -> str:
    """A word of the newest multi-reprint story's title that `mosnews search` finds in several stories."""
    with store.read_session() as s:
        titles = [r[0] for r in s.connection().execute(text("SELECT title FROM stories WHERE reprint_count > 1 ORDER BY id"))]
    fts.refresh(store, stem_text)
    for t in titles:
        for w in re.findall(r"[А-Яа-яЁё]{6,}", t):
            if 1 < len(fts.search(store, w, stem_text, limit=1000)) < 40:
                return w
    raise AssertionError("no searchable title word")


def test_releases_page_lists_newest_stories_with_headers(web: Served) -> None:
    r = httpx.get(web.url + "/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert _ids(r.text) == newest_first(web.store)
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # no script may run at all
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in r.text.lower()
    assert "МСК" in r.text and 'lang="ru"' in r.text


def test_every_filter_state_is_one_clean_url(web: Served) -> None:
    r = httpx.get(web.url + "/", params={"q": "", "from": "", "to": "", "okrug": "ЦАО", "source": "", "min": "", "mayor": "on"})
    assert r.status_code == 302
    assert parse_qsl(urlsplit(r.headers["location"]).query) == [("okrug", "ЦАО"), ("mayor", "1")]
    clean = httpx.get(web.url + r.headers["location"])
    assert clean.status_code == 200
    assert 'value="ЦАО" selected' in clean.text and 'name="mayor" value="1" checked' in clean.text


def test_okrug_source_and_min_filters_select_the_right_stories(web: Served) -> None:
    cao = _okrug_stories(web.store, "ЦАО")
    ids = _ids(httpx.get(web.url + "/", params={"okrug": "ЦАО", "limit": 200}).text)
    assert ids and set(ids) == cao  # the small archive fits one page
    with web.store.read_session() as s:
        src = s.connection().execute(text("SELECT source_id FROM articles GROUP BY source_id ORDER BY count(*) DESC")).scalar()
        of_src = {int(r[0]) for r in s.connection().execute(text("SELECT story_id FROM articles WHERE source_id = :s"), {"s": src})}
        big = {int(r[0]) for r in s.connection().execute(text("SELECT id FROM stories WHERE reprint_count >= 3"))}
    assert set(_ids(httpx.get(web.url + "/", params={"source": src, "limit": 200}).text)) == of_src
    assert set(_ids(httpx.get(web.url + "/", params={"min": 3, "limit": 200}).text)) == big


def test_date_range_is_moscow_days(web: Served) -> None:
    rel = queries.releases(web.store, limit=1)[0]
    when = rel.published_at or rel.first_seen_at
    day = (when + timedelta(hours=3)).date()  # Moscow is UTC+3
    api = httpx.get(web.url + "/api/releases", params={"from": day.isoformat(), "to": day.isoformat(), "limit": 200}).json()
    assert rel.story_id in [o["story_id"] for o in api]
    for o in api:
        t = o["published_at"] or o["first_seen_at"]
        assert t >= f"{day - timedelta(days=1)}T21:00:00Z" and t < f"{day}T21:00:00Z"


def test_search_is_the_cli_search_highlighted(web: Served) -> None:
    word = _a_title_word(web.store)
    expected = {h.story_id for h in fts.search(web.store, word, stem_text, limit=1000)}
    api = httpx.get(web.url + "/api/releases", params={"q": word, "limit": 200}).json()
    assert {o["story_id"] for o in api} == expected
    html = httpx.get(web.url + "/", params={"q": word.upper()}).text  # any case, any form
    assert set(_ids(html)) == expected
    assert re.search(r"<mark>[^<]+</mark>", html)


def test_api_releases_has_the_cli_json_shape_and_pages(web: Served) -> None:
    r = httpx.get(web.url + "/api/releases", params={"limit": 5})
    page1 = r.json()
    assert [o["story_id"] for o in page1] == newest_first(web.store, 5)
    cli = {rel.story_id: rel.to_json() for rel in queries.releases(web.store, story_ids=[o["story_id"] for o in page1])}
    for o in page1:
        assert list(o)[: len(RELEASE_FIELDS)] == RELEASE_FIELDS
        assert {k: o[k] for k in RELEASE_FIELDS} == cli[o["story_id"]]
    nxt = r.headers["link"].split(";")[0].strip("<>")
    page2 = httpx.get(nxt).json()
    assert [o["story_id"] for o in page2] == newest_first(web.store, 10)[5:]


def test_api_story_lists_every_reprint_with_reasons(web: Served) -> None:
    sid = next(r.story_id for r in queries.releases(web.store) if r.reprint_count >= 3)
    obj = httpx.get(f"{web.url}/api/stories/{sid}").json()
    assert obj["story_id"] == sid and len(obj["reprints"]) == obj["reprint_count"]
    assert sum(p["canonical"] for p in obj["reprints"]) == 1
    assert all(p["why"] for p in obj["reprints"])
    assert httpx.get(f"{web.url}/api/stories/999999").status_code == 404


def test_story_page_shows_text_reprints_and_alerts(web: Served) -> None:
    with web.store.read_session() as s:
        sid = s.connection().execute(text(
            "SELECT o.story_id FROM alert_outbox o JOIN alert_deliveries d ON d.outbox_id = o.id "
            "JOIN stories st ON st.id = o.story_id WHERE d.status = 'delivered' ORDER BY st.reprint_count DESC")).scalar()
    assert sid, "the crawl delivered alerts"
    html = httpx.get(f"{web.url}/stories/{sid}").text
    obj = httpx.get(f"{web.url}/api/stories/{sid}").json()
    for p in obj["reprints"]:
        assert f'href="{p["url"]}"' in html
    assert html.count("<tr", html.index('class="reprints"')) == len(obj["reprints"]) + 1
    assert 'title="delivered">доставлено' in html and 'title="story.created">новый релиз' in html
    assert "Совпадает с сюжетом" in html or "Первая публикация" in html
    assert httpx.get(f"{web.url}/stories/999999").status_code == 404


def test_hostile_title_is_escaped_everywhere(web: Served) -> None:
    page = httpx.get(f"{web.url}/stories/{web.hostile_story}").text
    assert "<script>window" not in page and "<img src=x" not in page and "<b>района</b>" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    listing = httpx.get(web.url + "/", params={"source": "hostile"}).text
    assert _ids(listing) == [web.hostile_story] and "<script>" not in listing
    feed = feedparser.parse(httpx.get(web.url + "/feed.atom", params={"source": "hostile"}).content)
    assert not feed.bozo and feed.entries[0].title == HOSTILE_TITLE
    assert httpx.get(f"{web.url}/api/stories/{web.hostile_story}").json()["title"] == HOSTILE_TITLE


def test_feed_is_valid_atom_with_stable_ids(web: Served) -> None:
    r = httpx.get(web.url + "/feed.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    ids = [e.id for e in feed.entries]
    assert ids == [f"tag:mosnews,2025:story:{i}" for i in newest_first(web.store)]
    assert all(e.get("updated") and e.get("link") for e in feed.entries)
    again = feedparser.parse(httpx.get(web.url + "/feed.atom").content)
    assert [e.id for e in again.entries] == ids and again.feed.id == feed.feed.id


def test_feed_takes_the_page_filters(web: Served) -> None:
    word = _a_title_word(web.store)
    r = httpx.get(web.url + "/feed.atom", params={"okrug": "ЦАО", "q": word})
    feed = feedparser.parse(r.content)
    assert not feed.bozo
    expected = _okrug_stories(web.store, "ЦАО") & {h.story_id for h in fts.search(web.store, word, stem_text, limit=1000)}
    assert expected and {int(e.id.rsplit(":", 1)[1]) for e in feed.entries} == expected
    assert feed.feed.id != feedparser.parse(httpx.get(web.url + "/feed.atom").content).feed.id


def test_feed_conditional_get_and_update_when_a_reprint_joins(db_copy: Path) -> None:
    store = open_store(f"sqlite:///{db_copy}")
    url, stop = serve(store)
    try:
        r = httpx.get(url + "/feed.atom")
        etag, lm = r.headers["etag"], r.headers["last-modified"]
        assert httpx.get(url + "/feed.atom", headers={"If-None-Match": etag}).status_code == 304
        assert httpx.get(url + "/feed.atom", headers={"If-Modified-Since": lm}).status_code == 304
        other = httpx.get(url + "/feed.atom?okrug=%D0%A6%D0%90%D0%9E", headers={"If-None-Match": etag})
        assert other.status_code == 200  # another filter is another feed
        # a reprint joins the newest story: the story's entry is updated, the feed changes
        sid = newest_first(store, 1)[0]
        with store.session() as s:
            s.connection().execute(text(
                "UPDATE articles SET story_id = :s WHERE id = (SELECT min(id) FROM articles WHERE story_id <> :s)"), {"s": sid})
            s.connection().execute(text(
                "UPDATE stories SET reprint_count = reprint_count + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+1 day') "
                "WHERE id = :s"), {"s": sid})
        r2 = httpx.get(url + "/feed.atom", headers={"If-None-Match": etag, "If-Modified-Since": lm})
        assert r2.status_code == 200 and r2.headers["etag"] != etag
        entry = next(e for e in feedparser.parse(r2.content).entries if e.id.endswith(f":{sid}"))
        old = next(e for e in feedparser.parse(r.content).entries if e.id.endswith(f":{sid}"))
        assert entry.updated_parsed > old.updated_parsed
    finally:
        stop()
        store.close()


def test_sources_page_puts_failing_sources_first_and_sorts(db_copy: Path) -> None:
    store = open_store(f"sqlite:///{db_copy}")
    with store.session() as s:
        s.connection().execute(text("UPDATE sources SET consecutive_failures = 4, last_error = 'HTTP 503 <b>x</b>', "
                                    "last_error_at = last_crawl_at WHERE id = (SELECT max(id) FROM sources WHERE id <> 'hostile')"))
        s.connection().execute(text("UPDATE sources SET markup_changed = 1 WHERE id = (SELECT min(id) FROM sources)"))
        failing = s.connection().execute(text("SELECT name FROM sources WHERE consecutive_failures = 4")).scalar()
        n = s.connection().execute(text("SELECT count(*) FROM sources")).scalar()
    url, stop = serve(store)
    try:
        html = httpx.get(url + "/sources").text
        rows = re.findall(r'<tr class="(bad|warn|ok|off)">', html)
        assert len(rows) == n and rows[0] == "bad" and rows[1] == "warn" and "ok" in rows
        assert html.index(failing) < html.index("разметка изменилась")
        assert "HTTP 503 &lt;b&gt;x&lt;/b&gt;" in html and "ошибка ×4" in html
        by_items = httpx.get(url + "/sources?sort=items&dir=desc").text
        counts = [int(x) for x in re.findall(r'<td class="n">(\d+)</td>\s*<td class="err">', by_items)]
        assert counts == sorted(counts, reverse=True) and len(counts) == n
        assert 'aria-sort="descending"' in by_items
    finally:
        stop()
        store.close()


def test_read_only_no_write_endpoints(web: Served) -> None:
    for path in ("/", "/feed.atom", "/api/releases", "/sources", f"/stories/{web.hostile_story}"):
        assert httpx.post(web.url + path).status_code == 405
        assert httpx.delete(web.url + path).status_code == 405
    assert 'method="post"' not in httpx.get(web.url + "/").text.lower()


def test_basic_credentials(crawled_db: Path) -> None:
    store = open_store(f"sqlite:///{crawled_db}")
    settings = ServerSettings(host="127.0.0.1", port=0, web=True, auth=WebAuthSettings(username="редакция", password="s3cret:x"))
    url, stop = serve(store, settings)
    try:
        r = httpx.get(url + "/")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert httpx.get(url + "/feed.atom", auth=("редакция", "wrong")).status_code == 401
        assert httpx.get(url + "/", auth=("редакция", "s3cret:x")).status_code == 200
        assert httpx.get(url + "/feed.atom", auth=("редакция", "s3cret:x")).status_code == 200
    finally:
        stop()
        store.close()


def test_non_loopback_needs_credentials(crawled_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="server.auth"):
        settings_from_dict({"server": {"web": True, "host": "0.0.0.0"}}, env={})
    ok = settings_from_dict({"server": {"web": True, "host": "0.0.0.0", "auth": {"username": "u", "password": "p"}}}, env={})
    assert ok.server.auth is not None
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{crawled_db}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "crawler", "web", "--config", str(cfg), "--host", "0.0.0.0", "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "server.auth" in proc.stderr


def test_daemon_http_server_serves_the_web_interface(crawled_db: Path) -> None:
    import asyncio

    from crawler.observe import serve_http

    store = open_store(f"sqlite:///{crawled_db}")

    async def main() -> tuple[int, int, int]:
        stop = asyncio.Event()
        got: dict[str, str] = {}
        task = asyncio.create_task(serve_http(ServerSettings(port=0, web=True), store, lambda: True, stop,
                                              bound=lambda h, p: got.update(url=f"http://{h}:{p}")))
        while "url" not in got:
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=got["url"]) as c:
            codes = ((await c.get("/")).status_code, (await c.get("/healthz")).status_code, (await c.get("/feed.atom")).status_code)
        stop.set()
        await task
        return codes

    try:
        assert asyncio.run(main()) == (200, 200, 200)
    finally:
        store.close()


def test_page_queries_use_indexes(web: Served) -> None:
    """EXPLAIN QUERY PLAN of the page query for every filter kind: no full scan of stories or articles."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import web_bench

    word = _a_title_word(web.store)
    for qs in ["", "okrug=ЦАО", f"q={word}", "min=3&mayor=1", "from=2026-02-28&to=2026-03-01", f"q={word}&okrug=ЦАО",
               "okrug=ЦАО&source=hostile&min=1"]:
        plan = web_bench.explain(web.store, qs)
        assert not web_bench.full_scan(plan, "sqlite"), (qs, plan)
        assert any("ix_stories_when" in line or "PRIMARY KEY" in line for line in plan), (qs, plan)
    assert web_bench.explain(web.store, f"q={word}&source=hostile") == ["(no query: the filters cannot match)"]


def test_original_item_is_shown_when_the_schema_records_it(db_copy: Path) -> None:
    """With ``stories.original_article_id`` set (issue 12's migration), the Mayor's original
    item gives the row its headline, link and time; without it the canonical reprint does."""
    store = open_store(f"sqlite:///{db_copy}")
    sid = newest_first(store, 1)[0]
    with store.session() as s:
        c = s.connection()
        c.execute(text("INSERT INTO sources (id, name, okrug, kind, url, enabled, consecutive_failures, last_new_items, "
                       "empty_crawls, markup_changed, backfilled) VALUES ('mayor', 'Мэр Москвы', '', 'mayor', "
                       "'https://www.mos.ru/mayor/themes/', 1, 0, 0, 0, 0, 1)"))
        c.execute(text("INSERT INTO articles (url, source_id, title, published_at, lead, text, images, tags, content_hash) "
                       "VALUES ('https://www.mos.ru/mayor/themes/1/', 'mayor', 'Заголовок мэра', '2026-03-01T06:00:00Z', "
                       "'', 'Текст мэра.', '[]', '[]', :h)"), {"h": "1" * 64})
        c.execute(text("UPDATE stories SET original_article_id = (SELECT id FROM articles WHERE source_id = 'mayor') WHERE id = :s"),
                  {"s": sid})
    url, stop = serve(store)
    try:
        obj = httpx.get(url + "/api/releases", params={"limit": 1}).json()[0]
        assert obj["story_id"] == sid and obj["original_url"] == "https://www.mos.ru/mayor/themes/1/"
        assert obj["original_published_at"] == "2026-03-01T06:00:00Z" and obj["title"] == "Заголовок мэра"
        html = httpx.get(url + "/").text
        assert 'href="https://www.mos.ru/mayor/themes/1/"' in html and "оригинал: www.mos.ru" in html
        story = httpx.get(f"{url}/stories/{sid}").text
        assert "Оригинал" in story and "Текст мэра." in story
        assert sid in [o["story_id"] for o in httpx.get(url + "/api/releases", params={"mayor": 1, "limit": 200}).json()]
    finally:
        stop()
        store.close()


def test_mosnews_web_command_serves_the_database(crawled_db: Path, tmp_path: Path) -> None:
    import socket
    import time

    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{crawled_db}\n", encoding="utf-8")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "web", "--config", str(cfg), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(300):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/")
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.1)
        assert r.status_code == 200 and "mosnews" in r.text
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode in (0, -15) and "Traceback" not in out


def test_bad_filter_values_are_reported_not_fatal(web: Served) -> None:
    r = httpx.get(web.url + "/", params={"from": "вчера", "min": "много", "okrug": "ЦАО"})
    assert r.status_code == 200  # no redirect: the page says what it ignored
    assert "ожидается дата ГГГГ-ММ-ДД, получено «вчера»" in r.text and "ожидается число" in r.text
    assert set(_ids(r.text)) <= _okrug_stories(web.store, "ЦАО")
    api = httpx.get(web.url + "/api/releases", params={"to": "2026-13-45"})
    assert api.status_code == 400 and api.json()["errors"]
    assert httpx.get(web.url + "/", params={"before": "garbage"}).status_code == 200
    head = httpx.head(web.url + "/feed.atom")
    assert head.status_code == 200 and head.headers["etag"]


def test_unknown_okrug_or_source_and_out_of_range_limit_are_errors(web: Served) -> None:
    """As in the CLI: okrugs match in any case; an unknown okrug or source, or a limit outside
    1..200, is reported (400 on the API, a message on the page) instead of an empty result."""
    lower = httpx.get(web.url + "/api/releases", params={"okrug": "цао", "limit": 200})
    upper = httpx.get(web.url + "/api/releases", params={"okrug": "ЦАО", "limit": 200})
    assert lower.status_code == upper.status_code == 200 and lower.json() == upper.json()
    for params in ({"okrug": "XYZ"}, {"source": "nosuch"}, {"limit": 0}):
        api = httpx.get(web.url + "/api/releases", params=params)
        assert api.status_code == 400, params
        assert any(("неизвестен" in e) or ("от 1 до" in e) for e in api.json()["errors"]), api.json()
    page = httpx.get(web.url + "/", params={"okrug": "XYZ"})
    assert page.status_code == 200 and "округ «XYZ» неизвестен" in page.text
