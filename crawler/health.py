"""Operator alerts about sources: failing for too long, or silent (crawls succeed, nothing new).

:func:`check_sources` is called periodically by the daemon. It writes one
``alert_outbox`` row (``event='source.failing'``) per source per *episode*; the
episode state lives in ``meta`` under ``health.episodes`` as
``{source_id: {"failing": {"since": ISO, "alerted": bool}, "silent": {...}}}``
and an episode ends when its condition clears (a success ends a failing
episode; a new item ends a silent one), so the next trouble alerts again.

Definitions (thresholds from ``alerts.operator``):

* failing: the last crawl failed (``consecutive_failures > 0``) and there has
  been no successful crawl for ``failing_after`` (measured from
  ``last_success_at``; for a source that never succeeded, from the first time
  this check saw it failing).
* silent: crawls succeed, but the newest article of the source was published
  more than ``silent_after`` ago (a source with no articles at all: from the
  first time this check saw it that way).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from crawler.config import Settings
from storage.models import AlertOutbox, Meta
from storage.queries import SourceStatus, source_status
from storage.types import iso_utc, parse_utc

EPISODES_KEY = "health.episodes"
#: ``meta`` key: ``{source_id: ISO UTC}``, when each enabled source's first crawl is due at the latest
#: (written by the daemon at start: :func:`record_first_crawls_due`).
FIRST_CRAWL_KEY = "health.first_crawl_due"
#: Slack after a source's poll interval before a never-crawled source needs attention (a first
#: crawl reads the archive back to ``crawl.since`` and may take a while).
FIRST_CRAWL_GRACE = timedelta(hours=1)
EVENT = "source.failing"
log = logging.getLogger("mosnews.health")


def _condition(st: SourceStatus, kind: str) -> tuple[bool, datetime | None, str]:
    """``(active, since-if-known, error text)`` for one condition of one source."""
    if kind == "failing":
        return st.consecutive_failures > 0, st.last_success_at, st.last_error or "crawl failing"
    active = st.consecutive_failures == 0 and st.last_success_at is not None
    return active, st.last_item_at, "no new items"


def check_sources(store: Any, settings: Settings, now: datetime) -> list[str]:
    """Queue operator alerts for sources failing or silent too long; once per episode.

    Args:
        store: a :class:`storage.Store`.
        settings: the whole config (``alerts.operator`` thresholds; disabled → nothing is written).
        now: aware current time; alert rows are created and due at ``now``.

    Returns:
        ``"<source_id>:failing"`` / ``"<source_id>:silent"`` for every alert queued by this call.

    Payload of each row: ``{"source_id", "name", "okrug", "since" (ISO UTC), "error", "reason"}``
    where ``reason`` is ``failing`` or ``silent``.

    Raises:
        StorageError: on database errors (nothing is written).
    """
    op = settings.alerts.operator
    if not op.enabled:
        return []
    raw = store.get_meta(EPISODES_KEY)
    try:
        episodes: dict[str, dict[str, Any]] = json.loads(raw) if raw else {}
    except ValueError:
        episodes = {}
    limits = {"failing": op.failing_after, "silent": op.silent_after}
    queued: list[str] = []
    rows: list[AlertOutbox] = []
    statuses = [st for st in source_status(store, now) if st.enabled]
    live_ids = {st.id for st in statuses}
    for st in statuses:
        eps = episodes.setdefault(st.id, {})
        for kind, limit in limits.items():
            active, since, error = _condition(st, kind)
            if not active:
                eps.pop(kind, None)
                continue
            ep = eps.setdefault(kind, {"since": iso_utc(now), "alerted": False})
            start = since or parse_utc(ep["since"])
            if ep["alerted"] or now - start < limit:
                continue
            ep["alerted"] = True
            payload = {"source_id": st.id, "name": st.name, "okrug": st.okrug, "since": iso_utc(start),
                       "error": error if kind == "failing" else f"no new items since {iso_utc(start)}", "reason": kind}
            rows.append(AlertOutbox(event=EVENT, status="pending", created_at=now, due_at=now, payload=payload))
            queued.append(f"{st.id}:{kind}")
            log.warning("operator alert queued", extra={"source": st.id, "reason": kind, "since": iso_utc(start)})
    episodes = {k: v for k, v in episodes.items() if v and k in live_ids}
    value = json.dumps(episodes, sort_keys=True)
    if rows or value != (raw or "{}"):
        with store.session() as s:
            for r in rows:
                s.add(r)
            s.merge(Meta(key=EPISODES_KEY, value=value))
    return queued


def record_first_crawls_due(store: Any, settings: Settings, now: datetime) -> None:
    """Note, at daemon start, when each enabled source's first crawl is due at the latest:
    ``now`` + its poll interval + :data:`FIRST_CRAWL_GRACE` (the daemon schedules every first crawl
    within 30 s of its start). ``mosnews status`` and ``/healthz`` read it (:func:`first_crawls_due`)."""
    due = {s.id: iso_utc(now + settings.source_interval(s) + FIRST_CRAWL_GRACE) for s in settings.enabled_sources()}
    store.set_meta(FIRST_CRAWL_KEY, json.dumps(due, sort_keys=True))


def first_crawls_due(store: Any) -> dict[str, datetime]:
    """``{source_id: due}`` as the last daemon start recorded it (empty when no daemon ever started)."""
    try:
        raw = json.loads(store.get_meta(FIRST_CRAWL_KEY) or "{}")
        return {k: parse_utc(v) for k, v in raw.items() if isinstance(v, str)}
    except (ValueError, TypeError, AttributeError):
        return {}


def first_crawl_overdue(source_id: str, due: dict[str, datetime], now: datetime) -> bool:
    """A source with no crawl at all needs attention unless a running daemon's first crawl of it is
    not yet due (:func:`record_first_crawls_due`). With no daemon start recorded for it (only one-shot
    ``mosnews crawl`` runs, or it was added to the config after the daemon started) nobody will crawl
    it: it needs attention at once."""
    when = due.get(source_id)
    return when is None or now >= when


def never_crawled(ids: Iterable[str], due: dict[str, datetime], now: datetime) -> tuple[list[str], list[str]]:
    """Split never-crawled source ids into ``(overdue, waiting)`` (:func:`first_crawl_overdue`)."""
    overdue: list[str] = []
    waiting: list[str] = []
    for sid in ids:
        (overdue if first_crawl_overdue(sid, due, now) else waiting).append(sid)
    return overdue, waiting


__all__ = ["EPISODES_KEY", "EVENT", "FIRST_CRAWL_GRACE", "FIRST_CRAWL_KEY", "check_sources", "first_crawl_overdue",
           "first_crawls_due", "never_crawled", "record_first_crawls_due"]
