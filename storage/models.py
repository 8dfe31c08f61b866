"""SQLModel tables: the public schema (documented in ``docs/schema.md``).

Public tables: ``sources``, ``articles``, ``stories``, the ``releases`` view
(created by the migration), ``alert_outbox`` and ``alert_deliveries``.
Internal tables: ``raw_pages``, ``pending_details``, ``article_features``, ``story_overrides``, ``meta``.

All timestamps are aware UTC (:class:`storage.types.UTCDateTime`): ISO 8601
``YYYY-MM-DDTHH:MM:SSZ`` text on SQLite, ``timestamptz`` on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _ts(**kw: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, **kw)


class Source(SQLModel, table=True):
    """One press centre and its crawl health."""

    __tablename__ = "sources"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    okrug: str = ""
    kind: str = "uprava"
    url: str
    enabled: bool = True
    last_crawl_at: Optional[datetime] = _ts()
    last_success_at: Optional[datetime] = _ts()
    last_error: Optional[str] = Field(default=None, sa_type=Text)
    last_error_at: Optional[datetime] = _ts()
    consecutive_failures: int = 0
    #: New articles stored by the last successful crawl.
    last_new_items: int = 0
    #: Consecutive crawls whose pages yielded no items or no article fields (markup change signal).
    empty_crawls: int = 0
    markup_changed: bool = False
    #: Conditional-GET validators of the first list page.
    list_etag: Optional[str] = None
    list_last_modified: Optional[str] = None
    #: True once a crawl reached ``crawl.since`` (or the last page): later crawls stop at known items.
    backfilled: bool = False
    #: Warnings of the last crawl (JSON array of short codes, e.g. ``api_block_page``; docs/originals.md).
    health_flags: Optional[list[str]] = Field(default=None, sa_column=Column(JSON))


class Article(SQLModel, table=True):
    """One fetched news page (one row per canonical URL)."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_source_published", "source_id", "published_at"),
        Index("ix_articles_story_id", "story_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    url: str = Field(sa_column_kwargs={"unique": True}, max_length=2048)
    source_id: str = Field(foreign_key="sources.id", max_length=64)
    title: str
    published_at: Optional[datetime] = _ts()
    lead: str = Field(default="", sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    images: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    fetched_at: Optional[datetime] = _ts()
    updated_at: Optional[datetime] = _ts()
    #: SHA-256 (hex) of title + lead + text; a change means the page was edited.
    content_hash: str = Field(max_length=64)
    story_id: Optional[int] = Field(default=None, foreign_key="stories.id")
    #: Calibrated probability that this article reprints its story (1.0 for a story's founder).
    story_score: Optional[float] = None
    #: The detector's reasons, JSON (signals, vetoes, candidates).
    story_explanation: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))


class Story(SQLModel, table=True):
    """One release: a group of reprints."""

    __tablename__ = "stories"
    __table_args__ = (Index("ix_stories_published_at", "published_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    title: str = ""
    canonical_article_id: Optional[int] = Field(default=None)
    #: Earliest publication time among the reprints (UTC).
    published_at: Optional[datetime] = _ts()
    first_seen_at: Optional[datetime] = _ts()
    updated_at: Optional[datetime] = _ts()
    reprint_count: int = 0
    #: The Mayor's original (an article of a ``kind: mayor`` source) when the story has one, else NULL.
    original_article_id: Optional[int] = Field(default=None, index=True)


class RawPage(SQLModel, table=True):
    """The raw HTML of every fetched detail page, zlib-compressed, for ``mosnews reparse``."""

    __tablename__ = "raw_pages"

    url: str = Field(primary_key=True, max_length=2048)
    source_id: str = Field(foreign_key="sources.id", max_length=64)
    fetched_at: Optional[datetime] = _ts()
    status: int = 200
    content_type: Optional[str] = None
    #: zlib-compressed response body bytes (as received, before decoding).
    body: bytes = Field(sa_type=LargeBinary)


class PendingDetail(SQLModel, table=True):
    """A detail page whose download failed: retried on later crawls of its source with backoff,
    until it succeeds (the row is deleted) or ``crawl.detail_retry_for`` passes (``given_up``)."""

    __tablename__ = "pending_details"
    __table_args__ = (Index("ix_pending_details_source_next", "source_id", "next_attempt_at"),)

    url: str = Field(primary_key=True, max_length=2048)
    source_id: str = Field(foreign_key="sources.id", max_length=64)
    #: ``pending`` (will be retried) or ``given_up``.
    status: str = Field(default="pending", max_length=16)
    #: What the list page showed (used when the page is retried).
    title: Optional[str] = Field(default=None, sa_type=Text)
    published_at: Optional[datetime] = _ts()
    lead: Optional[str] = Field(default=None, sa_type=Text)
    #: Found by the source's first (backfill) crawl: its story does not alert with ``first_run: skip``.
    backfill: bool = False
    attempts: int = 0
    first_failed_at: Optional[datetime] = _ts()
    last_attempt_at: Optional[datetime] = _ts()
    next_attempt_at: Optional[datetime] = _ts()
    last_error: Optional[str] = Field(default=None, sa_type=Text)


class ArticleFeatures(SQLModel, table=True):
    """The syndication detector's serialized features of an article (``crawler.dedup.Features.to_bytes``)."""

    __tablename__ = "article_features"

    article_id: int = Field(primary_key=True, foreign_key="articles.id")
    version: int = 1
    data: bytes = Field(sa_type=LargeBinary)


class StoryOverride(SQLModel, table=True):
    """A manual fix that survives reclustering: pin an article to a story, or keep it alone."""

    __tablename__ = "story_overrides"

    article_id: int = Field(primary_key=True, foreign_key="articles.id")
    #: ``merge`` (article belongs with ``anchor_article_id``'s story) or ``split`` (article stands alone).
    action: str = Field(max_length=16)
    anchor_article_id: Optional[int] = None
    created_at: Optional[datetime] = _ts()


class AlertOutbox(SQLModel, table=True):
    """Transactional outbox: one row per alertable event, written in the transaction that causes it."""

    __tablename__ = "alert_outbox"
    __table_args__ = (Index("ix_alert_outbox_status_due", "status", "due_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    #: ``story.created``, ``story.updated``, ``source.failing``, ``test``.
    event: str = Field(max_length=32)
    story_id: Optional[int] = Field(default=None, foreign_key="stories.id")
    #: ``pending`` until fanned out to channels (``dispatched``); ``skipped`` for a first run with ``first_run: skip``.
    status: str = Field(default="pending", max_length=16)
    created_at: Optional[datetime] = _ts()
    #: Not delivered before this time (``alerts.settle`` after the story was first seen).
    due_at: Optional[datetime] = _ts()
    payload: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))


class AlertDelivery(SQLModel, table=True):
    """One event (or digest) to one channel, with its retry state."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_id", "channel", name="uq_delivery_outbox_channel"),
        Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    outbox_id: Optional[int] = Field(default=None, foreign_key="alert_outbox.id")
    channel: str = Field(max_length=128)
    #: Stable idempotency key: the ``webhook-id`` / e-mail ``Message-ID`` on every attempt.
    message_id: str = Field(sa_column_kwargs={"unique": True}, max_length=128)
    #: ``pending``, ``delivered``, ``dead`` (gave up), ``filtered`` (channel filters said no), ``digested``.
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: Optional[datetime] = _ts()
    last_attempt_at: Optional[datetime] = _ts()
    delivered_at: Optional[datetime] = _ts()
    last_error: Optional[str] = Field(default=None, sa_type=Text)
    #: The rendered message, frozen at the first attempt so every retry sends the same bytes.
    payload: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))
    created_at: Optional[datetime] = _ts()


class Meta(SQLModel, table=True):
    """Key/value facts about this database (e.g. ``first_crawl_done``)."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", sa_type=Text)
