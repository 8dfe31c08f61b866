"""The daemon: APScheduler 3.11 ``AsyncIOScheduler`` with one job per source.

Jobs use an interval trigger with jitter, ``max_instances=1`` and
``coalesce=True`` (a slow source never overlaps itself and missed runs collapse
into one), a misfire grace of half the interval, and staggered first runs. The
alert dispatcher, periodic health checks and the /healthz + /metrics server run
beside the scheduler in the same event loop. The dispatcher is supervised: if it dies
(any exception, e.g. a channel that cannot be built), that is an ERROR line, /healthz
answers 503 naming it, and it is restarted with backoff (:meth:`Daemon._supervise`).

SIGTERM/SIGINT set the stop event: no new jobs start, running ones get
``crawl.shutdown_grace`` (default 20 s) to finish (each article is written in one
transaction, so a cancelled job leaves nothing half-written), then the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import Settings, SourceSettings
from crawler.errors import MosnewsError
from crawler.metrics import TASK_RESTARTS
from crawler.pipeline import Pipeline
from storage import Store
from storage.lock import daemon_lock

log = logging.getLogger("mosnews.daemon")

#: First runs are spread over this many seconds (or the interval, if shorter).
STARTUP_SPREAD = 30.0
#: Longest wait (seconds) before a dead background task is restarted.
RESTART_MAX = 60.0
#: How often operator health checks and the search index refresh run.
HOUSEKEEPING_EVERY = timedelta(minutes=5)
#: Seconds without a running crawl job after which the memory a crawl that fetched pages
#: freed is given back to the system (:func:`release_memory`).
TRIM_AFTER = 5.0


class _SkippedRunFilter(logging.Filter):
    """Turns APScheduler's «skipped: maximum number of running instances reached» WARNING into
    DEBUG: with ``max_instances=1`` a slow source skipping one run is the intended behaviour
    (the demo printed 32 of them), not something to act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "maximum number of running instances reached" in record.getMessage():
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger("mosnews").isEnabledFor(logging.DEBUG)
        return True


def _libc():  # type: ignore[no-untyped-def]
    import ctypes
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def release_memory() -> None:
    """Collect garbage, then ask glibc to return free heap pages to the system (``malloc_trim``;
    a no-op elsewhere)."""
    import gc

    gc.collect()
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):
        pass


#: glibc's ``mallopt`` parameter number of ``M_ARENA_MAX`` (malloc.h).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Let glibc keep at most ``arenas`` malloc arenas (``mallopt(M_ARENA_MAX)``, as the
    ``MALLOC_ARENA_MAX`` environment variable would). By default every thread that allocates
    may get its own arena (up to 8 per core); the daemon's worker threads (database calls,
    featurising) each kept tens of MB freed but not reusable by the others. Call it before
    those threads start. Returns False where it does not apply (not glibc)."""
    try:
        return bool(_libc().mallopt(_M_ARENA_MAX, int(arenas)))
    except (OSError, AttributeError):
        return False


def _human(d: timedelta) -> str:
    """``15m``, ``1h``, ``90s``: a duration as the config writes it."""
    secs = int(d.total_seconds())
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs and secs % n == 0:
            return f"{secs // n}{unit}"
    return f"{secs}s"


class Daemon:
    """Runs the scheduler until stopped.

    Args:
        settings: the whole config.
        store: an open store (the daemon takes its lock: one daemon per database).
        pipeline: a prepared :class:`Pipeline` (built from ``settings`` when omitted).
    """

    def __init__(self, settings: Settings, store: Store, *, pipeline: Pipeline | None = None) -> None:
        self.settings = settings
        self.store = store
        self.pipeline = pipeline or Pipeline(settings, store)
        self.stop = asyncio.Event()
        self.scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        self.jobs_done = 0
        #: Background tasks that died and have not yet run again successfully: ``{name: error}``.
        self.task_errors: dict[str, str] = {}
        #: Counters since the last cycle summary line (:meth:`_summary_loop`).
        self._cycle = {"crawls": 0, "failed": 0, "new": 0, "stories": 0, "unalerted": 0}
        self._cycle_sources: set[str] = set()
        #: A crawl fetched pages (not only a 304) since memory was last given back (:meth:`_memory_loop`).
        self._trim_due = False
        self._last_job_end = 0.0
        #: Times :func:`release_memory` ran (after crawls, after the encoder was unloaded).
        self.memory_releases = 0

    def ready(self) -> bool:
        """True while the scheduler is running and no background task is dead (for /healthz)."""
        return self.scheduler is not None and self.scheduler.running and not self.stop.is_set()

    def problems(self) -> dict[str, str]:
        """Dead background tasks, ``{name: "ExceptionType: message"}`` (for /healthz)."""
        return dict(self.task_errors)

    async def _supervise(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        """Run ``body`` until :attr:`stop`; when it dies, log an ERROR, mark ``name`` dead (failing
        /healthz), count ``mosnews_task_restarts_total{task}`` and restart it after a backoff
        (1 s doubling to :data:`RESTART_MAX` s). ``body`` calls :meth:`_task_ok` when it works again."""
        delay = 1.0
        while not self.stop.is_set():
            try:
                await body()
                if self.stop.is_set():
                    return
                raise RuntimeError("returned while the daemon runs")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                from crawler.redact import REDACTOR

                self.task_errors[name] = REDACTOR.redact(f"{type(exc).__name__}: {exc}")[:500]
                TASK_RESTARTS.labels(name).inc()
                log.error("background task %s died: %s; restarting in %.0fs", name, self.task_errors[name], delay, exc_info=True)
            try:
                await asyncio.wait_for(self.stop.wait(), delay)
            except asyncio.TimeoutError:
                pass
            delay = min(delay * 2, RESTART_MAX)

    def _task_ok(self, name: str) -> None:
        """``name`` works again (e.g. a dispatch pass completed): /healthz stops reporting it."""
        if self.task_errors.pop(name, None) is not None:
            log.info("background task %s is running again", name)

    async def _crawl_job(self, source: SourceSettings) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            if self.stop.is_set():
                return
            rep = await self.pipeline.crawl_source(source)
            self.jobs_done += 1
            if not rep.not_modified:
                self._trim_due = True
            c = self._cycle
            c["crawls"] += 1
            c["failed"] += not rep.ok
            c["new"] += rep.new
            c["stories"] += rep.stories_created
            c["unalerted"] += rep.stories_unalerted
            self._cycle_sources.add(source.id)
            if rep.ok:  # failures were already logged once per streak by the pipeline; one summary line per cycle
                log.debug(
                    "crawled %s: %s new, %s updated, %s new stories, %s detail pages skipped",
                    source.id, rep.new, rep.updated, rep.stories_created, rep.failed,
                    extra={"source": source.id},
                )
        except asyncio.CancelledError:
            log.info("crawl of %s cancelled at shutdown (nothing half-written)", source.id, extra={"source": source.id})
        except Exception:
            log.exception("crawl job for %s crashed", source.id, extra={"source": source.id})
        finally:
            if task is not None:
                self._running.discard(task)
            self._last_job_end = time.monotonic()

    async def _housekeeping(self) -> None:
        try:
            from crawler.health import check_sources

            await asyncio.to_thread(check_sources, self.store, self.settings, datetime.now(timezone.utc))
        except Exception:
            log.exception("source health check failed")
        try:
            from crawler.textsearch import stem_text
            from storage import fts

            await asyncio.to_thread(fts.refresh, self.store, stem_text)
        except Exception:
            log.exception("search index refresh failed")

    def _schedule(self, scheduler: AsyncIOScheduler) -> None:
        now = datetime.now(timezone.utc)
        for source in self.settings.enabled_sources():
            interval = self.settings.source_interval(source).total_seconds()
            scheduler.add_job(
                self._crawl_job,
                IntervalTrigger(seconds=interval, jitter=interval * self.settings.crawl.jitter or None, timezone=timezone.utc),
                args=[source],
                id=f"crawl:{source.id}",
                name=f"crawl {source.id}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(interval / 2)),
                next_run_time=now + timedelta(seconds=random.uniform(0, min(STARTUP_SPREAD, interval))),
            )
        scheduler.add_job(
            self._housekeeping,
            IntervalTrigger(seconds=HOUSEKEEPING_EVERY.total_seconds(), timezone=timezone.utc),
            id="housekeeping",
            max_instances=1,
            coalesce=True,
            next_run_time=now + timedelta(seconds=5),
        )

    async def run(self) -> None:
        """Run until :attr:`stop` is set (SIGTERM/SIGINT set it).

        Raises:
            StorageError: another daemon holds this database, or the database fails at start.
            ConfigError: the /healthz + /metrics address cannot be bound (``server.enabled: false``
                runs without it).
        """
        sock = None
        if self.settings.server.enabled:  # before anything starts: a taken port is a start-up failure
            from crawler.observe import bind_socket

            sock = bind_socket(self.settings.server.host, self.settings.server.port)
        try:
            await self._run(sock)
        finally:
            if sock is not None:
                sock.close()

    async def _run(self, sock: object) -> None:
        limit_malloc_arenas()  # before the worker threads start
        with daemon_lock(self.store):
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                try:
                    loop.add_signal_handler(sig, self._on_signal, sig)
                except (NotImplementedError, RuntimeError):  # not the main thread
                    pass
            await self.pipeline.open()
            try:  # when each first crawl is due: `mosnews status` and /healthz flag a source never crawled after that
                from crawler.health import record_first_crawls_due

                await asyncio.to_thread(record_first_crawls_due, self.store, self.settings, datetime.now(timezone.utc))
            except Exception:
                log.exception("could not record the first-crawl schedule")
            skipped = _SkippedRunFilter()
            logging.getLogger("apscheduler.scheduler").addFilter(skipped)
            logging.getLogger("apscheduler.executors.default").addFilter(skipped)
            scheduler = AsyncIOScheduler(timezone=timezone.utc)
            self._schedule(scheduler)
            self.scheduler = scheduler
            scheduler.start()
            log.info("daemon started: %d sources scheduled on %s", len(self.settings.enabled_sources()), self.store.safe_url)
            try:  # a backfill is quiet (per-source lines are DEBUG): say that one is under way and how far back it reads
                done = {r.id for r in await asyncio.to_thread(self.store.list_sources) if r.backfilled}
                first = [s.id for s in self.settings.enabled_sources() if s.id not in done]
                if first:
                    log.info("first crawl of %d source(s) reads each list back to %s; progress: one cycle line per %s "
                             "(crawl.interval), `mosnews status` per source", len(first), self.settings.crawl.since,
                             _human(self.settings.crawl.interval))
            except Exception:
                log.debug("could not count the sources still to backfill", exc_info=True)
            side = [asyncio.create_task(self._supervise("alerts", self._dispatch_loop), name="alerts"),
                    asyncio.create_task(self._memory_loop(), name="memory"), asyncio.create_task(self._summary_loop(), name="summary")]
            if sock is not None:
                side.append(asyncio.create_task(self._serve_http(sock), name="http"))
            try:
                await self.stop.wait()
            finally:
                grace = self.settings.crawl.shutdown_grace.total_seconds()
                log.info("stopping: waiting up to %.0fs for %d running job(s)", grace, len(self._running))
                # Pause first: APScheduler's asyncio executor cancels running jobs on shutdown,
                # so the scheduler is shut down only after the running jobs had their grace time.
                scheduler.pause()
                if self._running:
                    _done, pending = await asyncio.wait(set(self._running), timeout=grace)
                    for t in pending:
                        t.cancel()
                    if pending:
                        await asyncio.wait(pending, timeout=5)
                scheduler.shutdown(wait=False)
                for t in side:
                    t.cancel()
                await asyncio.gather(*side, return_exceptions=True)
                await self.pipeline.aclose()
                for sig in (signal.SIGTERM, signal.SIGINT):
                    try:
                        loop.remove_signal_handler(sig)
                    except (NotImplementedError, RuntimeError):
                        pass
                log.info("daemon stopped after %d crawl jobs", self.jobs_done)

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("received %s, shutting down", sig.name)
        self.stop.set()

    async def _summary_loop(self) -> None:
        """One INFO line per poll interval (``crawl.interval``): crawls, sources, new articles and
        stories, failed crawls (per-source lines are DEBUG; a failure streak gets one WARNING)."""
        every = max(1.0, self.settings.crawl.interval.total_seconds())
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), every)
            except asyncio.TimeoutError:
                pass
            c, self._cycle = self._cycle, {"crawls": 0, "failed": 0, "new": 0, "stories": 0, "unalerted": 0}
            sources, self._cycle_sources = self._cycle_sources, set()
            if c["crawls"]:
                quiet = (f" ({c['unalerted']} of them recorded without alerts: first crawls, alerts.first_run: skip)"
                         if c["unalerted"] else "")
                log.info("cycle: %d crawls of %d sources, %d new articles, %d new stories%s, %d crawls failed",
                         c["crawls"], len(sources), c["new"], c["stories"], quiet, c["failed"], extra={k: v for k, v in c.items() if k != "new"} | {"new_articles": c["new"]})

    async def _memory_loop(self) -> None:
        """Give memory back to the system when the daemon goes quiet.

        * :data:`TRIM_AFTER` seconds after the last crawl job, when some job since the last time
          fetched pages (a 304 allocates next to nothing): what parsing, featurising and storing
          freed is returned (:func:`release_memory`) instead of staying resident until the next
          burst.
        * After ``dedup.encoder_idle`` without new articles the sentence encoder is unloaded too
          (the idle daemon then holds well under 200 MB; the encoder reloads in about a second
          when articles arrive).
        """
        from crawler.dedup.encoder import release_idle

        idle = self.settings.dedup.encoder_idle.total_seconds()
        every = max(1.0, min(60.0, idle / 2)) if idle > 0 else TRIM_AFTER
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), min(TRIM_AFTER, every))
            except asyncio.TimeoutError:
                pass
            unloaded = idle > 0 and release_idle(idle)
            quiet = not self._running and time.monotonic() - self._last_job_end >= TRIM_AFTER
            if unloaded or (self._trim_due and quiet):
                self._trim_due = False
                await asyncio.to_thread(release_memory)
                self.memory_releases += 1
                if unloaded:
                    log.debug("sentence encoder unloaded after %.0fs without new articles; memory given back", idle)
                else:
                    log.debug("memory freed by crawling given back to the system")

    async def _dispatch_loop(self) -> None:
        from crawler.alert import Dispatcher

        await Dispatcher(self.settings, self.store).run_forever(self.stop, on_pass=lambda: self._task_ok("alerts"))

    async def _serve_http(self, sock: object) -> None:
        try:
            from crawler.observe import serve_http

            await serve_http(self.settings.server, self.store, self.ready, self.stop, sock=sock, problems=self.problems)  # type: ignore[arg-type]
        except asyncio.CancelledError:
            raise
        except MosnewsError as exc:
            log.error("no /healthz or /metrics: %s", exc)
        except Exception:
            log.exception("the /healthz and /metrics server failed")
