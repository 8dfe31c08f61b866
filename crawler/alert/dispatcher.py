"""The alert dispatcher: fan out due outbox rows, then deliver due deliveries (at-least-once).

One :meth:`Dispatcher.dispatch_due` pass:

1. fan out ``pending`` outbox rows whose ``due_at`` passed (filters decide per channel);
2. re-check ``held`` deliveries (stories that may reach ``min_reprints``/``mayor_only``);
3. queue ``story.updated`` for channels with ``updates:`` whose stories gained reprints;
4. flush digests whose period elapsed;
5. claim due deliveries under a lease, render+freeze payloads on first attempt, send each
   once (bounded concurrency, per-send deadline), then mark ``delivered`` only after the
   receiver accepted, or schedule a retry (backoff with jitter, ``Retry-After``) / dead-letter.

Crash safety: the lease (``channel timeout + 5 s + alerts.lease``) means a process killed
between send and mark leaves the delivery ``pending``; it is sent again after the lease,
with the same ``webhook-id``/``Message-ID`` and the same body.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from crawler import config as _config
from crawler.alert.backoff import backoff_delay, give_up
from crawler.alert.channels import Channel, build_channels
from crawler.alert.filters import filter_input
from crawler.alert.render import Message
from crawler.config import Settings
from crawler.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from crawler.metrics import ALERTS, OUTBOX_BACKLOG
from storage import outbox
from storage.outbox import ClaimedDelivery, Drop, OutboxEvent, StoryRecord
from storage.store import Store

log = logging.getLogger("mosnews.alert")

#: Extra seconds beyond a channel's own timeout before a send is abandoned.
SEND_GRACE = 5.0


@dataclass
class DispatchReport:
    """Counts of one :meth:`Dispatcher.dispatch_due` pass.

    Attributes:
        sent: deliveries the receiver accepted; ``failed``: failed and scheduled for retry;
        dead: dead-lettered now; ``filtered``: deliveries the channel filters dropped now;
        fanned_out: outbox rows fanned out; ``digests``: digest deliveries created;
        ``updates``: ``story.updated`` deliveries queued; ``errors``: ``(channel, message)`` of failures (redacted).
    """

    sent: int = 0
    failed: int = 0
    dead: int = 0
    filtered: int = 0
    fanned_out: int = 0
    digests: int = 0
    updates: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


class Dispatcher:
    """Delivers the alert outbox to the configured channels.

    Args:
        settings: the whole configuration (uses ``alerts`` and ``dedup.window``).
        store: the database.
        clock: ``() -> aware datetime`` (default :func:`crawler.config.now_utc`).
        rand: ``() -> float in [0, 1)`` for backoff jitter (default :func:`random.random`).

    Raises:
        ConfigError: bad channel configuration (duplicate names, filters, webhook secret, Apprise URL).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Callable[[], datetime] | None = None,
        rand: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        self.alerts = settings.alerts
        self.store = store
        self.clock = clock or (lambda: _config.now_utc())
        self.rand = rand or random.random
        self.channels: list[Channel] = build_channels(settings)
        self.by_key = {c.key: c for c in self.channels}
        self._filtered = 0

    # --- decisions -----------------------------------------------------------------

    def _wait_for_original(self) -> timedelta | None:
        """``alerts.wait_for_original`` while an originals source (``kind: mayor``) is enabled, else ``None``."""
        if any(src.kind == "mayor" and src.enabled for src in self.settings.sources):
            return self.settings.alerts.wait_for_original or None
        return None

    def _route(self, ev: OutboxEvent, story: StoryRecord | None, key: str) -> tuple[str, str]:
        ch = self.by_key.get(key)
        if ch is None:
            return "filtered", f"channel {key} is no longer configured"
        if ev.event not in ("story.created", "story.updated") or story is None:
            return "pending", ""  # operator alerts: no filters, no digest
        res = ch.filters.check(
            filter_input(story.title, f"{story.lead}\n{story.text}", ((r.source_id, r.okrug) for r in story.reprints), story.reprint_count)
        )
        if not res.ok:
            if res.may_change and ev.event == "story.created":
                return "held", res.reason
            self._filtered += 1
            return "filtered", res.reason
        return ("digest", "") if ch.digest else ("pending", "")

    def _lease(self, key: str) -> timedelta:
        ch = self.by_key.get(key)
        t = ch.timeout if ch else timedelta(seconds=30)
        return t + timedelta(seconds=SEND_GRACE) + self.alerts.lease

    def _render(self, s: Session, c: ClaimedDelivery) -> dict[str, Any]:
        ch = self.by_key.get(c.channel)
        if ch is None:
            raise Drop("dead", f"channel {c.channel} is no longer configured")
        ev = c.outbox
        at = ev.created_at or self.clock()
        if ev.event in ("story.created", "story.updated"):
            story = outbox.load_story(s, ev.story_id)
            if story is None:
                raise Drop("cancelled", "story no longer exists (merged or deleted)")
            prev = (ev.payload or {}).get("previous_count") if ev.event == "story.updated" else None
            msg = Message(ev.event, at, ((ev.event, story),), previous_count=prev)
        elif ev.event == "digest":
            items = []
            for it in (ev.payload or {}).get("items", []):
                st = outbox.load_story(s, it.get("story_id"))
                if st is not None and all(st.id != x.id for _, x in items):
                    items.append((it.get("event", "story.created"), st))
            if not items:
                raise Drop("cancelled", "every story of the digest vanished")
            msg = Message("digest", at, tuple(items))
        else:
            msg = Message(ev.event, at, info=dict(ev.payload or {}))
        return ch.render(msg, c.message_id)

    # --- passes --------------------------------------------------------------------

    def _prepare(self, now: datetime) -> tuple[int, int, int]:
        keys = [c.key for c in self.channels]
        fanned = outbox.fan_out(self.store, now, keys, self._route, wait_for_original=self._wait_for_original())
        window = self.settings.dedup.window
        outbox.recheck_held(self.store, now, self._route, give_up_before=now - window)
        updates = 0
        for ch in self.channels:
            if ch.updates:
                updates += outbox.plan_updates(self.store, now, ch.key, ch.updates, self._route, since=now - 2 * window)
        digests = 0
        for ch in self.channels:
            # A channel whose digest was switched off flushes what it had collected at once.
            if outbox.flush_digest(self.store, now, ch.key, ch.digest or timedelta(0)) is not None:
                digests += 1
        return fanned, updates, digests

    async def dispatch_due(self) -> DispatchReport:
        """Fan out what is due and deliver every due delivery once.

        Never blocks forever: each send has a deadline (channel ``timeout`` + 5 s).
        Returns a :class:`DispatchReport`.

        Raises:
            StorageError: the database failed (nothing is marked that was not confirmed).
        """
        report = DispatchReport()
        self._filtered = 0
        now = self.clock()
        if not self.channels:
            # Nothing to send to: due rows are still marked dispatched so that adding a channel later
            # does not flood it with the backlog.
            report.fanned_out = await asyncio.to_thread(outbox.fan_out, self.store, now, [], self._route)
            return report
        report.fanned_out, report.updates, report.digests = await asyncio.to_thread(self._prepare, now)
        claimed = await asyncio.to_thread(
            outbox.claim_due, self.store, now, lease_for=self._lease, render=self._render
        )
        report.filtered = self._filtered
        sem = asyncio.Semaphore(self.alerts.concurrency)

        async def one(c: ClaimedDelivery) -> None:
            async with sem:
                await self._deliver(c, report)

        await asyncio.gather(*(one(c) for c in claimed))
        try:
            OUTBOX_BACKLOG.set(await asyncio.to_thread(outbox.backlog, self.store))
        except Exception:  # metrics must never break delivery
            pass
        return report

    async def _deliver(self, c: ClaimedDelivery, report: DispatchReport) -> None:
        ch = self.by_key[c.channel]
        err: DeliveryError | None = None
        try:
            detail = await asyncio.wait_for(ch.send(c.payload, c.message_id), ch.timeout.total_seconds() + SEND_GRACE)
        except asyncio.TimeoutError:
            err = TransientDeliveryError(f"{ch.key}: no answer within {ch.timeout.total_seconds():g}s")
        except DeliveryError as exc:
            err = exc
        except Exception as exc:  # a bug or an unexpected library error: retry, never crash the loop
            err = TransientDeliveryError(f"unexpected {type(exc).__name__}: {exc}")
        if err is None:
            await asyncio.to_thread(outbox.mark_delivered, self.store, c.id, self.clock())
            ALERTS.labels(channel=ch.kind, outcome="sent").inc()
            report.sent += 1
            log.info("alert %s (%s) delivered to %s: %s", c.message_id, c.outbox.event, ch.label(), detail)
            return
        message = ch.redact(str(err))[:2000]
        report.errors.append((ch.key, message))
        now = self.clock()
        delay = backoff_delay(c.attempts, base=self.alerts.backoff, cap=self.alerts.max_backoff, rand=self.rand(), retry_after=err.retry_after)
        if isinstance(err, PermanentDeliveryError) or give_up(started=c.created_at, now=now, delay=delay, retry_for=self.alerts.retry_for):
            await asyncio.to_thread(outbox.dead_letter, self.store, c.id, message)
            ALERTS.labels(channel=ch.kind, outcome="dead").inc()
            report.dead += 1
            log.error("alert %s to %s dead-lettered after %d attempt(s): %s", c.message_id, ch.label(), c.attempts, message)
            return
        await asyncio.to_thread(outbox.schedule_retry, self.store, c.id, now + delay, message)
        ALERTS.labels(channel=ch.kind, outcome="failed").inc()
        report.failed += 1
        log.warning("alert %s to %s failed (attempt %d), retry in %.0fs: %s", c.message_id, ch.label(), c.attempts, delay.total_seconds(), message)

    async def run_forever(self, stop: asyncio.Event, *, on_pass: Callable[[], None] | None = None) -> None:
        """Call :meth:`dispatch_due` every ``alerts.dispatch_every`` until ``stop`` is set.

        Errors of one pass are logged (redacted) and the loop goes on. ``on_pass`` is called after
        every pass that completed (the daemon's supervisor uses it as a heartbeat).
        """
        every = max(self.alerts.dispatch_every.total_seconds(), 0.05)
        while not stop.is_set():
            try:
                await self.dispatch_due()
                if on_pass is not None:
                    on_pass()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                text = str(exc)
                for ch in self.channels:
                    text = ch.redact(text)
                log.error("alert dispatch pass failed: %s: %s", type(exc).__name__, text)
            try:
                await asyncio.wait_for(stop.wait(), every)
            except asyncio.TimeoutError:
                pass

    async def send_test(self) -> list[tuple[str, bool, str]]:
        """Send a test message to every channel now (not through the outbox).

        Returns:
            ``[(channel_key, ok, detail_or_redacted_error)]`` in config order.
        """
        import secrets as _secrets

        async def one(ch: Channel) -> tuple[str, bool, str]:
            mid = "msg_test_" + _secrets.token_hex(12)
            msg = Message("test", self.clock(), info={"text": "Это тестовое сообщение mosnews: канал настроен верно."})
            try:
                payload = ch.render(msg, mid)
                detail = await asyncio.wait_for(ch.send(payload, mid), ch.timeout.total_seconds() + SEND_GRACE)
                return ch.key, True, detail
            except asyncio.TimeoutError:
                return ch.key, False, f"no answer within {ch.timeout.total_seconds():g}s"
            except Exception as exc:
                return ch.key, False, ch.redact(f"{type(exc).__name__}: {exc}")[:500]

        return list(await asyncio.gather(*(one(c) for c in self.channels)))
