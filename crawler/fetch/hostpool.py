"""One small httpx connection pool per origin, behind one transport.

httpcore's pool does its bookkeeping over *every* connection it holds on *every* request
(expiry checks that query each socket, an idle count per connection: quadratic in the pool
size). A crawl of 135 hosts through one pool of 32 connections spent a third of its time
there (issue 14; ``bench/crawl_bench.py``). mosnews talks to many hosts, a few requests at a
time each (``fetch.per_host``), so :class:`PerHostTransport` gives each origin its own
``httpx.AsyncHTTPTransport`` holding at most ``per_host`` kept-alive connections: the
bookkeeping per request is over those few connections only.

Concurrency stays bounded by the fetcher's host slots (``fetch.per_host``) and the crawl's
``crawl.concurrency``; ``max_connections`` caps the requests in flight over all hosts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx


class PerHostTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` routing each request to its origin's own pool.

    Args:
        per_host: kept-alive connections per origin (``fetch.per_host``).
        max_connections: requests in flight over all origins (``fetch.max_connections``);
            a request beyond it waits for one to finish (its response read and closed).
        keepalive_expiry: seconds an idle connection is kept (httpx's default 5 s).
        current_policy: when given, every origin's pool connects only to the addresses the
            address policy of the request in progress checked (:mod:`crawler.fetch.pinning`).
    """

    def __init__(
        self, *, per_host: int = 2, max_connections: int = 32, keepalive_expiry: float = 5.0, current_policy: Callable[[], Any] | None = None
    ) -> None:
        self._current_policy = current_policy
        self._limits = httpx.Limits(max_connections=None, max_keepalive_connections=max(1, per_host), keepalive_expiry=keepalive_expiry)
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}
        self._slots = asyncio.Semaphore(max(1, max_connections))
        #: One TLS context (CA store) for every origin: each costs about 1 MB to build.
        self._ssl = httpx.create_ssl_context()

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = httpx.AsyncHTTPTransport(verify=self._ssl, limits=self._limits, trust_env=False)
            if self._current_policy is not None:
                from crawler.fetch.pinning import pin

                pin(pool, self._current_policy)
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through its origin's pool; the global slot is held until the response is closed."""
        await self._slots.acquire()
        try:
            response = await self._pool(request.url).handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Released(response.stream, self._slots),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every origin's pool."""
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


class _Released(httpx.AsyncByteStream):
    """A response stream that releases the transport's global slot once, when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, slots: asyncio.Semaphore) -> None:
        self._stream = stream
        self._slots: asyncio.Semaphore | None = slots

    async def __aiter__(self):  # type: ignore[no-untyped-def, override]
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._slots is not None:
                self._slots.release()
                self._slots = None
