"""Per-host politeness: a slot per host (concurrency + minimum delay) and a robots.txt cache (Protego).

A host is ``scheme://host:port``: the unit servers see, like Scrapy's downloader slots.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego


@functools.lru_cache(maxsize=4096)
def host_key(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased: the politeness and robots.txt unit (memoised)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass
class HostSlot:
    """Concurrency limit and minimum spacing of request starts for one host."""

    concurrency: int
    delay: float
    semaphore: asyncio.Semaphore = field(init=False)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    _next_start: float = 0.0

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.concurrency)

    async def wait_turn(self) -> None:
        """Sleep until ``delay`` seconds have passed since the previous request start on this host."""
        async with self._lock:
            now = time.monotonic()
            wait = self._next_start - now
            self._next_start = max(now, self._next_start) + self.delay
        if wait > 0:
            await asyncio.sleep(wait)


class Slots:
    """Lazily created :class:`HostSlot` per host."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.concurrency, self.delay = concurrency, delay
        self._slots: dict[str, HostSlot] = {}

    def get(self, url: str) -> HostSlot:
        key = host_key(url)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = HostSlot(self.concurrency, self.delay)
        return slot


#: robots.txt answers are kept this long (seconds); RFC 9309 §2.4 suggests at most 24 hours.
ROBOTS_TTL = 24 * 3600.0


class RobotsCache:
    """robots.txt per host, parsed by Protego, cached for :data:`ROBOTS_TTL`.

    Per RFC 9309 §2.3.1: a 4xx robots.txt means "allow all"; a 5xx or an
    unreachable one means "disallow all for now" (the caller sees a transient failure).
    """

    def __init__(self, user_agent: str, loader: Callable[[str], Awaitable[tuple[int, str]]]) -> None:
        self.user_agent = user_agent
        self._loader = loader
        self._cache: dict[str, tuple[float, Protego | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        """True if robots.txt lets our user agent fetch ``url``.

        Raises:
            TransientFetchError: robots.txt answered 5xx or could not be fetched.
        """
        key = host_key(url)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._cache.get(key)
            if hit is None or time.monotonic() - hit[0] > ROBOTS_TTL:
                status, body = await self._loader(key + "/robots.txt")
                parser = Protego.parse(body) if 200 <= status < 300 else None
                hit = self._cache[key] = (time.monotonic(), parser)
        parser = hit[1]
        return True if parser is None else bool(parser.can_fetch(url, self.user_agent))

    def crawl_delay(self, url: str) -> float | None:
        """The ``Crawl-delay`` robots.txt asks of us, in seconds, if already known."""
        hit = self._cache.get(host_key(url))
        if not hit or hit[1] is None:
            return None
        d = hit[1].crawl_delay(self.user_agent)
        return float(d) if d is not None else None
