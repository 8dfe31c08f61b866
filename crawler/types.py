"""Immutable records that cross stage boundaries (fetch → parse → dedup → store → alert).

All datetimes are timezone-aware. Parsed times keep the page's zone
(Europe/Moscow); storage converts to UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchResult:
    """One HTTP response, as the fetcher hands it to the parser."""

    #: The URL requested (after canonicalisation).
    url: str
    #: The final URL after redirects.
    final_url: str
    #: HTTP status code; 304 means "not modified" and ``content`` is empty.
    status: int
    #: Raw body bytes (possibly empty on 304).
    content: bytes
    #: The ``Content-Type`` header, or ``None``.
    content_type: str | None
    #: ``ETag`` header of the response, if any.
    etag: str | None = None
    #: ``Last-Modified`` header of the response, if any.
    last_modified: str | None = None
    #: Seconds from request start to the end of the body.
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        """True for a ``304 Not Modified`` answer to a conditional GET."""
        return self.status == 304


@dataclass(frozen=True)
class ListItem:
    """One entry of a press-centre list page."""

    #: Absolute canonical URL of the detail page (no ``utm_*``, no fragment).
    url: str
    #: Title as shown in the list, or ``None``.
    title: str | None = None
    #: Publication time shown in the list (aware, Europe/Moscow), or ``None``.
    published_at: datetime | None = None
    #: Lead text if the list shows one.
    lead: str | None = None


@dataclass(frozen=True)
class ListPage:
    """A parsed list page: its items in page order and the next (older) page."""

    items: tuple[ListItem, ...]
    #: Absolute URL of the next page of older items, found from the pager links; ``None`` on the last page.
    next_url: str | None = None
    #: Which extraction layer produced the items (``profile:<name>``, ``generic``).
    layer: str = ""
    #: Items given up on this page, as ``(url or href, reason)``: a link that is no URL (port
    #: ``:80a``), an item whose extraction failed.  The other items are unaffected.
    rejected: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ParsedArticle:
    """A detail page turned into an article."""

    #: Absolute canonical URL.
    url: str
    #: Headline, whitespace-normalised.
    title: str
    #: Publication time, aware (Europe/Moscow as on the page), or ``None`` when the page shows none.
    published_at: datetime | None
    #: Lead paragraph (may be empty).
    lead: str
    #: Body as clean paragraphs joined by ``"\n\n"``; no menus, share buttons, related news, footers.
    text: str
    #: Absolute image URLs in page order.
    images: tuple[str, ...] = ()
    #: Rubric and tag names.
    tags: tuple[str, ...] = ()
    #: Which layer supplied each field, e.g. ``{"title": "profile:bitrix", "published_at": "jsonld"}``.
    layers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoryDecision:
    """What the syndication detector decided for one article."""

    #: Existing story the article reprints, or ``None`` for "start a new story".
    story_id: int | None
    #: Calibrated probability (0..1) that the article reprints ``story_id``; for a new story,
    #: the best score among the candidates (0.0 when there were none).
    score: float
    #: Human-readable reasons: the signals and their values, vetoes that fired, candidates scored.
    explanation: dict[str, object] = field(default_factory=dict)
