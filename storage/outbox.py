"""Alert outbox state changes: fan-out to channels, claim, mark, retry, dead-letter, re-queue.

Read-only reports (backlog, summary, listing) are in :mod:`storage.outbox_report`.

Life of an alert (see docs/alerts.md):

1. ``alert_outbox`` row ``pending`` (written with the story, ``due_at`` = first seen + settle).
2. :func:`fan_out` (once due): one ``alert_deliveries`` row per configured channel
   (unique ``(outbox_id, channel)``) with a deterministic ``message_id``; the outbox row
   becomes ``dispatched``. A delivery starts ``pending``, ``filtered`` (channel filters said
   no), ``held`` (may pass once more reprints arrive), or ``digest`` (waits for the
   channel's digest).
3. :func:`claim_due` takes due ``pending`` deliveries under a lease (``next_attempt_at`` is
   pushed past the send deadline, so a process killed mid-send is retried later by anyone),
   freezing the rendered message into ``payload`` on the first claim.
4. After the receiver accepted: :func:`mark_delivered`. After a failure:
   :func:`schedule_retry` or :func:`dead_letter`. :func:`requeue` puts dead ones back.

Delivery statuses: ``pending``, ``delivered``, ``dead``, ``filtered``, ``held``, ``digest``
(waiting), ``digested`` (folded into a digest delivery), ``cancelled`` (story vanished).
Outbox statuses: ``pending``, ``dispatched``, ``skipped``, ``cancelled``.

Everything here is synchronous (SQLAlchemy sessions); async callers use ``asyncio.to_thread``.
This module imports no ``crawler`` stage: decisions (filters, rendering) come in as callbacks.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import AlertDelivery, AlertOutbox, Article, Meta, Source, Story
from storage.outbox_report import backlog, list_outbox, summary  # re-exported: read-only reports
from storage.store import Store

#: Delivery statuses that count as "this channel has been (or will be) told about the story".
NOTIFIED = ("pending", "delivered", "digest", "digested")
SALT_KEY = "alert_id_salt"


@dataclass(frozen=True)
class Reprint:
    """One article of a story, with its source."""

    article_id: int
    url: str
    title: str
    published_at: datetime | None
    source_id: str
    source_name: str
    okrug: str


@dataclass(frozen=True)
class StoryRecord:
    """A story as alerts see it: its columns, its canonical article's text, its reprints (oldest first)."""

    id: int
    title: str
    published_at: datetime | None
    first_seen_at: datetime | None
    updated_at: datetime | None
    reprint_count: int
    canonical_url: str
    lead: str
    text: str
    reprints: tuple[Reprint, ...]
    #: The Mayor's original (docs/originals.md), ``None`` for district-only news.
    original_url: str | None = None
    original_published_at: datetime | None = None


@dataclass(frozen=True)
class OutboxEvent:
    """An ``alert_outbox`` row."""

    id: int
    event: str
    story_id: int | None
    created_at: datetime | None
    due_at: datetime | None
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery taken by :func:`claim_due`, with its frozen payload.

    Attributes:
        attempts: attempts including this one; ``created_at``: start of the retry window.
    """

    id: int
    outbox: OutboxEvent
    channel: str
    message_id: str
    attempts: int
    created_at: datetime
    payload: dict[str, Any]


class Drop(Exception):
    """Raised by a render callback: do not send; set the delivery to ``status`` (``cancelled``/``dead``)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


#: ``route(event, story_or_None, channel_key) -> (status, note)`` with status one of
#: ``pending``, ``filtered``, ``held``, ``digest``.
Route = Callable[[OutboxEvent, "StoryRecord | None", str], tuple[str, str]]
#: ``render(session, claimed_without_payload) -> payload`` (may raise :class:`Drop`).
Render = Callable[[Session, ClaimedDelivery], dict[str, Any]]


def _event(row: AlertOutbox) -> OutboxEvent:
    return OutboxEvent(row.id or 0, row.event, row.story_id, row.created_at, row.due_at, row.payload)


def id_salt(s: Session) -> str:
    """The database's random salt for message ids (created once, kept in ``meta``).

    A fresh database gets a fresh salt, so a reset database never reuses a
    receiver-visible id (receivers drop duplicate ids)."""
    row = s.get(Meta, SALT_KEY)
    if row is None:
        row = Meta(key=SALT_KEY, value=secrets.token_hex(16))
        s.add(row)
        s.flush()
    return row.value


def make_message_id(salt: str, outbox_id: int, channel: str) -> str:
    """``msg_`` + 32 hex of SHA-256(salt, outbox id, channel): stable over every retry of one alert."""
    return "msg_" + hashlib.sha256(f"{salt}:{outbox_id}:{channel}".encode()).hexdigest()[:32]


def load_story(s: Session, story_id: int | None) -> StoryRecord | None:
    """The story with its reprints (articles joined with sources), or ``None`` if it no longer exists."""
    if story_id is None:
        return None
    story = s.get(Story, story_id)
    if story is None:
        return None
    rows = list(
        s.exec(
            select(Article, Source.name, Source.okrug)
            .join(Source, col(Source.id) == col(Article.source_id))
            .where(Article.story_id == story_id)
            .order_by(func.coalesce(Article.published_at, Article.fetched_at), col(Article.id))
        )
    )
    if not rows:
        return None
    reprints = tuple(
        Reprint(a.id or 0, a.url, a.title, a.published_at, a.source_id, name or a.source_id, okrug or "") for a, name, okrug in rows
    )
    canon = next((a for a, _, _ in rows if a.id == story.canonical_article_id), rows[0][0])
    orig = next((a for a, _, _ in rows if story.original_article_id is not None and a.id == story.original_article_id), None)
    return StoryRecord(
        id=story.id or 0,
        title=story.title or canon.title,
        published_at=story.published_at,
        first_seen_at=story.first_seen_at,
        updated_at=story.updated_at,
        reprint_count=len(rows),
        canonical_url=canon.url,
        lead=canon.lead,
        text=canon.text,
        reprints=reprints,
        original_url=orig.url if orig is not None else None,
        original_published_at=orig.published_at if orig is not None else None,
    )


def _new_delivery(s: Session, salt: str, outbox_id: int, channel: str, status: str, note: str, now: datetime, story: StoryRecord | None) -> AlertDelivery:
    d = AlertDelivery(
        outbox_id=outbox_id,
        channel=channel,
        message_id=make_message_id(salt, outbox_id, channel),
        status=status,
        next_attempt_at=now,
        created_at=now,
        last_error=note or None,
        payload={"reprint_count": story.reprint_count} if story is not None else None,
    )
    s.add(d)
    return d


def fan_out(
    store: Store, now: datetime, channels: Sequence[str], route: Route, *, limit: int = 500, wait_for_original: timedelta | None = None
) -> int:
    """Turn due ``pending`` outbox rows into one delivery per channel (one transaction).

    Story events whose story vanished (merged away) become ``cancelled``. With
    ``wait_for_original``, a due ``story.created`` row whose story has no Mayor's original yet
    stays ``pending`` until the original joins or ``due_at + wait_for_original`` passes
    (``alerts.wait_for_original``, docs/originals.md).
    Returns the number of outbox rows processed.
    """
    with store.session() as s:
        salt = id_salt(s)
        rows = list(
            s.exec(
                select(AlertOutbox)
                .where(AlertOutbox.status == "pending", col(AlertOutbox.due_at) <= now)
                .order_by(col(AlertOutbox.id))
                .limit(limit)
            )
        )
        waiting = 0
        for row in rows:
            ev = _event(row)
            story = load_story(s, row.story_id)
            if row.event.startswith("story.") and story is None:
                row.status = "cancelled"
                s.add(row)
                continue
            if (
                wait_for_original
                and row.event == "story.created"
                and story is not None
                and story.original_url is None
                and row.due_at is not None
                and now < row.due_at + wait_for_original
            ):
                waiting += 1
                continue  # the first alert should carry the Mayor's original: give it a little longer
            existing = set(s.exec(select(AlertDelivery.channel).where(AlertDelivery.outbox_id == row.id)))
            for ch in channels:
                if ch not in existing:
                    status, note = route(ev, story, ch)
                    _new_delivery(s, salt, ev.id, ch, status, note, now, story)
            row.status = "dispatched"
            s.add(row)
        return len(rows) - waiting


def recheck_held(store: Store, now: datetime, route: Route, *, give_up_before: datetime) -> int:
    """Re-run the filters of ``held`` deliveries (stories that may gain reprints).

    A held delivery whose story was first seen before ``give_up_before`` becomes ``filtered``.
    Returns how many left the ``held`` state.
    """
    changed = 0
    with store.session() as s:
        held = list(s.exec(select(AlertDelivery).where(AlertDelivery.status == "held").order_by(col(AlertDelivery.id))))
        for d in held:
            row = s.get(AlertOutbox, d.outbox_id)
            story = load_story(s, row.story_id) if row else None
            if row is None or story is None:
                d.status, d.last_error = "cancelled", "story no longer exists"
            else:
                status, note = route(_event(row), story, d.channel)
                if status == "held":
                    if story.first_seen_at is None or story.first_seen_at >= give_up_before:
                        continue
                    status = "filtered"
                d.status, d.last_error = status, note or None
                d.payload = {"reprint_count": story.reprint_count}
                d.next_attempt_at = now
            changed += 1
            s.add(d)
    return changed


def flush_digest(store: Store, now: datetime, channel: str, period: timedelta) -> int | None:
    """Fold a channel's waiting (``digest``) deliveries into one digest delivery when the oldest waited ``period``.

    Creates an ``alert_outbox`` row ``event='digest'`` (payload ``{"channel", "items": [{"outbox_id",
    "story_id", "event"}]}``) and its single delivery; members become ``digested``. Returns the new
    delivery id, or ``None`` when nothing is due.
    """
    with store.session() as s:
        waiting = list(
            s.exec(select(AlertDelivery).where(AlertDelivery.channel == channel, AlertDelivery.status == "digest").order_by(col(AlertDelivery.id)))
        )
        if not waiting:
            return None
        oldest = min(d.created_at or now for d in waiting)
        if oldest + period > now:
            return None
        items = []
        for d in waiting:
            ob = s.get(AlertOutbox, d.outbox_id)
            items.append({"outbox_id": d.outbox_id, "story_id": ob.story_id if ob else None, "event": ob.event if ob else ""})
        digest = AlertOutbox(event="digest", status="dispatched", created_at=now, due_at=now, payload={"channel": channel, "items": items})
        s.add(digest)
        s.flush()
        salt = id_salt(s)
        dd = _new_delivery(s, salt, digest.id or 0, channel, "pending", "", now, None)
        s.flush()
        for d in waiting:
            d.status = "digested"
            d.payload = {**(d.payload or {}), "digest_delivery_id": dd.id}
            s.add(d)
        return dd.id


def plan_updates(store: Store, now: datetime, channel: str, period: timedelta, route: Route, *, since: datetime) -> int:
    """Queue ``story.updated`` for stories (updated since ``since``) that gained reprints since this
    channel last heard of them, at most once per ``period`` per story and channel.

    The baseline is the largest ``reprint_count`` recorded on the channel's earlier deliveries
    for the story. Returns the number of updates queued.
    """
    queued = 0
    with store.session() as s:
        rows = list(
            s.exec(
                select(AlertDelivery, AlertOutbox.story_id)
                .join(AlertOutbox, col(AlertOutbox.id) == col(AlertDelivery.outbox_id))
                .join(Story, col(Story.id) == col(AlertOutbox.story_id))
                .where(
                    AlertDelivery.channel == channel,
                    col(AlertDelivery.status).in_(NOTIFIED),
                    col(AlertOutbox.event).in_(("story.created", "story.updated")),
                    col(Story.updated_at) >= since,
                )
            )
        )
        per_story: dict[int, tuple[int, datetime]] = {}
        for d, sid in rows:
            base = int((d.payload or {}).get("reprint_count", 0))
            at = d.created_at or now
            prev = per_story.get(sid)
            per_story[sid] = (max(base, prev[0]) if prev else base, max(at, prev[1]) if prev else at)
        salt = id_salt(s) if per_story else ""
        for sid, (base, last) in sorted(per_story.items()):
            if last + period > now:
                continue
            story = load_story(s, sid)
            if story is None or story.reprint_count <= base:
                continue
            ob = AlertOutbox(
                event="story.updated",
                story_id=sid,
                status="dispatched",
                created_at=now,
                due_at=now,
                payload={"channel": channel, "reprint_count": story.reprint_count, "previous_count": base},
            )
            s.add(ob)
            s.flush()
            status, note = route(_event(ob), story, channel)
            if status == "held":
                status = "filtered"
            _new_delivery(s, salt, ob.id or 0, channel, status, note, now, story)
            queued += status != "filtered"
    return queued


def claim_due(store: Store, now: datetime, *, lease_for: Callable[[str], timedelta], render: Render, limit: int = 200) -> list[ClaimedDelivery]:
    """Claim due ``pending`` deliveries (one transaction; PostgreSQL: ``FOR UPDATE SKIP LOCKED``).

    Each claimed row gets ``attempts += 1``, ``last_attempt_at = now`` and
    ``next_attempt_at = now + lease_for(channel)`` (the lease: if the process dies before
    marking, the delivery becomes due again after the lease). A row without a rendered
    payload (no ``"kind"`` key) is rendered now and frozen; :class:`Drop` from ``render`` sets
    its status instead of claiming it.
    """
    out: list[ClaimedDelivery] = []
    with store.session() as s:
        rows = list(
            s.exec(
                select(AlertDelivery)
                .where(AlertDelivery.status == "pending", col(AlertDelivery.next_attempt_at) <= now)
                .order_by(col(AlertDelivery.next_attempt_at), col(AlertDelivery.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for d in rows:
            ob = s.get(AlertOutbox, d.outbox_id)
            ev = _event(ob) if ob is not None else OutboxEvent(0, "unknown", None, None, None, None)
            claimed = ClaimedDelivery(d.id or 0, ev, d.channel, d.message_id, d.attempts + 1, d.created_at or now, dict(d.payload or {}))
            if "kind" not in claimed.payload:
                try:
                    payload = render(s, claimed)
                except Drop as drop:
                    d.status, d.last_error, d.last_attempt_at = drop.status, drop.reason[:2000], now
                    s.add(d)
                    continue
                payload = {**claimed.payload, **payload}
                d.payload = payload
                claimed = ClaimedDelivery(claimed.id, ev, d.channel, d.message_id, claimed.attempts, claimed.created_at, payload)
            d.attempts = claimed.attempts
            d.last_attempt_at = now
            d.next_attempt_at = now + lease_for(d.channel)
            s.add(d)
            out.append(claimed)
    return out


def mark_delivered(store: Store, delivery_id: int, now: datetime) -> None:
    """Record that the receiver accepted the delivery (HTTP 2xx, SMTP 250, Apprise success)."""
    with store.session() as s:
        s.execute(
            update(AlertDelivery)
            .where(col(AlertDelivery.id) == delivery_id, col(AlertDelivery.status) == "pending")
            .values(status="delivered", delivered_at=now, last_error=None)
        )


def schedule_retry(store: Store, delivery_id: int, next_at: datetime, error: str) -> None:
    """Keep the delivery ``pending`` until ``next_at``; ``error`` (already redacted) is kept in ``last_error``."""
    with store.session() as s:
        s.execute(
            update(AlertDelivery)
            .where(col(AlertDelivery.id) == delivery_id, col(AlertDelivery.status) == "pending")
            .values(next_attempt_at=next_at, last_error=error[:2000])
        )


def dead_letter(store: Store, delivery_id: int, error: str) -> None:
    """Give up on the delivery (status ``dead``); ``mosnews alerts retry`` re-queues it."""
    with store.session() as s:
        s.execute(
            update(AlertDelivery)
            .where(col(AlertDelivery.id) == delivery_id, col(AlertDelivery.status) == "pending")
            .values(status="dead", last_error=error[:2000])
        )


def requeue(store: Store, now: datetime, ids: Sequence[int] | None = None, *, channel: str | None = None) -> int:
    """Put ``dead`` deliveries (all, or the given ids / channel) back to ``pending``, due now.

    Attempts restart at 0 and the retry window restarts (``created_at = now``); the message
    id and frozen payload are kept, so receivers still see one id per alert. Returns the count.
    """
    with store.session() as s:
        q = update(AlertDelivery).where(col(AlertDelivery.status) == "dead")
        if ids:
            q = q.where(col(AlertDelivery.id).in_(list(ids)))
        if channel:
            q = q.where(col(AlertDelivery.channel) == channel)
        res = s.execute(q.values(status="pending", attempts=0, next_attempt_at=now, created_at=now))
        return int(res.rowcount or 0)  # type: ignore[attr-defined]


__all__ = [
    "ClaimedDelivery",
    "Drop",
    "OutboxEvent",
    "Reprint",
    "StoryRecord",
    "backlog",
    "claim_due",
    "dead_letter",
    "fan_out",
    "flush_digest",
    "id_salt",
    "list_outbox",
    "load_story",
    "make_message_id",
    "mark_delivered",
    "plan_updates",
    "recheck_held",
    "requeue",
    "schedule_retry",
    "summary",
]
