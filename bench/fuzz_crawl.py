"""Fuzz crawl: the real pipeline against a seeded network of hostile press centres on loopback.

Serves ``crawler.sim.fuzz.FuzzNet`` (mutated list and detail pages: bad ports and IPv6
literals, impossible dates, huge percent-encoded links, unclosed tags nested thousands deep,
JSON-LD nested past the recursion limit, runs of ``<``, NULs, junk, truncation; plus good
one-sentence and chrome-first articles), crawls it once with ``Pipeline`` into a temporary
SQLite file and prints: pages fetched (list + detail), uncaught exceptions (crashes), sources
that failed, good items stored / expected, the slowest single page parse, peak RSS of the
crawl (this process and its parse workers), wall seconds.

Run:  python bench/fuzz_crawl.py [--sources 55] [--lists 80] [--items 5] [--every 8] [--seed 1]
                                 [--deep-max 8000] [--bad-rate 0.6] [--memory-limit-mb 0]

``--memory-limit-mb`` sets RLIMIT_AS on this process (use it to run the fuzz crawl against an
older checkout whose parser is quadratic in the nesting depth, so that it fails with
MemoryError instead of swapping a shared machine).
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.sim.fuzz import run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=55)
    ap.add_argument("--lists", type=int, default=80)
    ap.add_argument("--items", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=int, default=8, help="one new item every N list pages")
    ap.add_argument("--bad-rate", type=float, default=0.6, help="share of list pages with one bad item")
    ap.add_argument("--deep-max", type=int, default=8_000)
    ap.add_argument("--memory-limit-mb", type=int, default=0)
    args = ap.parse_args()
    if args.memory_limit_mb:
        lim = args.memory_limit_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (lim, resource.getrlimit(resource.RLIMIT_AS)[1]))
    logging.basicConfig(level=logging.CRITICAL)
    r = run(args.sources, args.lists, args.items, args.seed, every=args.every, deep_max=args.deep_max, bad_rate=args.bad_rate)
    print(f"pages fetched:          {r['pages']:,} ({r['list_pages']:,} list, {r['detail_pages']:,} detail)")
    print(f"uncaught exceptions:    {r['crashes']}")
    for sample in r["crash_samples"]:
        print(f"    {sample[:160]}")
    print(f"sources failed:         {r['failed_sources']} of {args.sources}")
    for sample in r["failed_samples"]:
        print(f"    {sample[:160]}")
    print(f"good items stored:      {r['good_stored']:,} of {r['good']:,} (articles stored: {r['stored']:,})")
    print(f"slowest page parse:     {r['slowest_parse_s']:.3f} s (pages abandoned at the time limit: {r['parse_timeouts']})")
    print(f"peak RSS of the crawl:  {r['peak_rss_mb']:,.0f} MB (process + parse workers, sampled every 0.1 s)")
    print(f"wall time:              {r['seconds']:.1f} s")


if __name__ == "__main__":
    main()
