"""Syndication quality at scale on the simulated network's ground truth.

Builds a :class:`crawler.sim.SimNetwork` (all ~135 sites by default), takes every
published page with its true story (release id, or ``local-…`` for local news), runs
the detector offline in publication order (:func:`crawler.dedup.cluster_records`, the
same incremental path the pipeline uses) and prints pairwise precision/recall/F1,
B-cubed F1, merges of look-alike (``confusable_with``) releases, and recall per rewrite
kind (verbatim, trimmed, retitled, angled, rewritten).

Usage: ``python bench/sim_truth.py [--days 7] [--sites 0] [--seed 3] [--no-encoder]``
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.config import DedupSettings  # noqa: E402
from crawler.dedup import cluster_records  # noqa: E402
from crawler.sim import SimNetwork  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=7, help="days of simulated news")
    ap.add_argument("--sites", type=int, default=0, help="0 = every simulated site")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--no-encoder", action="store_true")
    a = ap.parse_args()
    net = SimNetwork(sites=a.sites or None, seed=a.seed, backlog_days=a.days)
    pages = net.pages()
    recs = [
        {"id": p.url, "url": p.url, "title": p.title, "text": p.text, "published_at": p.published_at.isoformat(), "source": p.site_id}
        for p in pages
    ]
    t0 = time.perf_counter()
    out = cluster_records(recs, DedupSettings(encoder=not a.no_encoder))
    dt = time.perf_counter() - t0
    got = {o["id"]: o["story_id"] for o in out}
    truth = {p.url: p.story for p in pages}
    kind = {p.url: p.kind for p in pages}
    conf = {p.url: set(p.confusable_with) for p in pages}

    tp = fp = fn = conf_merges = 0
    kind_tp: Counter[str] = Counter()
    kind_all: Counter[str] = Counter()
    bad_pairs: Counter[tuple[str, str]] = Counter()
    for x, y in itertools.combinations(truth, 2):
        same_pred, same_true = got[x] == got[y], truth[x] == truth[y]
        if same_true:
            k = kind[y] if kind[x] == "verbatim" else kind[x]
            kind_all[k] += 1
            kind_tp[k] += same_pred
        if same_pred and same_true:
            tp += 1
        elif same_pred:
            fp += 1
            if truth[y] in conf[x] or truth[x] in conf[y]:
                conf_merges += 1
            bad_pairs[(kind[x], kind[y])] += 1
        elif same_true:
            fn += 1
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    # B-cubed (Bagga & Baldwin 1998)
    by_pred: dict[object, set[str]] = defaultdict(set)
    by_true: dict[str, set[str]] = defaultdict(set)
    for u in truth:
        by_pred[got[u]].add(u)
        by_true[truth[u]].add(u)
    bp = sum(len(by_pred[got[u]] & by_true[truth[u]]) / len(by_pred[got[u]]) for u in truth) / len(truth)
    br = sum(len(by_pred[got[u]] & by_true[truth[u]]) / len(by_true[truth[u]]) for u in truth) / len(truth)
    print(f"simulated network: {len(net.sites)} sites, {a.days} days, seed {a.seed}: {len(pages)} pages, "
          f"{len(by_true)} true stories, {len(by_pred)} predicted; clustered in {dt:.1f} s ({len(pages) / dt:.0f} articles/s)")
    print(f"pairwise  P {p:.3f}  R {r:.3f}  F1 {2 * p * r / (p + r) if p + r else 0:.3f}   (tp {tp}, fp {fp}, fn {fn})")
    print(f"B-cubed   P {bp:.3f}  R {br:.3f}  F1 {2 * bp * br / (bp + br):.3f}")
    print(f"look-alike (confusable) pairs merged: {conf_merges}")
    print("recall per rewrite kind: " + ", ".join(f"{k} {kind_tp[k] / kind_all[k]:.3f} ({kind_all[k]} pairs)" for k in sorted(kind_all)))
    if bad_pairs:
        print("false merges by kinds: " + ", ".join(f"{a}/{b}: {n}" for (a, b), n in bad_pairs.most_common(6)))


if __name__ == "__main__":
    main()
