"""HTTP serving of a :class:`~crawler.sim.network.SimNetwork` with uvicorn (h11) on loopback only.

One uvicorn ``Server`` gets one pre-bound socket per site; the ASGI app tells
sites apart by ``scope["server"]``. Transport-level faults (reset, cut body,
site down) use the connection's transport, registered by a protocol subclass.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import ipaddress
import socket
import struct
import threading
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .routes import respond

#: Idle keep-alive connections are closed after this many seconds. Long on purpose: a
#: server-side close racing a client's next request is a spurious ``ReadError``; tests
#: that want connection failures use the ``reset``/``down`` faults instead.
KEEP_ALIVE_SECONDS = 3600

if TYPE_CHECKING:
    from .network import SimNetwork


def _loopback_addrs(n: int):
    """Yield ``n`` loopback addresses 127.0.0.2, 127.0.0.3, … (skipping .0/.255 last octets)."""
    k = 2
    while n:
        a = f"127.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}"
        k += 1
        if a.endswith((".0", ".255")):
            continue
        n -= 1
        yield a


def _listen(host: str, port: int) -> socket.socket:
    assert ipaddress.ip_address(host).is_loopback, f"refusing to bind non-loopback {host}"
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
        s.listen(256)
    except OSError:
        s.close()
        raise
    assert ipaddress.ip_address(s.getsockname()[0]).is_loopback
    s.setblocking(False)
    return s


def bind_sites(site_ids: list[str], layout: str) -> dict[str, socket.socket]:
    """Bind one listening socket per site on loopback. Raises ``ValueError`` for an unknown layout, ``OSError``."""
    if layout == "ports":
        return {sid: _listen("127.0.0.1", 0) for sid in site_ids}
    if layout != "addresses":
        raise ValueError("layout must be 'addresses' or 'ports'")
    for _ in range(30):
        socks: dict[str, socket.socket] = {}
        port = 0
        try:
            for sid, host in zip(site_ids, _loopback_addrs(len(site_ids))):
                socks[sid] = _listen(host, port)
                port = socks[sid].getsockname()[1]
            return socks
        except OSError:
            for s in socks.values():
                s.close()
    raise OSError("could not find a port free on all loopback addresses")


class _Registry:
    """(server addr, client addr) → transport, for faults that act below HTTP."""

    def __init__(self) -> None:
        self.by_key: dict[tuple, asyncio.Transport] = {}


def _protocol_class(reg: _Registry):
    class SimH11Protocol(H11Protocol):
        def connection_made(self, transport):  # noqa: D401
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)
            self._sim_key = (transport.get_extra_info("sockname")[:2], transport.get_extra_info("peername")[:2])
            reg.by_key[self._sim_key] = transport

        def connection_lost(self, exc):
            reg.by_key.pop(getattr(self, "_sim_key", None), None)
            super().connection_lost(exc)
    return SimH11Protocol


def _rst(transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def make_app(net: "SimNetwork", addr_to_site: dict[tuple, str], reg: _Registry):
    """The ASGI app serving every site of ``net`` (site chosen by ``scope["server"]``)."""

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        server = tuple(scope["server"][:2])
        site_id = addr_to_site.get(server)
        path, query = scope["path"], scope["query_string"].decode("latin-1")
        if site_id is None:
            await send({"type": "http.response.start", "status": 421, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        hdrs = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        with net._lock:
            net.stats.requests[site_id] += 1
            net.stats.paths[(site_id, path + (f"?{query}" if query else ""))] += 1
            if net.mayor is not None and site_id == "mayor":
                reply = net.mayor.respond(scope["method"], path, query, hdrs)
            else:
                reply = respond(net, site_id, scope["method"], path, query, hdrs)
        status = reply.status
        if reply.action == "reset":
            tr = reg.by_key.get((server, tuple(scope["client"][:2])))
            if tr is not None:
                _rst(tr)
            for _ in range(3):
                await asyncio.sleep(0)
            _account(net, site_id, scope, path, query, 0, 0)
            return
        if reply.action == "hold":
            if reply.params["arrived"] is not None:
                reply.params["arrived"].set()
            await asyncio.to_thread(reply.params["gate"].wait, reply.params["timeout"])
        pause = net.latency + (reply.params["seconds"] if reply.action == "delay" else 0.0)
        if pause > 0:
            await asyncio.sleep(pause)
        body = b"" if scope["method"] == "HEAD" else reply.body
        length = reply.content_length if reply.content_length is not None else len(reply.body)
        headers = [(b"server", b"nginx")] + [(k.lower().encode(), v.encode("latin-1")) for k, v in reply.headers]
        if status != 304:
            headers.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if reply.action == "drip" and body:
            chunk = reply.params["chunk"]
            parts = [body[i:i + chunk] for i in range(0, len(body), chunk)]
            pause = reply.params["seconds"] / max(1, len(parts))
            for part in parts:
                await send({"type": "http.response.body", "body": part, "more_body": True})
                await asyncio.sleep(pause)
            await send({"type": "http.response.body", "body": b""})
        elif reply.action == "cut":
            await send({"type": "http.response.body", "body": body, "more_body": True})
            await asyncio.sleep(0.01)
            tr = reg.by_key.get((server, tuple(scope["client"][:2])))
            if tr is not None:
                _rst(tr)
            for _ in range(3):
                await asyncio.sleep(0)
        else:
            await send({"type": "http.response.body", "body": body})
        _account(net, site_id, scope, path, query, status, len(body))

    return app


def _account(net, site_id, scope, path, query, status, nbytes) -> None:
    with net._lock:
        net.stats.statuses[(site_id, status)] += 1
        net.stats.bytes[site_id] += nbytes
        net.stats.log.append((site_id, scope["method"], path + (f"?{query}" if query else ""), status))


class _QuietServer(uvicorn.Server):
    """uvicorn Server that leaves signal handlers alone (we are embedded)."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class Running:
    """A serving network. ``sources``: list of ``{"id","name","okrug","kind","url"}`` (url = list page);
    ``addresses``: ``{site_id: (host, port)}``; ``net``: the :class:`SimNetwork`."""

    def __init__(self, net: "SimNetwork", addresses: dict[str, tuple[str, int]]) -> None:
        self.net = net
        self.addresses = addresses
        self.sources = [{"id": s.id, "name": s.name, "okrug": s.okrug, "kind": s.kind, "url": net.list_url(s.id)}
                        for s in net.sites]
        if net.mayor is not None:  # the www.mos.ru replica, configured as issue 12's ``kind: mayor`` source
            from .mayor import API_BASE, MAYOR_ID

            base = net.base_url(MAYOR_ID)
            self.sources.insert(0, {"id": MAYOR_ID, "name": "Мэр Москвы", "okrug": "Москва", "kind": "mayor",
                                    "url": base + "/rss", "api": base + API_BASE})

    def url(self, site_id: str, path: str = "/presscenter/news/") -> str:
        """Absolute URL of ``path`` on the site."""
        return self.net.base_url(site_id) + path


class _Controller:
    """Closes/reopens a site's listener for the ``down`` fault (thread-safe)."""

    def __init__(self, loop, server: uvicorn.Server, config, addresses, reg: _Registry) -> None:
        self.loop, self.server, self.config, self.addresses, self.reg = loop, server, config, addresses, reg
        self.down: set[str] = set()

    def _call(self, fn, *args) -> None:
        try:
            same = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            same = False
        if same:
            fn(*args)
            return
        fut: concurrent.futures.Future = concurrent.futures.Future()

        def run():
            try:
                fn(*args)
                fut.set_result(None)
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                fut.set_exception(e)
        self.loop.call_soon_threadsafe(run)
        fut.result(10)

    def site_down(self, site_id: str) -> None:
        self.down.add(site_id)
        self._call(self._down, site_id)

    def site_up(self, site_id: str) -> None:
        self.down.discard(site_id)
        self._call(self._up, site_id)

    def _down(self, site_id: str) -> None:
        addr = self.addresses[site_id]
        for srv in list(self.server.servers):
            if srv.sockets and tuple(srv.sockets[0].getsockname()[:2]) == addr:
                srv.close()
                self.server.servers.remove(srv)
        for (sa, _), tr in list(self.reg.by_key.items()):
            if sa == addr:
                _rst(tr)

    def _up(self, site_id: str) -> None:
        addr = self.addresses[site_id]
        if any(srv.sockets and tuple(srv.sockets[0].getsockname()[:2]) == addr for srv in self.server.servers):
            return
        sock = _listen(*addr)
        factory = functools.partial(self.config.http_protocol_class, config=self.config,
                                    server_state=self.server.server_state, app_state=self.server.lifespan.state)

        async def start():
            self.server.servers.append(await self.loop.create_server(factory, sock=sock, backlog=256))
        self.loop.create_task(start())


@contextlib.asynccontextmanager
async def serve(net: "SimNetwork", layout: str = "addresses"):
    """Bind and serve ``net`` until the block exits; yields :class:`Running`. See :meth:`SimNetwork.serve`."""
    ids = [s.id for s in net.sites] + (["mayor"] if net.mayor is not None else [])
    socks = bind_sites(ids, layout)
    addresses = {sid: tuple(s.getsockname()[:2]) for sid, s in socks.items()}
    reg = _Registry()
    app = make_app(net, {a: sid for sid, a in addresses.items()}, reg)
    config = uvicorn.Config(app, lifespan="off", log_level="critical", access_log=False, http=_protocol_class(reg),
                            server_header=False, timeout_keep_alive=KEEP_ALIVE_SECONDS, timeout_graceful_shutdown=1, backlog=256)
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=list(socks.values())))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("simulator failed to start")
        await asyncio.sleep(0.005)
    with net._lock:
        for sid, (h, p) in addresses.items():
            net._bases[sid] = f"http://{h}:{p}"
        net._cache.clear()
        ctl = _Controller(asyncio.get_running_loop(), server, config, addresses, reg)
        net._controller = ctl
        for sid in ids:
            if net.is_down(sid):
                ctl.site_down(sid)
    try:
        yield Running(net, addresses)
    finally:
        net._controller = None
        server.should_exit = True
        for tr in list(reg.by_key.values()):
            tr.abort()
        await task
        for s in socks.values():
            s.close()


class ThreadHandle:
    """Serves a network from a daemon thread with its own event loop.

    ``sources``/``addresses``/``url()`` as :class:`Running`; ``stop()`` shuts down and joins
    (idempotent). Usable as a context manager. Raises the server's startup error in the caller.
    """

    def __init__(self, net: "SimNetwork", layout: str = "addresses") -> None:
        self.net = net
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._running: Running | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_ev: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, args=(layout,), name="mosnews-sim", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def _main(self, layout: str) -> None:
        async def run():
            self._loop = asyncio.get_running_loop()
            self._stop_ev = asyncio.Event()
            async with serve(self.net, layout) as running:
                self._running = running
                self._ready.set()
                await self._stop_ev.wait()
        try:
            asyncio.run(run())
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            self._error = e
        finally:
            self._ready.set()

    @property
    def sources(self) -> list[dict]:
        """Same as :attr:`Running.sources`."""
        return self._running.sources

    @property
    def addresses(self) -> dict[str, tuple[str, int]]:
        """``{site_id: (host, port)}``."""
        return self._running.addresses

    def url(self, site_id: str, path: str = "/presscenter/news/") -> str:
        """Absolute URL of ``path`` on the site."""
        return self._running.url(site_id, path)

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop_ev.set)
        self._thread.join(10)

    def __enter__(self) -> "ThreadHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
