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
