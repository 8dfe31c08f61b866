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


async def test_kept_socket_stream_sees_a_server_close() -> None:
    """The pinned backend's streams answer httpcore's idle check (``is_readable``) from their kept
    socket: False while the connection is idle, True once the server closed it (so httpcore
    drops it instead of sending the next request into a dead connection)."""
    import asyncio

    import httpcore

    from crawler.fetch.pinning import KeptSocketStream, PinnedBackend
    from crawler.netpolicy import OriginPolicy

    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await closed.wait()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy = OriginPolicy(f"http://127.0.0.1:{port}/")
    backend = PinnedBackend(httpcore.AnyIOBackend(), lambda: policy)
    try:
        stream = await backend.connect_tcp("127.0.0.1", port)
        assert isinstance(stream, KeptSocketStream)
        assert stream.get_extra_info("is_readable") is False
        assert stream.get_extra_info("socket") is not None
        closed.set()
        for _ in range(100):
            if stream.get_extra_info("is_readable"):
                break
            await asyncio.sleep(0.01)
        assert stream.get_extra_info("is_readable") is True
        await stream.aclose()
    finally:
        server.close()
        await server.wait_closed()
