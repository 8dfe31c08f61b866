"""The Mayor's originals through the real crawl path, on the simulator's www.mos.ru replica.

Serves a :class:`crawler.sim.SimNetwork` with the replica (``mayor=True``) on loopback, backfills
``--backlog`` days, then walks the virtual clock forward ``--days`` days in ``--step`` steps: at
every step the :class:`crawler.pipeline.Pipeline` crawls every source (the replica through the
``kind: mayor`` source: RSS + JSON API) and the alert outbox is fanned out as the daemon would
(``alerts.settle``, ``alerts.wait_for_original``). The same is then run without the originals
source. Prints:

- the share of releases linked to their original (of those that have one and were reprinted),
  and the share of their reprints that sit in the original's story;
- false links (a reprint of another release, or local news, in an original's story; two
  originals of different releases in one story);
- pairwise P/R/F1 of the district articles' stories with and without the originals source
  (same network, same crawl schedule), and with the originals counted as members;
- the time from an original's publication to its story's first alert, and how many first
  alerts carried the original.

Usage: ``python bench/originals_bench.py [--sites 30] [--days 3] [--backlog 1] [--step 15m] [--seed 12] [--releases-per-day 8]``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select  # noqa: E402

from crawler.config import parse_duration, settings_from_dict  # noqa: E402
from crawler.pipeline import Pipeline  # noqa: E402
from crawler.sim import MSK, SimNetwork  # noqa: E402
from storage import Store  # noqa: E402
from storage.models import AlertOutbox, Article  # noqa: E402
from storage.outbox import fan_out, load_story  # noqa: E402


def settings_for(db: Path, sources: list[dict], since: str, settle: str, wait: str, concurrency: int = 1):
    """A fast crawl config for the simulator (no politeness delay), real alert timings."""
    return settings_from_dict({
        "database": {"url": f"sqlite:///{db}"},
        "crawl": {"since": since, "concurrency": concurrency, "max_pages": 60},
        "fetch": {"delay": "0ms", "per_host": 2, "retries": 3, "backoff": "50ms", "max_backoff": "300ms",
                  "total_timeout": "10s", "read_timeout": "5s"},
        "alerts": {"first_run": "skip", "settle": settle, "wait_for_original": wait},
        "server": {"enabled": False},
        "sources": sources,
    }, env={})


async def run(net: SimNetwork, sources: list[dict], db: Path, a: argparse.Namespace, start: datetime) -> dict:
    """Backfill, then step the clock and crawl; returns the stored assignment and alert times."""
    since = (start - timedelta(days=a.backlog + 1)).date().isoformat()
    settings = settings_for(db, sources, since, a.settle, a.wait, a.concurrency)
    store = Store(settings.database.url)
    pipe = Pipeline(settings, store, clock=lambda: net.now.astimezone(MSK))
    await pipe.open()
    wait = settings.alerts.wait_for_original if any(s["kind"] == "mayor" for s in sources) else None
    alerts: dict[int, tuple[datetime, bool]] = {}  # outbox id -> (dispatched at, carried the original)
    seen: set[int] = set()

    def route(ev, story, ch):
        alerts[ev.id] = (net.now, story is not None and story.original_url is not None)
        return "delivered", ""

    crawl_s = 0.0
    await pipe.crawl(settings.enabled_sources())  # backfill (first_run: skip)
    end = start + timedelta(days=a.days)
    step = parse_duration(a.step)
    while net.now < end:
        net.advance(step)
        t0 = time.perf_counter()
        reps = await pipe.crawl(settings.enabled_sources())
        crawl_s += time.perf_counter() - t0
        bad = [r for r in reps if not r.ok]
        if bad:
            print(f"  {net.now:%d.%m %H:%M}: {len(bad)} source(s) failed: {bad[0].source_id}: {bad[0].error}", file=sys.stderr)
        await asyncio.to_thread(fan_out, store, net.now, ["bench"], route, wait_for_original=wait)
    await pipe.aclose()
    with store.read_session() as s:
        arts = [(x.url, x.source_id, x.story_id, x.id, x.published_at) for x in s.exec(select(Article))]
        rows = [(r.id, r.story_id, r.status) for r in s.exec(select(AlertOutbox).where(AlertOutbox.event == "story.created"))]
        stories_orig = {}
        for sid in {x[2] for x in arts}:
            rec = load_story(s, sid)
            stories_orig[sid] = rec.original_url if rec else None
    store.close()
    del seen
    return {"arts": arts, "rows": rows, "alerts": alerts, "orig": stories_orig, "crawl_s": crawl_s}


def pairwise(got: dict[str, int], truth: dict[str, str]) -> tuple[float, float, float, int, int, int]:
    """Pairwise precision, recall, F1 (and tp, fp, fn) of ``got`` against ``truth`` over their common keys."""
    keys = [k for k in got if k in truth]
    tp = fp = fn = 0
    by_pred: dict[int, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        by_pred[got[k]].append(k)
        by_true[truth[k]].append(k)
    for members in by_pred.values():
        for x, y in itertools.combinations(members, 2):
            if truth[x] == truth[y]:
                tp += 1
            else:
                fp += 1
    same_true = sum(len(m) * (len(m) - 1) // 2 for m in by_true.values())
    fn = same_true - tp
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), tp, fp, fn


def recall_by_kind(got: dict[str, int], truth: dict[str, str], kind: dict[str, str]) -> dict[str, tuple[int, int]]:
    """``{rewrite kind: (pairs found, true pairs)}`` over true pairs of district articles (a pair's kind
    is the non-verbatim side's, as in ``bench/sim_truth.py``)."""
    by_true: dict[str, list[str]] = defaultdict(list)
    for k in got:
        if k in truth and k in kind:
            by_true[truth[k]].append(k)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for members in by_true.values():
        for x, y in itertools.combinations(members, 2):
            kk = kind[y] if kind[x] == "verbatim" else kind[x]
            out[kk][0] += got[x] == got[y]
            out[kk][1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=30)
    ap.add_argument("--days", type=float, default=3.0, help="days of stepped crawling after the backfill")
    ap.add_argument("--backlog", type=int, default=1, help="days published before the start (backfilled, no alerts)")
    ap.add_argument("--step", default="15m", help="virtual time between two crawls")
    ap.add_argument("--settle", default="10m")
    ap.add_argument("--wait", default="5m", help="alerts.wait_for_original")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--concurrency", type=int, default=1,
                    help="sources crawled at once (1: a deterministic arrival order, sources in config order)")
    ap.add_argument("--releases-per-day", type=int, default=8, help="the Mayor's releases per simulated day (mean)")
    a = ap.parse_args()
    start = datetime(2026, 3, 2, 6, 0, tzinfo=MSK)
    results = {}
    for label, with_mayor in (("with originals", True), ("without originals", False)):
        net = SimNetwork(sites=a.sites, seed=a.seed, start=start, backlog_days=a.backlog, mayor=True,
                         releases_per_day=a.releases_per_day)
        with net.start_in_thread() as h, tempfile.TemporaryDirectory() as tmp:
            # The originals source is crawled LAST in every step (the conservative order: reprints
            # published in the same step are stored before their original).
            districts = [s for s in h.sources if s["kind"] != "mayor"]
            sources = districts + [s for s in h.sources if s["kind"] == "mayor"] if with_mayor else districts
            t0 = time.perf_counter()
            res = asyncio.run(run(net, sources, Path(tmp) / "db.sqlite", a, start))
            res["wall"] = time.perf_counter() - t0
            res["truth"] = net.truth()
            res["kind"] = {u: m["kind"] for u, m in net.truth_meta().items()}
            res["originals"] = {h.net.base_url("mayor") + o.path: o for o in net.originals()}
            res["base"] = h.net.base_url("mayor")
            results[label] = res

    w = results["with originals"]
    truth = w["truth"]
    by_url = {u: (src, sid, aid, pub) for u, src, sid, aid, pub in w["arts"]}
    originals = w["originals"]
    reprints_of: dict[str, list[str]] = defaultdict(list)
    for u, src, sid, aid, pub in w["arts"]:
        if src != "mayor":
            reprints_of[truth[u]].append(u)
    linked = considered = rep_in = rep_all = 0
    false_links = 0
    examples = []
    orig_story = {}
    for ou, o in originals.items():
        if ou not in by_url:
            continue
        osid = by_url[ou][1]
        orig_story[o.rid] = osid
        reps = reprints_of.get(o.rid, [])
        if reps:
            considered += 1
            inside = [u for u in reps if by_url[u][1] == osid]
            linked += bool(inside)
            rep_in += len(inside)
            rep_all += len(reps)
    members: dict[int, list[str]] = defaultdict(list)
    for u, src, sid, aid, pub in w["arts"]:
        members[sid].append(u)
    for rid, osid in orig_story.items():
        for u in members[osid]:
            if truth[u] != rid:
                false_links += 1
                examples.append((rid, truth[u], u))
    stored_origs = [u for u in originals if u in by_url]
    print(f"simulated network: {a.sites} sites + www.mos.ru replica, seed {a.seed}, {a.releases_per_day} releases/day, backlog {a.backlog} d, "
          f"{a.days:g} d crawled every {a.step} (settle {a.settle}, wait_for_original {a.wait})")
    print(f"originals published {len(originals)}, stored {len(stored_origs)}; releases without an original "
          f"{sum(1 for rid in {truth[u] for u in truth if '/presscenter/' in u and not truth[u].startswith('local-')} if rid not in {o.rid for o in originals.values()})}; "
          f"late originals (after their first reprint) {sum(o.late for o in originals.values())}")
    print(f"releases linked to their original: {linked}/{considered} = {linked / considered if considered else 1:.3f}  "
          f"(reprints in their original's story: {rep_in}/{rep_all} = {rep_in / rep_all if rep_all else 1:.3f})")
    print(f"false links (another release or local news in an original's story): {false_links}")
    for ex in examples[:5]:
        print(f"    {ex}")
    for label, res in results.items():
        got = {u: sid for u, src, sid, aid, pub in res["arts"] if src != "mayor"}
        p, r, f, tp, fp, fn = pairwise(got, res["truth"])
        print(f"pairwise, district articles, {label:<18}: P {p:.3f}  R {r:.3f}  F1 {f:.3f}  (tp {tp}, fp {fp}, fn {fn}); "
              f"crawl {res['crawl_s']:.0f} s of {res['wall']:.0f} s")
    for label, res in results.items():
        got = {u: sid for u, src, sid, aid, pub in res["arts"] if src != "mayor"}
        rk = recall_by_kind(got, res["truth"], res["kind"])
        print(f"recall per rewrite kind, {label:<18}: " + ", ".join(f"{k} {a_ / b_:.3f} ({b_})" for k, (a_, b_) in sorted(rk.items())))
    got_all = {u: sid for u, src, sid, aid, pub in w["arts"]}
    p, r, f, tp, fp, fn = pairwise(got_all, truth)
    print(f"pairwise, originals counted as members     : P {p:.3f}  R {r:.3f}  F1 {f:.3f}  (tp {tp}, fp {fp}, fn {fn})")
    # latency: original published -> first alert of its story
    first_alert: dict[int, tuple[datetime, bool]] = {}
    for oid, sid, status in w["rows"]:
        if oid in w["alerts"] and sid is not None:
            t, carried = w["alerts"][oid]
            if sid not in first_alert or t < first_alert[sid][0]:
                first_alert[sid] = (t, carried)
    lat, carried_n, n = [], 0, 0
    for ou, o in originals.items():
        if ou not in by_url or o.published_at < start:
            continue
        sid = by_url[ou][1]
        if sid in first_alert:
            t, carried = first_alert[sid]
            lat.append((t - o.published_at).total_seconds() / 60)
            carried_n += carried
            n += 1
    if lat:
        q = statistics.quantiles(lat, n=10) if len(lat) >= 10 else [min(lat)] * 8 + [max(lat)]
        print(f"original published -> first alert (virtual minutes, {n} releases alerted): median {statistics.median(lat):.0f}, "
              f"p90 {q[8]:.0f}, min {min(lat):.0f}, max {max(lat):.0f}; first alerts carrying the original: {carried_n}/{n}")


if __name__ == "__main__":
    main()
