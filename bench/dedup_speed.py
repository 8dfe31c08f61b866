"""Speed and memory of the syndication detector.

1. Featurisation throughput (articles/s, encoder included, ``encoder_threads`` = 2) on
   the project's synthetic releases and rewrites (bodies repeated three times, ~800 characters),
   next to the bare encoder on the same encoder inputs in the same run (the build
   machine is shared: compare the two, not absolute numbers across runs).
2. ``decide()`` latency p50/p95 against a synthetic archive of ``--archive`` articles
   (default 1,000,000) spread over ``--days`` days (synthetic Features: Zipf-distributed
   term ids and character n-gram ids, random int8 vectors; built without the encoder
   so it is fast).
3. Index memory per archived article: RSS growth while building the archive / articles.

Usage: ``python bench/dedup_speed.py [--archive 100000] [--days 730] [--queries 300]``
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.config import DedupSettings  # noqa: E402
from crawler.dedup import Detector, Doc, Features, Featurizer  # noqa: E402
from crawler.dedup.encoder import ENCODER_CHARS, get_encoder  # noqa: E402
from crawler.dedup.synth import KINDS, RELEASES, rewrite  # noqa: E402


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


_CHAR_POOL: list[np.ndarray] = []


def synthetic_features(rng: np.random.Generator, t: float) -> Features:
    """Random features; char n-gram sets come from a pool of 2,048 Zipf draws (~1,400 ids each) to keep the build fast."""
    terms = np.unique((np.minimum(rng.zipf(1.3, 90), 10**6).astype(np.uint64) * 2654435761) % (2**32)).astype(np.uint32)
    if not _CHAR_POOL:
        g = np.random.default_rng(12345)
        for _ in range(2048):
            _CHAR_POOL.append(np.unique((np.minimum(g.zipf(1.2, 1800), 10**7).astype(np.uint64) * 2246822519) % (2**32)).astype(np.uint32))
    chars = _CHAR_POOL[int(rng.integers(len(_CHAR_POOL)))]
    vec = rng.integers(-20, 20, 512).astype(np.int8)
    return Features(
        terms=terms, tf=np.ones(terms.size, np.uint16), title_terms=terms[:6], shingles=np.unique(rng.integers(0, 2**32, 150, dtype=np.uint64).astype(np.uint32)),
        vec=vec, fig_units=np.zeros(0, np.uint32), fig_values=np.zeros(0, np.float32), years=np.zeros(0, np.uint16),
        dates=np.zeros(0, np.uint16), names=terms[:4], chars=chars, ctf=np.ones(chars.size, np.uint16),
        speakers=np.zeros(0, np.uint32), rdates=np.zeros(0, np.uint16), published_at=t, text_len=1500, has_title=True,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archive", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--queries", type=int, default=300)
    a = ap.parse_args(argv)
    settings = DedupSettings(encoder=True, encoder_threads=2)

    # 1. featurisation throughput
    fz = Featurizer(settings)
    rnd = random.Random(1)
    pool = [w for _, b in RELEASES for w in b.split() if w.isalpha()]
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    docs = []
    for i in range(600):
        title, body = RELEASES[i % len(RELEASES)]
        t, b = rewrite(title, body, rnd.choice(KINDS), rnd, pool)
        docs.append(Doc(id=str(i), title=t, text=(b + " ") * 3, published_at=t0))
    fz.featurize(docs[:8])
    enc = get_encoder(settings.encoder_threads)
    enc_in = [d.title[:ENCODER_CHARS] or d.text[:ENCODER_CHARS] for d in docs]
    for rnd_ in range(2):  # twice, interleaved, to show the machine's load drift
        s = time.perf_counter()
        for k in range(0, len(docs), 64):
            fz.featurize(docs[k : k + 64])
        dt = time.perf_counter() - s
        s = time.perf_counter()
        for k in range(0, len(enc_in), 64):
            enc.encode(enc_in[k : k + 64])
        de = time.perf_counter() - s
        print(f"featurize (encoder on, encoder_threads={settings.encoder_threads}, ~{sum(len(d.text) for d in docs) // len(docs)} chars/article): "
              f"{len(docs) / dt:.0f} articles/s; bare encoder on the same inputs: {len(docs) / de:.0f}/s")  # fmt: skip
    fz0 = Featurizer(DedupSettings(encoder=False))
    s = time.perf_counter()
    for k in range(0, len(docs), 64):
        fz0.featurize(docs[k : k + 64])
    print(f"featurize without encoder: {len(docs) / (time.perf_counter() - s):.0f} articles/s; blob {len(fz.featurize(docs[:1])[0].to_bytes())} bytes")

    # 2-3. archive
    rng = np.random.default_rng(0)
    det = Detector(settings)
    base = t0.timestamp()
    span = a.days * 86400.0
    r0 = rss()
    s = time.perf_counter()
    for i in range(a.archive):
        if i and i % 200_000 == 0:
            print(f"  ... {i} added, {time.perf_counter() - s:.0f}s", flush=True)
        det.add(i // 3, f"doc{i:08d}", synthetic_features(rng, base + span * i / a.archive))
    build = time.perf_counter() - s
    r1 = rss()
    print(f"archive: {a.archive} articles over {a.days} days built in {build:.1f}s; hot (window) articles: {len(det.hot)}")
    print(f"index memory: {(r1 - r0) / a.archive:.0f} bytes/archived article (RSS growth)")
    lat = []
    end = base + span
    for q in range(a.queries):
        f = synthetic_features(rng, end - rng.random() * 86400)
        s = time.perf_counter()
        det.decide(f)
        lat.append((time.perf_counter() - s) * 1000)
    lat.sort()
    p50 = lat[len(lat) // 2]
    p95 = lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)]
    print(f"decide(): p50={p50:.2f} ms p95={p95:.2f} ms over {a.queries} queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
