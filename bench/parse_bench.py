"""Parsing throughput on one core: ``python bench/parse_bench.py [N]``.

Generates N (default 2000) detail pages of mixed markup families (tests/parse/pagegen.py),
~3–6 KB of text each plus chrome, and N/10 list pages; prints pages/s for parse_article
and parse_list.  Target: ≥ 2,000 detail pages/s per core.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "parse"))

import pagegen as g  # noqa: E402

from crawler.parse import parse_article, parse_list  # noqa: E402


def make_pages(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    fams = [
        lambda t, p: g.bitrix_article(t, "24.02.2015 12:30", p, img="/upload/medialibrary/a/фото.jpg"),
        lambda t, p: g.modern_article(t, "2024-03-05T13:04:00+03:00", p),
        lambda t, p: g.table1251_article(t, "24 февраля 2015 г.", p),
        lambda t, p: g.divsoup_article(t, "12 марта 2024 года в 10:15", p),
        lambda t, p: g.contenttext_article(t, "07.05.2024", p),
    ]
    pages = []
    for i in range(n):
        paras = g.paragraphs(rng, rng.randint(4, 8), rng.randint(4, 6))
        pages.append(fams[i % len(fams)](rng.choice(g.TITLES), paras))
    return pages


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    pages = make_pages(n)
    text_kb = sum(len(p) for p in pages) / n / 1024
    t = time.perf_counter()
    chars = 0
    for p in pages:
        chars += len(parse_article(p, "https://arbat.mos.ru/presscenter/news/detail/1.html").text)
    dt = time.perf_counter() - t
    print(f"parse_article: {n} pages ({text_kb:.1f} K chars html, {chars / n / 1024:.1f} K chars text avg) "
          f"in {dt:.2f}s = {n / dt:,.0f} pages/s")
    lists = [g.bitrix_list(page=1 + i % 4) if i % 2 else g.generic_list(1 + i % 4) for i in range(max(50, n // 10))]
    t = time.perf_counter()
    for i, p in enumerate(lists):
        parse_list(p, "https://arbat.mos.ru/presscenter/news/" if i % 2 else "https://x.example.ru/news/")
    dt = time.perf_counter() - t
    print(f"parse_list: {len(lists)} pages in {dt:.2f}s = {len(lists) / dt:,.0f} pages/s")


if __name__ == "__main__":
    main()
