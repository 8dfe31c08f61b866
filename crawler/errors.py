"""The mosnews error tree.

::

    MosnewsError
    ├── ConfigError            bad config file or key (CLI exit code 2)
    ├── FetchError             a page could not be fetched
    │   ├── TransientFetchError    timeouts, resets, 5xx, 429: retried later
    │   └── PermanentFetchError    4xx, robots.txt disallow, body too large
    │       └── RefusedURLError        the address policy refused the URL before connecting
    ├── ParseError             a page yielded no usable article or list
    │   ├── MarkupChangedError     a source stopped yielding items/fields
    │   └── HostilePageError       refused by the hostile-page limits (size, nodes, depth, parse time)
    ├── StorageError           database unreachable, locked, schema mismatch
    │   └── StoryEditError         a manual story fix names no such story/article, or is a no-op
    └── DeliveryError          an alert could not be delivered
        ├── TransientDeliveryError retried with backoff
        └── PermanentDeliveryError dead-lettered at once

Expected outcomes (``304 Not Modified``, "no new items", "duplicate") are
values, never exceptions. Foreign errors (httpx, SQLAlchemy, smtplib) are
translated at the boundary of the module that calls them.
"""

from __future__ import annotations


class MosnewsError(Exception):
    """Root of every error mosnews raises on purpose."""


class ConfigError(MosnewsError):
    """The configuration is invalid; the message names the key and the problem."""


class FetchError(MosnewsError):
    """A URL could not be fetched.

    Attributes:
        url: the URL requested.
        status: the HTTP status, or ``None`` for transport errors.
        retry_after: seconds the server asked us to wait (``Retry-After``), if any.
    """

    def __init__(
        self, message: str, *, url: str = "", status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retry_after = retry_after


class TransientFetchError(FetchError):
    """Worth retrying later: timeouts, connection errors, 5xx, 429."""


class PermanentFetchError(FetchError):
    """Not worth retrying soon: 4xx (but 429), robots.txt disallow, body over the size cap."""


class RefusedURLError(PermanentFetchError):
    """The address policy (:mod:`crawler.netpolicy`) refused a URL before any connection:
    another origin than the source's, or a private/loopback/link-local/… address.

    Attributes:
        reason: a short machine label (``origin``, ``numeric``, ``private``, …).
    """

    def __init__(self, message: str, *, url: str = "", reason: str = "") -> None:
        super().__init__(message, url=url)
        self.reason = reason


class ParseError(MosnewsError):
    """A page did not yield a usable list or article (no title, no body, no date)."""


class MarkupChangedError(ParseError):
    """A source whose pages used to yield items or fields no longer does."""


class HostilePageError(ParseError):
    """A page refused as malformed by the parse limits (too large, too many tags, nested too
    deep, parse time exceeded, parser worker died).  Costs that page only.

    Attributes:
        reason: short machine-readable cause (``bytes``, ``nodes``, ``depth``, ``timeout``, ``worker``).
    """

    def __init__(self, message: str, *, reason: str = "malformed") -> None:
        super().__init__(message)
        self.reason = reason


class StorageError(MosnewsError):
    """The database failed: unreachable, locked past the busy timeout, or wrong schema."""


class StoryEditError(StorageError):
    """A manual story fix (merge, split) cannot be applied: unknown story or article, or a no-op.

    A user mistake, not a database failure: the CLI exits 1, not 3.
    """


class DeliveryError(MosnewsError):
    """An alert could not be delivered to a channel.

    Attributes:
        retry_after: seconds the receiver asked us to wait, if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientDeliveryError(DeliveryError):
    """The receiver may accept later (timeouts, 5xx, 429, SMTP 4xx)."""


class PermanentDeliveryError(DeliveryError):
    """The receiver will never accept this message (4xx but 408/429, SMTP 5xx)."""
