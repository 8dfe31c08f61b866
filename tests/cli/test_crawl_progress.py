"""`mosnews crawl` progress (issue 14): a start line, per-page progress of a first crawl, and a
FAILED source's row shows its error instead of misleading zero counts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import app
from crawler.sim import SimNetwork
from tests.simhelp import sim_settings, write_config


def test_first_crawl_prints_start_and_page_progress_and_failed_rows(tmp_path: Path) -> None:
    net = SimNetwork(sites=["arbat", "tagan"], seed=4, backlog_days=3, page_size=3)
    since = net.now.date() - timedelta(days=3)
    with net.start_in_thread() as running:
        cfg = write_config(tmp_path / "config.yaml", sim_settings(tmp_path / "p.db", running.sources, since, fetch__retries=1))
        net.set_fault("tagan", "down")
        r = CliRunner().invoke(app, ["crawl", "--config", str(cfg), "--no-alerts"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("crawling 2 source(s) (a first crawl follows each list back to")
    pages = [ln for ln in lines if ln.startswith("  arbat: list page")]
    assert len(pages) >= 2 and pages[0].startswith("  arbat: list page 1, ")  # several pages (3 items each)
    assert any(ln.startswith("  arbat: fetching ") for ln in lines)
    failed = [ln for ln in lines if "tagan" in ln and "FAILED" in ln]
    assert failed and "failed=0" not in failed[0] and "Error" in failed[0]
