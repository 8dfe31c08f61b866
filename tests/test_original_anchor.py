"""The Mayor's original as the story's anchor (docs/originals.md «The original as the anchor»).

A www.mos.ru feed and a district press centre on loopback, crawled by the real pipeline into a
real SQLite database. Release A («Лыжня Москвы», 46 000 participants) has its original on the
feed; release B is the same template a day later with another count (56 500) and has no
original. The district site reprints both. B's reprint is a near copy of A's original with one
figure changed: the detector alone puts it in A's story (a false link); the original vouches only
for A's reprints, so B's reprint founds its own story, and a second reprint of B joins that one.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from crawler.config import DedupSettings, settings_from_dict
from crawler.dedup import Detector, Featurizer
from crawler.dedup.features import Doc
from crawler.originals import check_original
from crawler.pipeline import crawl_once
from storage import open_store
from storage.models import Article, Story
from tests.loopback import serve_asgi

TITLE = "Собянин: в забеге «Лыжня Москвы» приняли участие {n} человек"
PARAS = (
    "В Крылатском прошла традиционная гонка «Лыжня Москвы». На старт вышли {n} человек, "
    "самому юному участнику исполнилось 7 лет.",
    "Для гонки подготовили трассу длиной 21 км, её обслуживали 380 волонтёров. "
    "Пункты обогрева и питания работали на всём протяжении маршрута.",
    "«Лыжня Москвы» собирает любителей зимнего спорта уже много лет. Мы будем развивать "
    "лыжные трассы в парках, чтобы каждый мог заниматься рядом с домом», — отметил Сергей Собянин.",
    "В этом сезоне в городе работают 2 400 км лыжных трасс, из них 150 км — с искусственным освещением.",
)
A_N, B_N = "46 000", "56 500"


def body(n: str, paras: int = len(PARAS)) -> list[str]:
    return [p.format(n=n) for p in PARAS[:paras]]


#: The district site's items: (number, title, paragraphs, "dd.mm.yyyy hh:mm", release).
DISTRICT = [
    (1, TITLE.format(n=A_N), body(A_N, 2), "14.02.2026 13:00", "A"),  # a trimmed reprint of A
    (2, TITLE.format(n=B_N), body(B_N), "15.02.2026 12:00", "B"),  # B, word for word but the count
    (3, "В Крылатском прошла «Лыжня Москвы»: " + B_N + " участников", body(B_N, 3), "15.02.2026 14:00", "B"),
]
ORIGINAL_A = ("https://www.mos.ru/mayor/themes/10299/9017050/", TITLE.format(n=A_N), body(A_N), datetime(2026, 2, 14, 9, 0, tzinfo=timezone.utc))


def _feed(base: str) -> str:
    url, title, paras, when = ORIGINAL_A
    html = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Мэр Москвы</title><link>{base}/</link><description>Новости</description>"
        f"<item><title>{escape(title)}</title><link>{base}/mayor/themes/10299/9017050/</link>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{escape(paras[0])}</description>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item></channel></rss>"
    )


def _list(shown: int) -> str:
    lis = "".join(
        f'<li><p><span class="date">{when[:10]}</span><strong><a href="/presscenter/news/detail/{n}.html">{escape(t)}</a></strong></p></li>'
        for n, t, _, when, _ in reversed(DISTRICT[:shown])
    )
    return f'<html><head><meta charset="utf-8"><title>Новости</title></head><body><ul class="newslist">{lis}</ul></body></html>'


def _detail(n: int) -> str:
    _, title, paras, when, _ = DISTRICT[n - 1]
    ps = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (
        f'<html><head><meta charset="utf-8"><title>{escape(title)}</title></head><body><div class="primary_content">'
        f'<h1>{escape(title)}</h1><div class="b-text-content"><div class="news_date">{when}</div><article>{ps}</article>'
        "</div></div></body></html>"
    )


def _app(state: dict) -> Starlette:
    async def rss(request: Request) -> Response:
        return Response(_feed(str(request.base_url).rstrip("/")), media_type="application/rss+xml; charset=utf-8")

    async def shell(request: Request) -> HTMLResponse:  # the Mayor's page is rendered in the browser
        return HTMLResponse('<html><head><meta charset="utf-8"><title>Мэр Москвы</title></head><body><div id="root"></div></body></html>')

    async def news(request: Request) -> HTMLResponse:
        return HTMLResponse(_list(state["shown"]))

    async def detail(request: Request) -> HTMLResponse:
        return HTMLResponse(_detail(int(request.path_params["n"])))

    async def robots(request: Request) -> PlainTextResponse:
        return PlainTextResponse("User-agent: *\nAllow: /\n")

    return Starlette(routes=[
        Route("/rss", rss), Route("/mayor/themes/{theme}/{item}/", shell), Route("/presscenter/news/", news),
        Route("/presscenter/news/detail/{n}.html", detail), Route("/robots.txt", robots),
    ])  # fmt: skip


def _settings(mayor: str, district: str, db: Path):  # type: ignore[no-untyped-def]
    return settings_from_dict(
        {
            "database": {"url": f"sqlite:///{db}"},
            "crawl": {"since": "2026-02-10", "concurrency": 1},
            "fetch": {"delay": "0ms", "retries": 1},
            "dedup": {"encoder": False},
            "alerts": {"first_run": "skip"},
            "server": {"enabled": False},
            "sources": [
                {"id": "mayor", "kind": "mayor", "name": "Мэр Москвы", "okrug": "Москва", "url": f"{mayor}/rss"},
                {"id": "krylatskoe", "name": "Управа района Крылатское", "okrug": "ЗАО", "url": f"{district}/presscenter/news/"},
            ],
        },
        env={},
    )


def test_a_reprint_contradicting_the_original_does_not_join_its_story(tmp_path: Path) -> None:
    state = {"shown": 1}
    with serve_asgi_pair(state) as (mayor, district):
        settings = _settings(mayor, district, tmp_path / "db.sqlite")
        store = open_store(settings.database.url)
        asyncio.run(crawl_once(settings, store, deliver=False))  # A's original and its reprint
        state["shown"] = 3
        asyncio.run(crawl_once(settings, store, deliver=False))  # B's two reprints
        with store.read_session() as s:
            arts = {a.url.rsplit("/", 2)[-1] if a.source_id == "krylatskoe" else "original": a for a in s.exec(select(Article))}
            assert set(arts) == {"original", "1.html", "2.html", "3.html"}
            a_story = s.get(Story, arts["original"].story_id)
            assert a_story is not None and a_story.original_article_id == arts["original"].id
            # A's trimmed reprint is in A's release
            assert arts["1.html"].story_id == a_story.id
            # B's near copy with another count is not: B's two reprints make B's own story
            b = arts["2.html"]
            assert b.story_id != a_story.id and arts["3.html"].story_id == b.story_id
            why = b.story_explanation or {}
            assert "contradicting" in str(why.get("original_conflict") or why.get("original_moved"))
            assert why["original_check"][0]["story"] == a_story.id and why["original_check"][0]["verdict"] == "conflict"
            b_story = s.get(Story, b.story_id)
            assert b_story is not None and b_story.original_article_id is None  # local to B: no original
        store.close()


def test_the_detector_alone_would_link_the_look_alike() -> None:
    """Why the check is needed: the pair scorer accepts B's near copy against A's original
    (the wording is the same), and the anchor check refuses it while A's own reprint fits."""
    fz = Featurizer(DedupSettings(encoder=False))
    t = datetime(2026, 2, 14, 9, 0, tzinfo=timezone.utc)
    docs = [
        Doc(id="1", title=TITLE.format(n=A_N), text="\n\n".join(body(A_N)), published_at=t, url="", source="mayor"),
        Doc(id="2", title=TITLE.format(n=A_N), text="\n\n".join(body(A_N, 2)), published_at=t, url="", source="d"),
        Doc(id="3", title=TITLE.format(n=B_N), text="\n\n".join(body(B_N)), published_at=t, url="", source="d"),
    ]
    f_orig, f_a, f_b = fz.featurize(docs)
    det = Detector(DedupSettings(encoder=False))
    det.add(1, "1", f_orig)
    decision = det.decide(f_b)
    assert decision.story_id == 1  # the detector alone: a false link
    assert check_original(det, f_a, f_orig).verdict == "fits"
    chk = check_original(det, f_b, f_orig)
    assert chk.verdict == "conflict" and "contradicting" in chk.reason


@contextmanager
def serve_asgi_pair(state: dict):  # type: ignore[no-untyped-def]
    """The feed (www.mos.ru) and the press centre on two loopback hosts: ``(mayor base, district base)``."""
    app = _app(state)
    with serve_asgi(app, "127.0.0.1") as mayor, serve_asgi(app, "127.0.0.2") as district:
        yield mayor, district
