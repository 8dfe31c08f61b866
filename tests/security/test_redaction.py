"""Issue 11 item 8: with DEBUG logging (``--verbose``), no logger — ours, httpx's or Apprise's — writes a secret."""

from __future__ import annotations

import io
import logging

import pytest

from crawler.alert import Dispatcher
from crawler.observe import setup_logging
from crawler.redact import REDACTOR, RedactingFilter, protect_settings
from crawler.config import LoggingSettings
from tests.alert.conftest import SECRET, make_settings
from tests.alert.receivers import WebhookReceiver

HOOK_TOKEN = "hook-path-token-5e1f9a77"
QUERY_TOKEN = "query-token-c0ffee1234"
APPRISE_TOKEN = "apprise-path-token-b16b00b5"
APPRISE_PASSWORD = "apprise-pass-9x7q"


@pytest.fixture
def verbose_log():
    stream = io.StringIO()
    root = logging.getLogger()
    old_level = root.level
    handler = setup_logging(LoggingSettings(), level="DEBUG", stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name in ("httpx", "httpcore", "alembic", "apscheduler.executors", "apscheduler.scheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    REDACTOR.clear()


async def test_verbose_logs_never_show_target_tokens(store, verbose_log) -> None:  # type: ignore[no-untyped-def]
    hook = WebhookReceiver(SECRET)
    apprise_recv = WebhookReceiver(SECRET)
    apprise_recv.require_signature = False
    try:
        base = hook.url.split("/hook", 1)[0]
        aport = apprise_recv.server.server_address[1]
        settings = make_settings(
            webhooks=[{"url": f"{base}/hook/{HOOK_TOKEN}?token={QUERY_TOKEN}", "secret": SECRET, "timeout": "5s"}],
            apprise=[{"url": f"json://bot:{APPRISE_PASSWORD}@127.0.0.1:{aport}/{APPRISE_TOKEN}", "timeout": "5s"}],
        )
        protect_settings(settings)
        results = await Dispatcher(settings, store).send_test()
        # an error logged with a traceback that carries a secret
        try:
            raise RuntimeError(f"cannot post to {base}/hook/{HOOK_TOKEN}")
        except RuntimeError:
            logging.getLogger("some.library").exception("failure with %s", SECRET)
    finally:
        hook.close()
        apprise_recv.close()
    assert all(ok for _, ok, _ in results), (results, verbose_log.getvalue())
    out = verbose_log.getvalue()
    assert "HTTP Request: POST" in out  # httpx did log the request, at DEBUG
    for secret in (HOOK_TOKEN, QUERY_TOKEN, APPRISE_TOKEN, APPRISE_PASSWORD, SECRET, SECRET.removeprefix("whsec_")):
        assert secret not in out, secret
    assert "RuntimeError" in out and "***" in out


def test_filter_masks_userinfo_and_quoted_forms() -> None:
    f = RedactingFilter()
    f.add_secret("p@ss;w%rd")
    rec = logging.LogRecord("httpx", logging.INFO, "", 0, "connect %s then %s", ("postgresql://u:zz@db/x", "p%40ss%3Bw%25rd"), None)
    rec.extra_field = "again p@ss;w%rd"
    f.filter(rec)
    assert rec.getMessage() == "connect postgresql://***@db/x then ***"
    assert rec.extra_field == "again ***"
