"""`mosnews status` (issue 14): a source that never succeeded and "all sources failing" need attention."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import app
from storage import open_store
from storage.intents import CrawlOutcome, SourceRow

runner = CliRunner()


def _config(tmp_path: Path) -> Path:
    db = tmp_path / "m.db"
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"database:\n  url: 'sqlite:///{db}'\nsources:\n"
        "  - {id: arbat, name: Арбат, okrug: ЦАО, url: 'http://127.0.0.1:9/arbat/'}\n"
        "  - {id: tagan, name: Таганский, okrug: ЦАО, url: 'http://127.0.0.1:9/tagan/'}\n",
        encoding="utf-8",
    )
    st = open_store(f"sqlite:///{db}")
    st.sync_sources([SourceRow("arbat", "Арбат", "ЦАО", "uprava", "http://127.0.0.1:9/arbat/", True),
                     SourceRow("tagan", "Таганский", "ЦАО", "uprava", "http://127.0.0.1:9/tagan/", True)])
    now = datetime.now(timezone.utc)
    for sid in ("arbat", "tagan"):
        st.record_crawl(CrawlOutcome(source_id=sid, at=now, error="ConnectError: All connection attempts failed"))
    st.close()
    return cfg


def test_never_succeeded_and_all_failing_need_attention(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    r = runner.invoke(app, ["status", "-c", str(cfg), "-f", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["ok"] is False
    assert {s["id"]: s["flags"] for s in data["sources"]} == {"arbat": ["error", "never-succeeded"], "tagan": ["error", "never-succeeded"]}
    assert data["problems"][0].startswith("all 2 crawled source(s) are failing")
    assert any(p.startswith("2 source(s) never crawled successfully") for p in data["problems"])
    table = runner.invoke(app, ["status", "-c", str(cfg)])
    assert table.exit_code == 1 and "all good" not in table.stdout and "needs attention" in table.stdout


def test_never_crawled_sources_need_attention(tmp_path: Path) -> None:
    """A configured source with no crawl at all (in the database or not even there) needs attention
    when no daemon's first crawl of it is still to come; /healthz counts the same sources."""
    db = tmp_path / "n.db"
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"database:\n  url: 'sqlite:///{db}'\nsources:\n"
        "  - {id: arbat, name: Арбат, okrug: ЦАО, url: 'http://127.0.0.1:9/arbat/'}\n"
        "  - {id: tagan, name: Таганский, okrug: ЦАО, url: 'http://127.0.0.1:9/tagan/'}\n"
        "  - {id: yakimanka, name: Якиманка, okrug: ЦАО, url: 'http://127.0.0.1:9/yakimanka/'}\n",
        encoding="utf-8",
    )
    st = open_store(f"sqlite:///{db}")
    st.sync_sources([SourceRow("arbat", "Арбат", "ЦАО", "uprava", "http://127.0.0.1:9/arbat/", True),
                     SourceRow("tagan", "Таганский", "ЦАО", "uprava", "http://127.0.0.1:9/tagan/", True)])
    st.record_crawl(CrawlOutcome(source_id="arbat", at=datetime.now(timezone.utc), new_items=1, empty=False))
    st.close()
    r = runner.invoke(app, ["status", "-c", str(cfg), "-f", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    flags = {s["id"]: s["flags"] for s in data["sources"]}
    assert flags["tagan"] == ["never-crawled"] and flags["yakimanka"] == ["never-crawled"]
    assert any(p.startswith("2 source(s) never crawled") and "tagan, yakimanka" in p for p in data["problems"]), data["problems"]
    table = runner.invoke(app, ["status", "-c", str(cfg)])
    assert table.exit_code == 1 and "all good" not in table.stdout and "never crawled" in table.stdout


def test_a_daemon_just_started_is_not_flagged_then_overdue_is(tmp_path: Path) -> None:
    """The real daemon records when each first crawl is due: while a first crawl is still running
    the source is `first-crawl-pending` (exit 0); once that time has passed it needs attention."""
    import signal
    import socket
    import subprocess
    import sys
    import threading
    import time
    from datetime import timedelta

    from crawler.health import FIRST_CRAWL_KEY
    from crawler.sim import SimNetwork
    from tests.simhelp import sim_settings, write_config

    hang = socket.socket()  # a press centre that accepts and never answers: its first crawl stays running
    hang.bind(("127.0.0.1", 0))
    hang.listen(16)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: [held.append(hang.accept()[0]) for _ in iter(int, 1)], daemon=True).start()
    from crawler.sim import MSK

    net = SimNetwork(sites=["arbat"], seed=5, backlog_days=1, start=datetime.now(MSK).replace(second=0, microsecond=0))
    db = tmp_path / "d.db"
    with net.start_in_thread() as running:
        sources = [*running.sources, {"id": "slow", "name": "Медленная управа", "okrug": "ЦАО",
                                      "url": f"http://127.0.0.1:{hang.getsockname()[1]}/presscenter/news/"}]
        settings = sim_settings(db, sources, net.now.date() - timedelta(days=1), crawl__interval="1h", crawl__shutdown_grace="1s",
                                fetch__total_timeout="120s", fetch__read_timeout="120s", fetch__retries=1)
        cfg = write_config(tmp_path / "config.yaml", settings)
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "run", "--config", str(cfg)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 90
            data: dict = {}
            while time.monotonic() < deadline:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                r = runner.invoke(app, ["status", "-c", str(cfg), "-f", "json"]) if db.exists() else None
                if r is not None and r.stdout.startswith("{"):
                    data = json.loads(r.stdout)
                    if "never-crawled" not in {f for s in data["sources"] for f in s["flags"]} and \
                            all(s["last_success_at"] for s in data["sources"] if s["id"] == "arbat"):
                        break
                time.sleep(0.5)
            flags = {s["id"]: s["flags"] for s in data["sources"]}
            assert flags == {"arbat": [], "slow": ["first-crawl-pending"]}, data
            assert r is not None and r.exit_code == 0 and data["ok"] is True, data
            table = runner.invoke(app, ["status", "-c", str(cfg)])
            assert table.exit_code == 0 and "all good (1 source(s) waiting for the daemon's first crawl)" in table.stdout
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
            hang.close()
    st = open_store(f"sqlite:///{db}")
    due = json.loads(st.get_meta(FIRST_CRAWL_KEY) or "{}")
    assert set(due) == {"arbat", "slow"}  # written by the daemon at start: now + interval + 1 hour
    st.set_meta(FIRST_CRAWL_KEY, json.dumps({k: "2020-01-01T00:00:00Z" for k in due}))  # ... and that time has passed
    st.close()
    r = runner.invoke(app, ["status", "-c", str(cfg)])
    assert r.exit_code == 1 and "slow" in r.stdout and "all good" not in r.stdout, r.stdout
