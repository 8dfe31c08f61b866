"""The daemon: APScheduler 3.11 ``AsyncIOScheduler`` with one job per source.

Jobs use an interval trigger with jitter, ``max_instances=1`` and
``coalesce=True`` (a slow source never overlaps itself and missed runs collapse
into one), a misfire grace of half the interval, and staggered first runs. The
alert dispatcher, periodic health checks and the /healthz + /metrics server run
beside the scheduler in the same event loop. The dispatcher is supervised: if it dies
(any exception, e.g. a channel that cannot be built), that is an ERROR line, /healthz
answers 503 naming it, and it is restarted with backoff (:meth:`Daemon._supervise`).

SIGTERM/SIGINT set the stop event: no new jobs start, running ones get
:data:`SHUTDOWN_GRACE` seconds to finish (each article is written in one
transaction, so a cancelled job leaves nothing half-written), then the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
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

#: Seconds running jobs may take to finish after SIGTERM before they are cancelled.
SHUTDOWN_GRACE = 20.0
#: First runs are spread over this many seconds (or the interval, if shorter).
STARTUP_SPREAD = 30.0
#: Longest wait (seconds) before a dead background task is restarted.
RESTART_MAX = 60.0
#: How often operator health checks and the search index refresh run.
HOUSEKEEPING_EVERY = timedelta(minutes=5)


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
            if rep.ok:  # failures were already logged once by the pipeline
                log.info(
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
        """
        with daemon_lock(self.store):
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                try:
                    loop.add_signal_handler(sig, self._on_signal, sig)
                except (NotImplementedError, RuntimeError):  # not the main thread
                    pass
            await self.pipeline.open()
            scheduler = AsyncIOScheduler(timezone=timezone.utc)
            self._schedule(scheduler)
            self.scheduler = scheduler
            scheduler.start()
            log.info("daemon started: %d sources scheduled on %s", len(self.settings.enabled_sources()), self.store.safe_url)
            side = [asyncio.create_task(self._supervise("alerts", self._dispatch_loop), name="alerts")]
            if self.settings.server.enabled:
                side.append(asyncio.create_task(self._serve_http(), name="http"))
            try:
                await self.stop.wait()
            finally:
                log.info("stopping: waiting up to %.0fs for %d running job(s)", SHUTDOWN_GRACE, len(self._running))
                # Pause first: APScheduler's asyncio executor cancels running jobs on shutdown,
                # so the scheduler is shut down only after the running jobs had their grace time.
                scheduler.pause()
                if self._running:
                    _done, pending = await asyncio.wait(set(self._running), timeout=SHUTDOWN_GRACE)
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

    async def _dispatch_loop(self) -> None:
        from crawler.alert import Dispatcher

        await Dispatcher(self.settings, self.store).run_forever(self.stop, on_pass=lambda: self._task_ok("alerts"))

    async def _serve_http(self) -> None:
        try:
            from crawler.observe import serve_http

            await serve_http(self.settings.server, self.store, self.ready, self.stop, problems=self.problems)
        except asyncio.CancelledError:
            raise
        except MosnewsError as exc:  # e.g. the port is taken: say so in one line, keep crawling
            log.error("no /healthz or /metrics: %s", exc)
        except Exception:
            log.exception("the /healthz and /metrics server failed")
