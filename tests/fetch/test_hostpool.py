"""PerHostTransport: one small pool per origin (issue 14: httpcore's bookkeeping is quadratic in
the pool size), conditional GETs through it, and the global cap on requests in flight."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from crawler.config import FetchSettings
from crawler.fetch import Fetcher
from crawler.fetch.hostpool import PerHostTransport
from crawler.sim import SimNetwork


def test_each_origin_gets_its_own_pool_and_304s_come_through() -> None:
    net = SimNetwork(sites=["arbat", "tagan", "basman"], seed=3, backlog_days=1)
    with net.start_in_thread() as running:
        urls = [s["url"] for s in running.sources]

        async def go():
            transport = PerHostTransport(per_host=2, max_connections=4)
            async with Fetcher(FetchSettings(delay=timedelta(0)), transport=transport) as f:
                first = await asyncio.gather(*(f.fetch(u) for u in urls))
                again = await asyncio.gather(*(f.fetch(u, etag=r.etag) for u, r in zip(urls, first)))
                pools = len(transport._pools)
            return first, again, pools, transport._pools

        first, again, pools, after_close = asyncio.run(go())
    assert [r.status for r in first] == [200, 200, 200] and all(r.content for r in first)
    assert all(r.not_modified for r in again)
    assert pools == 3 and after_close == {}  # one pool per host; closed with the fetcher


def test_global_cap_holds_requests_until_a_response_is_closed() -> None:
    net = SimNetwork(sites=["arbat", "tagan"], seed=3, backlog_days=1)
    with net.start_in_thread() as running:
        a, b = (s["url"] for s in running.sources)

        async def go():
            transport = PerHostTransport(per_host=1, max_connections=1)
            async with httpx.AsyncClient(transport=transport) as client:
                first = await client.send(client.build_request("GET", a), stream=True)
                second = asyncio.create_task(client.get(b))
                await asyncio.sleep(0.2)
                blocked = not second.done()
                await first.aread()
                await first.aclose()
                resp = await second
            return blocked, resp.status_code

        blocked, status = asyncio.run(go())
    assert blocked and status == 200
