"""The address policy: which URLs mosnews may connect to (server-side request forgery guard).

A leaf module (stdlib :mod:`ipaddress`, :mod:`socket`, httpx's URL parser; no other stage), used by the fetcher
(every request and every redirect hop) and by the alert channels (webhook and Apprise
targets, at load and at send). See ``docs/security.md``.

Rules:

* **Origins.** A source fetches only its own origin (scheme, host and port of its configured
  ``url``) and the origins listed in ``sources[].origins``. :meth:`OriginPolicy.permits` is the
  synchronous check (no resolution); :meth:`OriginPolicy.check` adds the address check.
* **Addresses.** A host that is a numeric encoding of an address other than canonical dotted
  quad or IPv6 (``2852039166``, ``0xa9fea9fe``, ``127.1``) is refused. Literal addresses and
  every address a name resolves to are classified with :func:`address_problem`: loopback,
  private (RFC 1918, ULA), link-local, CGNAT (100.64.0.0/10), multicast, unspecified,
  reserved / not globally routable, and IPv4-mapped IPv6 are refused — unless the address is
  one the source's own configured host resolves to (a source configured on 127.0.0.5 may
  fetch 127.0.0.5, the simulator and tests stay on loopback by configuration).
* **Alert targets** (:func:`check_target`) follow the same address rules; the one opt-in for
  internal receivers is ``alerts.allow_private_targets: true``.

Every refusal is one WARNING line (logger ``mosnews.policy``) and one increment of
``mosnews_refused_urls_total{where, reason}``. Resolution uses the system resolver
(``getaddrinfo``). The fetcher also pins connections (:mod:`crawler.fetch.pinning`): it
connects to the checked addresses themselves, so a name cannot re-resolve elsewhere between
the check and the connection (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import httpx

from crawler import metrics
from crawler.errors import RefusedURLError

log = logging.getLogger("mosnews.policy")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``(host, port) -> addresses`` (strings); the default is :func:`system_resolve`.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NUMERICISH = re.compile(r"[0-9a-fx.]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Apprise (https://github.com/caronc/apprise) schemes whose URL host is the server Apprise connects to (generic endpoints and
#: self-hosted services); the address policy applies to them. Other schemes talk to their
#: service's fixed public API and carry tokens where the host would be.
HOSTED_SCHEMES = frozenset(
    "json jsons xml xmls form forms gotify gotifys ntfy ntfys matrix matrixs mmost mmosts rocket rockets "
    "nctalk nctalks ncloud nclouds apprise apprises mqtt mqtts mailto mailtos kodi kodis xbmc xbmcs emby embys "
    "jellyfin jellyfins signal signals".split()
)
#: Seconds a resolution result is reused.
RESOLVE_TTL = 60.0


@functools.lru_cache(maxsize=1024)
def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public unicast address (``"loopback"``, ``"private"``, ``"link-local"``,
    ``"CGNAT"``, ``"multicast"``, ``"unspecified"``, ``"IPv4-mapped IPv6"``, ``"reserved"``), or ``None``.

    Memoised (a pure function of the address; every request checks its host's addresses)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "IPv4-mapped IPv6"
        if ip.sixtofour is not None and address_problem(ip.sixtofour):
            return "6to4 of a non-public address"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "CGNAT"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


@functools.lru_cache(maxsize=1024)
def literal_address(host: str) -> IPAddress | None:
    """The address of a literal host (``"10.1.2.3"``, ``"::1"``, ``"[::1]"``), else ``None``.
    Memoised (refusals are not: they raise every time).

    Raises:
        RefusedURLError: ``reason="numeric"`` for numeric encodings that resolvers accept but are
            not canonical (``2852039166``, ``0xa9fea9fe``, ``0251.0376.0251.0376``, ``127.1``).
    """
    h = host.strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        pass
    if _NUMERICISH.fullmatch(h) and h[:1].isdigit():
        raise RefusedURLError(f"host {host!r} is a numeric-encoded address", reason="numeric")
    return None


async def system_resolve(host: str, port: int) -> list[str]:
    """Addresses of ``host`` by the system resolver (``/etc/hosts``, then DNS); ``[]`` if it does not resolve."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return sorted({str(info[4][0]).split("%")[0] for info in infos})


@functools.lru_cache(maxsize=4096)
def origin_of(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``url``, lower-cased, trailing dot dropped, default port filled in.
    Memoised (every request and redirect hop is checked; a steady crawl asks for the same list
    URLs every cycle); refusals are not cached.

    Raises:
        RefusedURLError: ``reason="origin"`` for a URL without an http(s) scheme or a host.
    """
    try:
        u = httpx.URL(url.strip())  # the parser httpx connects with
        host = u.raw_host.decode("ascii").strip("[]").rstrip(".").lower()
        port = u.port
    except (httpx.InvalidURL, ValueError, UnicodeError):
        raise RefusedURLError(f"unparseable URL {url[:200]!r}", url=url, reason="origin") from None
    scheme = u.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise RefusedURLError(f"not an http(s) URL with a host: {url[:200]!r}", url=url, reason="origin")
    return scheme, host, port or _DEFAULT_PORTS[scheme]


def _show(o: tuple[str, str, int]) -> str:
    host = f"[{o[1]}]" if ":" in o[1] else o[1]
    return f"{o[0]}://{host}:{o[2]}"


def refuse(where: str, reason: str, what: str, message: str, *, url: str = "", source: str | None = None) -> RefusedURLError:
    """Log one WARNING line, count ``mosnews_refused_urls_total{where, reason}``, and return the error to raise."""
    metrics.REFUSED.labels(where, reason).inc()
    extra = {"reason": reason}
    if source:
        extra["source"] = source
    log.warning("refused %s: %s", what, message, extra=extra)
    return RefusedURLError(f"refused {what}: {message}", url=url, reason=reason)


class _Cache:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._entries: dict[tuple[str, int], tuple[float, list[str]]] = {}

    async def get(self, host: str, port: int) -> list[str]:
        key = (host, port)
        hit = self._entries.get(key)
        if hit is not None and time.monotonic() - hit[0] < RESOLVE_TTL:
            return hit[1]
        addrs = await self.resolver(host, port)
        self._entries[key] = (time.monotonic(), addrs)
        return addrs


async def _addresses(host: str, port: int, cache: _Cache) -> list[IPAddress]:
    lit = literal_address(host)
    if lit is not None:
        return [lit]
    out: list[IPAddress] = []
    for a in await cache.get(host, port):
        try:
            out.append(ipaddress.ip_address(a))
        except ValueError:
            continue
    return out


class OriginPolicy:
    """What one source may fetch.

    Args:
        url: the source's configured list URL (its origin is allowed; its host's addresses
            are exempt from the private-address rule).
        origins: extra allowed origins (``https://host[:port]``).
        source: the source id (for log lines).
        resolver: ``async (host, port) -> [address]`` (default :func:`system_resolve`; a test seam).
    """

    def __init__(self, url: str, origins: Iterable[str] = (), *, source: str | None = None, resolver: Resolver | None = None) -> None:
        self.source = source
        self.own = origin_of(url)
        self.allowed = {self.own} | {origin_of(o) for o in origins}
        self._cache = _Cache(resolver or system_resolve)

    def _origin_error(self, url: str) -> RefusedURLError | None:
        try:
            o = origin_of(url)
        except RefusedURLError as exc:
            return refuse("fetch", "origin", url[:300], str(exc), url=url, source=self.source)
        if o not in self.allowed:
            return refuse("fetch", "origin", url[:300], f"{_show(o)} is not this source's origin (sources[].origins)", url=url, source=self.source)
        return None

    def permits(self, url: str) -> bool:
        """Synchronous origin check (no resolution); a refusal is logged and counted."""
        return self._origin_error(url) is None

    async def check(self, url: str) -> None:
        """Origin and address check of one URL (call it for every redirect hop, before connecting).

        Raises:
            RefusedURLError: another origin, a numeric-encoded host, or an address that is not
                public and not one of the source's own host's addresses.
        """
        err = self._origin_error(url)
        if err is not None:
            raise err
        _scheme, host, port = origin_of(url)  # memoised: parsed once by _origin_error
        try:
            addrs = await _addresses(host, port, self._cache)
        except RefusedURLError as exc:
            raise refuse("fetch", exc.reason, url[:300], str(exc), url=url, source=self.source) from None
        own_addrs: set[IPAddress] | None = None  # resolved only when a non-public address needs the exception
        for ip in addrs:
            problem = address_problem(ip)
            if problem and own_addrs is None:
                own_addrs = set(await self._own_addresses())
            if problem and ip not in (own_addrs or set()):
                raise refuse("fetch", "private", url[:300], f"{host} is a {problem} address ({ip})", url=url, source=self.source)

    async def connectable(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host:port``, each checked now (connection-time pinning).

        Uses the same resolution cache as :meth:`check`, so the address connected to is the
        address that was checked; if the cache expired and the name now resolves elsewhere,
        the new addresses are checked again.

        Raises:
            RefusedURLError: an address is not public and not the source's own host's (logged, counted).
        """
        h = host.strip("[]").rstrip(".").lower()
        try:
            addrs = await _addresses(h, port, self._cache)
        except RefusedURLError as exc:
            raise refuse("fetch", exc.reason, f"connection to {host}:{port}", str(exc), source=self.source) from None
        own: set[IPAddress] | None = None
        for ip in addrs:
            problem = address_problem(ip)
            if problem and own is None:
                own = set(await self._own_addresses())
            if problem and ip not in (own or set()):
                raise refuse("fetch", "private", f"connection to {host}:{port}", f"{h} is a {problem} address ({ip})", source=self.source)
        return [str(ip) for ip in addrs]

    async def _own_addresses(self) -> list[IPAddress]:
        try:
            return await _addresses(self.own[1], self.own[2], self._cache)
        except RefusedURLError:
            return []


def _target_host(url: str) -> tuple[str, int]:
    u = urlsplit(url)
    host = (u.hostname or "").rstrip(".").lower()
    return host, u.port or _DEFAULT_PORTS.get(u.scheme.lower(), 0)


def check_target_now(url: str, *, allow_private: bool, channel: str, safe: str) -> None:
    """The load-time check of an alert target, without resolving names: a literal address, a
    numeric-encoded host or a ``localhost`` name that is not public is refused (see :func:`check_target`).

    Raises:
        RefusedURLError: as :func:`check_target`.
    """
    if allow_private:
        return
    what = f"alert target {channel} ({safe})"
    try:
        host, _port = _target_host(url)
        lit = literal_address(host) if host else None
    except ValueError:
        raise refuse("alert", "origin", what, "unparseable URL") from None
    except RefusedURLError as exc:
        raise refuse("alert", exc.reason, what, f"{exc}{_OPT_IN}") from None
    if lit is None and (host == "localhost" or host.endswith(".localhost")):
        raise refuse("alert", "private", what, f"{host} is a loopback name{_OPT_IN}")
    if lit is not None and (problem := address_problem(lit)):
        raise refuse("alert", "private", what, f"{host} is a {problem} address{_OPT_IN}")


async def check_target(url: str, *, allow_private: bool, channel: str, safe: str, resolver: Resolver | None = None) -> None:
    """The send-time check of an alert target (webhook URL, an Apprise URL's host): as
    :func:`check_target_now`, and every address the host name resolves to must be public.

    Args:
        url: ``scheme://host[:port]/…`` (only the host and port are looked at).
        allow_private: ``alerts.allow_private_targets``: skip the check.
        channel, safe: the channel key and a redacted form of the URL, for the log line.
        resolver: ``async (host, port) -> [address]`` (default :func:`system_resolve`).

    Raises:
        RefusedURLError: a numeric-encoded host, or an address that is not public.
    """
    if allow_private:
        return
    check_target_now(url, allow_private=False, channel=channel, safe=safe)
    host, port = _target_host(url)
    if not host:
        return
    for ip in await _addresses(host, port, _Cache(resolver or system_resolve)):
        problem = address_problem(ip)
        if problem:
            raise refuse("alert", "private", f"alert target {channel} ({safe})", f"{host} is a {problem} address ({ip}){_OPT_IN}")


_OPT_IN = "; alerts.allow_private_targets: true allows internal receivers"


__all__ = ["HOSTED_SCHEMES", "OriginPolicy", "address_problem", "check_target", "check_target_now", "literal_address", "origin_of", "refuse", "system_resolve"]
