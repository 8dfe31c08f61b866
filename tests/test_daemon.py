"""The daemon as a real process: scheduler runs, SIGTERM stops it cleanly, a second instance is refused."""

from __future__ import annotations

import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from crawler.sim import SimNetwork
from tests.simhelp import sim_settings, write_config


def count(db: Path, sql: str) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute(sql).fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_daemon_runs_and_stops_on_sigterm(tmp_path: Path) -> None:
    net = SimNetwork(sites=["arbat", "tagan", "basman", "presnya"], seed=21, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    db = tmp_path / "d.db"
    with net.start_in_thread() as running:
        settings = sim_settings(db, running.sources, since, crawl__interval="2s", crawl__jitter=0.1)
        cfg = write_config(tmp_path / "config.yaml", settings)
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "run", "--config", str(cfg)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and count(db, "SELECT count(*) FROM sources WHERE backfilled") < 4:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.5)
            assert count(db, "SELECT count(*) FROM sources WHERE backfilled") == 4
            first = count(db, "SELECT count(*) FROM articles")
            assert first > 0
            # While it runs, a second daemon on the same database is refused.
            second = subprocess.run(
                [sys.executable, "-m", "crawler", "run", "--config", str(cfg)], capture_output=True, text=True, timeout=120
            )
            assert second.returncode == 3 and "another mosnews daemon" in second.stderr
            # New items appear on the sites; the scheduler picks them up on its next runs.
            net.advance(timedelta(hours=12))
            want = len(net.pages())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and count(db, "SELECT count(*) FROM articles") < want:
                time.sleep(0.5)
            assert count(db, "SELECT count(*) FROM articles") == want
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
        assert proc.returncode == 0, out
        assert "daemon stopped" in out
        # issue 14, quiet logs: a backfill is announced once; settling that moved nothing is DEBUG
        assert out.count(f"first crawl of 4 source(s) reads each list back to {since}") == 1, out
        assert "0 article(s) changed story" not in out and "dedup index loaded" in out and out.count("dedup index loaded") <= 2, out
    # Nothing half-written: every article has its story, every story its canonical article.
    assert count(db, "SELECT count(*) FROM articles WHERE story_id IS NULL") == 0
    assert count(db, "SELECT count(*) FROM stories s LEFT JOIN articles a ON a.id = s.canonical_article_id WHERE a.id IS NULL") == 0


def _reader(proc: subprocess.Popen[str]) -> tuple[queue.Queue[str], list[str]]:
    """Read the daemon's output lines on a thread: ``(queue of new lines, every line so far)``."""
    q: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def run() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            q.put(line)
        q.put("")  # EOF

    threading.Thread(target=run, daemon=True).start()
    return q, seen


def _wait_line(q: queue.Queue[str], seen: list[str], needle: str) -> str:
    """Block until the daemon writes a line containing ``needle`` (fails on EOF or after 2 min of silence)."""
    while True:
        try:
            line = q.get(timeout=120)
        except queue.Empty:
            raise AssertionError(f"no line with {needle!r}:\n{''.join(seen)}") from None
        if not line:
            raise AssertionError(f"the daemon exited before {needle!r}:\n{''.join(seen)}")
        if needle in line:
            return line


def _sigterm_while_detail_held(tmp_path: Path, grace: str, *, release_after_stopping: bool) -> tuple[int, str, int]:
    """Start the daemon on one simulated site whose detail pages are held at a gate; SIGTERM once a
    detail request is held; when the daemon says it is stopping, open the gate (or keep it shut).
    Returns ``(exit code, output, articles the site had since the crawl's first day)``."""
    net = SimNetwork(sites=["arbat"], seed=22, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    gate, arrived = threading.Event(), threading.Event()
    with net.start_in_thread() as running:
        net.set_fault("arbat", "hold", gate=gate, arrived=arrived, paths=("/presscenter/news/detail/",))
        settings = sim_settings(tmp_path / "g.db", running.sources, since, crawl__interval="1h", crawl__shutdown_grace=grace,
                                fetch__per_host=1)
        cfg = write_config(tmp_path / "config.yaml", settings)
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "run", "--config", str(cfg)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            q, seen = _reader(proc)
            # The first crawl reached a detail page and waits at the gate: it is in flight.
            while not arrived.wait(0.5):
                assert proc.poll() is None, "".join(seen)
            proc.send_signal(signal.SIGTERM)
            _wait_line(q, seen, "stopping: waiting up to")
            if release_after_stopping:
                gate.set()  # the rest of the crawl happens after shutdown began
            proc.wait(timeout=600)
        finally:
            gate.set()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        while q.get() != "":  # drain to EOF: every line is in ``seen``
            pass
        want = len([p for p in net.pages() if p.published_at.date() >= since])
    return proc.returncode, "".join(seen), want


def test_sigterm_lets_running_crawl_finish(tmp_path: Path) -> None:
    code, out, want = _sigterm_while_detail_held(tmp_path, "10m", release_after_stopping=True)
    assert code == 0, out
    assert "waiting up to 600s for 1 running job(s)" in out, out
    assert "Traceback" not in out and "CancelledError" not in out and "cancelled at shutdown" not in out, out
    assert "daemon stopped after 1 crawl jobs" in out, out
    # The in-flight crawl was allowed to finish: its articles are stored and the source recorded.
    db = tmp_path / "g.db"
    assert count(db, "SELECT count(*) FROM articles") == want > 0
    assert count(db, "SELECT count(*) FROM sources WHERE last_success_at IS NOT NULL") == 1


def test_sigterm_cancels_a_crawl_that_outlives_the_grace(tmp_path: Path) -> None:
    # The gate stays shut: the crawl cannot finish within any grace, so it is cancelled.
    code, out, want = _sigterm_while_detail_held(tmp_path, "1s", release_after_stopping=False)
    assert code == 0, out
    assert "waiting up to 1s for 1 running job(s)" in out, out
    assert "crawl of arbat cancelled at shutdown" in out and "daemon stopped after 0 crawl jobs" in out, out
    assert "Traceback" not in out, out
    db = tmp_path / "g.db"
    assert want > 0 and count(db, "SELECT count(*) FROM articles") == 0
    assert count(db, "SELECT count(*) FROM sources WHERE last_success_at IS NOT NULL") == 0


def test_memory_is_given_back_after_crawling(tmp_path: Path) -> None:
    """After the crawl jobs that fetched pages, once no job runs for TRIM_AFTER seconds, the daemon
    returns freed memory to the system (crawler.daemon.release_memory), once, not per job."""
    import asyncio

    from crawler.daemon import TRIM_AFTER, Daemon
    from storage import open_store

    net = SimNetwork(sites=["arbat", "tagan"], seed=23, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "m.db", running.sources, since, crawl__interval="1h")
        store = open_store(settings.database.url)

        async def go() -> Daemon:
            daemon = Daemon(settings, store)
            task = asyncio.create_task(daemon.run())
            deadline = time.monotonic() + 60 + TRIM_AFTER
            while time.monotonic() < deadline and not (daemon.jobs_done == 2 and daemon.memory_releases):
                await asyncio.sleep(0.2)
            daemon.stop.set()
            await task
            return daemon

        try:
            daemon = asyncio.run(go())
        finally:
            store.close()
    assert daemon.jobs_done == 2 and daemon.memory_releases == 1
