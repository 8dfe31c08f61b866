"""Parsing throughput on one core: ``python bench/parse_bench.py [N] [--repeat R]``.

Generates N (default 2000) detail pages of five markup families (``tests/parse/pagegen.py``:
Bitrix, og/JSON-LD semantic, cp1251-style table with ``<br>`` paragraphs, div soup,
``div.content-text``), ~4–8 KB of article text (UTF-8) each plus chrome, and N/10 list pages
(Bitrix and generic).  Prints pages/s for ``parse_article`` and ``parse_list``: the best of
R runs (default 3) of the whole set, measured as process CPU time on one core, plus
per-family figures, plus a "warm" figure (each page parsed 7 times, fastest kept: the floor
without cache misses and scheduler noise) and a Python-speed calibration (an empty
1000-iteration loop; ~10-15 µs on an idle modern core) so figures from busy machines can be
judged.  Target: ≥ 2,000 detail pages/s per core.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "parse"))

import pagegen as g  # noqa: E402

from crawler.parse import parse_article, parse_list  # noqa: E402

FAMILIES = {
    "bitrix": lambda t, p: g.bitrix_article(t, "24.02.2015 12:30", p, img="/upload/medialibrary/a/фото.jpg"),
    "semantic+jsonld": lambda t, p: g.modern_article(t, "2024-03-05T13:04:00+03:00", p),
    "table+br": lambda t, p: g.table1251_article(t, "24 февраля 2015 г.", p),
    "div-soup": lambda t, p: g.divsoup_article(t, "12 марта 2024 года в 10:15", p),
    "content-text": lambda t, p: g.contenttext_article(t, "07.05.2024", p),
}


def make_pages(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` (family, html) pairs, families in rotation."""
    rng = random.Random(seed)
    names = list(FAMILIES)
    out = []
    for i in range(n):
        paras = g.paragraphs(rng, rng.randint(5, 9), rng.randint(4, 6))
        name = names[i % len(names)]
        out.append((name, FAMILIES[name](rng.choice(g.TITLES), paras)))
    return out


def _run(fn, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        for x in items:
            fn(x)
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pages = make_pages(args.n)
    html_kb = sum(len(h.encode()) for _, h in pages) / len(pages) / 1024
    url = "https://arbat.mos.ru/presscenter/news/detail/1.html"
    text_kb = sum(len(parse_article(h, url).text.encode()) for _, h in pages) / len(pages) / 1024
    dt = _run(lambda fh: parse_article(fh[1], url), pages, args.repeat)
    print(f"parse_article: {len(pages)} pages, {html_kb:.1f} KB html / {text_kb:.1f} KB text each: "
          f"{dt:.2f}s CPU = {len(pages) / dt:,.0f} pages/s (best of {args.repeat})")
    for name in FAMILIES:
        sub = [p for p in pages if p[0] == name]
        d = _run(lambda fh: parse_article(fh[1], url), sub, args.repeat)
        print(f"  {name:16s} {len(sub) / d:8,.0f} pages/s")
    warm = 0.0
    for _, h in pages[: min(len(pages), 250)]:
        best = float("inf")
        for _ in range(7):
            t = time.perf_counter()
            parse_article(h, url)
            best = min(best, time.perf_counter() - t)
        warm += best
    n_warm = min(len(pages), 250)
    print(f"  warm (per-page best of 7, {n_warm} pages): {warm / n_warm * 1e6:.0f} µs/page = {n_warm / warm:,.0f} pages/s")
    lists = [(i, g.bitrix_list(page=1 + i % 4) if i % 2 else g.generic_list(1 + i % 4)) for i in range(max(50, args.n // 10))]
    bases = ("https://x.example.ru/news/", "https://arbat.mos.ru/presscenter/news/")
    dt = _run(lambda ih: parse_list(ih[1], bases[ih[0] % 2]), lists, args.repeat)
    print(f"parse_list: {len(lists)} pages: {dt:.2f}s CPU = {len(lists) / dt:,.0f} pages/s (best of {args.repeat})")
    loop = min(timeit.repeat("for i in range(1000): pass", number=2000, repeat=5)) / 2000 * 1e6
    print(f"calibration: empty 1000-iteration loop = {loop:.1f} µs (idle modern core: ~10-15 µs)")


if __name__ == "__main__":
    main()
