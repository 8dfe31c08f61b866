"""Child process for the kill -9 test: one ``dispatch_due`` pass over a given database.

Usage: ``python -m tests.alert.crash_worker SETTINGS_JSON_FILE MODE`` where MODE is
``run`` (plain pass), ``die-before-mark`` (SIGKILL itself right after the receiver
accepted, before the delivery is marked — the worst moment) or ``die-mid-request``
(SIGKILL itself after the first request's headers went out, before its body: the receiver
sees a torn request).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from crawler.alert import Dispatcher
from crawler.config import settings_from_dict
from storage import Store, outbox


def main() -> None:
    settings = settings_from_dict(json.loads(open(sys.argv[1], encoding="utf-8").read()), env={})
    if sys.argv[2] == "die-before-mark":

        def die(*a: object, **k: object) -> None:
            os.kill(os.getpid(), signal.SIGKILL)

        outbox.mark_delivered = die  # type: ignore[assignment]
    elif sys.argv[2] == "die-mid-request":
        from httpcore._async.http11 import AsyncHTTP11Connection

        async def die_before_body(self: object, request: object) -> None:
            os.kill(os.getpid(), signal.SIGKILL)

        AsyncHTTP11Connection._send_request_body = die_before_body  # type: ignore[method-assign,assignment]
    store = Store(settings.database.url)
    print("ready", flush=True)
    asyncio.run(Dispatcher(settings, store).dispatch_due())


if __name__ == "__main__":
    main()
