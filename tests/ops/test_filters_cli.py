"""Query-command filters and configuration from the newcomer's notes (issue 14): okrugs match
in any case, unknown values are errors listing the known ones, ``--since today|yesterday``,
``releases --until``, and query commands with only ``$MOSNEWS_DATABASE_URL``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.cli.query import moscow, parse_since
from storage import open_store
from tests.ops.conftest import populate

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    st = open_store(url)
    populate(st, datetime.now(timezone.utc).replace(microsecond=0))
    st.close()
    return url


def _cfg(tmp_path: Path, url: str) -> str:
    p = tmp_path / "config.yaml"
    p.write_text(f"database:\n  url: '{url}'\n", encoding="utf-8")
    return str(p)


def _json(args: list[str]) -> list[dict]:
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_okrug_matches_in_any_case(db: str, tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, db)
    upper = _json(["releases", "-c", cfg, "--okrug", "ЦАО", "-f", "json"])
    lower = _json(["releases", "-c", cfg, "--okrug", "цао", "-f", "json"])
    assert upper and lower == upper


@pytest.mark.parametrize("args, message", [
    (["--okrug", "XYZ"], "--okrug: unknown okrug 'XYZ'; known: "),
    (["--source", "nosuch"], "--source: unknown source id 'nosuch'; known: "),
])
def test_unknown_filter_values_are_errors_listing_the_known_ones(db: str, tmp_path: Path, args: list[str], message: str) -> None:
    for command in (["releases"], ["export"]):
        r = runner.invoke(app, [*command, "-c", _cfg(tmp_path, db), *args])
        assert r.exit_code == 2 and message in r.output
    assert "ЦАО" in runner.invoke(app, ["releases", "-c", _cfg(tmp_path, db), "--okrug", "XYZ"]).output


def test_since_today_yesterday_and_until() -> None:
    now = datetime(2026, 3, 2, 22, 30, tzinfo=timezone.utc)  # 01:30 on 3 March in Moscow
    today = parse_since("today", now)
    assert today.astimezone(moscow()).replace(tzinfo=None) == datetime(2026, 3, 3)
    assert parse_since("Yesterday", now) == today - timedelta(days=1)


def test_releases_until_excludes_later_stories(db: str, tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, db)
    every = _json(["releases", "-c", cfg, "-f", "json", "--limit", "0"])
    assert len(every) >= 2
    times = sorted({r["published_at"] or r["first_seen_at"] for r in every})
    cut = times[-1]
    before = _json(["releases", "-c", cfg, "-f", "json", "--limit", "0", "--until", cut])
    assert before and len(before) < len(every)
    assert all((r["published_at"] or r["first_seen_at"]) < cut for r in before)


def test_query_commands_work_with_only_the_database_url(db: str, tmp_path: Path, monkeypatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no config.yaml here
    monkeypatch.delenv("MOSNEWS_CONFIG", raising=False)
    monkeypatch.setenv("MOSNEWS_DATABASE_URL", db)
    for args in (["releases", "-f", "json"], ["status", "-f", "json"], ["alerts", "list", "--json"], ["sources", "--json"]):
        r = runner.invoke(app, args)
        assert "config file not found" not in r.output and r.exit_code in (0, 1), (args, r.output)
    monkeypatch.delenv("MOSNEWS_DATABASE_URL")
    r = runner.invoke(app, ["releases"])
    assert r.exit_code == 2 and "config file not found" in r.output


def test_missing_environment_variable_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "config.yaml"
    p.write_text("alerts:\n  webhooks:\n    - url: http://127.0.0.1:9/h\n      secret: ${MOSNEWS_TEST_UNSET_SECRET}\n", encoding="utf-8")
    r = runner.invoke(app, ["releases", "-c", str(p)])
    assert r.exit_code == 2
    assert f"{p}: alerts.webhooks[0].secret: environment variable MOSNEWS_TEST_UNSET_SECRET is not set" in r.output
