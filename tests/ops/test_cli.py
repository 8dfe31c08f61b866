"""releases / search / export / status through the typer app, and status as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.cli.query import parse_since
from crawler.health import FIRST_CRAWL_KEY
from storage import open_store
from storage.intents import CrawlOutcome
from storage.models import AlertDelivery, AlertOutbox
from tests.ops.conftest import populate

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


class Cfg(type(Path())):  # type: ignore[misc]
    """The config path, plus the story ids of the populated database."""

    ids: dict[str, int]


@pytest.fixture
def cfg(db_url: str, tmp_path: Path) -> Cfg:
    """A config over a database populated relative to the real clock (status looks at now)."""
    st = open_store(db_url)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ids = populate(st, now)
    # as a daemon that has just started: brateevo (never crawled) is waiting for its first crawl
    st.set_meta(FIRST_CRAWL_KEY, json.dumps({"brateevo": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}))
    st.close()
    p = Cfg(tmp_path / "config.yaml")
    p.write_text(f"database:\n  url: '{db_url}'\n", encoding="utf-8")
    p.ids = ids
    return p


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_parse_since():
    now = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2025-03-09", now) == datetime(2025, 3, 8, 21, 0, tzinfo=timezone.utc)  # Moscow midnight
    assert parse_since("2025-03-09T10:00", now) == datetime(2025, 3, 9, 7, 0, tzinfo=timezone.utc)
    assert parse_since("2025-03-09T10:00Z", now) == datetime(2025, 3, 9, 10, 0, tzinfo=timezone.utc)
    import typer

    with pytest.raises(typer.BadParameter):
        parse_since("the day before", now)


def test_releases_json_is_one_stable_array(cfg):
    r = run("releases", "--config", str(cfg), "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert isinstance(data, list) and [d["story_id"] for d in data] == [cfg.ids["clinics"], cfg.ids["school"], cfg.ids["cleanup"]]
    assert set(data[0]) == {"story_id", "title", "published_at", "first_seen_at", "canonical_url", "reprint_count", "reprint_urls", "okrugs", "sources",
                            "original_url", "original_published_at"}
    assert data[1]["reprint_count"] == 3 and len(data[1]["reprint_urls"]) == 3


def test_releases_filters_and_formats(cfg):
    r = run("releases", "-c", str(cfg), "--since", "24h", "--okrug", "ЦАО", "--source", "tverskoy", "-f", "json")
    assert [d["story_id"] for d in json.loads(r.stdout)] == [cfg.ids["school"]]
    r = run("releases", "-c", str(cfg), "--search", "поликлиники", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [int(x["story_id"]) for x in rows] == [cfg.ids["clinics"]]
    assert rows[0]["sources"] == "arbat sokol"
    r = run("releases", "-c", str(cfg), "--limit", "1")
    assert r.exit_code == 0 and "В Москве построят десять поликлиник" in r.stdout and "школу" not in r.stdout
    r = run("releases", "-c", str(cfg), "--since", "soon")
    assert r.exit_code == 2


def test_search(cfg):
    r = run("search", "школы", "-c", str(cfg), "-f", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [d["story_id"] for d in data] == [cfg.ids["school"]] and data[0]["score"] > 0
    r = run("search", "Москвы", "-c", str(cfg))
    assert "школу" in r.stdout and "поликлиник" in r.stdout
    r = run("search", "субботник", "-c", str(cfg), "--since", "2d", "-f", "json")
    assert json.loads(r.stdout) == []  # 10 days old


def test_export_jsonl_and_csv(cfg, tmp_path):
    r = run("export", "-c", str(cfg), "--since", "7d")
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["story_id"] for x in lines] == [cfg.ids["clinics"], cfg.ids["school"]]
    assert [p["source_id"] for p in lines[1]["reprints"]] == ["arbat", "tverskoy", "sokol"]
    assert "бассейн" in lines[1]["reprints"][0]["text"]
    arr = run("export", "-c", str(cfg), "--since", "7d", "--format", "json")  # `--format json` as on every listing: one array
    assert arr.exit_code == 0 and json.loads(arr.stdout) == lines, arr.output
    assert json.loads(run("export", "-c", str(cfg), "--since", "1m", "-f", "json").stdout) == []
    out = tmp_path / "export.csv"
    r = run("export", "-c", str(cfg), "-f", "csv", "-o", str(out), "--no-text")
    assert r.exit_code == 0 and "exported 3 stories" in r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 6 and "text" not in rows[0]
    assert {r["canonical"] for r in rows} == {"true", "false"}


def test_status_ok_then_attention(cfg, db_url):
    r = run("status", "-c", str(cfg))
    assert r.exit_code == 0, r.output
    assert "all good (1 source(s) waiting for the daemon's first crawl)" in r.stdout and "first-crawl-pending" in r.stdout  # brateevo
    st = open_store(db_url)
    now = datetime.now(timezone.utc)
    for _ in range(3):
        st.record_crawl(CrawlOutcome(source_id="arbat", at=now, error="HTTP 503 Service Unavailable"))
    st.record_crawl(CrawlOutcome(source_id="sokol", at=now, empty=True, markup_change_after=1))
    st.close()
    r = run("status", "-c", str(cfg), "-f", "json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["ok"] is False
    flags = {s["id"]: s["flags"] for s in data["sources"]}
    assert flags["arbat"] == ["failing"] and flags["sokol"] == ["markup-changed"] and flags["tverskoy"] == []
    assert data["problems"][0].startswith("1 source(s) failing: arbat")
    assert {"pending", "dead", "delivered"} <= set(data["alerts"])


def test_status_dead_letters_need_attention(cfg, db_url):
    st = open_store(db_url)
    now = datetime.now(timezone.utc)
    with st.session() as s:
        ob = AlertOutbox(event="story.created", story_id=cfg.ids["school"], status="dispatched", created_at=now, due_at=now)
        s.add(ob)
        s.flush()
        s.add(AlertDelivery(outbox_id=ob.id, channel="webhook:desk", message_id="msg_dead_1", status="dead", attempts=7,
                            last_error="HTTP 410 Gone", created_at=now))
    st.close()
    r = run("status", "-c", str(cfg))
    assert r.exit_code == 1
    assert "1 dead" in r.stdout and "dead-lettered" in r.stdout


def test_status_only_counts_configured_sources(cfg, tmp_path):
    text = cfg.read_text(encoding="utf-8") + (
        "sources:\n"
        "  - {id: arbat, name: Арбат, okrug: ЦАО, url: 'https://arbat.mos.ru/presscenter/news/'}\n"
        "  - {id: yakimanka, name: Якиманка, okrug: ЦАО, url: 'https://yakimanka.mos.ru/presscenter/news/'}\n"
    )
    cfg.write_text(text, encoding="utf-8")
    data = json.loads(run("status", "-c", str(cfg), "-f", "json").stdout)
    assert [s["id"] for s in data["sources"]] == ["arbat", "yakimanka"]
    assert data["sources"][1]["flags"] == ["never-crawled"]


def test_bad_config_and_database_exit_codes(tmp_path):
    assert run("status", "-c", str(tmp_path / "missing.yaml")).exit_code == 2
    bad = tmp_path / "c.yaml"
    bad.write_text(f"database:\n  url: sqlite:///{tmp_path}/no/such/dir/x.db\n", encoding="utf-8")
    assert run("releases", "-c", str(bad)).exit_code == 3


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_status_as_subprocess(cfg, db_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "crawler", "status", "--config", str(cfg), "--format", "json"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["ok"] is True
    st = open_store(db_url)
    for _ in range(3):
        st.record_crawl(CrawlOutcome(source_id="tverskoy", at=datetime.now(timezone.utc), error="timeout"))
    st.close()
    p = subprocess.run([sys.executable, "-m", "crawler", "status", "--config", str(cfg)],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 1 and "tverskoy" in p.stdout and "failing" in p.stdout
