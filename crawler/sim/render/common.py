"""Shared helpers for the markup families: escaping, Russian dates, page context."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from ..vocab import MONTHS_GEN

RUBRICS = {
    "school": "Образование", "clinic": "Здравоохранение", "road": "Транспорт", "metro": "Транспорт",
    "park": "Благоустройство", "renovation": "Реновация", "annual": "Городские сервисы",
    "sport": "Спорт", "transport": "Транспорт", "local": "Новости района",
}
RUBRIC_SLUG = {"Образование": "education", "Здравоохранение": "health", "Транспорт": "transport",
               "Благоустройство": "improvement", "Реновация": "renovation", "Городские сервисы": "services",
               "Спорт": "sport", "Новости района": "district"}

MENU = ("Об управе", "Пресс-центр", "Документы", "Общественная приёмная", "Жилищно-коммунальное хозяйство",
        "Благоустройство", "Социальная сфера", "Контакты")


def esc(s: str) -> str:
    """HTML-escape text (quotes included)."""
    return html.escape(s, quote=True)


def ddmmyyyy(dt: datetime) -> str:
    """``24.02.2015``."""
    return dt.strftime("%d.%m.%Y")


def ru_date(dt: datetime, with_time: bool = True) -> str:
    """``24 февраля 2015, 12:30`` (or without the time)."""
    s = f"{dt.day} {MONTHS_GEN[dt.month - 1]} {dt.year}"
    return f"{s}, {dt:%H:%M}" if with_time else s


@dataclass(frozen=True)
class SiteCtx:
    """What a template needs to know about the site being rendered.

    ``base`` is the absolute origin (``http://127.0.0.5:43123``), no trailing slash.
    """

    site_id: str
    name: str
    okrug: str
    kind: str
    base: str

    @property
    def org(self) -> str:
        """The organisation's name as printed after the body (``Управа района Арбат``)."""
        return f"Управа района {self.name}" if self.kind == "uprava" else self.name


@dataclass(frozen=True)
class Item:
    """A detail page as templates see it (paths root-relative)."""

    path: str
    title: str
    published_at: datetime
    paragraphs: tuple[str, ...]
    rubric: str
    image: str | None
    story: str


def image_path(page_id: int, topic: str, cyrillic: bool) -> str:
    """A plausible ``/upload/iblock/<3 hex>/<name>.jpg`` path (percent-encoded Cyrillic when asked)."""
    h = f"{(page_id * 2654435761) % 4096:03x}"
    name = quote(f"фото_{topic}_{page_id % 97}") if cyrillic else f"{topic}_{page_id:x}"
    return f"/upload/iblock/{h}/{name}.jpg"


def share_links(url: str) -> list[tuple[str, str]]:
    """Share-button targets ``(label, href)`` for ``url``."""
    u = quote(url, safe="")
    return [("ВКонтакте", f"https://vk.com/share.php?url={u}"), ("Одноклассники", f"https://connect.ok.ru/offer?url={u}"),
            ("Telegram", f"https://t.me/share/url?url={u}")]
