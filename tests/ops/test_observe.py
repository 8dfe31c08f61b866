"""Structured logging and the /healthz + /metrics endpoint (real uvicorn on a loopback ephemeral port)."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import httpx
import pytest

from crawler.config import LoggingSettings, ServerSettings
from crawler.errors import ConfigError
from crawler.observe import bind_socket, is_loopback, progress, serve_http, setup_logging, source_context, source_logger


@pytest.fixture
def logbuf():
    buf = io.StringIO()
    handlers = []

    def install(fmt: str) -> io.StringIO:
        handlers.append(setup_logging(LoggingSettings(format=fmt, level="DEBUG"), stream=buf))
        return buf

    yield install
    root = logging.getLogger()
    for h in handlers:
        root.removeHandler(h)
    root.setLevel(logging.WARNING)


def test_json_lines_with_source_fields(logbuf):
    buf = logbuf("json")
    source_logger("arbat", "mosnews.crawl").info("crawl done", extra={"new": 3})
    with source_context("sokol"):
        logging.getLogger("mosnews.fetch").warning("slow answer\nsecond line")
    logging.getLogger("mosnews.daemon").info("no source here")
    try:
        raise ValueError("bad")
    except ValueError:
        source_logger("brateevo").exception("crashed")
    lines = buf.getvalue().splitlines()
    assert len(lines) == 4  # one line per event, even with newlines and tracebacks
    recs = [json.loads(x) for x in lines]
    assert recs[0]["event"] == "crawl done" and recs[0]["source"] == "arbat" and recs[0]["new"] == 3
    assert recs[0]["level"] == "INFO" and recs[0]["logger"] == "mosnews.crawl" and recs[0]["ts"].endswith("Z")
    assert recs[1]["source"] == "sokol" and recs[1]["event"] == "slow answer\nsecond line"
    assert "source" not in recs[2]
    assert recs[3]["source"] == "brateevo" and "ValueError: bad" in recs[3]["exc"]


def test_text_lines(logbuf):
    buf = logbuf("text")
    source_logger("arbat").info("list page empty", extra={"url": "https://arbat.mos.ru/presscenter/news/", "note": "a b"})
    logging.getLogger("x").error("multi\nline")
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2
    assert " INFO mosnews list page empty " in lines[0]
    assert "source=arbat" in lines[0] and "url=https://arbat.mos.ru/presscenter/news/" in lines[0] and 'note="a b"' in lines[0]
    assert lines[1].endswith("multi\\nline")


async def test_source_context_reaches_tasks(logbuf):
    buf = logbuf("json")

    async def work() -> None:
        logging.getLogger("mosnews.pipeline").info("inside task")

    with source_context("tverskoy"):
        await asyncio.create_task(work())
    assert json.loads(buf.getvalue().splitlines()[-1])["source"] == "tverskoy"


def test_progress_logs_when_not_a_tty(logbuf):
    buf = logbuf("json")
    assert list(progress(range(20), total=20, description="reclustering")) == list(range(20))
    recs = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert [r["done"] for r in recs] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    assert recs[-1]["event"] == "reclustering" and recs[-1]["total"] == 20


def test_loopback_and_bind_errors():
    assert is_loopback("127.0.0.1") and is_loopback("127.5.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1")
    sock = bind_socket("127.0.0.1", 0)
    try:
        with pytest.raises(ConfigError, match="server: cannot listen on 127.0.0.1"):
            bind_socket("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()


async def _serving(store, ready):
    stop = asyncio.Event()
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve_http(ServerSettings(port=0), store, ready, stop, bound=lambda h, p: bound.set_result(p)))
    port = await asyncio.wait_for(bound, 10)
    return stop, task, f"http://127.0.0.1:{port}"


async def test_healthz_and_metrics(sqlite_store):
    from crawler import metrics

    state = {"ready": True}
    stop, task, base = await _serving(sqlite_store, lambda: state["ready"])
    try:
        metrics.FETCHES.labels(status="200").inc()
        async with httpx.AsyncClient() as c:
            r = await c.get(base + "/healthz")
            assert r.status_code == 200
            assert r.json() == {"status": "ok", "scheduler": True, "database": True, "sources": True}
            state["ready"] = False
            r = await c.get(base + "/healthz")
            assert r.status_code == 503 and r.json()["status"] == "unavailable" and r.json()["scheduler"] is False
            m = await c.get(base + "/metrics")
            assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain")
            for name in ("mosnews_fetches_total", "mosnews_parse_failures", "mosnews_articles", "mosnews_stories_created",
                         "mosnews_alerts", "mosnews_job_duration_seconds", "mosnews_outbox_backlog"):
                assert name in m.text
            assert 'mosnews_fetches_total{status="200"}' in m.text
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_healthz_fails_when_database_does_not_answer(sqlite_store):
    stop, task, base = await _serving(sqlite_store, lambda: True)
    try:
        sqlite_store.read_engine.dispose()
        sqlite_store.read_engine.pool._creator = lambda: (_ for _ in ()).throw(OSError("disk gone"))  # type: ignore[attr-defined]
        async with httpx.AsyncClient() as c:
            r = await c.get(base + "/healthz")
        assert r.status_code == 503
        assert r.json()["database"] is False and "disk gone" in r.json()["error"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_disabled_server_returns_at_once(sqlite_store):
    await asyncio.wait_for(serve_http(ServerSettings(enabled=False), sqlite_store, lambda: True, asyncio.Event()), 5)


async def test_cancel_stops_the_server(sqlite_store):
    stop, task, base = await _serving(sqlite_store, lambda: True)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as c:
            await c.get(base + "/healthz")


async def test_healthz_fails_when_every_crawled_source_fails(sqlite_store):
    from datetime import datetime, timezone

    from storage.intents import CrawlOutcome, SourceRow

    at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    sqlite_store.sync_sources([SourceRow("arbat", "Арбат", "ЦАО", "uprava", "http://127.0.0.1:9/a/", True),
                               SourceRow("tagan", "Таганский", "ЦАО", "uprava", "http://127.0.0.1:9/t/", True)])
    from crawler.config import settings_from_dict
    from crawler.health import record_first_crawls_due

    cfg = settings_from_dict({"sources": [{"id": "arbat", "name": "Арбат", "url": "http://127.0.0.1:9/a/"},
                                          {"id": "tagan", "name": "Таганский", "url": "http://127.0.0.1:9/t/"}]}, env={})
    record_first_crawls_due(sqlite_store, cfg, datetime.now(timezone.utc))  # as the daemon does at start
    stop, task, base = await _serving(sqlite_store, lambda: True)
    try:
        async with httpx.AsyncClient() as c:
            assert (await c.get(base + "/healthz")).status_code == 200  # nothing crawled yet: the daemon just started
            sqlite_store.record_crawl(CrawlOutcome("arbat", at, error="ConnectError"))
            sqlite_store.record_crawl(CrawlOutcome("tagan", at, error="ConnectError"))
            r = await c.get(base + "/healthz")
            assert r.status_code == 503 and r.json()["sources"] is False and "all 2 crawled source(s) are failing" in r.json()["error"]
            sqlite_store.record_crawl(CrawlOutcome("tagan", at))
            assert (await c.get(base + "/healthz")).status_code == 200  # one works: `mosnews status` tells which fail
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_healthz_fails_when_no_source_was_ever_crawled(sqlite_store):
    """Agrees with `mosnews status`: sources never crawled need attention once the daemon's first crawl of
    them is overdue (or no daemon ever scheduled them); when no source works at all, /healthz is 503."""
    from datetime import datetime, timedelta, timezone

    from crawler.config import settings_from_dict
    from crawler.health import record_first_crawls_due
    from storage.intents import CrawlOutcome, SourceRow

    cfg = settings_from_dict({"crawl": {"interval": "15m"}, "sources": [{"id": "arbat", "name": "Арбат", "url": "http://127.0.0.1:9/a/"},
                                                                     {"id": "tagan", "name": "Таганский", "url": "http://127.0.0.1:9/t/"}]}, env={})
    sqlite_store.sync_sources([SourceRow("arbat", "Арбат", "", "uprava", "http://127.0.0.1:9/a/", True),
                               SourceRow("tagan", "Таганский", "", "uprava", "http://127.0.0.1:9/t/", True)])
    stop, task, base = await _serving(sqlite_store, lambda: True)
    try:
        async with httpx.AsyncClient() as c:
            r = await c.get(base + "/healthz")  # no daemon ever scheduled them
            assert r.status_code == 503 and r.json()["sources"] is False and r.json()["never_crawled"] == 2, r.json()
            assert "none of the 2 enabled source(s) was ever crawled" in r.json()["error"]
            record_first_crawls_due(sqlite_store, cfg, datetime.now(timezone.utc) - timedelta(minutes=74))
            r = await c.get(base + "/healthz")
            assert r.status_code == 200 and "never_crawled" not in r.json()  # started 74 min ago: due after 15m + 1h
            record_first_crawls_due(sqlite_store, cfg, datetime.now(timezone.utc) - timedelta(minutes=76))
            assert (await c.get(base + "/healthz")).status_code == 503
            sqlite_store.record_crawl(CrawlOutcome("arbat", datetime.now(timezone.utc)))
            r = await c.get(base + "/healthz")  # one works; tagan is still counted (status exits 1 for it)
            assert r.status_code == 200 and r.json()["never_crawled"] == 1, r.json()
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_daemon_that_cannot_bind_its_port_does_not_start(sqlite_store):
    from crawler.config import settings_from_dict
    from crawler.daemon import Daemon

    taken = bind_socket("127.0.0.1", 0)
    try:
        settings = settings_from_dict({"server": {"port": taken.getsockname()[1]}}, env={})
        daemon = Daemon(settings, sqlite_store)
        with pytest.raises(ConfigError, match="server: cannot listen on 127.0.0.1"):
            await asyncio.wait_for(daemon.run(), 30)
        assert daemon.scheduler is None  # nothing was scheduled
    finally:
        taken.close()
