"""Issue 11 item 7: a bad filter stops the start (exit 2); a dead dispatcher is an ERROR, a failing /healthz and a restart."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from crawler import daemon as daemon_mod
from crawler import metrics
from crawler.config import settings_from_dict
from storage import open_store

SECRET = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="


def test_bad_filter_regex_exits_2_under_run(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'm.db'}\n"
        "alerts:\n  allow_private_targets: true\n  webhooks:\n"
        f"    - url: http://127.0.0.1:9/hook\n      secret: {SECRET}\n      filters: {{regex: ['[unclosed']}}\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, "-m", "crawler", "run", "--config", str(cfg)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "alerts.webhooks[0].filters" in lines[0] and "regular expression" in lines[0]
    assert not (tmp_path / "m.db").exists()  # refused before anything started


def test_private_webhook_without_opt_in_exits_2_under_run(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'm.db'}\n"
        f"alerts:\n  webhooks:\n    - url: http://127.0.0.1:9/hook\n      secret: {SECRET}\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, "-m", "crawler", "run", "--config", str(cfg)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "allow_private_targets" in proc.stderr.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _healthz(url: str, want: int) -> dict:
    """Poll /healthz until it answers ``want`` (no timing asserted: the test's own timeout bounds it)."""
    async with httpx.AsyncClient(trust_env=False) as c:
        for _ in range(600):
            try:
                r = await c.get(url)
                if r.status_code == want:
                    return r.json()
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz never answered {want}")


async def test_dead_dispatcher_is_logged_fails_healthz_and_restarts(tmp_path: Path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import crawler.alert as alert_pkg

    port = _free_port()
    settings = settings_from_dict({
        "database": {"url": f"sqlite:///{tmp_path / 'm.db'}"},
        "server": {"port": port},
        "alerts": {"dispatch_every": "100ms"},
    }, env={})
    store = open_store(settings.database.url)
    real = alert_pkg.Dispatcher
    healthy = asyncio.Event()
    built = {"n": 0}

    class Dying(real):  # type: ignore[misc, valid-type]
        def __init__(self, *a, **k):  # type: ignore[no-untyped-def]
            built["n"] += 1
            if not healthy.is_set():
                raise RuntimeError("channel setup exploded")
            super().__init__(*a, **k)

    monkeypatch.setattr(alert_pkg, "Dispatcher", Dying)
    restarts0 = metrics.REGISTRY.get_sample_value("mosnews_task_restarts_total", {"task": "alerts"}) or 0.0
    d = daemon_mod.Daemon(settings, store)
    with caplog.at_level(logging.INFO, logger="mosnews.daemon"):
        run = asyncio.create_task(d.run())
        try:
            body = await _healthz(f"http://127.0.0.1:{port}/healthz", 503)
            assert "RuntimeError: channel setup exploded" in body["tasks"]["alerts"]
            healthy.set()
            body = await _healthz(f"http://127.0.0.1:{port}/healthz", 200)
            assert "tasks" not in body
        finally:
            d.stop.set()
            await asyncio.wait_for(run, 60)
            store.close()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "background task alerts died" in r.getMessage()]
    assert errors and built["n"] >= 2
    assert (metrics.REGISTRY.get_sample_value("mosnews_task_restarts_total", {"task": "alerts"}) or 0) >= restarts0 + 1
    assert any("running again" in r.getMessage() for r in caplog.records)
