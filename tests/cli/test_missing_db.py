"""Commands that read or fix stored data refuse a database file that is not there."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app

runner = CliRunner()


@pytest.mark.parametrize("args", [["releases"], ["search", "школа"], ["story", "1"], ["status"], ["recluster"], ["alerts", "list"], ["export"], ["reparse"]])
def test_read_commands_refuse_a_missing_sqlite_file(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "typo.db"
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{missing}\nsources: []\n", encoding="utf-8")
    res = runner.invoke(app, [*args, "--config", str(cfg)])
    assert res.exit_code == 3, res.output
    assert f"no database at {missing}" in res.output
    assert not missing.exists()  # nothing created


def test_sources_before_the_first_crawl_lists_the_config(tmp_path: Path) -> None:
    """A fresh machine: the configured sources, never crawled, and no database file made."""
    missing = tmp_path / "later.db"
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"database:\n  url: sqlite:///{missing}\nsources:\n"
        "  - {id: arbat, name: Управа района Арбат, okrug: ЦАО, url: 'http://127.0.0.1:9/presscenter/news/'}\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["sources", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "arbat" in res.output and "never" in res.output and "1 sources configured" in res.output
    assert not missing.exists()


def test_crawl_still_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{db}\nsources: []\n", encoding="utf-8")
    res = runner.invoke(app, ["crawl", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert db.exists()
