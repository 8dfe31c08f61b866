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


from sqlmodel import select

from crawler.alert import Dispatcher
from storage import outbox
from storage.models import AlertDelivery

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


def _grow(store, stories, clock) -> None:
    """After the crash, every story gains a reprint under another title: a body rendered again at
    the retry (instead of the one frozen at the first attempt) would differ from the first one."""
    for sid in stories:
        add_article(store, clock.now, source="mitino", title=f"Перепечатка {sid}", join=sid)


def _frozen_bodies(store) -> dict[str, str]:
    with store.read_session() as s:
        return {d.message_id: (d.payload or {}).get("body", "") for d in s.exec(select(AlertDelivery))}


def _check_after_restart(receiver, stories, store):
    per_id: dict[str, set[str]] = {}
    for h in receiver.hits:
        per_id.setdefault(h.webhook_id, set()).add(h.body)
    assert all(len(bodies) == 1 for bodies in per_id.values()), "one id, one body"
    frozen = _frozen_bodies(store)
    assert all(bodies == {frozen[mid]} for mid, bodies in per_id.items()), "every attempt sent the body frozen at the first attempt"
    assert all(json.loads(h.body)["data"]["reprint_count"] == 1 for h in receiver.hits), "the story as of the first attempt"
    accepted = {json.loads(h.body)["data"]["story_id"]: h.webhook_id for h in receiver.accepted()}
    assert sorted(accepted) == stories, "every alert delivered"
    assert len(per_id) == len(stories), "no alert under two ids"


def _wait_for(cond, what: str, p: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 30
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not cond():
        raise AssertionError(p.stderr.read1().decode() if p is not None and p.poll() is not None else what)  # type: ignore[union-attr]


async def test_kill_9_while_receiver_holds_the_request(tmp_path, store, receiver, clock):
    cfg, stories = _setup(tmp_path, store, receiver, clock)
    receiver.hang = True
    p = _spawn(cfg, "run")
    try:
        _wait_for(lambda: receiver.hits, "no request seen", p)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    assert p.returncode == -signal.SIGKILL
    receiver.hang = False
    receiver.release.set()
    assert outbox.summary(store)["pending"] == 3  # nothing marked, nothing lost
    _grow(store, stories, clock)
    # Restart before the lease expired: the child claimed all three in one transaction before its
    # first request (whether or not each request reached the receiver), so none is sent yet.
    d = Dispatcher(make_settings(store.url, webhooks=[hook(receiver, timeout="20s")]), store, clock=clock)
    seen = len(receiver.hits)
    early = await d.dispatch_due()
    assert early.sent == 0 and len(receiver.hits) == seen
    clock.advance(60)
    late = await d.dispatch_due()
    assert late.sent == 3
    _check_after_restart(receiver, stories, store)


async def test_kill_9_between_send_and_mark(tmp_path, store, receiver, clock):
    cfg, stories = _setup(tmp_path, store, receiver, clock, n=2)
    p = _spawn(cfg, "die-before-mark")
    _, err = p.communicate(timeout=30)
    assert p.returncode == -signal.SIGKILL, err.decode()
    first = receiver.accepted_ids()
    assert first, "the receiver accepted at least one before the kill"
    assert outbox.summary(store)["delivered"] == 0
    _grow(store, stories, clock)
    d = Dispatcher(make_settings(store.url, webhooks=[hook(receiver, timeout="20s")]), store, clock=clock)
    clock.advance(60)
    rep = await d.dispatch_due()
    assert rep.sent == 2
    _check_after_restart(receiver, stories, store)
    assert set(first) <= set(receiver.accepted_ids())
    assert outbox.summary(store)["delivered"] == 2


async def test_kill_9_between_headers_and_body(tmp_path, store, receiver, clock):
    """A sender killed mid-request leaves the receiver a torn request (headers, part of the body):
    no receiver processes it, and the retry sends the whole frozen body under the same id."""
    cfg, stories = _setup(tmp_path, store, receiver, clock)
    p = _spawn(cfg, "die-mid-request")
    _, err = p.communicate(timeout=30)
    assert p.returncode == -signal.SIGKILL, err.decode()
    _wait_for(lambda: receiver.torn, "no torn request seen")
    assert receiver.hits == [], "killed before any request body went out"
    assert outbox.summary(store)["pending"] == 3
    _grow(store, stories, clock)
    d = Dispatcher(make_settings(store.url, webhooks=[hook(receiver, timeout="20s")]), store, clock=clock)
    clock.advance(60)
    rep = await d.dispatch_due()
    assert rep.sent == 3
    _check_after_restart(receiver, stories, store)
    assert {mid for mid, _, _ in receiver.torn} <= set(receiver.accepted_ids())
    assert outbox.summary(store)["delivered"] == 3
