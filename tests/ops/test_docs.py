"""Every example query in docs/schema.md runs (``sql`` blocks on SQLite, ``postgresql`` blocks on PostgreSQL)."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from storage import open_store
from tests.ops.conftest import populate

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_there_are_examples():
    assert len(blocks("sql")) >= 6 and len(blocks("postgresql")) >= 3


def test_sql_examples_run_on_sqlite(tmp_path):
    path = tmp_path / "mosnews.db"
    st = open_store(f"sqlite:///{path}")
    populate(st, datetime.now(timezone.utc).replace(microsecond=0))
    st.close()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # as a user would, read-only
    results = [con.execute(sql).fetchall() for sql in blocks("sql")]
    since_yesterday, most_districts, district = results[0], results[1], results[2]
    assert len(since_yesterday) >= 1  # the clinics story at least (3 h old)
    assert most_districts[0][2] == 3  # the school story, reprinted by 3 districts
    assert {r[1] for r in district} == {"Сергей Собянин открыл новую школу на западе Москвы", "В Москве построят десять поликлиник"}
    assert all(len(r) for r in results[3:5])


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_examples_run(db_url):
    st = open_store(db_url)
    populate(st, datetime.now(timezone.utc).replace(microsecond=0))
    with st.read_session() as s:
        res = [list(s.connection().execute(text(sql))) for sql in blocks("postgresql")]
    st.close()
    assert len(res[0]) >= 1 and res[1][0][2] == 3 and len(res[2]) >= 6


def test_documented_columns_exist(db_url):
    """Every column named in the schema tables of the doc exists in the database."""
    st = open_store(db_url)
    insp = inspect(st.engine)
    doc = DOC.read_text(encoding="utf-8")
    for table in ("sources", "articles", "stories", "alert_outbox", "alert_deliveries"):
        section = re.split(r"^##", doc.split(f"### `{table}`")[1], flags=re.M)[0]
        documented = {c for row in re.findall(r"^\| (`[^|]+`) \|", section, flags=re.M) for c in re.findall(r"`(\w+)`", row)}
        actual = {c["name"] for c in insp.get_columns(table)}
        assert documented == actual, table
    view = {c["name"] for c in insp.get_columns("releases")}
    assert view == {"story_id", "title", "published_at", "first_seen_at", "canonical_url", "reprint_count", "reprint_urls",
                    "original_url", "original_published_at"}
    st.close()
