"""Standard Webhooks delivery (https://www.standardwebhooks.com/, the ``standardwebhooks`` package).

Every attempt of one alert carries the same ``webhook-id`` (the delivery's
``message_id``) and the same body; ``webhook-timestamp`` is the attempt's time and
``webhook-signature`` is ``v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>``.
2xx = accepted. 408, 429, 5xx, timeouts and connection errors are retried
(honouring ``Retry-After``); 3xx and other 4xx are permanent. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import httpx
from standardwebhooks import Webhook

from crawler.alert.backoff import parse_retry_after
from crawler.alert.channels import Channel, safe_url
from crawler.alert.render import Message, webhook_json
from crawler.config import WebhookChannel
from crawler.errors import ConfigError, PermanentDeliveryError, TransientDeliveryError

USER_AGENT = "mosnews-webhooks/1"


class WebhookChannelImpl(Channel):
    """A webhook receiver (``alerts.webhooks[i]``)."""

    kind = "webhook"

    def __init__(self, key: str, cfg: WebhookChannel) -> None:
        super().__init__(key, cfg)
        self.cfg: WebhookChannel = cfg
        try:
            self._signer = Webhook(cfg.secret)
        except Exception:
            raise ConfigError(f"alerts channel {key}: webhook secret is not a valid Standard Webhooks secret (whsec_<base64>)") from None
        if not cfg.url.startswith(("http://", "https://")):
            raise ConfigError(f"alerts channel {key}: webhook url must be http(s)")

    def target(self) -> str | None:
        return self.cfg.url

    def label(self) -> str:
        return f"{self.key} ({safe_url(self.cfg.url)})"

    def secrets(self) -> list[str]:
        s = self.cfg.secret
        return [s, s.removeprefix("whsec_"), self.cfg.url]

    def render(self, msg: Message, message_id: str) -> dict[str, Any]:
        return {"kind": "webhook", "body": webhook_json(msg)}

    def headers(self, message_id: str, body: str, at: datetime) -> dict[str, str]:
        """The Standard Webhooks headers for one attempt at time ``at``."""
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": self._signer.sign(message_id, at, body),
        }

    async def send(self, payload: dict[str, Any], message_id: str) -> str:
        body: str = payload["body"]
        headers = self.headers(message_id, body, datetime.now(timezone.utc))
        t = self.timeout.total_seconds()
        where = safe_url(self.cfg.url)
        await self.check_target()
        try:
            async with httpx.AsyncClient(timeout=httpx.Timeout(t), follow_redirects=False, trust_env=False) as client:
                resp = await asyncio.wait_for(client.post(self.cfg.url, content=body.encode("utf-8"), headers=headers), t + 1)
        except (httpx.TimeoutException, asyncio.TimeoutError):
            raise TransientDeliveryError(f"{where}: no answer within {t:g}s") from None
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(self.redact(f"{where}: {type(exc).__name__}: {exc}")) from None
        code = resp.status_code
        if 200 <= code < 300:
            return f"HTTP {code}"
        retry_after = parse_retry_after(resp.headers.get("retry-after"), now=datetime.now(timezone.utc))
        msg = f"{where}: HTTP {code}"
        if code in (408, 425, 429) or code >= 500:
            raise TransientDeliveryError(msg, retry_after=retry_after)
        raise PermanentDeliveryError(msg)
