"""kill -9 of the delivering process (mid-request, and between send and mark), then a restart:
no alert is lost; a receiver sees duplicates only under the same webhook-id with the same body."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path


from crawler.alert import Dispatcher
from storage import outbox

from tests.alert.conftest import add_article, hook, make_settings

ROOT = Path(__file__).resolve().parents[2]


def _spawn(cfg: Path, mode: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.alert.crash_worker", str(cfg), mode], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _setup(tmp_path: Path, store, receiver, clock, n: int = 3):
    raw = {"database": {"url": store.url}, "alerts": {"allow_private_targets": True, "settle": "0s", "backoff": "1s", "max_backoff": "2s", "lease": "0s",
                                                      "webhooks": [hook(receiver, timeout="20s")]}}
    cfg = tmp_path / "settings.json"
    cfg.write_text(json.dumps(raw), encoding="utf-8")
    stories = [add_article(store, clock.now - timedelta(seconds=5), title=f"Новость {i}") for i in range(n)]
    return cfg, stories


def _check_after_restart(receiver, stories):
    per_id: dict[str, set[str]] = {}
    for h in receiver.hits:
        per_id.setdefault(h.webhook_id, set()).add(h.body)
    assert all(len(bodies) == 1 for bodies in per_id.values()), "one id, one body"
    accepted = {json.loads(h.body)["data"]["story_id"]: h.webhook_id for h in receiver.accepted()}
    assert sorted(accepted) == stories, "every alert delivered"
    assert len(per_id) == len(stories), "no alert under two ids"


async def test_kill_9_while_receiver_holds_the_request(tmp_path, store, receiver, clock):
    cfg, stories = _setup(tmp_path, store, receiver, clock)
    receiver.hang = True
    p = _spawn(cfg, "run")
    try:
        deadline = time.monotonic() + 30
        while not receiver.hits and time.monotonic() < deadline:
            time.sleep(0.02)
        assert receiver.hits, p.stderr.read1().decode() if p.poll() is not None else "no request seen"  # type: ignore[union-attr]
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    assert p.returncode == -signal.SIGKILL
    receiver.hang = False
    receiver.release.set()
    assert outbox.summary(store)["pending"] == 3  # nothing marked, nothing lost
    # Restart before the lease expired: the in-flight ones are not re-sent yet.
    d = Dispatcher(make_settings(store.url, webhooks=[hook(receiver, timeout="20s")]), store, clock=clock)
    early = await d.dispatch_due()
    assert early.sent == 3 - len({h.webhook_id for h in receiver.hits})
    clock.advance(60)
    await d.dispatch_due()
    _check_after_restart(receiver, stories)


async def test_kill_9_between_send_and_mark(tmp_path, store, receiver, clock):
    cfg, stories = _setup(tmp_path, store, receiver, clock, n=2)
    p = _spawn(cfg, "die-before-mark")
    _, err = p.communicate(timeout=30)
    assert p.returncode == -signal.SIGKILL, err.decode()
    first = receiver.accepted_ids()
    assert first, "the receiver accepted at least one before the kill"
    assert outbox.summary(store)["delivered"] == 0
    d = Dispatcher(make_settings(store.url, webhooks=[hook(receiver, timeout="20s")]), store, clock=clock)
    clock.advance(60)
    rep = await d.dispatch_due()
    assert rep.sent == 2
    _check_after_restart(receiver, stories)
    assert set(first) <= set(receiver.accepted_ids())
    assert outbox.summary(store)["delivered"] == 2
