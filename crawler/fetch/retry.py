"""Pure retry policy: which failures are worth retrying, and how long to wait.

The wait is "full jitter" exponential backoff (AWS Architecture Blog, *Exponential
Backoff And Jitter*, 2015) built from tenacity's ``wait_random_exponential``, except
that a server's ``Retry-After`` (RFC 9110 §10.2.3) wins when it asks for longer.
"""

from __future__ import annotations

from tenacity import RetryCallState, wait_random_exponential

from crawler.errors import FetchError, PermanentFetchError, TransientFetchError
from crawler.httpdates import parse_retry_after

#: Statuses retried after a wait: request timeout, too early, rate limit, and every 5xx but 501.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})


def classify_status(status: int, url: str, retry_after: float | None = None) -> FetchError | None:
    """Map an HTTP status to ``None`` (usable: 2xx/304) or the error to raise.

    Returns:
        ``TransientFetchError`` for :data:`RETRYABLE_STATUSES` and other 5xx,
        ``PermanentFetchError`` for other 4xx and unexpected 3xx, else ``None``.
    """
    if 200 <= status < 300 or status == 304:
        return None
    if status in RETRYABLE_STATUSES or status >= 500:
        return TransientFetchError(f"HTTP {status} from {url}", url=url, status=status, retry_after=retry_after)
    return PermanentFetchError(f"HTTP {status} from {url}", url=url, status=status)


def backoff_delay(attempt: int, *, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to sleep before attempt ``attempt + 1`` (``attempt`` counts from 1).

    Args:
        attempt: attempts made so far (>= 1).
        base: backoff base in seconds (the first wait is uniform in ``[0, base]``... ``[0, base*2**(n-1)]``).
        cap: the longest wait in seconds; also caps ``retry_after``.
        retry_after: the server's requested wait in seconds, if any.
    """
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    wait = wait_random_exponential(multiplier=base, max=cap)(state)
    if retry_after is not None:
        wait = max(wait, min(retry_after, cap))
    return float(wait)


def is_retryable(exc: BaseException) -> bool:
    """True for errors worth another attempt (transient fetch errors)."""
    return isinstance(exc, TransientFetchError)


__all__ = ["RETRYABLE_STATUSES", "PermanentFetchError", "backoff_delay", "classify_status", "is_retryable", "parse_retry_after"]
