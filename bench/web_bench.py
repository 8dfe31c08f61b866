"""Latency of the web interface on a big archive: ``/`` and ``/feed.atom``, p50/p95, with query plans.

Builds (once; cached) a synthetic archive of ``--stories`` stories (default 200,000) and about
five reprints each (≈ 1,000,000 articles, ~1.2 KB of text each) from the 136 sources of the
shipped ``config.yaml`` over two years, with a stemmed full-text index, by bulk inserts (no
crawling). Then serves :func:`crawler.web.app.create_app` with uvicorn on 127.0.0.1 and times
sequential HTTP requests over a handful of filter combinations, after a warm-up, and prints
``EXPLAIN QUERY PLAN`` (SQLite) / ``EXPLAIN`` (PostgreSQL) of each page query, flagging any
full scan of ``stories`` or ``articles``.

Usage::

    python bench/web_bench.py                         # SQLite: bench/out/web_<N>.db (built once)
    python bench/web_bench.py --pg postgresql://postgres@127.0.0.1:5432/test   # schema mosnews_web_bench
    python bench/web_bench.py --stories 20000 --requests 20   # a quick run

Exit status 1 when a p95 exceeds ``--budget-ms`` (default 100) or a plan has a full scan.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sqlite3
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
PG_SCHEMA = "mosnews_web_bench"
START = datetime(2024, 3, 1, tzinfo=timezone.utc)
DAYS = 730


# --- synthetic archive ------------------------------------------------------------------


def vocabulary() -> list[str]:
    """Russian words from the simulator's own texts (topics, templates), most frequent first."""
    import re
    from collections import Counter

    words: Counter[str] = Counter()
    for p in (ROOT / "crawler" / "sim").glob("*.py"):
        words.update(w for w in re.findall(r"[а-яё]{4,}", p.read_text(encoding="utf-8").lower()))
    real = [w for w, _ in words.most_common()]
    # Pad with pronounceable pseudo-words to a 30,000-word vocabulary, so that word frequencies
    # follow Zipf's law over a realistic range (a word of rank r is in ~150/(11 r) of the stories).
    rng = random.Random(1)
    cons, vows = "бвгдзклмнпрстфхцчш", "аеиоуыя"
    seen = set(real)
    while len(real) < 30_000:
        w = "".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            real.append(w)
    return real


def sources() -> list[tuple[str, str, str, str]]:
    """``(id, name, okrug, url)`` of the shipped config's sources."""
    from crawler.config import load_settings

    s = load_settings(ROOT / "config.yaml", env={})
    return [(x.id, x.name, x.okrug or "", str(x.url)) for x in s.sources]


def generate(n_stories: int, seed: int = 7):  # type: ignore[no-untyped-def]
    """Yield ``(story_row, [article_rows], (story_id, stemmed body))`` per story, in id order."""
    from crawler.textsearch import stem_text

    rng = random.Random(seed)
    vocab = vocabulary()
    stems = {w: stem_text(w) for w in vocab}
    cum = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(vocab))))
    srcs = sources()
    src_cum = list(itertools.accumulate(rng.uniform(0.3, 3.0) for _ in srcs))
    expl = json.dumps({"best": {"story": 0, "score": 0.97, "p_canonical": 0.98, "member_p": {"1": 0.98},
                                "signals_vs_canonical": {"char": 0.91, "tfidf": 0.88, "enc": 0.93, "title": 0.7, "fig_agree": 0.69},
                                "vetoes": {}}, "ranking": []})
    aid = 0
    for sid in range(1, n_stories + 1):
        t0 = START + timedelta(seconds=DAYS * 86400 * sid / n_stories + rng.uniform(-1800, 1800))
        k = 1 if rng.random() < 0.35 else min(len(srcs), 2 + int(rng.expovariate(1 / 5.15)))
        title_words = rng.choices(vocab, cum_weights=cum, k=8)
        body_words = rng.choices(vocab, cum_weights=cum, k=150)
        mayor = rng.random() < 0.3
        title = ("Собянин: " if mayor else "") + " ".join(title_words).capitalize()
        lead = " ".join(body_words[:25]).capitalize() + "."
        text = " ".join(body_words[25:]).capitalize() + "."
        chosen = set()
        while len(chosen) < k:
            chosen.add(rng.choices(range(len(srcs)), cum_weights=src_cum)[0])
        arts = []
        first = aid + 1
        for j, si in enumerate(sorted(chosen)):
            aid += 1
            pub = t0 + timedelta(minutes=0 if j == 0 else rng.randint(5, 1440))
            src = srcs[si]
            arts.append((aid, f"https://{src[0]}.mos.ru/presscenter/news/detail/{aid}.html", src[0], title, pub,
                         lead, text, pub + timedelta(minutes=7), f"{aid:064x}", sid, 1.0 if j == 0 else 0.95, expl))
        last = max(a[4] for a in arts)
        story = (sid, title, first, t0, t0 + timedelta(minutes=7), last + timedelta(minutes=7), k)
        fts = (sid, " ".join(stems[w] for w in body_words))
        yield story, arts, fts


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_sqlite(path: Path, n_stories: int) -> None:
    """Create the schema with the migrations, then bulk-insert the archive with sqlite3."""
    from crawler.textsearch import stem_text
    from storage import open_store

    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    open_store(f"sqlite:///{tmp}").close()
    con = sqlite3.connect(tmp)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;")
    now = _iso(datetime.now(timezone.utc))
    con.executemany(
        "INSERT INTO sources (id, name, okrug, kind, url, enabled, last_crawl_at, last_success_at, consecutive_failures,"
        " last_new_items, empty_crawls, markup_changed, backfilled) VALUES (?,?,?,?,?,1,?,?,0,0,0,0,1)",
        [(i, n, o, "uprava", u, now, now) for i, n, o, u in sources()])
    t = time.time()
    batch_s, batch_a, batch_f = [], [], []

    def flush() -> None:
        con.executemany("INSERT INTO stories (id, title, canonical_article_id, published_at, first_seen_at, updated_at, reprint_count)"
                        " VALUES (?,?,?,?,?,?,?)", [(s[0], s[1], s[2], _iso(s[3]), _iso(s[4]), _iso(s[5]), s[6]) for s in batch_s])
        con.executemany("INSERT INTO articles (id, url, source_id, title, published_at, lead, text, images, tags, fetched_at,"
                        " updated_at, content_hash, story_id, story_score, story_explanation) VALUES (?,?,?,?,?,?,?,'[]','[]',?,?,?,?,?,?)",
                        [(a[0], a[1], a[2], a[3], _iso(a[4]), a[5], a[6], _iso(a[7]), _iso(a[7]), a[8], a[9], a[10], a[11]) for a in batch_a])
        con.executemany("INSERT INTO story_fts (rowid, title, body) VALUES (?,?,?)", batch_f)
        con.commit()
        batch_s.clear(), batch_a.clear(), batch_f.clear()

    for story, arts, fts in generate(n_stories):
        batch_s.append(story)
        batch_a.extend(arts)
        batch_f.append((fts[0], stem_text(story[1]), fts[1]))
        if len(batch_s) >= 5000:
            flush()
            print(f"  {story[0]:,} stories, {arts[-1][0]:,} articles, {time.time() - t:.0f} s", file=sys.stderr)
    flush()
    mark = {"updated_at": _iso(datetime.now(timezone.utc) + timedelta(days=3650)), "max_id": n_stories, "tie": {}}
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_indexed', ?)", (json.dumps(mark),))
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()
    tmp.rename(path)


def build_pg(url: str, n_stories: int) -> None:
    """Create the schema with the migrations, then COPY the archive in."""
    import psycopg

    from crawler.textsearch import stem_text
    from storage import open_store

    open_store(url).close()
    dsn, schema = _pg_dsn(url)
    with psycopg.connect(dsn, autocommit=False) as con:
        con.execute(f"SET search_path TO {schema}")
        now = datetime.now(timezone.utc)
        with con.cursor() as cur:
            cur.executemany(
                "INSERT INTO sources (id, name, okrug, kind, url, enabled, last_crawl_at, last_success_at, consecutive_failures,"
                " last_new_items, empty_crawls, markup_changed, backfilled) VALUES (%s,%s,%s,'uprava',%s,true,%s,%s,0,0,0,false,true)",
                [(i, n, o, u, now, now) for i, n, o, u in sources()])
        t = time.time()
        with con.cursor() as cur:
            cur.execute("CREATE TEMP TABLE fts_in (id int, title text, body text)")
            with cur.copy("COPY stories (id, title, canonical_article_id, published_at, first_seen_at, updated_at, reprint_count) FROM STDIN") as cs:
                arts_all: list[Any] = []
                fts_all: list[Any] = []
                for story, arts, fts in generate(n_stories):
                    cs.write_row(story)
                    arts_all.extend(arts)
                    fts_all.append((fts[0], stem_text(story[1]), fts[1]))
            print(f"  stories copied, {time.time() - t:.0f} s", file=sys.stderr)
            with cur.copy("COPY articles (id, url, source_id, title, published_at, lead, text, fetched_at, updated_at, content_hash,"
                          " story_id, story_score, story_explanation, images, tags) FROM STDIN") as ca:
                for a in arts_all:
                    ca.write_row((*a[:7], a[7], a[7], a[8], a[9], a[10], a[11], "[]", "[]"))
            print(f"  {len(arts_all):,} articles copied, {time.time() - t:.0f} s", file=sys.stderr)
            with cur.copy("COPY fts_in (id, title, body) FROM STDIN") as cf:
                for row in fts_all:
                    cf.write_row(row)
            cur.execute("INSERT INTO story_fts (story_id, document) SELECT id, setweight(to_tsvector('simple', title), 'A')"
                        " || setweight(to_tsvector('simple', body), 'D') FROM fts_in")
            mark = {"updated_at": (now + timedelta(days=3650)).isoformat(), "max_id": n_stories, "tie": {}}
            cur.execute("INSERT INTO meta (key, value) VALUES ('fts_indexed', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        (json.dumps(mark),))
            cur.execute("SELECT setval(pg_get_serial_sequence('stories', 'id'), %s)", (n_stories,))
            cur.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), %s)", (len(arts_all),))
        con.commit()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"SET search_path TO {schema}")
        con.execute("VACUUM ANALYZE")
    print(f"  built in {time.time() - t:.0f} s", file=sys.stderr)


def _pg_dsn(url: str) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    schema = str(u.query.get("options", "")).removeprefix("-csearch_path=") or "public"
    base = u.difference_update_query(["options"]).set(drivername="postgresql")
    return base.render_as_string(hide_password=False), schema


def pg_bench_url(url: str) -> str:
    """``url`` with ``search_path`` set to the benchmark's own schema (created if missing)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage.engine import normalize_url

    eng = create_engine(normalize_url(url))
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"'))
    eng.dispose()
    return make_url(normalize_url(url)).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(hide_password=False)


# --- measuring --------------------------------------------------------------------------


def combos(store: Any) -> list[tuple[str, str]]:
    """(label, query string) pairs: the filter combinations timed."""
    from sqlalchemy import text

    with store.read_session() as s:
        mid = s.connection().execute(text("SELECT published_at FROM stories WHERE id = (SELECT max(id) / 2 FROM stories)")).scalar()
    mid = mid if isinstance(mid, datetime) else datetime.fromisoformat(str(mid).replace("Z", "+00:00"))
    day = (mid + timedelta(hours=3)).date()
    big_src = "arbat"
    return [
        ("newest", ""),
        ("okrug", "okrug=" + quote("ЦАО")),
        ("source", "source=" + big_src),
        ("min+mayor", "min=5&mayor=1"),
        ("dates (one week, a year ago)", f"from={day - timedelta(days=7)}&to={day}"),
        ("search: common word", "q=" + quote("школа")),
        ("search: two words", "q=" + quote("открылась поликлиника")),
        ("search: rare word", "q=" + quote(vocabulary()[5000])),
        ("search+okrug", "q=" + quote("выставка") + "&okrug=" + quote("САО")),
        ("okrug+source+min", "okrug=" + quote("ЮЗАО") + "&source=yasenevo&min=3"),
        ("page 20 (cursor)", "__deep__"),
    ]


def explain(store: Any, qs: str) -> list[str]:
    """The page query's plan for query string ``qs``."""
    from starlette.datastructures import QueryParams

    from crawler.textsearch import stem_text
    from crawler.web.queries import Explain, Filters, WebQueries

    f, _ = Filters.from_params(QueryParams(qs))
    with store.read_session() as s:
        conn = s.connection()
        q, short = WebQueries(store).page_query(conn, f, stem_text)
        if q is None:
            return ["(no query: the filters cannot match)"]
        rows = list(conn.execute(Explain(q)))
    if store.dialect == "sqlite":
        return [str(r[3]) for r in rows]
    return [str(r[0]) for r in rows]


def full_scan(plan: list[str], dialect: str) -> bool:
    """True when a plan reads a whole ``stories`` or ``articles`` table."""
    for line in plan:
        if dialect == "sqlite":
            if (line.startswith("SCAN stories") or line.startswith("SCAN articles")) and "USING" not in line:
                return True
        elif "Seq Scan on stories" in line or "Seq Scan on articles" in line:
            return True
    return False


def serve(url: str, port: int) -> None:
    """Serve the web interface over ``url`` on 127.0.0.1:``port`` (the benchmark's server process)."""
    import uvicorn

    from crawler.config import ServerSettings
    from crawler.web.app import create_app
    from storage import open_store

    store = open_store(url)
    uvicorn.run(create_app(store, ServerSettings()), host="127.0.0.1", port=port, log_level="warning", access_log=False,
                lifespan="off")


def main() -> int:
    """Build or reuse the archive, serve it, time the pages, print plans and figures."""
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stories", type=int, default=200_000)
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL database URL (schema mosnews_web_bench is used)")
    ap.add_argument("--requests", type=int, default=40, help="timed requests per page and filter combination")
    ap.add_argument("--budget-ms", type=float, default=100.0)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()

    import httpx
    from sqlalchemy import text

    from storage import open_store

    if args.pg:
        url = pg_bench_url(args.pg)
        store = open_store(url)
        with store.read_session() as s:
            n = s.connection().execute(text("SELECT count(*) FROM stories")).scalar()
        store.close()
        if n != args.stories or args.rebuild:
            if n:
                store = open_store(url)
                with store.session() as s:
                    s.connection().execute(text("TRUNCATE story_fts, articles, stories, sources, meta CASCADE"))
                store.close()
            print(f"building {args.stories:,} stories in PostgreSQL schema {PG_SCHEMA} …", file=sys.stderr)
            build_pg(url, args.stories)
    else:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"web_{args.stories}.db"
        if args.rebuild:
            path.unlink(missing_ok=True)
        if not path.exists():
            print(f"building {path} …", file=sys.stderr)
            build_sqlite(path, args.stories)
        url = f"sqlite:///{path}"
    store = open_store(url)
    with store.read_session() as s:
        n_st = s.connection().execute(text("SELECT count(*) FROM stories")).scalar()
        n_ar = s.connection().execute(text("SELECT count(*) FROM articles")).scalar()
    print(f"{store.dialect}: {n_st:,} stories, {n_ar:,} articles")

    # The server runs in its own process (as `mosnews web` would), so the timing client does
    # not share its interpreter lock.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)])
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/api/releases?limit=1", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the web server did not start")
            time.sleep(0.2)
        bad = False
        results: list[tuple[str, str, float, float]] = []
        with httpx.Client(base_url=base, timeout=30) as client:
            for label, qs in combos(store):
                if qs == "__deep__":  # follow the "Раньше" cursor 20 pages deep, then time that page
                    r = client.get("/api/releases")
                    for _ in range(19):
                        nxt = r.headers["link"].split(";")[0].strip("<>")
                        r = client.get(nxt)
                    qs = nxt.split("?", 1)[1]
                plan = explain(store, qs)
                scan = full_scan(plan, store.dialect)
                bad |= scan
                print(f"\n== {label}: ?{qs}" + ("   ** FULL SCAN **" if scan else ""))
                for line in plan:
                    print("   " + (line if len(line) < 240 else line[:240] + " …"))
                for path_ in ("/", "/feed.atom"):
                    target = f"{path_}?{qs}" if qs else path_
                    for _ in range(3):  # warm-up
                        assert client.get(target).status_code == 200
                    times = []
                    for _ in range(args.requests):
                        t = time.perf_counter()
                        r = client.get(target)
                        times.append((time.perf_counter() - t) * 1000)
                        assert r.status_code == 200, r.status_code
                    times.sort()
                    p50, p95 = statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]
                    results.append((label, path_, p50, p95))
                    print(f"   {path_:<11} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    finally:  # never leave the server running, whatever failed
        proc.terminate()
        proc.wait(30)
    store.close()
    print(f"\n{'combination':<30} {'path':<11} {'p50 ms':>7} {'p95 ms':>7}")
    for label, path_, p50, p95 in results:
        flag = "  > budget" if p95 > args.budget_ms else ""
        bad |= p95 > args.budget_ms
        print(f"{label:<30} {path_:<11} {p50:7.1f} {p95:7.1f}{flag}")
    worst = max(r[3] for r in results)
    print(f"\nworst p95: {worst:.1f} ms (budget {args.budget_ms:.0f} ms){'' if not bad else ' — FAILED'}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
