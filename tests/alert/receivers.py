"""Loopback receivers for alert tests: a Standard Webhooks HTTP receiver and an aiosmtpd SMTP server."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from standardwebhooks import Webhook


@dataclass
class Hit:
    """One request the webhook receiver saw."""

    webhook_id: str
    body: str
    headers: dict[str, str]
    verified: bool
    #: The status answered; 0 when the receiver hung and never answered.
    answered: int


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 (ephemeral port) verifying Standard Webhooks signatures.

    Knobs (set between dispatches): ``fail_next`` (answer ``fail_status`` this many times, with
    ``Retry-After: retry_after`` if set), ``delay`` (seconds before answering), ``hang`` (record
    then block until ``release`` is set, never answering), ``status`` (answer for every request).
    """

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.hits: list[Hit] = []
        self.torn: list[tuple[str, int, int]] = []
        self.fail_next = 0
        self.fail_status = 503
        self.retry_after: str | None = None
        self.delay = 0.0
        self.hang = False
        self.status = 204
        #: Answer 401 to requests whose signature does not verify.
        self.require_signature = True
        self.release = threading.Event()
        self.lock = threading.Lock()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(n)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if len(raw) < n:
                    # The sender died mid-request (headers sent, body cut short): like any HTTP
                    # server, do not process it — there is no request, only a torn connection.
                    with recv.lock:
                        recv.torn.append((headers.get("webhook-id", ""), len(raw), n))
                    self.close_connection = True
                    return
                body = raw.decode("utf-8")
                try:
                    Webhook(recv.secret).verify(body, headers)
                    ok = True
                except Exception:
                    ok = False
                with recv.lock:
                    hang, delay = recv.hang, recv.delay
                    if hang:
                        code = 0  # recorded, never answered
                    elif recv.fail_next > 0:
                        recv.fail_next -= 1
                        code = recv.fail_status
                    else:
                        code = recv.status if (ok or not recv.require_signature) else 401
                    hit = Hit(headers.get("webhook-id", ""), body, headers, ok, code)
                    recv.hits.append(hit)
                if hang:
                    recv.release.wait(30)
                    return
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(code)
                    if code >= 500 and recv.retry_after:
                        self.send_header("Retry-After", recv.retry_after)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?token=s3cr3t-token"

    def accepted(self) -> list[Hit]:
        """Hits answered 2xx with a valid signature."""
        return [h for h in self.hits if h.verified and 200 <= h.answered < 300]

    def accepted_ids(self) -> list[str]:
        return [h.webhook_id for h in self.accepted()]

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(h.body) for h in self.accepted()]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        #: The raw bytes of every message received, refused ones (``fail_next``) included.
        self.received: list[bytes] = []
        self.fail_next = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.original_content or envelope.content)
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 try again later"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


class _Ephemeral(Controller):
    def _trigger_server(self) -> None:  # learn the port the OS picked before the self-test connect
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SMTPServer:
    """A running aiosmtpd server: ``port``, ``handler.messages`` (``(from, rcpts, raw bytes)``), ``logins``."""

    controller: Controller
    handler: _Handler
    logins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.controller.port

    def stop(self) -> None:
        self.controller.stop()


def start_smtp(*, user: str | None = None, password: str | None = None, tls: Any = None, implicit: bool = False) -> SMTPServer:
    """Start aiosmtpd on 127.0.0.1 at a free port; AUTH required when ``user`` is given.

    ``tls``: a server ``ssl.SSLContext``; STARTTLS (required) unless ``implicit``.
    """
    handler = _Handler()
    srv = SMTPServer(controller=None, handler=handler)  # type: ignore[arg-type]

    def auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, pw = data.login.decode(), data.password.decode()
            srv.logins.append((login, pw))
            return AuthResult(success=(login == user and pw == password), handled=False)
        return AuthResult(success=False, handled=False)

    kw: dict[str, Any] = {}
    if user:
        # aiosmtpd only counts STARTTLS as TLS for auth_require_tls; implicit TLS is TLS anyway.
        kw.update(authenticator=auth, auth_require_tls=tls is not None and not implicit)
    if tls is not None and implicit:
        kw["ssl_context"] = tls
    elif tls is not None:
        kw.update(tls_context=tls, require_starttls=True)
    else:
        kw["auth_require_tls"] = False
    ctl = _Ephemeral(handler, hostname="127.0.0.1", port=0, **kw)
    ctl.start()
    srv.controller = ctl
    return srv


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A self-signed EC certificate for 127.0.0.1 (``openssl``); returns ``(cert, key)``."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
