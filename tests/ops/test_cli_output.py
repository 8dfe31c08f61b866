"""CLI output from the newcomer's notes (issue 14): tables fit the terminal (``--wide`` for
whole rows), ``story`` of a merged-away story says where it went, ``alerts list`` shows the
title an alert was sent under, ``releases | head -1`` exits 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from sqlmodel import select

from storage import open_store
from storage.models import AlertDelivery, AlertOutbox, Story
from tests.ops.conftest import populate

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'o.db'}"
    st = open_store(url)
    ids = populate(st, datetime.now(timezone.utc).replace(microsecond=0))
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  url: '{url}'\n", encoding="utf-8")
    yield st, str(cfg), ids
    st.close()


@pytest.mark.parametrize("columns", [80, 120])
def test_tables_fit_the_terminal_and_wide_shows_all(env, columns: int) -> None:  # type: ignore[no-untyped-def]
    st, cfg, ids = env
    for args in (["releases"], ["status"], ["sources"], ["alerts", "list"], ["search", "школа"], ["story", str(ids["school"])]):
        r = runner.invoke(app, [*args, "-c", cfg], env={"COLUMNS": str(columns)})
        assert r.exit_code in (0, 1), r.output
        assert max(len(line) for line in r.stdout.splitlines()) <= columns, (args, r.stdout)
    narrow = runner.invoke(app, ["releases", "-c", cfg], env={"COLUMNS": "60"}).stdout
    wide = runner.invoke(app, ["releases", "-c", cfg, "--wide"], env={"COLUMNS": "60"}).stdout
    assert "…" in narrow and max(len(line) for line in wide.splitlines()) > 60 and "…" not in wide
    story = runner.invoke(app, ["story", str(ids["school"]), "-c", cfg, "--wide"], env={"COLUMNS": "60"}).stdout
    assert max(len(line) for line in story.splitlines()) > 60 and "…" not in story and "https://arbat.mos.ru/presscenter/news/detail/" in story


def test_story_of_a_merged_story_says_where_it_went(env) -> None:  # type: ignore[no-untyped-def]
    st, cfg, _ = env
    with st.read_session() as s:
        a, b = sorted(x.id for x in s.exec(select(Story)).all())[:2]
    assert runner.invoke(app, ["merge", str(a), str(b), "-c", cfg]).exit_code == 0
    r = runner.invoke(app, ["story", str(b), "-c", cfg])
    assert r.exit_code == 1 and f"no story {b}: it was merged into story {a}" in r.output


def test_alerts_list_shows_the_title_that_was_sent(env) -> None:  # type: ignore[no-untyped-def]
    st, cfg, _ = env
    with st.session() as s:
        story = s.exec(select(Story)).first()
        ob = AlertOutbox(event="story.created", story_id=story.id, status="dispatched")
        s.add(ob)
        s.flush()
        body = json.dumps({"type": "story.created", "data": {"story_id": story.id, "title": "Заголовок при отправке"}}, ensure_ascii=False)
        s.add(AlertDelivery(outbox_id=ob.id, channel="webhook:0", message_id="msg_test_sent_title", status="delivered",
                            attempts=1, payload={"kind": "webhook", "body": body}))
        current = story.title
    r = runner.invoke(app, ["alerts", "list", "-c", cfg, "--wide"])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.stdout.splitlines() if "story.created" in ln)
    assert "Заголовок при отправке" in line and f"(story now: {current})" in line
    rows = [json.loads(x) for x in runner.invoke(app, ["alerts", "list", "-c", cfg, "--format", "json"]).stdout.splitlines()]
    assert rows[0]["sent_title"] == "Заголовок при отправке" and rows[0]["title"] == current


def test_releases_head_exits_zero(env) -> None:  # type: ignore[no-untyped-def]
    _, cfg, _ = env
    cmd = f"{sys.executable} -m crawler releases -c {cfg} --limit 0 --wide | head -c 10 > /dev/null; echo $" + "{PIPESTATUS[0]}"
    for _ in range(3):
        out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
        assert out.stdout.strip() == "0", out.stderr


def test_help_shows_no_type_after_flags_and_probe_rejects_non_urls() -> None:
    h = runner.invoke(app, ["crawl", "--help"]).stdout
    assert "--no-alerts" in h and "<bool>" not in h
    r = runner.invoke(app, ["probe", "notaurl"])
    assert r.exit_code == 2 and "not a web page URL: 'notaurl'" in r.output and "robots.txt" not in r.output
