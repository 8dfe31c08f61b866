"""E-mail delivery to a real aiosmtpd server on loopback: STARTTLS, implicit TLS, AUTH, MIME, stable Message-ID."""

from __future__ import annotations

import email
import email.policy
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.alert import Dispatcher
from storage import outbox

from tests.alert.conftest import add_article, make_settings
from tests.alert.receivers import SMTPServer, self_signed, start_smtp

PASSWORD = "p%40ss@w;rd%"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    c, k = self_signed(tmp_path_factory.mktemp("tls"))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(c, k)
    return c, ctx


@pytest.fixture
def starttls_server(cert) -> Iterator[SMTPServer]:
    srv = start_smtp(user="bot@mosnews.test", password=PASSWORD, tls=cert[1])
    yield srv
    srv.stop()


def _mail(port: int, cert: Path, **kw):
    return {"host": "127.0.0.1", "port": port, "username": "bot@mosnews.test", "password": PASSWORD, "from": "Мосньюс <bot@mosnews.test>",
            "to": ["reader@example.test"], "ca_file": str(cert), "timeout": "5s", **kw}


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


async def test_starttls_auth_mime_and_stable_message_id(store, clock, cert, starttls_server):
    d = Dispatcher(make_settings(email=_mail(starttls_server.port, cert[0], starttls=True)), store, clock=clock)
    add_article(store, clock.now, title="Собянин: <script>alert(1)</script> & «новое» метро")
    starttls_server.handler.fail_next = 1  # 451 once: retried with the same Message-ID
    assert (await d.dispatch_due()).failed == 1
    clock.advance(5)
    assert (await d.dispatch_due()).sent == 1
    assert starttls_server.logins[-1] == ("bot@mosnews.test", PASSWORD)
    (sender, rcpts, raw), = starttls_server.handler.messages
    assert sender == "bot@mosnews.test" and rcpts == ["reader@example.test"]
    m = _parse(raw)
    assert m["Subject"] == "Новый релиз: Собянин: <script>alert(1)</script> & «новое» метро"
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower() or b"=?UTF-8?" in raw
    with store.read_session() as s:
        from sqlmodel import select

        from storage.models import AlertDelivery

        row = s.exec(select(AlertDelivery)).one()
    assert m["Message-ID"] == f"<{row.message_id}@mosnews.test>"
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content()
    assert "<script>" in text and "Перепечатки (1)" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert outbox.summary(store)["delivered"] == 1
    # The refused attempt and the retry are the same bytes (MIME boundary included): a receiver
    # deduplicating by Message-ID never sees two different messages under one id.
    assert len(starttls_server.handler.received) == 2
    assert starttls_server.handler.received[0] == starttls_server.handler.received[1] == raw


async def test_implicit_tls(store, clock, cert):
    srv = start_smtp(user="bot@mosnews.test", password=PASSWORD, tls=cert[1], implicit=True)
    try:
        d = Dispatcher(make_settings(email=_mail(srv.port, cert[0], ssl=True)), store, clock=clock)
        add_article(store, clock.now)
        assert (await d.dispatch_due()).sent == 1
        assert len(srv.handler.messages) == 1
    finally:
        srv.stop()


async def test_untrusted_certificate_is_refused(store, clock, starttls_server, cert):
    mail = _mail(starttls_server.port, cert[0], starttls=True)
    mail.pop("ca_file")
    d = Dispatcher(make_settings(email=mail), store, clock=clock)
    add_article(store, clock.now)
    rep = await d.dispatch_due()
    assert rep.failed == 1 and starttls_server.handler.messages == []


async def test_wrong_password_is_retried_and_never_leaks(store, clock, starttls_server, cert, caplog):
    mail = _mail(starttls_server.port, cert[0], starttls=True)
    mail["password"] = "wr0ng%@;secret"
    d = Dispatcher(make_settings(email=mail), store, clock=clock)
    add_article(store, clock.now)
    caplog.set_level("DEBUG")
    rep = await d.dispatch_due()
    assert rep.failed == 1
    assert "authentication failed" in rep.errors[0][1]
    assert "wr0ng" not in rep.errors[0][1] and "wr0ng" not in caplog.text
    listing = outbox.list_outbox(store)
    assert "wr0ng" not in repr(listing)
