"""Failed detail pages kept as pending work (table ``pending_details``).

A detail page whose download failed (a 500 that outlasted the fetcher's retries, a
timeout, a reset) would otherwise be lost: later crawls stop at a ``304`` or at a first
page whose items are all known. The pipeline records the failure here, asks for the due
rows of a source on every crawl of it, and deletes a row once the page was fetched.

Backoff: the n-th failure waits ``backoff · 2^(n-1)``, at most :data:`MAX_WAIT`. A row whose
first failure is older than ``retry_for`` is marked ``given_up`` (kept, shown by
``mosnews status``) and no longer retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, delete, select

from storage.models import PendingDetail

#: Longest wait between two retries of one page.
MAX_WAIT = timedelta(hours=6)


@dataclass(frozen=True)
class PendingItem:
    """A due pending page as the pipeline needs it: ``url``, the list's ``title``/``published_at``/``lead``, ``backfill``."""

    url: str
    title: str | None
    published_at: datetime | None
    lead: str | None
    backfill: bool


def record_failure(
    store, source_id: str, item: PendingItem, error: str, now: datetime, *, backoff: timedelta, retry_for: timedelta  # type: ignore[no-untyped-def]
) -> str:
    """Insert or update the row of a failed page; returns its status (``pending`` or ``given_up``)."""
    with store.session() as s:
        row = s.get(PendingDetail, item.url)
        if row is None:
            row = PendingDetail(url=item.url, source_id=source_id, title=item.title, published_at=item.published_at,
                                lead=item.lead, backfill=item.backfill, first_failed_at=now)
        row.attempts += 1
        row.last_attempt_at = now
        row.last_error = error[:500]
        wait = min(backoff * (2 ** min(row.attempts - 1, 30)), MAX_WAIT)
        row.next_attempt_at = now + wait
        first = row.first_failed_at or now
        row.status = "given_up" if now - first >= retry_for else "pending"
        s.add(row)
        return row.status


def resolve(store, urls: Sequence[str]) -> int:  # type: ignore[no-untyped-def]
    """Delete the rows of pages that were fetched (any status); returns rows deleted."""
    if not urls:
        return 0
    with store.session() as s:
        res = s.exec(delete(PendingDetail).where(col(PendingDetail.url).in_(list(urls))))  # type: ignore[call-overload]
        return int(res.rowcount or 0)


def due(store, source_id: str, now: datetime, limit: int = 200) -> list[PendingItem]:  # type: ignore[no-untyped-def]
    """The source's ``pending`` rows whose next attempt is due, oldest first (at most ``limit``)."""
    with store.read_session() as s:
        rows = s.exec(
            select(PendingDetail)
            .where(PendingDetail.source_id == source_id, PendingDetail.status == "pending", col(PendingDetail.next_attempt_at) <= now)
            .order_by(col(PendingDetail.first_failed_at))
            .limit(limit)
        ).all()
        return [PendingItem(r.url, r.title, r.published_at, r.lead, r.backfill) for r in rows]


def urls(store, source_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Every URL of the source with a row (pending or given up)."""
    with store.read_session() as s:
        return set(s.exec(select(PendingDetail.url).where(PendingDetail.source_id == source_id)).all())


def sources_with_rows(store) -> set[str]:  # type: ignore[no-untyped-def]
    """Ids of the sources that have any row (pending or given up): a crawl skips the per-source
    look-up (:func:`urls`) for the others."""
    with store.read_session() as s:
        return set(s.exec(select(PendingDetail.source_id).distinct()).all())


def summary(store) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    """``{source_id: {"pending": n, "given_up": m}}`` for sources with any row."""
    out: dict[str, dict[str, int]] = {}
    with store.read_session() as s:
        for source_id, status, n in s.exec(
            select(PendingDetail.source_id, PendingDetail.status, func.count()).group_by(PendingDetail.source_id, PendingDetail.status)  # type: ignore[call-overload]
        ).all():
            out.setdefault(source_id, {"pending": 0, "given_up": 0})[status] = int(n)
    return out


__all__ = ["MAX_WAIT", "PendingItem", "due", "record_failure", "resolve", "sources_with_rows", "summary", "urls"]
