"""A source whose pages stop yielding items is flagged (markup change), not silently empty."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from crawler.config import settings_from_dict
from crawler.pipeline import crawl_once
from storage import open_store
from tests.loopback import serve_asgi

LIST = """<html><head><meta charset="utf-8"><title>Новости</title></head><body>
<div class="menu"><a href="/">Главная</a> <a href="/presscenter/news/">Новости</a></div>
<ul class="newslist"><li><p><span class="date">03.03.2025</span>
<strong><a href="/presscenter/news/detail/101.html">В районе открыли каток у школы № 12</a></strong>
<a class="rubr" href="/presscenter/news/sport/">Спорт</a></p></li></ul>
</body></html>"""

DETAIL = """<html><head><meta charset="utf-8"><title>Каток</title></head><body>
<div class="primary_content"><h1>В районе открыли каток у школы № 12</h1>
<div class="b-text-content"><div class="news_date">03.03.2025 11:20</div>
<article><p>Во дворе школы № 12 на улице Заречной заработал каток с искусственным льдом.
Кататься можно ежедневно с десяти утра до девяти вечера, вход свободный.</p>
<p>Прокат коньков работает в тёплом павильоне рядом с площадкой; там же можно заточить коньки.</p></article>
</div></div></body></html>"""

async def _robots(request: Request) -> PlainTextResponse:
    return PlainTextResponse("User-agent: *\nAllow: /\n")


def _site(news, detail) -> Starlette:  # type: ignore[no-untyped-def]
    """A one-source press centre: list page, detail pages and robots.txt."""
    return Starlette(routes=[
        Route("/presscenter/news/", news), Route("/presscenter/news/detail/{n}.html", detail), Route("/robots.txt", _robots),
    ])


def _settings(base: str, tmp_path: Path, **crawl: object):  # type: ignore[no-untyped-def]
    return settings_from_dict(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'm.db'}"},
            "crawl": {"since": "2025-01-01", **crawl},
            "fetch": {"delay": "0ms", "retries": 1},
            "dedup": {"encoder": False},
            "sources": [{"id": "zarechny", "name": "Управа района Заречный", "okrug": "САО", "url": f"{base}/presscenter/news/"}],
        },
        env={},
    )


REDESIGNED = """<html><head><meta charset="utf-8"><title>Новости</title></head><body>
<div id="app" data-feed="/api/feed"></div><noscript>Включите JavaScript</noscript></body></html>"""


def test_markup_change_flagged_after_repeated_empty_crawls(tmp_path: Path) -> None:
    state = {"redesigned": False}

    async def news(request: Request) -> HTMLResponse:
        return HTMLResponse(REDESIGNED if state["redesigned"] else LIST)

    async def detail(request: Request) -> HTMLResponse:
        return HTMLResponse(DETAIL)

    with serve_asgi(_site(news, detail)) as base:
        settings = _settings(base, tmp_path, markup_change_after=2)
        store = open_store(settings.database.url)
        reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
        assert reports[0].new == 1 and not store.get_source("zarechny").markup_changed
        state["redesigned"] = True
        asyncio.run(crawl_once(settings, store, deliver=False))
        assert not store.get_source("zarechny").markup_changed  # one empty crawl is not enough
        asyncio.run(crawl_once(settings, store, deliver=False))
        src = store.get_source("zarechny")
        assert src.markup_changed and src.empty_crawls == 2
        state["redesigned"] = False
        asyncio.run(crawl_once(settings, store, deliver=False))
        assert not store.get_source("zarechny").markup_changed
        store.close()


def test_unparseable_detail_page_is_kept_raw(tmp_path: Path) -> None:
    async def news(request: Request) -> HTMLResponse:
        return HTMLResponse(LIST)

    async def detail(request: Request) -> HTMLResponse:
        return HTMLResponse("<html><body><div id='app'></div></body></html>")  # no headline, no body

    with serve_asgi(_site(news, detail)) as base:
        settings = _settings(base, tmp_path)
        store = open_store(settings.database.url)
        reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
        assert reports[0].failed == 1 and reports[0].new == 0
        kept = list(store.iter_raw_pages())
        assert [k[0] for k in kept] == [f"{base}/presscenter/news/detail/101.html"] and b"id='app'" in kept[0][3]
        assert store.counts()["articles"] == 0
        store.close()


def test_detail_pages_timing_out_are_not_a_markup_change(tmp_path: Path) -> None:
    async def news(request: Request) -> HTMLResponse:
        return HTMLResponse(LIST)

    async def detail(request: Request) -> PlainTextResponse:
        return PlainTextResponse("busy", status_code=503)

    with serve_asgi(_site(news, detail)) as base:
        settings = _settings(base, tmp_path, markup_change_after=1)
        store = open_store(settings.database.url)
        for _ in range(2):
            reports, _ = asyncio.run(crawl_once(settings, store, deliver=False))
            assert reports[0].failed == 1 and reports[0].unparsed == 0
        assert not store.get_source("zarechny").markup_changed  # a network problem, not new markup
        store.close()
