"""`mosnews web`'s search index line counts what the index covers, not only what one refresh wrote."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawler.textsearch import stem_text
from crawler.web.app import refresh_search_index
from storage import Store, fts

from tests.alert.conftest import SOURCES, add_article


@pytest.fixture
def store(tmp_path: Path):
    st = Store(f"sqlite:///{tmp_path / 'fts.db'}")
    st.sync_sources(SOURCES)
    yield st
    st.close()


def test_line_says_what_is_searchable_and_what_was_skipped(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    at = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    early = [add_article(store, at, title=f"Ранняя новость номер {i}", text=f"Текст ранней новости {i}.") for i in range(7)]
    # An earlier command (the daemon's housekeeping, `mosnews search`) indexed these seven.
    assert fts.refresh(store, stem_text) == 7
    for i in range(64):
        add_article(store, at, title=f"Поздняя новость номер {i}", text=f"Текст поздней новости {i}.")
    add_article(store, at, source="mitino", title="Перепечатка ранней новости", join=early[0])  # one indexed story changes
    with caplog.at_level(logging.INFO, logger="mosnews"):
        assert refresh_search_index(store, always_log=True) == 65
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("search index:"))
    assert line == ("search index: 71 of 71 stories searchable; 65 indexed now (new or changed since the last refresh), "
                    "6 skipped (indexed before and unchanged)"), line
    caplog.clear()
    # Nothing changed: at start the line is still written (all searchable, all skipped); later refreshes stay quiet.
    with caplog.at_level(logging.INFO, logger="mosnews"):
        assert refresh_search_index(store, always_log=True) == 0
        assert refresh_search_index(store) == 0
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("search index:")]
    assert lines == ["search index: 71 of 71 stories searchable; 0 indexed now (new or changed since the last refresh), "
                     "71 skipped (indexed before and unchanged)"]
