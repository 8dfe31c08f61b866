"""`mosnews crawl`, `sources`, `probe` and `reparse` as a user runs them, against the simulated network."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from crawler.sim import SimNetwork
from tests.simhelp import sim_settings, write_config


def mosnews(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True, text=True, timeout=300)


def test_crawl_summary_failed_source_sources_probe_reparse(tmp_path: Path) -> None:
    net = SimNetwork(sites=["arbat", "tagan", "basman", "presnya"], seed=41, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    db = tmp_path / "c.db"
    with net.start_in_thread() as running:
        cfg = write_config(tmp_path / "config.yaml", sim_settings(db, running.sources, since, fetch__retries=1))
        net.set_fault("tagan", "down")

        proc = mosnews("crawl", "--config", str(cfg))
        # A failed source is reported, but the crawl itself succeeded: exit 0.
        assert proc.returncode == 0, proc.stderr
        assert "crawled 4 sources" in proc.stdout and "1 sources failed" in proc.stdout
        assert "failed: tagan" in proc.stderr
        stored = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
        expected = len([p for p in net.pages() if p.site_id != "tagan" and p.published_at.date() >= since])
        assert stored == expected > 0
        # alerts.first_run: skip (tests/simhelp.py): the first crawl says its stories got no alerts, and why.
        skipped = sqlite3.connect(db).execute("SELECT count(*) FROM alert_outbox WHERE status = 'skipped'").fetchone()[0]
        assert skipped > 0
        line = re.search(r"no alerts for (\d+) of the new stories: found by the first crawl of (\d+) source\(s\), "
                         r"recorded without alerts \(alerts.first_run: skip", proc.stdout)
        assert line is not None, proc.stdout
        assert int(line[1]) == skipped and int(line[2]) == 3  # every source's first crawl but tagan's (down)
        again = mosnews("crawl", "--config", str(cfg), "--source", "arbat")
        assert again.returncode == 0 and "no alerts for" not in again.stdout, again.stdout

        only = mosnews("crawl", "--config", str(cfg), "--source", "nosuch")
        assert only.returncode == 2 and "unknown source id" in only.stderr

        listing = mosnews("sources", "--config", str(cfg), "--json")
        rows = {r["id"]: r for r in json.loads(listing.stdout)}
        assert rows["tagan"]["consecutive_failures"] == 1 and rows["tagan"]["last_error"]
        assert rows["arbat"]["last_success_at"].endswith("Z") and rows["arbat"]["consecutive_failures"] == 0  # UTC, as all JSON times

        detail = next(p.url for p in net.pages("arbat"))
        probe = mosnews("probe", detail, "--config", str(cfg))
        assert probe.returncode == 0, probe.stderr
        page = next(p for p in net.pages("arbat") if p.url == detail)
        assert page.title.split()[0] in probe.stdout and "generic" in probe.stdout

    # Reparse works without the network: corrupt a stored text, reparse restores it.
    con = sqlite3.connect(db)
    url, text = con.execute("SELECT url, text FROM articles ORDER BY id LIMIT 1").fetchone()
    con.execute("UPDATE articles SET text = 'испорчено', content_hash = 'x' WHERE url = ?", (url,))
    con.commit()
    rep = mosnews("reparse", "--config", str(cfg))
    assert rep.returncode == 0, rep.stderr
    assert "1 updated" in rep.stdout
    assert con.execute("SELECT text FROM articles WHERE url = ?", (url,)).fetchone()[0] == text


def test_first_crawl_count_counts_every_first_crawl(tmp_path: Path) -> None:
    """The summary counts every source whose first crawl this was, not only those whose pages
    founded a story (a first crawl may find only reprints of stories other sources founded)."""
    net = SimNetwork(sites=6, seed=41, backlog_days=1)
    since = net.now.date() - timedelta(days=1)
    with net.start_in_thread() as running:
        cfg = write_config(tmp_path / "config.yaml", sim_settings(tmp_path / "f.db", running.sources, since))
        proc = mosnews("crawl", "--config", str(cfg))
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"\] \S+ +ok .* stories\+=0 ", proc.stdout), proc.stdout  # a source that founded no story
    line = re.search(r"no alerts for (\d+) of the new stories: found by the first crawl of (\d+) source\(s\)", proc.stdout)
    assert line is not None and int(line[2]) == 6, proc.stdout
