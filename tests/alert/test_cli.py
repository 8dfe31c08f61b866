"""``mosnews alerts list|test|retry`` through typer's runner."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from crawler.cli import app
from storage import outbox

from tests.alert.conftest import SECRET, add_article


def _config(tmp_path, store, receiver) -> str:
    cfg = {
        "database": {"url": store.url},
        "alerts": {"allow_private_targets": True, "settle": "0s", "backoff": "1s", "max_backoff": "1s", "retry_for": "0s",
                   "webhooks": [{"name": "hook", "url": receiver.url, "secret": "${MOSNEWS_WEBHOOK_SECRET}", "timeout": "2s"}]},
    }
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return str(p)


def test_alerts_cli(tmp_path, store, receiver, clock, monkeypatch):
    monkeypatch.setenv("MOSNEWS_WEBHOOK_SECRET", SECRET)
    cfg = _config(tmp_path, store, receiver)
    runner = CliRunner()
    add_article(store, clock.now)
    receiver.fail_next = 1  # with retry_for 0s: dead at the first failure
    res = runner.invoke(app, ["crawl", "--help"])
    assert res.exit_code == 0
    import asyncio

    from crawler.alert import Dispatcher
    from crawler.config import load_settings

    rep = asyncio.run(Dispatcher(load_settings(cfg), store).dispatch_due())
    assert rep.dead == 1
    res = runner.invoke(app, ["alerts", "list", "-c", cfg])
    assert res.exit_code == 0, res.output
    assert "1 dead" in res.output and "story.created" in res.output and "HTTP 503" in res.output
    assert SECRET not in res.output and "s3cr3t-token" not in res.output
    res = runner.invoke(app, ["alerts", "retry", "-c", cfg])
    assert res.exit_code == 0, res.output
    assert "re-queued 1 dead delivery" in res.output and "1 sent" in res.output
    assert outbox.summary(store)["delivered"] == 1
    res = runner.invoke(app, ["alerts", "test", "-c", cfg])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("ok") and "s3cr3t-token" not in res.output
    receiver.status = 500
    res = runner.invoke(app, ["alerts", "test", "-c", cfg])
    assert res.exit_code == 1 and "FAILED" in res.output
