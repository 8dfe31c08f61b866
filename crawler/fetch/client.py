"""The fetcher: one ``httpx.AsyncClient`` shared by all sources.

Per request: robots.txt check, the host's slot (concurrency + delay), a
conditional GET when validators are given, a whole-request deadline (so a
server dripping bytes cannot hang a job), a body size cap, and retries with
backoff on transient failures (see :mod:`crawler.fetch.retry`).
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from crawler import metrics
from crawler.config import FetchSettings
from crawler.errors import FetchError, PermanentFetchError, TransientFetchError
from crawler.fetch.politeness import RobotsCache, Slots
from crawler.fetch.retry import backoff_delay, classify_status, parse_retry_after
from crawler.types import FetchResult

log = logging.getLogger("mosnews.fetch")


class Fetcher:
    """Polite, robust HTTP GETs.

    Args:
        settings: the ``fetch`` section of the config.
        transport: an ``httpx.AsyncBaseTransport`` to use instead of the network (a test seam).

    Use as ``async with Fetcher(settings) as f: result = await f.fetch(url)``.
    """

    def __init__(self, settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        timeout = httpx.Timeout(
            connect=settings.connect_timeout.total_seconds(),
            read=settings.read_timeout.total_seconds(),
            write=settings.read_timeout.total_seconds(),
            pool=settings.total_timeout.total_seconds(),
        )
        self.client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent, "Accept-Language": "ru,en;q=0.5"},
            timeout=timeout,
            limits=httpx.Limits(max_connections=settings.max_connections, max_keepalive_connections=settings.max_connections),
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            transport=transport,
            trust_env=False,
        )
        self.slots = Slots(settings.per_host, settings.delay.total_seconds())
        self.robots = RobotsCache(settings.user_agent, self._load_robots)
        #: Body bytes received by this fetcher (for benchmarks and summaries).
        self.bytes_received = 0
        self.requests_made = 0

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, retries: int | None = None
    ) -> FetchResult:
        """GET ``url`` politely, retrying transient failures.

        Args:
            etag, last_modified: validators from an earlier response; when given a
                ``304`` comes back as a :class:`FetchResult` with ``not_modified``.
            retries: attempts including the first (default ``fetch.retries``).

        Raises:
            PermanentFetchError: 4xx (but 408/429), robots.txt disallow, body over ``fetch.max_bytes``, too many redirects.
            TransientFetchError: still failing after the last attempt (timeouts, resets, 5xx, 429).
        """
        attempts = retries or self.settings.retries
        for attempt in range(1, attempts + 1):
            try:
                # robots.txt is fetched (once per host and TTL) inside the retry loop, so a
                # transient failure of robots.txt itself is retried like any other.
                if self.settings.respect_robots and not await self.robots.allowed(url):
                    raise PermanentFetchError(f"robots.txt disallows {url}", url=url)
                return await self._fetch_once(url, etag=etag, last_modified=last_modified)
            except TransientFetchError as exc:
                if attempt >= attempts:
                    raise
                wait = backoff_delay(
                    attempt,
                    base=self.settings.backoff.total_seconds(),
                    cap=self.settings.max_backoff.total_seconds(),
                    retry_after=exc.retry_after,
                )
                # DEBUG: the source's failure is logged once per failure streak by the pipeline.
                log.debug("retrying %s in %.2fs after: %s (attempt %d/%d)", url, wait, exc, attempt, attempts)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _fetch_once(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchResult:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        slot = self.slots.get(url)
        async with slot.semaphore:
            await slot.wait_turn()
            started = time.monotonic()
            self.requests_made += 1
            try:
                async with asyncio.timeout(self.settings.total_timeout.total_seconds()):
                    return await self._stream(url, headers, started)
            except TimeoutError:
                metrics.FETCHES.labels("error").inc()
                raise TransientFetchError(
                    f"timed out after {self.settings.total_timeout.total_seconds():.0f}s fetching {url}", url=url
                ) from None
            except httpx.TooManyRedirects:
                metrics.FETCHES.labels("error").inc()
                raise PermanentFetchError(f"too many redirects from {url}", url=url) from None
            except httpx.TimeoutException as exc:
                metrics.FETCHES.labels("error").inc()
                raise TransientFetchError(f"{type(exc).__name__} fetching {url}", url=url) from None
            except (httpx.TransportError, httpx.StreamError) as exc:
                metrics.FETCHES.labels("error").inc()
                raise TransientFetchError(f"{type(exc).__name__} fetching {url}: {exc}", url=url) from None
            except httpx.InvalidURL as exc:
                raise PermanentFetchError(f"invalid URL {url}: {exc}", url=url) from None

    async def _stream(self, url: str, headers: dict[str, str], started: float) -> FetchResult:
        async with self.client.stream("GET", url, headers=headers) as resp:
            metrics.FETCHES.labels(str(resp.status_code)).inc()
            err = classify_status(resp.status_code, url, parse_retry_after(resp.headers.get("Retry-After")))
            if err is not None:
                raise err
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.settings.max_bytes:
                raise PermanentFetchError(f"body of {url} is {declared} bytes, over fetch.max_bytes", url=url)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > self.settings.max_bytes:
                    raise PermanentFetchError(
                        f"body of {url} exceeds fetch.max_bytes ({self.settings.max_bytes} bytes)", url=url
                    )
                chunks.append(chunk)
            self.bytes_received += size
            metrics.FETCH_BYTES.inc(size)
            return FetchResult(
                url=url,
                final_url=str(resp.url),
                status=resp.status_code,
                content=b"".join(chunks),
                content_type=resp.headers.get("Content-Type"),
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
                elapsed=time.monotonic() - started,
            )

    async def _load_robots(self, robots_url: str) -> tuple[int, str]:
        """Fetch robots.txt: ``(status, text)``; 4xx → allow all; 5xx/unreachable raise TransientFetchError."""
        try:
            res = await self._fetch_once(robots_url, etag=None, last_modified=None)
        except PermanentFetchError as exc:
            return (exc.status or 404, "")
        except FetchError:
            raise
        return res.status, res.content[:500_000].decode("utf-8", "replace")


def describe_error(exc: BaseException) -> str:
    """A one-line description of a fetch/parse failure for logs and ``sources.last_error``."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]

