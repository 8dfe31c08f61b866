"""Write intents storage accepts from the crawler (the consumer owns its input types)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.types import ParsedArticle


@dataclass(frozen=True)
class SourceRow:
    """A configured source as stored in ``sources``."""

    id: str
    name: str
    okrug: str
    kind: str
    url: str
    enabled: bool = True


@dataclass(frozen=True)
class ArticleWrite:
    """One parsed article to insert or update."""

    source_id: str
    article: ParsedArticle
    #: When it was fetched (aware).
    at: datetime
    #: Serialized detector features (``crawler.dedup.Features.to_bytes()``), or ``None``.
    features: bytes | None = None
    #: Whether a story this article founds should alert (``False``: outbox row ``skipped``).
    alert: bool = True
    #: Delay before a new story's alert is due (``alerts.settle``).
    settle: timedelta = timedelta(0)


@dataclass(frozen=True)
class CrawlOutcome:
    """The result of one crawl of one source, for its health columns."""

    source_id: str
    at: datetime
    #: ``None`` on success, else a one-line error.
    error: str | None = None
    new_items: int = 0
    #: ``True``: pages were fetched but yielded no items/fields; ``False``: they did; ``None``: unknown (e.g. 304).
    empty: bool | None = None
    markup_change_after: int = 3
    etag: str | None = None
    last_modified: str | None = None
    backfilled: bool = False
    #: Warnings of this crawl (short codes such as ``feed_not_xml``); ``None`` leaves the column alone.
    flags: tuple[str, ...] | None = None
