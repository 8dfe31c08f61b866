"""Issue 11 item 5: the address policy refuses other origins and private addresses *before connecting*.

Every server here listens on loopback. Refused URLs point at 169.254.169.254, 10.x, … but the
tests prove nothing was sent there: an httpx transport wrapper records every request that
reached the network layer, and the "internal service" on another loopback port counts its hits.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from crawler import metrics
from crawler.config import FetchSettings, settings_from_dict
from crawler.errors import ConfigError, PermanentDeliveryError, RefusedURLError
from crawler.fetch import Fetcher
from crawler.netpolicy import OriginPolicy, address_problem, check_target, literal_address
from crawler.pipeline import crawl_once
from storage import open_store
from tests.loopback import serve_asgi
from tests.parse.pagegen import bitrix_article

BAD_HOSTS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/",
    "http://192.168.0.1/",
    "http://100.64.0.1/",
    "http://[::ffff:169.254.169.254]/",
    "http://2852039166/",
    "http://0xa9fea9fe/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
]


class Recording(httpx.AsyncBaseTransport):
    """Wraps the real transport; records the URL of every request that reached the network layer."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def refused_count(reason: str, where: str = "fetch") -> float:
    return metrics.REGISTRY.get_sample_value("mosnews_refused_urls_total", {"where": where, "reason": reason}) or 0.0


class Internal:
    """An "internal service" on 127.0.0.1 holding a secret page; counts every request."""

    def __init__(self) -> None:
        self.hits = 0

        async def secret(_r: Request) -> Response:
            self.hits += 1
            return HTMLResponse(bitrix_article("ВНУТРЕННИЙ СЕРВИС секрет", "01.03.2026", ["INTERNAL-SECRET " * 40]))

        self.app = Starlette(routes=[Route("/{p:path}", secret)])


@pytest.fixture
def internal():
    svc = Internal()
    with serve_asgi(svc.app, "127.0.0.1") as base:
        yield svc, base


def fast_fetch() -> FetchSettings:
    return FetchSettings(delay="0ms", retries=1, total_timeout="5s", respect_robots=True)


@pytest.mark.parametrize("url", BAD_HOSTS)
async def test_other_origins_refused_without_a_connection(url: str) -> None:
    rec = Recording()
    policy = OriginPolicy("http://127.0.0.2:9/presscenter/news/", source="t")
    async with Fetcher(fast_fetch(), transport=rec) as f:
        with pytest.raises(RefusedURLError):
            await f.fetch(url, policy=policy)
    assert rec.urls == []


@pytest.mark.parametrize("url", BAD_HOSTS)
async def test_listed_origin_on_a_private_address_is_still_refused(url: str) -> None:
    """``origins`` widens the origin rule only; a private address is refused unless the source's own host is there."""
    resolved: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        resolved.append(host)
        return ["127.0.0.2"]

    origin = url.rstrip("/").rsplit("/latest", 1)[0]
    policy = OriginPolicy("http://127.0.0.2:9/presscenter/news/", [origin], source="t", resolver=resolver)
    with pytest.raises(RefusedURLError) as exc:
        await policy.check(url)
    assert exc.value.reason in ("private", "numeric")
    assert resolved == []  # literal and numeric hosts are classified without any lookup


def test_address_classes() -> None:
    import ipaddress

    assert address_problem(ipaddress.ip_address("8.8.8.8")) is None
    assert address_problem(ipaddress.ip_address("100.64.0.1")) == "CGNAT"
    assert address_problem(ipaddress.ip_address("::ffff:8.8.8.8")) == "IPv4-mapped IPv6"
    assert address_problem(ipaddress.ip_address("169.254.169.254")) == "link-local"
    assert address_problem(ipaddress.ip_address("127.0.0.1")) == "loopback"
    with pytest.raises(RefusedURLError):
        literal_address("127.1")
    assert literal_address("deadbeef.example") is None


async def test_name_resolving_to_a_private_address_is_refused() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"news.example.test": ["203.0.113.10"], "cdn.example.test": ["10.0.0.7"]}[host]

    policy = OriginPolicy("https://news.example.test/presscenter/news/", ["https://cdn.example.test"], resolver=resolver)
    with pytest.raises(RefusedURLError, match="private address"):
        await policy.check("https://cdn.example.test/a.html")


def make_site(internal_base: str, own: dict[str, str]) -> Starlette:
    ip_port = internal_base.split("://", 1)[1]
    port = ip_port.rsplit(":", 1)[1]
    links = [
        f"{internal_base}/secret-1.html",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/news/1.html",
        "http://192.168.0.1/news/2.html",
        "http://100.64.0.1/news/3.html",
        "http://[::ffff:169.254.169.254]/news/4.html",
        "http://2852039166/news/5.html",
        "/presscenter/news/detail/r-port.html",
        "/presscenter/news/detail/r-localhost.html",
        "/presscenter/news/detail/r-zero.html",
        "/presscenter/news/detail/r-meta.html",
        "/presscenter/news/detail/ok.html",
    ]
    items = "".join(
        f'<li><p><strong><a href="{u}">Новость номер {i} о благоустройстве района</a></strong> '
        f'<span class="date">0{1 + i % 3}.03.2026</span><br>Короткое описание новости.</p></li>'
        for i, u in enumerate(links)
    )
    redirects = {
        "r-port": f"{internal_base}/secret-2.html",
        "r-localhost": f"http://localhost:{port}/secret-3.html",
        "r-zero": f"http://0.0.0.0:{port}/secret-4.html",
        "r-meta": "http://169.254.169.254/latest/meta-data/",
    }

    async def news(_r: Request) -> Response:
        return HTMLResponse(f'<html><body><div class="primary_content"><ul class="newslist">{items}</ul></div></body></html>')

    async def detail(r: Request) -> Response:
        name = r.path_params["name"]
        if name in redirects:
            return RedirectResponse(redirects[name], status_code=302)
        return HTMLResponse(bitrix_article("В районе открыли новый сквер у пруда", "02.03.2026 10:00", ["Работы завершили в срок. " * 20]))

    async def robots(_r: Request) -> Response:
        return PlainTextResponse("User-agent: *\nAllow: /\n")

    return Starlette(routes=[
        Route("/robots.txt", robots),
        Route("/presscenter/news/", news),
        Route("/presscenter/news/detail/{name}.html", detail),
    ])


def test_crawl_never_reaches_an_internal_service(tmp_path: Path, internal, caplog) -> None:  # type: ignore[no-untyped-def]
    svc, internal_base = internal
    with serve_asgi(make_site(internal_base, {}), "127.0.0.2") as base:
        settings = settings_from_dict({
            "database": {"url": f"sqlite:///{tmp_path / 'm.db'}"},
            "crawl": {"since": "2026-02-01"},
            "fetch": {"delay": "0ms", "retries": 1, "total_timeout": "5s"},
            "dedup": {"encoder": False},
            "server": {"enabled": False},
            "sources": [{"id": "site", "name": "Управа", "url": f"{base}/presscenter/news/"}],
        }, env={})
        store = open_store(settings.database.url)
        rec = Recording()
        before_origin, before_private = refused_count("origin"), refused_count("private")
        with caplog.at_level(logging.WARNING):
            reports, _ = asyncio.run(crawl_once(settings, store, deliver=False, fetcher=Fetcher(settings.fetch, transport=rec)))
        with store.read_session() as s:
            rows = s.exec(text("SELECT url, text FROM articles")).all()
        store.close()
    assert reports[0].ok, reports[0].error
    assert svc.hits == 0
    assert all(u.startswith(base) for u in rec.urls), rec.urls
    assert [u for u, _ in rows] == [f"{base}/presscenter/news/detail/ok.html"]
    assert not any("INTERNAL-SECRET" in t for _, t in rows)
    # 7 foreign list links + 4 redirect hops, one line and one count each
    refusals = [r for r in caplog.records if r.name == "mosnews.policy"]
    assert len(refusals) == 11, [r.getMessage() for r in refusals]
    # ... and no other line repeats them
    others = [r.getMessage() for r in caplog.records if r.name != "mosnews.policy" and ("refused" in r.getMessage().lower() or "169.254" in r.getMessage())]
    assert others == []
    assert refused_count("origin") - before_origin == 11 and refused_count("private") == before_private


def test_same_origin_redirect_is_followed_and_listed_origin_allowed(internal) -> None:  # type: ignore[no-untyped-def]
    svc, internal_base = internal

    async def hop(_r: Request) -> Response:
        return RedirectResponse("/final", status_code=301)

    async def final(_r: Request) -> Response:
        return PlainTextResponse("final")

    app = Starlette(routes=[Route("/hop", hop), Route("/final", final)])
    with serve_asgi(app, "127.0.0.1") as base:
        async def go() -> tuple[str, str]:
            async with Fetcher(FetchSettings(delay="0ms", retries=1, respect_robots=False)) as f:
                a = await f.fetch(f"{base}/hop", policy=OriginPolicy(f"{base}/news/"))
                # the internal service's origin is listed, and it is on the source's own address
                b = await f.fetch(f"{internal_base}/x", policy=OriginPolicy(f"{base}/news/", [internal_base]))
            return a.final_url, b.content.decode()

        final_url, body = asyncio.run(go())
    assert final_url == f"{base}/final"
    assert "INTERNAL-SECRET" in body and svc.hits == 1


SECRET = "whsec_" + base64.b64encode(b"mosnews-test-secret-0123456789ab").decode()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://169.254.169.254/hook",
                                 "http://2852039166/hook", "http://[::ffff:10.0.0.1]/hook"])
def test_private_webhook_refused_at_load_unless_opted_in(url: str, tmp_path: Path) -> None:
    from crawler.alert.channels import build_channels

    def cfg(allow: bool) -> Any:
        return settings_from_dict({"alerts": {"allow_private_targets": allow, "webhooks": [{"url": url, "secret": SECRET}]}}, env={})

    before = refused_count("private", "alert") + refused_count("numeric", "alert")
    with pytest.raises(ConfigError, match="allow_private_targets"):
        build_channels(cfg(False))
    assert refused_count("private", "alert") + refused_count("numeric", "alert") == before + 1
    assert len(build_channels(cfg(True))) == 1


def test_private_apprise_target_refused_at_load() -> None:
    from crawler.alert.channels import build_channels

    s = settings_from_dict({"alerts": {"apprise": [{"url": "json://10.1.2.3:8080/notify"}]}}, env={})
    with pytest.raises(ConfigError, match="private"):
        build_channels(s)
    ok = settings_from_dict({"alerts": {"apprise": [{"url": "tgram://123456789:ABCdef/12345"}]}}, env={})
    assert len(build_channels(ok)) == 1  # a fixed public API: its "host" is a token, not a target


async def test_webhook_name_resolving_private_refused_at_send() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["10.20.30.40"]

    with pytest.raises(RefusedURLError, match="private address"):
        await check_target("https://hooks.internal.test/x", allow_private=False, channel="w", safe="https://hooks.internal.test/…", resolver=resolver)
    await check_target("https://hooks.internal.test/x", allow_private=True, channel="w", safe="…", resolver=resolver)


async def test_webhook_send_refuses_localhost_without_connecting(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At send, the resolved address is checked: a name that resolves to loopback is dead-lettered, not posted."""
    from crawler.alert.webhook import WebhookChannelImpl
    from crawler.config import WebhookChannel

    ch = WebhookChannelImpl("w", WebhookChannel(url="http://loopback-alias.test:9/hook", secret=SECRET))
    ch.allow_private = False

    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    import crawler.netpolicy as np

    monkeypatch.setattr(np, "system_resolve", resolver)
    posted: list[Any] = []
    monkeypatch.setattr(httpx.AsyncClient, "post", lambda *a, **k: posted.append(a))
    with pytest.raises(PermanentDeliveryError, match="loopback"):
        await ch.send({"body": "{}"}, "msg_x")
    assert posted == []
