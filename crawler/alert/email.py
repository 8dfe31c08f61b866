"""E-mail delivery over SMTP (stdlib :mod:`smtplib`; aiosmtplib is not a dependency).

``starttls: true`` (port 587) upgrades with STARTTLS; ``ssl: true`` (port 465) is
implicit TLS; both verify the server certificate (system store, or ``ca_file``).
Passwords go to ``AUTH`` as given: ``%``, ``@``, ``;`` need no escaping.
The message has text and HTML parts (UTF-8), an RFC 2047-encoded Russian subject,
and a ``Message-ID`` derived from the delivery's stable id, frozen at first render,
so a retried alert is the same message to the mailbox.

Error mapping: 250 = delivered; SMTP 4xx, connection/TLS errors and timeouts are
transient; SMTP 5xx (but authentication failures, which the operator can fix and
which are therefore retried within ``alerts.retry_for``) are permanent.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from datetime import datetime, timezone
from typing import Any

from crawler.alert.channels import Channel
from crawler.alert.render import Message, html_body, subject, text_body
from crawler.config import EmailChannel
from crawler.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError


class EmailChannelImpl(Channel):
    """An SMTP mailbox (``alerts.email``)."""

    kind = "email"

    def __init__(self, key: str, cfg: EmailChannel) -> None:
        super().__init__(key, cfg)
        self.cfg: EmailChannel = cfg

    def label(self) -> str:
        mode = "ssl" if self.cfg.ssl else "starttls" if self.cfg.starttls else "plain"
        return f"{self.key} (smtp {self.cfg.host}:{self.cfg.port} {mode} → {len(self.cfg.to)} recipient(s))"

    def secrets(self) -> list[str]:
        return [self.cfg.password or ""]

    def _domain(self) -> str:
        addr = parseaddr(self.cfg.from_)[1]
        return addr.rpartition("@")[2] or "mosnews.local"

    def render(self, msg: Message, message_id: str) -> dict[str, Any]:
        return {
            "kind": "email",
            "subject": subject(msg),
            "text": text_body(msg),
            "html": html_body(msg),
            "message_id_header": f"<{message_id}@{self._domain()}>",
            "date": format_datetime(datetime.now(timezone.utc)),
            "event": msg.event,
        }

    def build(self, payload: dict[str, Any]) -> EmailMessage:
        """The MIME message (multipart/alternative: text/plain then text/html) for a frozen payload."""
        m = EmailMessage()
        m["Subject"] = payload["subject"]
        m["From"] = self.cfg.from_
        m["To"] = ", ".join(self.cfg.to)
        m["Date"] = payload["date"]
        m["Message-ID"] = payload["message_id_header"]
        m["X-Mosnews-Event"] = payload.get("event", "")
        m.set_content(payload["text"], charset="utf-8")
        m.add_alternative(payload["html"], subtype="html", charset="utf-8")
        return m

    def _send_sync(self, m: EmailMessage) -> str:
        c = self.cfg
        t = self.timeout.total_seconds()
        ctx = ssl.create_default_context(cafile=c.ca_file) if (c.ssl or c.starttls) else None
        smtp: smtplib.SMTP
        if c.ssl:
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=t, context=ctx)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=t)
        with smtp:
            smtp.ehlo()
            if c.starttls:
                smtp.starttls(context=ctx)
                smtp.ehlo()
            if c.username:
                smtp.login(c.username, c.password or "")
            refused = smtp.send_message(m, from_addr=parseaddr(c.from_)[1] or c.from_, to_addrs=list(c.to))
        if refused:
            return f"250, but {len(refused)} recipient(s) refused"
        return "250 accepted"

    async def send(self, payload: dict[str, Any], message_id: str) -> str:
        m = self.build(payload)
        where = f"smtp {self.cfg.host}:{self.cfg.port}"
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._send_sync, m), self.timeout.total_seconds() + 2)
        except DeliveryError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientDeliveryError(self.redact(f"{where}: authentication failed ({exc.smtp_code})")) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [v[0] for v in exc.recipients.values()]
            cls = PermanentDeliveryError if codes and all(int(x) >= 500 for x in codes) else TransientDeliveryError
            raise cls(f"{where}: all recipients refused ({', '.join(str(x) for x in codes)})") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentDeliveryError(self.redact(f"{where}: not supported by server: {exc}")) from None
        except smtplib.SMTPResponseException as exc:
            cls = PermanentDeliveryError if exc.smtp_code >= 500 else TransientDeliveryError
            err = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise cls(self.redact(f"{where}: SMTP {exc.smtp_code} {err}"[:500])) from None
        except (asyncio.TimeoutError, socket.timeout, TimeoutError):
            raise TransientDeliveryError(f"{where}: timed out after {self.timeout.total_seconds():g}s") from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise TransientDeliveryError(self.redact(f"{where}: {type(exc).__name__}: {exc}"[:500])) from None
