"""Parse pages off the event loop, in worker processes, each page under a time limit.

Why processes (Pebble's ``ProcessPool``) and not threads: lexbor and the extraction layers
hold the GIL, so a slow page in a thread would still stall the event loop (alert dispatch,
``/healthz``), and a thread cannot be stopped.  A page that overruns :data:`PARSE_SECONDS`
has its worker process killed by Pebble (which starts a fresh one); a worker that dies (a
segmentation fault in C code, the kernel's OOM killer) costs the page it was parsing.  Either
way the crawl goes on with the next page.

RAM stays modest: two workers by default, each recycled after :data:`MAX_TASKS` pages and
started with an address-space limit (:data:`WORKER_MEMORY_MB`, ``RLIMIT_AS``), so a hostile page
ends in ``MemoryError`` inside its worker instead of swapping the machine.  Workers are started
with ``forkserver`` (not ``fork``: the daemon has threads, and forking a threaded process can
copy held locks).

Each job decodes and parses (``decode_html`` + ``parse_list``/``parse_article``) and returns
the result with the seconds it took; page transfer costs ~0.1 ms per page.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import TimeoutError as FutureTimeout

from crawler.config import SelectorProfile
from crawler.errors import HostilePageError, ParseError
from crawler.parse.charset import decode_html
from crawler.parse.limits import PARSE_SECONDS
from crawler.types import ListPage, ParsedArticle

#: Worker processes (the machine the daemon was measured on has 2 cores).
WORKERS = 2
#: Pages a worker parses before it is replaced (bounds fragmentation and leaks).
MAX_TASKS = 2000
#: Address-space limit of one worker, MiB (``RLIMIT_AS``; 0 = none).
WORKER_MEMORY_MB = 1024


def _limit_memory(mb: int) -> None:  # pragma: no cover - runs in the worker
    if mb <= 0:
        return
    try:
        import resource

        lim = mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            lim = min(lim, hard)
        resource.setrlimit(resource.RLIMIT_AS, (lim, hard))
    except (ImportError, ValueError, OSError):
        pass


def list_job(content: bytes, content_type: str | None, encoding: str | None, url: str,
             profile: SelectorProfile | None, profile_name: str | None) -> tuple[ListPage, float]:
    """Decode and parse one list page; returns ``(ListPage, seconds)`` (runs in a worker or inline).

    Raises:
        ParseError: empty body; HostilePageError: over a hard limit.
    """
    from crawler.parse.listing import parse_list

    t0 = time.perf_counter()
    html, _enc = decode_html(content, content_type, encoding)
    page = parse_list(html, url, profile, profile_name=profile_name)
    return page, time.perf_counter() - t0


def article_job(content: bytes, content_type: str | None, encoding: str | None, url: str,
                profile: SelectorProfile | None, profile_name: str | None) -> tuple[ParsedArticle, float]:
    """Decode and parse one detail page; returns ``(ParsedArticle, seconds)``.

    Raises:
        ParseError: empty body, no headline, no body; HostilePageError: over a hard limit.
    """
    from crawler.parse.article import parse_article

    t0 = time.perf_counter()
    html, _enc = decode_html(content, content_type, encoding)
    art = parse_article(html, url, profile, profile_name=profile_name)
    return art, time.perf_counter() - t0


class ParsePool:
    """Runs :func:`list_job` / :func:`article_job` in worker processes with a per-page time limit.

    Args:
        workers: worker processes; ``0`` parses inline on the calling thread (no time limit, no
            isolation: for debugging and for measuring the parser alone).
        timeout: seconds one page may take (default :data:`PARSE_SECONDS`).
        max_tasks: pages per worker before it is replaced.
        memory_mb: address-space limit per worker, MiB (0 = none).

    Attributes:
        slowest: longest parse seen, seconds (of pages that finished).
        timeouts: pages abandoned at the time limit; ``crashes``: pages whose worker died.

    The pool starts lazily on the first page; call :meth:`close` (or ``await aclose()``) at the end.
    """

    def __init__(self, workers: int = WORKERS, *, timeout: float = PARSE_SECONDS, max_tasks: int = MAX_TASKS,
                 memory_mb: int = WORKER_MEMORY_MB) -> None:
        self.workers = workers
        self.timeout = timeout
        self.max_tasks = max_tasks
        self.memory_mb = memory_mb
        self._pool = None
        self.slowest = 0.0
        self.timeouts = 0
        self.crashes = 0
        self.pages = 0

    def _get_pool(self):
        if self._pool is None:
            from pebble import ProcessPool

            self._pool = ProcessPool(max_workers=self.workers, max_tasks=self.max_tasks, initializer=_limit_memory,
                                     initargs=(self.memory_mb,), context=multiprocessing.get_context("forkserver"))
        return self._pool

    async def _run(self, job, url: str, args: tuple):
        self.pages += 1
        if self.workers <= 0:
            result, seconds = job(*args)
        else:
            future = self._get_pool().schedule(job, args=args, timeout=self.timeout)
            try:
                result, seconds = await asyncio.wrap_future(future)
            except (ParseError, MemoryError) as exc:
                if isinstance(exc, MemoryError):
                    raise HostilePageError(f"{url}: parsing ran out of memory (limit {self.memory_mb} MiB)",
                                           reason="memory") from None
                raise
            except (TimeoutError, FutureTimeout):
                self.timeouts += 1
                raise HostilePageError(f"{url}: parse abandoned after {self.timeout:g} s", reason="timeout") from None
            except asyncio.CancelledError:
                future.cancel()  # the worker running it is stopped by Pebble
                raise
            except Exception as exc:  # ProcessExpired (worker died), pickling trouble, a bug
                self.crashes += 1
                raise HostilePageError(f"{url}: parser worker failed: {type(exc).__name__}: {str(exc)[:200]}",
                                       reason="worker") from None
        self.slowest = max(self.slowest, seconds)
        return result, seconds

    async def list_page(self, content: bytes, content_type: str | None, encoding: str | None, url: str,
                        profile: SelectorProfile | None = None, profile_name: str | None = None) -> tuple[ListPage, float]:
        """Decode and parse a list page; returns ``(ListPage, parse seconds)``.

        Raises:
            HostilePageError: over a hard limit, over the time limit, worker died or ran out of memory.
            ParseError: empty body.
        """
        return await self._run(list_job, url, (content, content_type, encoding, url, profile, profile_name))

    async def article(self, content: bytes, content_type: str | None, encoding: str | None, url: str,
                      profile: SelectorProfile | None = None, profile_name: str | None = None) -> tuple[ParsedArticle, float]:
        """Decode and parse a detail page; returns ``(ParsedArticle, parse seconds)``.

        Raises:
            HostilePageError: as :meth:`list_page`.  ParseError: no headline / no body / empty.
        """
        return await self._run(article_job, url, (content, content_type, encoding, url, profile, profile_name))

    def close(self) -> None:
        """Stop the workers (pages in flight are abandoned)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(timeout=10)

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)
