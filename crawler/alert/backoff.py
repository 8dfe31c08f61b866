"""Retry delays for alert deliveries: capped exponential backoff with "equal jitter".

Algorithm: Marc Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog,
2015 ("equal jitter" variant): ``d = min(cap, base * 2**(attempt-1))``, then a
uniform pick in ``[d/2, d]``. Unlike "full jitter" the delay never collapses to
zero, so a failing receiver is not hammered, while the random half still spreads
many deliveries that failed together.

A receiver's ``Retry-After`` is honoured: the delay is at least what it asked
for (capped at :data:`MAX_RETRY_AFTER` so a bogus header cannot park an alert
for days). Pure functions: the random draw is an argument.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from crawler.httpdates import parse_retry_after  # noqa: F401  re-exported for the channels

#: Longest ``Retry-After`` honoured (6 h); longer requests are cut to this.
MAX_RETRY_AFTER = timedelta(hours=6)


def backoff_delay(
    attempt: int,
    *,
    base: timedelta,
    cap: timedelta,
    rand: float,
    retry_after: float | None = None,
) -> timedelta:
    """Delay before the next attempt.

    Args:
        attempt: attempts made so far (1 after the first failure).
        base: delay after the first failure, before jitter.
        cap: longest delay, before jitter.
        rand: a uniform draw in ``[0, 1)`` (``random.random()``).
        retry_after: seconds the receiver asked to wait, if any.

    Returns:
        ``max(jittered exponential delay, min(retry_after, 6 h))``.
    """
    n = max(1, attempt)
    raw = min(cap.total_seconds(), base.total_seconds() * (2.0 ** min(n - 1, 60)))
    delay = raw / 2 + min(max(rand, 0.0), 1.0) * raw / 2
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER.total_seconds()))
    return timedelta(seconds=delay)


def give_up(*, started: datetime, now: datetime, delay: timedelta, retry_for: timedelta) -> bool:
    """True when the next attempt would fall after the retry window (``started + retry_for``).

    Args:
        started: when the delivery entered the queue (``alert_deliveries.created_at``).
        now: the current time; ``delay``: the planned wait; ``retry_for``: ``alerts.retry_for``.
    """
    return now + delay > started + retry_for
