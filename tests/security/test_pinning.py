"""Connection-time pinning: the fetcher connects to the address the policy checked, never to a re-resolved one."""

from __future__ import annotations

from typing import Any

import httpcore
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import crawler.netpolicy as netpolicy
from crawler.config import FetchSettings
from crawler.errors import RefusedURLError
from crawler.fetch import Fetcher
from crawler.fetch.pinning import PinnedBackend
from crawler.netpolicy import OriginPolicy
from tests.loopback import serve_asgi


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, **kw: Any) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        return await self.inner.connect_tcp(host, port, **kw)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _recorder(f: Fetcher, url: str) -> RecordingBackend:
    """Record the connections of the pool the fetcher's per-origin transport uses for ``url``."""
    pool = f.client._transport._pool(httpx.URL(url))  # type: ignore[attr-defined]
    backend = pool._pool._network_backend
    assert isinstance(backend, PinnedBackend)
    rec = RecordingBackend(backend.inner)
    backend.inner = rec
    return rec


@pytest.fixture
def site():
    async def page(_r: Request) -> Response:
        return PlainTextResponse("pinned")

    with serve_asgi(Starlette(routes=[Route("/{p:path}", page)]), "127.0.0.2") as base:
        yield int(base.rsplit(":", 1)[1])


async def test_connects_to_the_checked_address(site: int) -> None:
    """``news.pin.test`` is unknown to the system resolver: the page arrives only because the
    connection went to the address the policy resolved (and checked)."""

    async def resolver(host: str, port: int) -> list[str]:
        return {"news.pin.test": ["127.0.0.2"]}[host]

    policy = OriginPolicy(f"http://news.pin.test:{site}/news/", resolver=resolver)
    async with Fetcher(FetchSettings(delay="0ms", retries=1, respect_robots=False)) as f:
        rec = _recorder(f, f"http://news.pin.test:{site}/news/")
        res = await f.fetch(f"http://news.pin.test:{site}/news/", policy=policy)
    assert res.content == b"pinned"
    assert rec.connects == [("127.0.0.2", site)]


async def test_rebinding_after_the_check_is_refused_at_connect(site: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(netpolicy, "RESOLVE_TTL", 0.0)  # every lookup is fresh
    answers = {"cdn.pin.test": [["127.0.0.2"], ["10.9.9.9"]]}

    async def resolver(host: str, port: int) -> list[str]:
        if host == "news.pin.test":
            return ["127.0.0.2"]
        seq = answers[host]
        return seq.pop(0) if len(seq) > 1 else seq[0]

    policy = OriginPolicy(f"http://news.pin.test:{site}/news/", [f"http://cdn.pin.test:{site}"], resolver=resolver)
    async with Fetcher(FetchSettings(delay="0ms", retries=1, respect_robots=False)) as f:
        rec = _recorder(f, f"http://cdn.pin.test:{site}/x")
        with pytest.raises(RefusedURLError, match="10.9.9.9"):
            await f.fetch(f"http://cdn.pin.test:{site}/x", policy=policy)
    assert rec.connects == []
