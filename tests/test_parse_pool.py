"""Issue 11, item 4: parsing runs in worker processes; a slow page is abandoned at the time
limit and costs that page only; the event loop keeps running while a page is parsed."""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "parse"))

import pagegen as g  # noqa: E402
from crawler.errors import HostilePageError, ParseError  # noqa: E402
from crawler.parse.limits import MAX_DEPTH  # noqa: E402
from crawler.parse.pool import ParsePool  # noqa: E402

URL = "https://arbat.mos.ru/presscenter/news/detail/5.html"
# lexbor walks the stack of open elements for every <p>: just under the depth cap, 150,000
# paragraphs take seconds (far over the 0.3 s limit below) on any machine.
SLOW = ("<html><body><h1>Медленная страница</h1>" + "<div>" * (MAX_DEPTH - 100) + "<p>x</p>" * 60_000).encode()
GOOD = g.bitrix_article(g.TITLES[0], "01.03.2024", g.paragraphs(random.Random(1), 3)).encode()


async def _ticker(stop: asyncio.Event, ticks: list[int]) -> None:
    while not stop.is_set():
        ticks[0] += 1
        await asyncio.sleep(0.005)


async def test_slow_page_is_abandoned_and_the_pool_goes_on():
    pool = ParsePool(workers=1, timeout=0.3)
    try:
        art, _secs = await pool.article(GOOD, "text/html; charset=utf-8", None, URL)
        assert art.title == g.TITLES[0]
        stop, ticks = asyncio.Event(), [0]
        tick = asyncio.create_task(_ticker(stop, ticks))
        with pytest.raises(HostilePageError) as e:
            await pool.article(SLOW, "text/html; charset=utf-8", None, URL)
        stop.set()
        await tick
        assert e.value.reason == "timeout" and pool.timeouts == 1
        assert ticks[0] > 5  # the loop ran while the page was being parsed
        art, _secs = await pool.article(GOOD, "text/html; charset=utf-8", None, URL)  # a fresh worker took over
        assert art.title == g.TITLES[0]
        page, _secs = await pool.list_page(g.bitrix_list().encode(), "text/html", None, "https://arbat.mos.ru/presscenter/news/")
        assert len(page.items) == 10
    finally:
        await pool.aclose()


async def test_parse_errors_come_back_as_parse_errors():
    pool = ParsePool(workers=1)
    try:
        with pytest.raises(ParseError):
            await pool.article(b"<html><body></body></html>", "text/html", None, URL)
        with pytest.raises(HostilePageError) as e:
            await pool.article(b"<div>" * 50_000, "text/html", None, URL)
        assert e.value.reason == "depth"
    finally:
        await pool.aclose()


async def test_concurrent_pages_in_two_workers():
    pool = ParsePool(workers=2)
    try:
        res = await asyncio.gather(*(pool.article(GOOD, "text/html", None, f"{URL}?n={i}") for i in range(20)))
        assert {a.title for a, _ in res} == {g.TITLES[0]} and pool.slowest > 0
    finally:
        await pool.aclose()


def test_source_goes_on_after_a_slow_page(tmp_path):
    """Through the real pipeline: one list page, three detail pages, one of them slow."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route
    from sqlalchemy import text

    from crawler.pipeline import Pipeline
    from storage import open_store
    from tests.loopback import serve_asgi
    from tests.simhelp import sim_settings

    paras = g.paragraphs(random.Random(2), 3)
    lis = "".join(f'<li><p><span class="date">0{i}.03.2024</span><br><strong><a href="/presscenter/news/detail/{i}.html">'
                  f"{g.TITLES[i]}</a></strong></p></li>" for i in (1, 2, 3))
    listing = f'<html><body><div class="primary_content"><ul class="newslist">{lis}</ul></div></body></html>'

    async def page(request):
        path = request.url.path
        if path == "/presscenter/news/":
            return Response(listing, media_type="text/html; charset=utf-8")
        n = int(path.rsplit("/", 1)[1].split(".")[0])
        if n == 2:
            return Response(SLOW, media_type="text/html; charset=utf-8")
        return Response(g.bitrix_article(g.TITLES[n], f"0{n}.03.2024", paras), media_type="text/html; charset=utf-8")

    app = Starlette(routes=[Route("/robots.txt", lambda r: Response("", status_code=404)),
                            Route("/presscenter/news/", page), Route("/presscenter/news/detail/{n}", page)])
    with serve_asgi(app) as base:
        settings = sim_settings(tmp_path / "m.db", [{"id": "slow", "name": "Медленная", "okrug": "ЦАО",
                                                      "url": f"{base}/presscenter/news/"}], "2024-01-01",
                                dedup={"encoder": False})
        store = open_store(settings.database.url)

        async def crawl():
            pipe = Pipeline(settings, store, parser=ParsePool(workers=1, timeout=0.3))
            try:
                await pipe.open()
                return await pipe.crawl_source(settings.sources[0]), pipe
            finally:
                await pipe.aclose()
                await pipe.parser.aclose()

        report, pipe = asyncio.run(crawl())
        with store.read_session() as s:
            urls = {u for (u,) in s.exec(text("SELECT url FROM articles")).all()}
        store.close()
    assert report.ok and report.unparsed == 1 and report.new == 2
    assert urls == {f"{base}/presscenter/news/detail/1.html", f"{base}/presscenter/news/detail/3.html"}
    assert pipe.parser.timeouts == 1
