"""Idle memory of the daemon, as users run it: ``mosnews sim serve`` in one process,
``mosnews run`` on the config it writes in another, then the daemon's resident set
(``VmRSS``, with its anonymous / file-backed split from ``/proc/PID/status``) once every
source was crawled (the backfill featurised every article, so the encoder is loaded) and
the daemon has been idle for ``--idle`` seconds. Loopback only.

Run:  python bench/daemon_rss.py [--sites 135] [--idle 20]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def status(pid: int) -> dict[str, int]:
    """``VmRSS``, ``RssAnon``, ``RssFile`` of ``pid`` in kB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=135)
    ap.add_argument("--idle", type=float, default=20.0, help="seconds to stay idle after the last source's first crawl")
    ap.add_argument("--backlog-days", type=int, default=2)
    ap.add_argument("--encoder-idle", default=None, help="dedup.encoder_idle for the daemon (default: the config default, 10m)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mosnews-rss-"))
    cfg, db = tmp / "sim.yaml", tmp / "sim.db"
    py = [sys.executable, "-m", "crawler"]
    sim = subprocess.Popen([*py, "sim", "serve", "--sites", str(args.sites), "--speed", "0", "--backlog-days", str(args.backlog_days),
                            "--write-config", str(cfg), "--database", f"sqlite:///{db}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    daemon = None
    try:
        while not cfg.exists() or cfg.stat().st_size == 0:
            if sim.poll() is not None:
                sys.exit("the simulator did not start")
            time.sleep(0.2)
        if args.encoder_idle is not None:
            import yaml

            data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
            data.setdefault("dedup", {})["encoder_idle"] = args.encoder_idle
            cfg.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        t0 = time.monotonic()
        daemon = subprocess.Popen([*py, "run", "--config", str(cfg)], stdout=subprocess.DEVNULL, stderr=(tmp / "run.log").open("w"))
        crawled = 0
        while crawled < args.sites:
            time.sleep(1.0)
            if daemon.poll() is not None:
                sys.exit(f"the daemon exited; see {tmp / 'run.log'}")
            try:
                with sqlite3.connect(db) as c:
                    crawled = c.execute("SELECT count(*) FROM sources WHERE last_success_at IS NOT NULL").fetchone()[0]
                    articles = c.execute("SELECT count(*) FROM articles").fetchone()[0]
            except sqlite3.Error:
                crawled = 0
        backfill = time.monotonic() - t0
        time.sleep(args.idle)
        st = status(daemon.pid)
        print(f"daemon idle after the first crawl of {args.sites} sites ({articles} articles, {backfill:.0f} s): "
              f"RSS {st['VmRSS'] / 1024:.0f} MB (anonymous {st['RssAnon'] / 1024:.0f} MB, file-backed {st['RssFile'] / 1024:.0f} MB), "
              f"peak {st['VmHWM'] / 1024:.0f} MB")
    finally:
        for p in (daemon, sim):
            if p is not None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    main()
