"""Crawl-cycle benchmark: every simulated press centre, with added latency on every response.

Measures, against the simulated network on loopback (crawler.sim):
  1. the first crawl (backfill of the simulated backlog): seconds, requests, bytes;
  2. a steady-state cycle with nothing new (conditional GETs answered 304): seconds,
     requests, bytes received (bodies, as counted by the fetcher) and bytes served;
  3. a cycle after the clock advanced (a few new items): seconds, new articles.

The latency is added before every response whatever its status (200, 304, robots.txt), as a
network round trip would be. Each cycle is also given as a ratio to its floor,
⌈requests / crawl.concurrency⌉ × latency: the time the network alone would take with every
request slot busy (steady state: ⌈135/8⌉ × 50 ms = 0.85 s).

The fetcher, robots.txt cache and detector are kept between cycles, as in the daemon. The
simulated network runs in a child process (its own interpreter, as a remote site would be),
so the server's CPU time does not compete with the crawler for one GIL; ``--in-process``
serves it from a thread of the benchmark process instead.
Run:  python bench/crawl_bench.py [--latency 0.05] [--sites 0 (=all)] [--backlog-days 2]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.config import settings_from_dict  # noqa: E402
from crawler.pipeline import Pipeline  # noqa: E402
from crawler.sim import SimNetwork  # noqa: E402
from storage import open_store  # noqa: E402


def _serve_child(conn, sites, seed, backlog_days, latency) -> None:  # type: ignore[no-untyped-def]
    """Child process: serve the network; answer ``("advance", hours)``, ``("reset",)``,
    ``("not_modified",)`` and ``("stop",)`` on ``conn``."""
    net = SimNetwork(sites=sites, seed=seed, backlog_days=backlog_days)
    net.latency = latency
    with net.start_in_thread() as running:
        conn.send((running.sources, net.now.date()))
        while True:
            cmd, *arg = conn.recv()
            if cmd == "advance":
                net.advance(timedelta(hours=arg[0]))
                conn.send(None)
            elif cmd == "reset":
                net.stats.reset()
                conn.send(None)
            elif cmd == "not_modified":
                conn.send(sum(net.stats.not_modified.values()))
            else:
                conn.send(None)
                return


class _Remote:
    """The network in a child process, with the few calls the benchmark makes."""

    def __init__(self, sites, seed, backlog_days, latency) -> None:  # type: ignore[no-untyped-def]
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve_child, args=(child, sites, seed, backlog_days, latency), daemon=True)
        self.proc.start()
        self.sources, self.today = self.conn.recv()

    def call(self, *cmd):  # type: ignore[no-untyped-def]
        self.conn.send(cmd)
        return self.conn.recv()

    def close(self) -> None:
        self.call("stop")
        self.proc.join(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latency", type=float, default=0.05, help="seconds added before every response")
    ap.add_argument("--sites", type=int, default=0, help="number of simulated sites (0 = every known site)")
    ap.add_argument("--backlog-days", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--in-process", action="store_true", help="serve the network from a thread of this process")
    args = ap.parse_args()
    if args.in_process:
        net = SimNetwork(sites=args.sites or None, seed=args.seed, backlog_days=args.backlog_days)
        net.latency = args.latency
        handle = net.start_in_thread()
        sources, today = handle.sources, net.now.date()

        def call(cmd, *arg):  # type: ignore[no-untyped-def]
            if cmd == "advance":
                net.advance(timedelta(hours=arg[0]))
            elif cmd == "reset":
                net.stats.reset()
            elif cmd == "not_modified":
                return sum(net.stats.not_modified.values())
            return None

        close = handle.stop
    else:
        remote = _Remote(args.sites or None, args.seed, args.backlog_days, args.latency)
        sources, today, call, close = remote.sources, remote.today, remote.call, remote.close
    since = today - timedelta(days=args.backlog_days)
    tmp = tempfile.TemporaryDirectory()
    try:
        settings = settings_from_dict(
            {
                "database": {"url": f"sqlite:///{Path(tmp.name) / 'bench.db'}"},
                "crawl": {"since": str(since)},
                "alerts": {"first_run": "skip"},
                "sources": sources,
            },
            env={},
        )
        store = open_store(settings.database.url)

        async def run() -> None:
            pipe = Pipeline(settings, store)
            await pipe.open()
            header_bytes = [0]

            async def count_headers(response) -> None:  # type: ignore[no-untyped-def]
                # Request line + headers and status line + headers, as sent on the wire (HTTP/1.1).
                req = response.request
                header_bytes[0] += len(f"GET {req.url.raw_path.decode()} HTTP/1.1\r\n") + sum(len(k) + len(v) + 4 for k, v in req.headers.raw) + 2
                header_bytes[0] += len("HTTP/1.1 200 OK\r\n") + sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2

            pipe.fetcher.client.event_hooks["response"].append(count_headers)
            try:
                for label, advance in (("first crawl (backfill)", None), ("steady state, nothing new", None), ("after 2 simulated hours", timedelta(hours=2))):
                    if advance:
                        call("advance", advance.total_seconds() / 3600)
                    call("reset")
                    b0, r0, h0 = pipe.fetcher.bytes_received, pipe.fetcher.requests_made, header_bytes[0]
                    t0 = time.perf_counter()
                    reports = await pipe.crawl(settings.enabled_sources())
                    dt = time.perf_counter() - t0
                    requests = pipe.fetcher.requests_made - r0
                    floor = math.ceil(requests / settings.crawl.concurrency) * args.latency
                    ratio = f"{dt / floor:4.2f}x floor {floor:.2f}s" if floor else "no floor"
                    print(
                        f"{label:<28} {dt:7.2f} s ({ratio})  sources={len(reports)} ok={sum(r.ok for r in reports)} "
                        f"requests={requests} 304s={call('not_modified')} "
                        f"body_bytes={pipe.fetcher.bytes_received - b0} header_bytes={header_bytes[0] - h0} "
                        f"new_articles={sum(r.new for r in reports)}"
                    )
            finally:
                await pipe.aclose()

        asyncio.run(run())
        store.close()
    finally:
        close()
    print(f"network served {'in this process' if args.in_process else 'by a child process'}; latency per response: {args.latency * 1000:.0f} ms; crawl.concurrency={settings.crawl.concurrency}; fetch.per_host={settings.fetch.per_host}")


if __name__ == "__main__":
    main()
