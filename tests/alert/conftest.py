"""Fixtures for alert tests: a fresh SQLite store with sources, a controllable clock, loopback receivers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Settings, settings_from_dict
from crawler.types import ParsedArticle, StoryDecision
from storage import Store
from storage.intents import ArticleWrite, SourceRow

from tests.alert.receivers import WebhookReceiver

SECRET = "whsec_" + base64.b64encode(b"mosnews-test-secret-0123456789ab").decode()

SOURCES = [
    SourceRow("arbat", "Управа района Арбат", "ЦАО", "uprava", "https://arbat.mos.ru/"),
    SourceRow("presnya", "Управа Пресненского района", "ЦАО", "uprava", "https://presnya.mos.ru/"),
    SourceRow("mitino", "Управа района Митино", "СЗАО", "uprava", "https://mitino.mos.ru/"),
    SourceRow("kurkino", "Управа района Куркино", "СЗАО", "uprava", "https://kurkino.mos.ru/"),
    SourceRow("vao", "Префектура ВАО", "ВАО", "prefecture", "https://vao.mos.ru/"),
]


class Clock:
    """A settable clock for the dispatcher (aware UTC, whole seconds)."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'alerts.db'}")
    st.sync_sources(SOURCES)
    yield st
    st.close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(SECRET)
    yield r
    r.close()


def make_settings(db_url: str = "sqlite:///x.db", **alerts: Any) -> Settings:
    """Settings with tiny backoff (tests), plus the given ``alerts`` keys."""
    base: dict[str, Any] = {"allow_private_targets": True, "settle": "0s", "backoff": "1s", "max_backoff": "2s", "lease": "0s", "retry_for": "1h"}
    base.update(alerts)
    return settings_from_dict({"database": {"url": db_url}, "alerts": base}, env={})


def hook(receiver: WebhookReceiver, **kw: Any) -> dict[str, Any]:
    return {"url": receiver.url, "secret": SECRET, "timeout": "1s", **kw}


_counter = [0]


def add_article(
    store: Store,
    at: datetime,
    *,
    source: str = "arbat",
    title: str = "Собянин открыл новую станцию метро",
    text: str = "Мэр Москвы Сергей Собянин открыл станцию. Пассажиры смогут пересесть на МЦК.",
    join: int | None = None,
    alert: bool = True,
    settle: timedelta = timedelta(0),
) -> int:
    """Store one article (a new story, or a reprint of story ``join``); returns the story id."""
    _counter[0] += 1
    url = f"https://{source}.mos.ru/news/item/{_counter[0]}/"
    art = ParsedArticle(url=url, title=title, published_at=at, lead="Коротко о главном.", text=text)
    decide = (lambda: StoryDecision(story_id=join, score=0.9)) if join is not None else None
    res = store.save_article(ArticleWrite(source_id=source, article=art, at=at, alert=alert, settle=settle), decide=decide)
    assert res.story_id is not None
    return res.story_id
