"""``mosnews sim serve``: the simulated press centres alone, with a config written for them,
so ``mosnews crawl`` and ``mosnews run`` can be tried from the shell (no Python needed)."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from crawler.cli.app import app

sim_app = typer.Typer(help="The simulated mos.ru network on loopback (docs/simulator.md).", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(sim_app, name="sim")


def sim_config(sources: list[dict[str, Any]], *, database: str, since: date, webhook: str | None = None) -> dict[str, Any]:
    """A mosnews config (as a dict ready for YAML) crawling the simulated ``sources``.

    Polite but quick settings for loopback: no politeness delay, a 1-minute poll interval,
    alerts after 30 s of settling, ``/healthz`` on port 9464 disabled (two daemons would collide).
    """
    alerts: dict[str, Any] = {"first_run": "skip", "settle": "30s", "crawl_wait": "1m"}
    if webhook:
        alerts["webhooks"] = [{"url": webhook, "secret": "${MOSNEWS_WEBHOOK_SECRET}"}]
    return {
        "database": {"url": database},
        "crawl": {"interval": "1m", "since": since.isoformat()},
        "fetch": {"delay": "0ms", "retries": 2, "backoff": "200ms"},
        "alerts": alerts,
        "server": {"enabled": False},
        "sources": sources,
    }


@sim_app.command("serve")
def serve(
    config_out: Annotated[Path, typer.Option("--write-config", "-o", help="Write a mosnews config for the simulated sites here.")] = Path("sim-config.yaml"),
    database: Annotated[str, typer.Option(help="database.url put into the written config.")] = "sqlite:///sim.db",
    sites: Annotated[int, typer.Option(help="Simulated press centres (up to 135).")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the simulated network (same seed, same news).")] = 7,
    backlog_days: Annotated[int, typer.Option(help="Days of news already published at start.")] = 3,
    speed: Annotated[float, typer.Option(help="Simulated minutes that pass per real second (0: the clock stands still).")] = 1.0,
    latency: Annotated[float, typer.Option(help="Seconds added before every response (a network round trip).")] = 0.0,
    duration: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).")] = 0.0,
    mayor: Annotated[bool, typer.Option("--mayor", help="Also serve the www.mos.ru replica (RSS + JSON API) and put its `kind: mayor` source into the config, to try the Mayor's originals (`releases --originals-only`).")] = False,
) -> None:
    """Serve simulated press centres on 127.0.0.x and write a config for them; then, in another shell:
    ``mosnews crawl --config sim-config.yaml`` or ``mosnews run --config sim-config.yaml``."""
    try:
        asyncio.run(_serve(config_out, database, sites, seed, backlog_days, speed, latency, duration, mayor))
    except KeyboardInterrupt:
        pass


async def _serve(config_out: Path, database: str, n_sites: int, seed: int, backlog_days: int, speed: float, latency: float, duration: float, mayor: bool = False) -> None:
    import signal

    from crawler.sim import MSK, SimNetwork

    now = datetime.now(MSK).replace(second=0, microsecond=0)
    net = SimNetwork(sites=n_sites, seed=seed, backlog_days=backlog_days, start=now, mayor=mayor)
    net.latency = max(0.0, latency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    async with net.serve() as running:
        cfg = sim_config(running.sources, database=database, since=now.date() - timedelta(days=backlog_days))
        config_out.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
        typer.echo(f"serving {len(running.sources)} simulated press centres on {running.sources[0]['url'].split('/presscenter')[0]} …")
        typer.echo(f"config written to {config_out}; try:  mosnews crawl --config {config_out}   or   mosnews run --config {config_out}")
        typer.echo("Ctrl-C stops the simulator.", err=True)
        t0 = last = time.monotonic()
        while not stop.is_set() and (duration <= 0 or time.monotonic() - t0 < duration):
            try:
                await asyncio.wait_for(stop.wait(), 1.0)
            except asyncio.TimeoutError:
                pass
            t = time.monotonic()
            if speed > 0:
                await asyncio.to_thread(net.advance, timedelta(minutes=speed * (t - last)))
            last = t
