"""Read-only reports of the alert outbox: the backlog gauge, ``mosnews status`` counts and
the ``mosnews alerts list`` listing. State changes are in :mod:`storage.outbox`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from storage.models import AlertDelivery, AlertOutbox, Story
from storage.store import Store
from storage.types import iso_utc


def backlog(store: Store) -> int:
    """Number of ``pending`` deliveries (for the ``mosnews_outbox_backlog`` gauge)."""
    with store.read_session() as s:
        return int(s.exec(select(func.count()).select_from(AlertDelivery).where(AlertDelivery.status == "pending")).one())


def summary(store: Store) -> dict[str, Any]:
    """Counts for ``mosnews status``.

    Returns:
        ``{"pending", "delivered", "dead", "filtered", "held", "digest", "digested", "cancelled"}``
        delivery counts, ``"outbox_pending"`` (not yet fanned out), ``"outbox_skipped"``,
        ``"oldest_pending_due"`` (ISO or ``None``) and ``"dead_recent"``: up to 10
        ``{"id", "channel", "event", "story_id", "attempts", "last_error"}`` (newest first).
    """
    with store.read_session() as s:
        counts = dict(s.exec(select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)).all())
        ob = dict(s.exec(select(AlertOutbox.status, func.count()).group_by(AlertOutbox.status)).all())
        oldest = s.exec(select(func.min(AlertDelivery.next_attempt_at)).where(AlertDelivery.status == "pending")).one()
        dead = list(
            s.exec(
                select(AlertDelivery, AlertOutbox.event, AlertOutbox.story_id)
                .join(AlertOutbox, col(AlertOutbox.id) == col(AlertDelivery.outbox_id))
                .where(AlertDelivery.status == "dead")
                .order_by(col(AlertDelivery.id).desc())
                .limit(10)
            )
        )
    out: dict[str, Any] = {k: int(counts.get(k, 0)) for k in ("pending", "delivered", "dead", "filtered", "held", "digest", "digested", "cancelled")}
    out["outbox_pending"] = int(ob.get("pending", 0))
    out["outbox_skipped"] = int(ob.get("skipped", 0))
    out["oldest_pending_due"] = iso_utc(oldest) if isinstance(oldest, datetime) else oldest
    out["dead_recent"] = [
        {"id": d.id, "channel": d.channel, "event": ev, "story_id": sid, "attempts": d.attempts, "last_error": d.last_error} for d, ev, sid in dead
    ]
    return out


def next_due(store: Store) -> datetime | None:
    """The earliest time something becomes deliverable: a ``pending`` outbox row's ``due_at``
    (settling) or a ``pending`` delivery's ``next_attempt_at`` (a retry, or a lease); ``None``
    when nothing is waiting."""
    with store.read_session() as s:
        a = s.exec(select(func.min(AlertOutbox.due_at)).where(AlertOutbox.status == "pending")).one()
        b = s.exec(select(func.min(AlertDelivery.next_attempt_at)).where(AlertDelivery.status == "pending")).one()
    times = [t for t in (a, b) if isinstance(t, datetime)]
    return min(times) if times else None


def outstanding(store: Store) -> dict[str, Any]:
    """What is still waiting to be delivered, by reason (for ``mosnews crawl``'s last line).

    Returns:
        ``{"settling": n, "settling_until": datetime | None, "retrying": n, "retry_at": datetime | None,
        "held": n, "digest": n}``: outbox rows not yet due (``alerts.settle``), pending deliveries
        (waiting for their next attempt), deliveries held by ``min_reprints``/``mayor_only``
        filters, deliveries waiting for their channel's digest.
    """
    with store.read_session() as s:
        settling, until = s.exec(select(func.count(), func.max(AlertOutbox.due_at)).where(AlertOutbox.status == "pending")).one()
        retrying, retry_at = s.exec(
            select(func.count(), func.max(AlertDelivery.next_attempt_at)).where(AlertDelivery.status == "pending")
        ).one()
        counts = dict(s.exec(select(AlertDelivery.status, func.count()).where(col(AlertDelivery.status).in_(["held", "digest"])).group_by(AlertDelivery.status)).all())
    return {
        "settling": int(settling or 0), "settling_until": until if isinstance(until, datetime) else None,
        "retrying": int(retrying or 0), "retry_at": retry_at if isinstance(retry_at, datetime) else None,
        "held": int(counts.get("held", 0)), "digest": int(counts.get("digest", 0)),
    }


def sent_title(payload: dict[str, Any] | None) -> str | None:
    """The title a frozen delivery payload carries (what the receiver got, or will get on a retry):
    the webhook body's ``data.title``, else the e-mail subject / Apprise title; ``None`` when the
    delivery was not rendered yet."""
    import json

    p = payload or {}
    if p.get("kind") == "webhook":
        try:
            data = json.loads(p.get("body") or "{}").get("data") or {}
        except (ValueError, AttributeError):
            return None
        title = data.get("title") if isinstance(data, dict) else None
        return title if isinstance(title, str) else None
    title = p.get("subject") or p.get("title")
    return title if isinstance(title, str) else None


def list_outbox(store: Store, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest outbox rows with their deliveries, for ``mosnews alerts list``.

    Args:
        status: keep only outbox rows with a delivery in this status (``dead``, ``pending``, …),
            or outbox rows in this status (``skipped``, ``cancelled``).

    Returns:
        ``[{"id", "event", "story_id", "title", "status", "created_at", "due_at",
        "sent_title", "deliveries": [{"id", "channel", "status", "attempts", "next_attempt_at", "last_error",
        "message_id", "sent_title"}]}]``: ``title`` is the story's current title, ``sent_title`` the one its
        first rendered delivery carried (``None`` before the first attempt).
    """
    with store.read_session() as s:
        q = select(AlertOutbox, Story.title).join(Story, col(Story.id) == col(AlertOutbox.story_id), isouter=True)
        if status:
            sub = select(AlertDelivery.outbox_id).where(AlertDelivery.status == status)
            q = q.where((col(AlertOutbox.status) == status) | col(AlertOutbox.id).in_(sub))
        rows = list(s.exec(q.order_by(col(AlertOutbox.id).desc()).limit(limit)))
        ids = [r.id for r, _ in rows]
        dels: dict[int, list[dict[str, Any]]] = {}
        if ids:
            for d in s.exec(select(AlertDelivery).where(col(AlertDelivery.outbox_id).in_(ids)).order_by(col(AlertDelivery.id))):
                dels.setdefault(d.outbox_id or 0, []).append(
                    {
                        "id": d.id,
                        "channel": d.channel,
                        "status": d.status,
                        "attempts": d.attempts,
                        "next_attempt_at": iso_utc(d.next_attempt_at),
                        "last_error": d.last_error,
                        "message_id": d.message_id,
                        "sent_title": sent_title(d.payload),
                    }
                )
    return [
        {
            "id": r.id,
            "event": r.event,
            "story_id": r.story_id,
            "title": title or ((r.payload or {}).get("name") if r.event == "source.failing" else None),
            "status": r.status,
            "created_at": iso_utc(r.created_at),
            "due_at": iso_utc(r.due_at),
            "sent_title": next((d["sent_title"] for d in dels.get(r.id or 0, []) if d["sent_title"]), None),
            "deliveries": dels.get(r.id or 0, []),
        }
        for r, title in rows
    ]
