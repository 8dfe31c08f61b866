"""The web interface in a real browser: Debian's Chromium driven by Playwright, on loopback only.

Skipped with a message when /usr/bin/chromium (or Playwright) is missing; CI installs
Chromium in ``.ci/run`` so these always run there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from tests.web.conftest import HOSTILE_TITLE, Served, newest_first

CHROMIUM = os.environ.get("MOSNEWS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, web: Served):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    p = ctx.new_page()
    p.set_default_timeout(20_000)
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    p.errors = errors  # type: ignore[attr-defined]
    yield p
    ctx.close()


def _row_ids(page) -> list[int]:  # type: ignore[no-untyped-def]
    hrefs = page.eval_on_selector_all("table.releases a.story", "els => els.map(e => e.getAttribute('href'))")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def _query(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return parse_qs(urlsplit(page.url).query)


def _okrug_stories(web: Served, okrug: str) -> set[int]:
    with web.store.read_session() as s:
        rows = s.connection().execute(text(
            "SELECT DISTINCT a.story_id FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.okrug = :o"), {"o": okrug})
        return {int(r[0]) for r in rows}


def test_releases_list_of_the_crawled_database(page, web: Served) -> None:  # type: ignore[no-untyped-def]
    page.goto(web.url + "/")
    assert page.title().startswith("Релизы")
    assert _row_ids(page) == newest_first(web.store)
    first = newest_first(web.store, 1)[0]
    with web.store.read_session() as s:
        title, n = s.connection().execute(text("SELECT title, reprint_count FROM stories WHERE id = :i"), {"i": first}).one()
    row = page.locator("table.releases tbody tr:not(.day)").first
    assert row.locator("a.story").inner_text() == title
    assert row.locator("td.n").inner_text() == str(n)
    assert page.locator("tr.day th").first.inner_text()  # grouped by Moscow day
    assert page.errors == []  # no CSP violation, no script error


def test_filter_and_search_change_the_url_and_the_rows(page, web: Served) -> None:  # type: ignore[no-untyped-def]
    page.goto(web.url + "/")
    before = _row_ids(page)
    page.select_option("select[name=okrug]", "ЦАО")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?okrug=*")
    assert _query(page) == {"okrug": ["ЦАО"]}
    rows = _row_ids(page)
    assert rows != before and set(rows) <= _okrug_stories(web, "ЦАО")
    assert all("ЦАО" in t for t in page.locator("table.releases tbody tr:not(.day) td.ok").all_inner_texts())

    word = page.locator("table.releases a.story").first.inner_text().split()[-1].strip("«»\"'.,:;!?")
    page.fill("input[name=q]", word)
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=*")
    assert _query(page) == {"q": [word], "okrug": ["ЦАО"]}
    found = _row_ids(page)
    assert found and set(found) <= set(rows) | _okrug_stories(web, "ЦАО")
    assert page.locator("table.releases mark").count() >= 1


def test_back_button_restores_the_filter(page, web: Served) -> None:  # type: ignore[no-untyped-def]
    page.goto(web.url + "/")
    unfiltered = _row_ids(page)
    page.fill("input[name=min]", "3")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?min=3")
    filtered = _row_ids(page)
    assert filtered != unfiltered
    page.locator("table.releases a.story").first.click()
    page.wait_for_url("**/stories/*")
    page.go_back()
    page.wait_for_url("**/?min=3")
    assert _row_ids(page) == filtered
    assert page.input_value("input[name=min]") == "3"
    page.go_back()
    page.wait_for_url(web.url + "/")
    assert _row_ids(page) == unfiltered and page.input_value("input[name=min]") == ""


def test_story_page_lists_every_reprint(page, web: Served) -> None:  # type: ignore[no-untyped-def]
    with web.store.read_session() as s:
        sid, n = s.connection().execute(text("SELECT id, reprint_count FROM stories ORDER BY reprint_count DESC, id LIMIT 1")).one()
        urls = [r[0] for r in s.connection().execute(text("SELECT url FROM articles WHERE story_id = :i"), {"i": sid})]
    page.goto(web.url + f"/?min={n}")
    page.click(f"a.story[href='/stories/{sid}']")
    page.wait_for_url(f"**/stories/{sid}")
    rows = page.locator("table.reprints tbody tr")
    assert rows.count() == n == len(urls)
    hrefs = page.eval_on_selector_all("table.reprints td.title a", "els => els.map(e => e.getAttribute('href'))")
    assert sorted(hrefs) == sorted(urls)
    for i in range(n):  # district, time and the reason, for every reprint
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[0].strip() and cells[1].strip() and cells[3].strip() not in ("", "—")
    assert page.locator("table.reprints tr.canon").count() == 1


def test_hostile_title_renders_as_text(page, web: Served) -> None:  # type: ignore[no-untyped-def]
    page.goto(web.url + f"/stories/{web.hostile_story}")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main script, main img").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"a long word widened the page to {width}px"
    page.goto(web.url + "/?source=hostile")
    assert page.locator("a.story").inner_text() == HOSTILE_TITLE
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("typeof window.__pwned") == "undefined" and page.errors == []


def test_pages_work_with_javascript_disabled(browser, web: Served) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        p = ctx.new_page()
        p.goto(web.url + "/")
        assert _row_ids(p) == newest_first(web.store)
        p.select_option("select[name=okrug]", "ЦАО")
        p.check("input[name=mayor]")
        p.click("form.filters button[type=submit]")
        p.wait_for_url("**/?okrug=*")
        assert _query(p) == {"okrug": ["ЦАО"], "mayor": ["1"]}
        assert set(_row_ids(p)) <= _okrug_stories(web, "ЦАО")
        nxt = p.locator("nav.pager a.next")
        if nxt.count():
            nxt.click()
            assert "before" in _query(p)
        p.click("header nav a[href='/sources']")
        assert p.locator("table.sources tbody tr").count() > 0
        p.locator("table.sources thead a", has_text="За сутки").click()
        assert _query(p)["sort"] == ["items"]
    finally:
        ctx.close()
