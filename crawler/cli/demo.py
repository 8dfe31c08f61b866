"""``mosnews demo``: the whole product on a simulated network, for a newcomer.

Starts the simulated press centres on 127.0.0.x (:mod:`crawler.sim`), a local webhook
receiver that verifies Standard Webhooks signatures, and the daemon on a temporary
SQLite database; advances the simulated clock while it runs; then prints what it found.
"""

from __future__ import annotations

import asyncio
import json
import socket
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from crawler.cli.app import app

DEMO_SECRET = "whsec_" + "ZGVtby1zZWNyZXQtZm9yLW1vc25ld3MtZGVtbw=="


class Receiver:
    """A webhook receiver on 127.0.0.1 that verifies signatures and counts distinct webhook ids."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.bad = 0
        self.titles: list[str] = []

    def app(self) -> Any:
        from standardwebhooks.webhooks import Webhook
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        wh = Webhook(DEMO_SECRET)

        async def hook(request: Request) -> PlainTextResponse:
            body = await request.body()
            try:
                wh.verify(body, dict(request.headers))
            except Exception:
                self.bad += 1
                return PlainTextResponse("bad signature", status_code=400)
            self.ids.add(request.headers.get("webhook-id", ""))
            data = json.loads(body).get("data") or {}
            if data.get("title"):
                self.titles.append(f"{data['title']} ({data.get('reprint_count', '?')} reprints)")
            return PlainTextResponse("ok")

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@app.command()
def demo(
    duration: Annotated[float, typer.Option(help="Seconds to run before printing the summary.")] = 60.0,
    sites: Annotated[int, typer.Option(help="Simulated press centres (up to 135).")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the simulated network (same seed, same news).")] = 7,
    speed: Annotated[float, typer.Option(help="Simulated hours that pass per real second.")] = 0.5,
    keep: Annotated[Path | None, typer.Option(help="Keep the SQLite database at this path instead of a temporary one.")] = None,
) -> None:
    """Run the simulated network, a webhook receiver and the daemon; print sources, articles, stories and alerts."""
    asyncio.run(_demo(duration, sites, seed, speed, keep))


async def _demo(duration: float, n_sites: int, seed: int, speed: float, keep: Path | None) -> None:
    import uvicorn

    from crawler.config import settings_from_dict
    from crawler.daemon import Daemon
    from crawler.observe import setup_logging
    from crawler.sim import SimNetwork
    from storage import open_store

    from crawler.sim import MSK

    # The simulated clock starts now, so `--since 24h` and `mosnews status` make sense on a kept database.
    now = datetime.now(MSK).replace(second=0, microsecond=0)
    net = SimNetwork(sites=n_sites, seed=seed, backlog_days=3, start=now)
    receiver = Receiver()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    hook_url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    server = uvicorn.Server(uvicorn.Config(receiver.app(), log_level="warning", lifespan="off"))
    tmp = tempfile.TemporaryDirectory(prefix="mosnews-demo-")
    db = keep or Path(tmp.name) / "demo.db"
    typer.echo(f"mosnews demo: {n_sites} simulated press centres, database {db}")
    async with net.serve() as running:
        settings = settings_from_dict(
            {
                "database": {"url": f"sqlite:///{db}"},
                "crawl": {"interval": "10s", "jitter": 0.3, "since": str(date.fromisoformat(net.now.date().isoformat()) - timedelta(days=3))},
                "fetch": {"delay": "0ms", "per_host": 2, "retries": 2, "backoff": "200ms"},
                # The simulated clock runs in another year than the wall clock: operator
                # "silent source" checks would misfire, so they are off in the demo.
                "alerts": {"allow_private_targets": True, "first_run": "skip", "settle": "3s", "dispatch_every": "1s",
                           "operator": {"enabled": False},
                           "webhooks": [{"url": hook_url, "secret": DEMO_SECRET}]},
                "server": {"enabled": False},
                "logging": {"level": "ERROR"},
                "sources": running.sources,
            },
            env={},
        )
        setup_logging(settings.logging)
        from crawler.redact import protect_settings

        protect_settings(settings)
        store = open_store(settings.database.url)
        daemon = Daemon(settings, store)
        srv_task = asyncio.create_task(server.serve(sockets=[sock]))
        run_task = asyncio.create_task(daemon.run())
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < duration and not run_task.done():
                await asyncio.sleep(min(5.0, max(0.1, duration - (time.monotonic() - t0))))
                net.advance(timedelta(hours=speed * 5))
                c = await asyncio.to_thread(store.counts)
                typer.echo(
                    f"  t+{time.monotonic() - t0:4.0f}s  simulated {net.now:%d.%m %H:%M}  "
                    f"articles={c['articles']} stories={c['stories']} alerts={len(receiver.ids)}"
                )
        finally:
            daemon.stop.set()
            await run_task
            server.should_exit = True
            await srv_task
    await _summary(store, receiver)
    store.close()
    tmp.cleanup()
    if keep:
        typer.echo(
            f"\nthe database is kept at {keep}; explore it with the shipped config, e.g.\n"
            f"  MOSNEWS_DATABASE_URL=sqlite:///{keep.resolve()} mosnews releases --config config.yaml\n"
            "(the simulated clock ran ahead of the wall clock: use `--since` with a date, or none)"
        )


async def _summary(store: Any, receiver: Receiver) -> None:
    from sqlalchemy import text

    def q() -> tuple[Any, ...]:
        with store.read_session() as s:
            crawled = s.exec(text("SELECT count(*) FROM sources WHERE last_success_at IS NOT NULL")).one()[0]
            failing = s.exec(text("SELECT count(*) FROM sources WHERE consecutive_failures > 0")).one()[0]
            top = s.exec(text("SELECT story_id, reprint_count, title FROM releases ORDER BY reprint_count DESC, story_id LIMIT 10")).all()
            multi = s.exec(text("SELECT count(*) FROM stories WHERE reprint_count > 1")).one()[0]
        return crawled, failing, top, multi

    crawled, failing, top, multi = await asyncio.to_thread(q)
    c = await asyncio.to_thread(store.counts)
    typer.echo("\nsummary")
    typer.echo(f"  sources crawled:   {crawled} of {c['sources']} ({failing} with errors)")
    typer.echo(f"  articles:          {c['articles']}")
    typer.echo(f"  stories:           {c['stories']} ({multi} reprinted by more than one site)")
    typer.echo(f"  alerts delivered:  {len(receiver.ids)} (signatures verified; {receiver.bad} rejected)")
    typer.echo("  most reprinted stories:")
    for sid, n, title in top:
        typer.echo(f"    #{sid:<5} {n:>3} reprints  {title}")
