"""The fetcher: one ``httpx.AsyncClient`` shared by all sources.

Per request: robots.txt check, the host's slot (concurrency + delay), a
conditional GET when validators are given, a whole-request deadline (so a
server dripping bytes cannot hang a job), a body size cap, and retries with
backoff on transient failures (see :mod:`crawler.fetch.retry`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time

import httpx

from crawler import metrics
from crawler.config import FetchSettings
from crawler.errors import FetchError, PermanentFetchError, TransientFetchError
from crawler.fetch.hostpool import PerHostTransport
from crawler.fetch.politeness import RobotsCache, Slots
from crawler.fetch.retry import backoff_delay, classify_status, parse_retry_after
from crawler.netpolicy import OriginPolicy
from crawler.types import FetchResult

log = logging.getLogger("mosnews.fetch")
#: The policy of the request in progress (robots.txt loads under the page's policy).
_POLICY: contextvars.ContextVar[OriginPolicy | None] = contextvars.ContextVar("mosnews_fetch_policy", default=None)


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
        limits = httpx.Limits(max_connections=settings.max_connections, max_keepalive_connections=settings.max_connections)
        if transport is None:
            # One small pool per origin (crawler/fetch/hostpool.py); connections go to the
            # addresses the address policy checked (crawler/fetch/pinning.py).
            transport = PerHostTransport(per_host=settings.per_host, max_connections=settings.max_connections, current_policy=_POLICY.get)
        self.client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent, "Accept-Language": "ru,en;q=0.5"},
            timeout=timeout,
            limits=limits,
            follow_redirects=False,  # followed by hand: every hop goes through the address policy
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
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        retries: int | None = None,
        policy: OriginPolicy | None = None,
    ) -> FetchResult:
        """GET ``url`` politely, retrying transient failures.

        Args:
            etag, last_modified: validators from an earlier response; when given a
                ``304`` comes back as a :class:`FetchResult` with ``not_modified``.
            retries: attempts including the first (default ``fetch.retries``).
            policy: the source's :class:`~crawler.netpolicy.OriginPolicy`; the URL and every
                redirect hop (robots.txt included) are checked before connecting. ``None``
                (``mosnews probe``): a policy of ``url``'s own origin.

        Raises:
            RefusedURLError: the policy refused the URL or a redirect hop (nothing was sent there).
            PermanentFetchError: 4xx (but 408/429), robots.txt disallow, body over ``fetch.max_bytes``, too many redirects.
            TransientFetchError: still failing after the last attempt (timeouts, resets, 5xx, 429).
        """
        if policy is None:
            policy = OriginPolicy(url)
        token = _POLICY.set(policy)
        try:
            return await self._fetch_retrying(url, etag=etag, last_modified=last_modified, retries=retries, policy=policy)
        finally:
            _POLICY.reset(token)

    async def _fetch_retrying(
        self, url: str, *, etag: str | None, last_modified: str | None, retries: int | None, policy: OriginPolicy
    ) -> FetchResult:
        await policy.check(url)
        attempts = retries or self.settings.retries
        for attempt in range(1, attempts + 1):
            try:
                # robots.txt is fetched (once per host and TTL) inside the retry loop, so a
                # transient failure of robots.txt itself is retried like any other.
                if self.settings.respect_robots and not await self.robots.allowed(url):
                    raise PermanentFetchError(f"robots.txt disallows {url}", url=url)
                return await self._fetch_once(url, etag=etag, last_modified=last_modified, policy=policy, checked=True)
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

    async def _fetch_once(
        self, url: str, *, etag: str | None, last_modified: str | None, policy: OriginPolicy | None, checked: bool = False
    ) -> FetchResult:
        """One attempt (no retries); ``checked``: ``policy`` already passed ``url`` itself (its redirect hops are still checked)."""
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
                    return await self._stream(url, headers, started, policy, checked)
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

    async def _open(self, url: str, headers: dict[str, str], policy: OriginPolicy | None, checked: bool = False) -> httpx.Response:
        """Send the GET and follow redirects by hand, checking every hop with ``policy`` before
        connecting (but the first when ``checked``: the caller checked ``url`` already)."""
        request = self.client.build_request("GET", url, headers=headers)
        for hop in range(self.settings.max_redirects + 1):
            if policy is not None and not (hop == 0 and checked):
                await policy.check(str(request.url))
            resp = await self.client.send(request, stream=True)
            if not (resp.is_redirect and resp.next_request is not None):
                return resp
            metrics.FETCHES.labels(str(resp.status_code)).inc()
            await resp.aclose()
            request = resp.next_request
        raise httpx.TooManyRedirects("too many redirects", request=request)

    async def _stream(self, url: str, headers: dict[str, str], started: float, policy: OriginPolicy | None, checked: bool = False) -> FetchResult:
        resp = await self._open(url, headers, policy, checked)
        try:
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
        finally:
            await resp.aclose()

    async def _load_robots(self, robots_url: str) -> tuple[int, str]:
        """Fetch robots.txt: ``(status, text)``; 4xx → allow all; 5xx/unreachable raise TransientFetchError."""
        try:
            res = await self._fetch_once(robots_url, etag=None, last_modified=None, policy=_POLICY.get())
        except PermanentFetchError as exc:
            return (exc.status or 404, "")
        except FetchError:
            raise
        return res.status, res.content[:500_000].decode("utf-8", "replace")


def describe_error(exc: BaseException) -> str:
    """A one-line description of a fetch/parse failure for logs and ``sources.last_error``."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]

