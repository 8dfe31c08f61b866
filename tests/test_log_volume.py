"""Log volume (issue 14): retries at DEBUG, one WARNING per failure streak, INFO on recovery."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from crawler.pipeline import Pipeline
from crawler.sim import SimNetwork
from storage import open_store
from tests.simhelp import sim_settings


def test_failure_streak_logs_one_warning_and_retries_stay_at_debug(tmp_path: Path, caplog) -> None:
    net = SimNetwork(sites=["arbat"], seed=2, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "l.db", running.sources, since, dedup={"encoder": False})
        store = open_store(settings.database.url)
        src = settings.enabled_sources()[0]
        net.set_fault("arbat", "down")
        caplog.set_level(logging.DEBUG, logger="mosnews")

        async def go():
            pipe = Pipeline(settings, store)
            await pipe.open()
            try:
                reps = [await pipe.crawl_source(src) for _ in range(3)]
                net.clear_fault("arbat")
                reps.append(await pipe.crawl_source(src))
            finally:
                await pipe.aclose()
            return reps

        reps = asyncio.run(go())
        store.close()
    assert [r.ok for r in reps] == [False, False, False, True]
    mine = [r for r in caplog.records if r.name.startswith("mosnews")]
    failed = [r for r in mine if "crawl of arbat failed" in r.getMessage()]
    assert [r.levelno for r in failed] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    retries = [r for r in mine if r.getMessage().startswith("retrying ")]
    assert retries and all(r.levelno == logging.DEBUG for r in retries)
    assert [r.levelno for r in mine if "recovered after 3 failed crawl(s)" in r.getMessage()] == [logging.INFO]


def test_skipped_scheduler_runs_are_not_warnings() -> None:
    from crawler.daemon import _SkippedRunFilter

    rec = logging.LogRecord("apscheduler.scheduler", logging.WARNING, __file__, 1,
                            'Execution of job "%s" skipped: maximum number of running instances reached (%d)', ("crawl arbat", 1), None)
    logging.getLogger("mosnews").setLevel(logging.INFO)
    assert _SkippedRunFilter().filter(rec) is False and rec.levelno == logging.DEBUG
    other = logging.LogRecord("apscheduler.scheduler", logging.WARNING, __file__, 1, "Run time of job was missed by 0:00:03", (), None)
    assert _SkippedRunFilter().filter(other) is True and other.levelno == logging.WARNING
