"""E-mail delivery over SMTP (stdlib :mod:`smtplib`; aiosmtplib is not a dependency).

``starttls: true`` (port 587) upgrades with STARTTLS; ``ssl: true`` (port 465) is
implicit TLS; both verify the server certificate (system store, or ``ca_file``).
Passwords go to ``AUTH`` as given: ``%``, ``@``, ``;`` need no escaping, and non-ASCII
user names and passwords (``пароль``) are sent as UTF-8 inside the base64 of AUTH PLAIN /
LOGIN / CRAM-MD5 (RFC 4954 §4 carries SASL octets; RFC 4616 defines PLAIN's fields as UTF-8),
where stdlib :mod:`smtplib` would raise ``UnicodeEncodeError`` (see :class:`_Utf8Auth`).

TLS mode mismatches are detected and are permanent errors with a clear message, not
timeouts retried for ``alerts.retry_for``: ``starttls``/plain against a port that speaks
implicit TLS (no greeting arrives; a TLS handshake on the same port succeeds) says
"port N expects implicit TLS: set ssl: true"; ``ssl: true`` against a plain port says
"port N speaks plain SMTP…".
The message has text and HTML parts (UTF-8), an RFC 2047-encoded Russian subject,
and a ``Message-ID`` derived from the delivery's stable id, frozen at first render,
so a retried alert is the same message to the mailbox.

Error mapping: 250 = delivered; SMTP 4xx, connection/TLS errors and timeouts are
transient; SMTP 5xx (but authentication failures, which the operator can fix and
which are therefore retried within ``alerts.retry_for``) are permanent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
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


#: Seconds the TLS probe may take (after a greeting timeout) to tell an implicit-TLS port.
TLS_PROBE_TIMEOUT = 2.0


class _Utf8Auth:
    """smtplib ``auth`` and ``auth_cram_md5`` that encode UTF-8 instead of ASCII (RFC 4954, RFC 4616).

    ``auth`` is :meth:`smtplib.SMTP.auth` (CPython 3.11) with ``.encode("utf-8")``.
    """

    def auth(self, mechanism: str, authobject: Any, *, initial_response_ok: bool = True) -> tuple[int, bytes]:
        """Run one SASL exchange; the responses are UTF-8 octets, base64-encoded.

        Raises:
            smtplib.SMTPAuthenticationError: the server refused the credentials.
        """
        smtp: Any = self
        mechanism = mechanism.upper()
        initial = authobject() if initial_response_ok else None
        if initial is not None:
            code, resp = smtp.docmd("AUTH", mechanism + " " + base64.b64encode(initial.encode("utf-8")).decode("ascii"))
            rounds = 1
        else:
            code, resp = smtp.docmd("AUTH", mechanism)
            rounds = 0
        while code == 334:
            rounds += 1
            challenge = base64.decodebytes(resp)
            code, resp = smtp.docmd(base64.b64encode(authobject(challenge).encode("utf-8")).decode("ascii"))
            if rounds > smtplib._MAXCHALLENGE:  # type: ignore[attr-defined]
                raise smtplib.SMTPException(f"Server AUTH mechanism infinite loop. Last response: {(code, resp)!r}")
        if code in (235, 503):
            return code, resp
        raise smtplib.SMTPAuthenticationError(code, resp)

    def auth_cram_md5(self, challenge: bytes | None = None) -> str | None:
        """CRAM-MD5 with the password's UTF-8 bytes as the HMAC key."""
        smtp: Any = self
        if challenge is None:
            return None
        return smtp.user + " " + hmac.HMAC(smtp.password.encode("utf-8"), challenge, "md5").hexdigest()


class _SMTP(_Utf8Auth, smtplib.SMTP):
    pass


class _SMTP_SSL(_Utf8Auth, smtplib.SMTP_SSL):
    pass


def speaks_implicit_tls(host: str, port: int, timeout: float = TLS_PROBE_TIMEOUT) -> bool:
    """True if a TLS handshake succeeds on ``host:port`` (certificate not checked: this only
    tells the protocol; the real connection verifies it)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=host):
                return True
    except (OSError, ssl.SSLError):
        return False


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
        """The MIME message (multipart/alternative: text/plain then text/html) for a frozen payload:
        the same payload always gives the same bytes (its boundary is derived from it)."""
        m = EmailMessage()
        m["Subject"] = payload["subject"]
        m["From"] = self.cfg.from_
        m["To"] = ", ".join(self.cfg.to)
        m["Date"] = payload["date"]
        m["Message-ID"] = payload["message_id_header"]
        m["X-Mosnews-Event"] = payload.get("event", "")
        m.set_content(payload["text"], charset="utf-8")
        m.add_alternative(payload["html"], subtype="html", charset="utf-8")
        # The generator would pick a random MIME boundary per attempt; derive it from the frozen
        # payload so every attempt of one Message-ID is byte-identical (docs/alerts.md).
        digest = hashlib.sha256(f"{payload['message_id_header']}\0{payload['text']}\0{payload['html']}".encode()).hexdigest()
        m.set_boundary(f"=_mosnews_{digest[:32]}")
        return m

    def _send_sync(self, m: EmailMessage) -> str:
        c = self.cfg
        t = self.timeout.total_seconds()
        ctx = ssl.create_default_context(cafile=c.ca_file) if (c.ssl or c.starttls) else None
        smtp: smtplib.SMTP = _SMTP_SSL(timeout=t, context=ctx) if c.ssl else _SMTP(timeout=t)
        smtp._host = c.host  # type: ignore[attr-defined]  # TLS server_hostname (smtplib sets it only in __init__)
        try:
            smtp.connect(c.host, c.port)  # connects (TLS first with ssl: true) and reads the 220 greeting
        except (socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected):  # no greeting (smtplib wraps the timeout)
            smtp.close()
            if not c.ssl and speaks_implicit_tls(c.host, c.port):
                raise PermanentDeliveryError(
                    f"smtp {c.host}:{c.port}: no greeting, the port answers TLS: port {c.port} expects implicit TLS: set ssl: true"
                ) from None
            raise
        except ssl.SSLError as exc:
            smtp.close()
            if c.ssl and "WRONG_VERSION_NUMBER" in str(exc).upper():
                raise PermanentDeliveryError(
                    f"smtp {c.host}:{c.port}: port {c.port} speaks plain SMTP, not implicit TLS: set ssl: false and starttls: true"
                ) from None
            raise
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
            return await asyncio.wait_for(asyncio.to_thread(self._send_sync, m), self.timeout.total_seconds() + TLS_PROBE_TIMEOUT + 2)
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
