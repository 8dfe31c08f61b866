"""Turning an alert into bytes: the versioned webhook JSON, e-mail parts (Jinja2), Apprise text.

Rendering happens once per delivery, at its first attempt (after ``alerts.settle``),
from the database; the result is frozen into ``alert_deliveries.payload`` so every
retry sends the same body. The webhook schema is documented in docs/alerts.md
(:data:`SCHEMA_VERSION`); adding keys keeps the version, renaming or removing bumps it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from jinja2 import Environment

from crawler.russian import plural_form
from storage.outbox import StoryRecord
from storage.types import iso_utc

#: Version of the webhook JSON body (``"version"`` key).
#: 2 (issue 12): ``original_url`` / ``original_published_at`` added, and ``title`` / ``canonical_url``
#: are now the Mayor's original's when the story has one (docs/alerts.md, «Schema versions»).
SCHEMA_VERSION = 2
MOSCOW = ZoneInfo("Europe/Moscow")
_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря")


@dataclass(frozen=True)
class Message:
    """What one delivery says, before channel formatting.

    Attributes:
        event: ``story.created``, ``story.updated``, ``digest``, ``source.failing`` or ``test``.
        at: when the event happened (aware; the webhook ``timestamp``).
        stories: the story (story events) or the digest's stories, each with its event.
        previous_count: for ``story.updated``, the reprint count the channel last heard of.
        info: ``source.failing`` payload (``source_id``, ``name``, ``okrug``, ``since``, ``error``) or test text.
    """

    event: str
    at: datetime
    stories: tuple[tuple[str, StoryRecord], ...] = ()
    previous_count: int | None = None
    info: dict[str, Any] = field(default_factory=dict)


def moscow_time(dt: datetime | None) -> str:
    """``12 марта 2025, 14:30 МСК`` (Europe/Moscow), or ``—`` for ``None``."""
    if dt is None:
        return "—"
    m = dt.astimezone(MOSCOW)
    return f"{m.day} {_MONTHS[m.month - 1]} {m.year}, {m:%H:%M} МСК"


def plural(n: int, one: str, few: str, many: str) -> str:
    """``n`` and its noun form (:func:`crawler.russian.plural_form`): ``plural(5, "релиз", "релиза",
    "релизов")`` → ``"5 релизов"``."""
    return f"{n} {plural_form(n, one, few, many)}"


def story_data(story: StoryRecord) -> dict[str, Any]:
    """The ``data`` object of a story event (schema v2, docs/alerts.md)."""
    okrugs = sorted({r.okrug for r in story.reprints if r.okrug})
    return {
        "story_id": story.id,
        "title": story.title,
        "published_at": iso_utc(story.published_at),
        "first_seen_at": iso_utc(story.first_seen_at),
        "canonical_url": story.canonical_url,
        "original_url": story.original_url,
        "original_published_at": iso_utc(story.original_published_at),
        "reprint_count": story.reprint_count,
        "okrugs": okrugs,
        "reprints": [
            {
                "url": r.url,
                "source_id": r.source_id,
                "source_name": r.source_name,
                "okrug": r.okrug,
                "published_at": iso_utc(r.published_at),
                "title": r.title,
                "original": story.original_url is not None and r.url == story.original_url,
            }
            for r in story.reprints
        ],
    }


def webhook_json(msg: Message) -> str:
    """The webhook body: ``{"type", "version", "timestamp", "data"}`` as compact UTF-8 JSON text."""
    if msg.event in ("story.created", "story.updated"):
        data = story_data(msg.stories[0][1])
        if msg.event == "story.updated":
            data["previous_reprint_count"] = msg.previous_count
    elif msg.event == "digest":
        data = {"count": len(msg.stories), "stories": [{"event": ev, **story_data(s)} for ev, s in msg.stories]}
    else:
        data = dict(msg.info)
    body = {"type": msg.event, "version": SCHEMA_VERSION, "timestamp": iso_utc(msg.at), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def subject(msg: Message) -> str:
    """A one-line Russian subject/title (newlines removed, at most 200 characters)."""
    if msg.event == "story.created":
        s = f"Новый релиз: {msg.stories[0][1].title}"
    elif msg.event == "story.updated":
        st = msg.stories[0][1]
        s = f"Новые перепечатки ({st.reprint_count}): {st.title}"
    elif msg.event == "digest":
        s = f"Дайджест mosnews: {plural(len(msg.stories), 'релиз', 'релиза', 'релизов')}"
    elif msg.event == "source.failing":
        s = f"Источник не отвечает: {msg.info.get('name') or msg.info.get('source_id') or '?'}"
    elif msg.event == "test":
        s = "mosnews: тестовое сообщение"
    else:
        s = f"mosnews: {msg.event}"
    s = " ".join(s.split())
    return s if len(s) <= 200 else s[:199] + "…"


@lru_cache(maxsize=1)
def _env() -> Environment:
    # Imported on the first message rendered, not when the daemon starts (idle memory, issue 14).
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["msk"] = moscow_time
    return env


def _context(msg: Message) -> dict[str, Any]:
    return {
        "event": msg.event,
        "subject": subject(msg),
        "stories": [{"event": ev, "story": s} for ev, s in msg.stories],
        "story": msg.stories[0][1] if msg.stories else None,
        "previous_count": msg.previous_count,
        "info": msg.info,
        "at": msg.at,
        "count_text": plural(len(msg.stories), "релиз", "релиза", "релизов"),
    }


def _template(msg: Message) -> str:
    if msg.event in ("story.created", "story.updated"):
        return "story"
    if msg.event == "digest":
        return "digest"
    return "generic"


def text_body(msg: Message) -> str:
    """Plain-text body (also used for Apprise)."""
    return _env().get_template(f"{_template(msg)}.txt.j2").render(**_context(msg))


def html_body(msg: Message) -> str:
    """HTML body; every value is HTML-escaped (Jinja2 autoescape)."""
    return _env().get_template(f"{_template(msg)}.html.j2").render(**_context(msg))


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
