"""Delivery through Apprise URLs (Telegram ``tgram://``, Slack ``slack://``, …).

Apprise reports only success or failure, so every failure is treated as transient
(retried with backoff, dead-lettered after ``alerts.retry_for``). Apprise services
have no idempotency key: a retry after an unclear failure may show the message twice.
Apprise URLs hold tokens, so logs show only the scheme.
"""

from __future__ import annotations

import asyncio
from typing import Any

import apprise

from crawler.alert.channels import Channel
from crawler.alert.render import Message, subject, text_body
from crawler.config import AppriseChannel
from crawler.errors import ConfigError, TransientDeliveryError
from crawler.netpolicy import HOSTED_SCHEMES



class AppriseChannelImpl(Channel):
    """One Apprise URL (``alerts.apprise[i]``)."""

    kind = "apprise"

    def __init__(self, key: str, cfg: AppriseChannel) -> None:
        super().__init__(key, cfg)
        self.cfg: AppriseChannel = cfg
        self.scheme = cfg.url.split("://", 1)[0] if "://" in cfg.url else "?"
        probe = apprise.Apprise()
        if not probe.add(cfg.url):
            raise ConfigError(f"alerts channel {key}: Apprise does not understand this {self.scheme}:// URL")
        self._target: str | None = None
        if self.scheme.lower() in HOSTED_SCHEMES:
            host = str(getattr(probe[0], "host", "") or "")
            port = getattr(probe[0], "port", None)
            if host:
                h = f"[{host}]" if ":" in host else host
                self._target = f"{'https' if getattr(probe[0], 'secure', False) else 'http'}://{h}{f':{port}' if port else ''}/"

    def target(self) -> str | None:
        return self._target

    def label(self) -> str:
        return f"{self.key} ({self.scheme}://…)"

    def secrets(self) -> list[str]:
        url = self.cfg.url
        parts = [url, url.split("://", 1)[-1]]
        return parts

    def render(self, msg: Message, message_id: str) -> dict[str, Any]:
        return {"kind": "apprise", "title": subject(msg), "body": text_body(msg)}

    async def send(self, payload: dict[str, Any], message_id: str) -> str:
        await self.check_target()
        ap = apprise.Apprise()
        ap.add(self.cfg.url)
        t = self.timeout.total_seconds()
        try:
            result = await asyncio.wait_for(
                ap.async_notify(body=payload["body"], title=payload["title"], body_format=apprise.NotifyFormat.TEXT), t
            )
        except asyncio.TimeoutError:
            raise TransientDeliveryError(f"{self.scheme}://…: no answer within {t:g}s") from None
        except Exception as exc:  # apprise plugins may raise anything
            raise TransientDeliveryError(self.redact(f"{self.scheme}://…: {type(exc).__name__}: {exc}"[:500])) from None
        if not result:
            status = getattr(getattr(result, "status", None), "name", "FAILURE")
            raise TransientDeliveryError(f"{self.scheme}://…: apprise reported {status}")
        return "accepted"
