"""Channel registry: configured webhooks, mailboxes and Apprise URLs as :class:`Channel` objects.

Channel keys (``alert_deliveries.channel``): the configured ``name``, else
``webhook:<i>``, ``email:<i>``, ``apprise:<i>`` (index in its list). Renaming or
reordering channels changes keys: deliveries of a vanished key are dead-lettered
("channel no longer configured") and can be re-queued after fixing the config.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from crawler.alert.filters import StoryFilter, compile_filters
from crawler.alert.render import Message
from crawler.config import Settings
from crawler.errors import ConfigError, PermanentDeliveryError, RefusedURLError
from crawler.netpolicy import check_target, check_target_now

REDACTED = "***"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret (and its URL-quoted forms) in ``text`` with ``***``."""
    for s in secrets:
        if not s or len(s) < 3:
            continue
        for form in {s, quote(s, safe=""), quote_plus(s), quote(s)}:
            text = text.replace(form, REDACTED)
    return text


def safe_url(url: str) -> str:
    """``scheme://host[:port]/…``: enough to recognise an endpoint, no path/query/credentials (tokens live there)."""
    try:
        u = urlsplit(url)
        host = u.hostname or "?"
        port = f":{u.port}" if u.port else ""
    except ValueError:
        return "<unparseable url>"
    rest = "/…" if (u.path not in ("", "/") or u.query) else ""
    return f"{u.scheme}://{host}{port}{rest}"


class Channel(ABC):
    """One alert destination.

    Attributes:
        key: the channel key (see module doc); ``kind``: ``webhook``, ``email`` or ``apprise``.
        filters: compiled filters; ``digest``/``updates``: periods or ``None``; ``timeout``: send deadline.
    """

    kind: str = ""

    def __init__(self, key: str, cfg: Any) -> None:
        self.key = key
        self.cfg = cfg
        try:
            self.filters: StoryFilter = compile_filters(cfg.filters)
        except ConfigError as exc:
            raise ConfigError(f"alerts channel {key}: {exc}") from None
        self.digest: timedelta | None = cfg.digest
        self.updates: timedelta | None = cfg.updates
        self.timeout: timedelta = cfg.timeout

    @abstractmethod
    def label(self) -> str:
        """A description safe for logs (no secrets)."""

    @abstractmethod
    def secrets(self) -> list[str]:
        """Strings that must never appear in logs or error messages."""

    @abstractmethod
    def render(self, msg: Message, message_id: str) -> dict[str, Any]:
        """The frozen payload for ``msg`` (a JSON-able dict with ``"kind"``)."""

    @abstractmethod
    async def send(self, payload: dict[str, Any], message_id: str) -> str:
        """Send a frozen payload; return a short success detail.

        Raises:
            TransientDeliveryError: worth retrying (timeouts, 5xx, 429, SMTP 4xx).
            PermanentDeliveryError: never accepted as is (4xx, SMTP 5xx).
        """

    def redact(self, text: str) -> str:
        """``text`` with this channel's secrets masked."""
        return redact(text, self.secrets())

    #: ``alerts.allow_private_targets`` (set by :func:`build_channels`).
    allow_private: bool = False

    def target(self) -> str | None:
        """``scheme://host[:port]/`` this channel connects to, when the address policy applies (else ``None``)."""
        return None

    def check_target_now(self) -> None:
        """Load-time address check of :meth:`target` (no name resolution).

        Raises:
            ConfigError: the target is a private/loopback/… or numeric-encoded address and
                ``alerts.allow_private_targets`` is not set (logged and counted once).
        """
        url = self.target()
        if url is None:
            return
        try:
            check_target_now(url, allow_private=self.allow_private, channel=self.key, safe=safe_url(url))
        except RefusedURLError as exc:
            raise ConfigError(f"alerts channel {self.key}: {exc}") from None

    async def check_target(self) -> None:
        """Send-time address check of :meth:`target` (the host name is resolved).

        Raises:
            PermanentDeliveryError: the target is refused (the delivery is dead-lettered at once).
        """
        url = self.target()
        if url is None:
            return
        try:
            await check_target(url, allow_private=self.allow_private, channel=self.key, safe=safe_url(url))
        except RefusedURLError as exc:
            raise PermanentDeliveryError(str(exc)) from None


def build_channels(settings: Settings) -> list[Channel]:
    """Every configured channel, in config order (webhooks, email, apprise).

    Raises:
        ConfigError: duplicate channel names, a bad filter, an invalid webhook secret or Apprise URL,
            a webhook/Apprise target on a private address without ``alerts.allow_private_targets``
            (messages never contain the secret).
    """
    # Each kind's module (Apprise with its ~80 modules, smtplib, standardwebhooks) is imported
    # only when such a channel is configured: the daemon keeps what it imports for its lifetime.
    out: list[Channel] = []
    a = settings.alerts
    if a.webhooks:
        from crawler.alert.webhook import WebhookChannelImpl

        for i, w in enumerate(a.webhooks):
            out.append(WebhookChannelImpl(w.name or f"webhook:{i}", w))
    emails = settings.email_channels()
    if emails:
        from crawler.alert.email import EmailChannelImpl

        for i, e in enumerate(emails):
            out.append(EmailChannelImpl(e.name or f"email:{i}", e))
    if a.apprise:
        from crawler.alert.apprise_channel import AppriseChannelImpl

        for i, ap in enumerate(a.apprise):
            out.append(AppriseChannelImpl(ap.name or f"apprise:{i}", ap))
    seen: set[str] = set()
    for ch in out:
        ch.allow_private = a.allow_private_targets
        ch.check_target_now()
        if ch.key in seen:
            raise ConfigError(f"alerts: channel name {ch.key!r} is used twice")
        if not re.fullmatch(r"[\w:.@-]{1,128}", ch.key):
            raise ConfigError(f"alerts: channel name {ch.key!r}: use letters, digits and _ : . @ - (at most 128)")
        seen.add(ch.key)
    return out
