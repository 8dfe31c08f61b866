"""Issue 11 item 9: a Cyrillic SMTP password works (UTF-8 AUTH); STARTTLS against an implicit-TLS port is named, not retried.

Real aiosmtpd servers on 127.0.0.1 with a self-signed certificate made for the test.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.alert import Dispatcher
from crawler.cli import app
from crawler.config import settings_from_dict
from crawler.errors import ConfigError
from storage import outbox
from tests.alert.conftest import add_article, make_settings
from tests.alert.receivers import self_signed, start_smtp

USER = "робот@mosnews.test"
PASSWORD = "Пароль-секрет ё 42"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    c, k = self_signed(tmp_path_factory.mktemp("tls"))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(c, k)
    return c, ctx


def _mail(port: int, cert: Path, **kw):  # type: ignore[no-untyped-def]
    return {"host": "127.0.0.1", "port": port, "username": USER, "password": PASSWORD, "from": "bot@mosnews.test",
            "to": ["reader@example.test"], "ca_file": str(cert), "timeout": "2s", **kw}


@pytest.mark.parametrize("implicit", [False, True])
async def test_cyrillic_password_logs_in(store, clock, cert, implicit: bool) -> None:  # type: ignore[no-untyped-def]
    srv = start_smtp(user=USER, password=PASSWORD, tls=cert[1], implicit=implicit)
    try:
        mode = {"ssl": True} if implicit else {"starttls": True}
        d = Dispatcher(make_settings(email=_mail(srv.port, cert[0], **mode)), store, clock=clock)
        add_article(store, clock.now)
        rep = await d.dispatch_due()
    finally:
        srv.stop()
    assert rep.sent == 1, rep.errors
    assert srv.logins == [(USER, PASSWORD)]
    assert len(srv.handler.messages) == 1


async def test_starttls_against_implicit_tls_is_named_and_dead_at_once(store, clock, cert) -> None:  # type: ignore[no-untyped-def]
    srv = start_smtp(user=USER, password=PASSWORD, tls=cert[1], implicit=True)
    try:
        d = Dispatcher(make_settings(email=_mail(srv.port, cert[0], starttls=True)), store, clock=clock)
        add_article(store, clock.now)
        rep = await d.dispatch_due()
    finally:
        srv.stop()
    assert rep.sent == 0 and rep.dead == 1 and rep.failed == 0
    (_key, err), = rep.errors
    assert f"port {srv.port} expects implicit TLS: set ssl: true" in err
    assert outbox.summary(store)["dead"] == 1
    assert srv.handler.messages == [] and srv.logins == []


async def test_ssl_against_plain_port_is_named(store, clock, cert) -> None:  # type: ignore[no-untyped-def]
    srv = start_smtp(user=USER, password=PASSWORD, tls=cert[1])  # STARTTLS port
    try:
        d = Dispatcher(make_settings(email=_mail(srv.port, cert[0], ssl=True)), store, clock=clock)
        results = await d.send_test()
    finally:
        srv.stop()
    (_key, ok, detail), = results
    assert not ok and "speaks plain SMTP" in detail


def test_alerts_test_shows_the_tls_mismatch(tmp_path: Path, cert) -> None:  # type: ignore[no-untyped-def]
    import yaml

    srv = start_smtp(user=USER, password=PASSWORD, tls=cert[1], implicit=True)
    try:
        cfg = tmp_path / "config.yaml"
        cfg.write_text(yaml.safe_dump({
            "database": {"url": f"sqlite:///{tmp_path / 'm.db'}"},
            "alerts": {"email": _mail(srv.port, cert[0], starttls=True)},
        }, allow_unicode=True), encoding="utf-8")
        res = CliRunner().invoke(app, ["alerts", "test", "-c", str(cfg)])
    finally:
        srv.stop()
    assert res.exit_code == 1
    assert f"port {srv.port} expects implicit TLS: set ssl: true" in res.output
    assert PASSWORD not in res.output


def test_port_465_without_ssl_refused_at_load() -> None:
    with pytest.raises(ConfigError, match="port 465 expects implicit TLS: set ssl: true"):
        settings_from_dict({"alerts": {"email": {"host": "smtp.example.test", "port": 465, "starttls": True,
                                                  "from": "a@example.test", "to": ["b@example.test"]}}}, env={})
