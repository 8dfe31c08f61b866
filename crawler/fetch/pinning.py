"""Connection-time pinning: the fetcher connects only to addresses the address policy checked.

:class:`PinnedBackend` wraps httpcore's network backend (the layer that opens TCP sockets).
For every new connection it asks the policy of the request in progress
(:meth:`crawler.netpolicy.OriginPolicy.connectable`) for the checked addresses of the host and
connects to those literal addresses; TLS still verifies the certificate against the host name
(httpcore passes the origin's host as ``server_hostname``). Without a policy in context it
passes through.

Its streams answer httpcore's per-request «is the idle connection readable?» check
(``get_extra_info("is_readable")``) from the socket they keep, with httpcore's own test:
anyio's stream looks its socket up anew on each call, through a ``getpeername`` system call
(a third of the fetcher's socket time in a crawl of 304s; issue 14).

httpx 0.28 does not take a network backend as an argument, so :func:`pinned_transport`
sets it on the transport's connection pool (``AsyncHTTPTransport._pool._network_backend``);
if that attribute is missing (another httpx), the transport is returned unpinned and the
policy's pre-connection check still applies.
"""

from __future__ import annotations

import typing
from collections.abc import Callable

import httpcore
import httpx

from crawler.netpolicy import OriginPolicy


try:
    from httpcore._utils import is_socket_readable
except ImportError:  # pragma: no cover - another httpcore: ask the stream itself
    is_socket_readable = None  # type: ignore[assignment]


class KeptSocketStream(httpcore.AsyncNetworkStream):
    """An ``httpcore.AsyncNetworkStream`` passing everything to ``inner`` but ``is_readable``,
    answered from the socket looked up once (see module doc)."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner
        self._sock = inner.get_extra_info("socket") if is_socket_readable is not None else None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: D102
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: D102
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:  # noqa: D102
        await self.inner.aclose()

    async def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.AsyncNetworkStream:  # noqa: D102
        return KeptSocketStream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:  # noqa: D102
        if info == "is_readable" and self._sock is not None:
            return is_socket_readable(self._sock)
        return self.inner.get_extra_info(info)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """An ``httpcore.AsyncNetworkBackend`` that connects to policy-checked addresses only.

    Args:
        inner: the real backend (httpcore's ``AutoBackend``).
        current: returns the policy of the request in progress, or ``None``.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend, current: Callable[[], OriginPolicy | None]) -> None:
        self.inner = inner
        self.current = current

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first reachable checked address of ``host``.

        Raises:
            RefusedURLError: the host (now) resolves to a refused address; nothing was connected.
            httpcore.ConnectError: no checked address accepted the connection.
        """
        policy = self.current()
        if policy is None:
            return KeptSocketStream(await self.inner.connect_tcp(host, port, timeout=timeout, local_address=local_address, socket_options=socket_options))
        addrs = await policy.connectable(host, port)
        if not addrs:
            raise httpcore.ConnectError(f"{host} does not resolve")
        last: Exception | None = None
        for ip in addrs:
            try:
                return KeptSocketStream(await self.inner.connect_tcp(ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:  # noqa: D102
        return await self.inner.connect_unix_socket(path, timeout=timeout, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:  # noqa: D102
        await self.inner.sleep(seconds)


def pinned_transport(limits: httpx.Limits, current: Callable[[], OriginPolicy | None]) -> httpx.AsyncHTTPTransport:
    """An ``httpx.AsyncHTTPTransport`` (no proxies from the environment) whose connections are pinned."""
    return pin(httpx.AsyncHTTPTransport(limits=limits, trust_env=False), current)


def pin(transport: httpx.AsyncHTTPTransport, current: Callable[[], OriginPolicy | None]) -> httpx.AsyncHTTPTransport:
    """Pin an existing transport's connections (see module doc); returns it."""
    pool = getattr(transport, "_pool", None)
    inner = getattr(pool, "_network_backend", None)
    if pool is not None and inner is not None:
        pool._network_backend = PinnedBackend(inner, current)
    return transport
