"""Syndication quality at scale on the simulated network's ground truth.

Two paths:

* offline (default): every published page of a :class:`crawler.sim.SimNetwork` through
  :func:`crawler.dedup.cluster_records` (what ``mosnews cluster`` runs: publication order);
* ``--through-crawl``: the path a user runs. The simulator is served on loopback and crawled
  by the real pipeline (fetch → parse → dedup → store) into a temporary SQLite database, in
  four scenarios:

  - ``backfill``: one first crawl of ``--days`` days over every site (``mosnews crawl``);
  - ``steady``: a first crawl of one day, then a crawl every ``--step-hours`` as the clock
    advances over ``--days`` days, by one long-lived pipeline (the daemon);
  - ``site-down``: as ``steady``, with the site that publishes most down for the first five
    days; it then comes back and is backfilled late;
  - ``reverse``: as ``backfill``, with the sources crawled in reverse order.

  Each prints pairwise P/R and B-cubed F1 of the stories the crawl stored, beside the offline
  publication-order figure on the same pages (the stored articles' own title, text and time
  through :func:`cluster_records`), and the difference; then a line on the stories' titles
  (:func:`title_report`): how many stories are headed by a district-angled title while one of
  their members carries an un-angled one, how many carry the release's own headline without
  being shown under it, and, at the end, how many stories with the very same members got a
  different title in two scenarios (an arrival-order effect).

Usage: ``python bench/sim_truth.py [--days 7] [--sites 0] [--seed 3] [--no-encoder] [--false-pairs N]
[--through-crawl [--scenarios backfill,steady,site-down,reverse] [--step-hours 6]]``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.config import DedupSettings, settings_from_dict  # noqa: E402
from crawler.dedup import cluster_records  # noqa: E402
from crawler.sim import SimNetwork  # noqa: E402


def pair_scores(truth: dict[str, str], got: dict[str, object], kind=None, conf=None) -> dict:
    """Pairwise P/R/F1, B-cubed P/R/F1 (Bagga & Baldwin 1998), look-alike merges and recall per
    rewrite kind of a clustering ``got`` against ``truth`` (both keyed by page URL)."""
    tp = fp = fn = conf_merges = 0
    kind_tp: Counter[str] = Counter()
    kind_all: Counter[str] = Counter()
    bad_pairs: Counter[tuple[str, str]] = Counter()
    # pairs only within true or predicted groups (the rest are true negatives)
    by_pred: dict[object, set[str]] = defaultdict(set)
    by_true: dict[str, set[str]] = defaultdict(set)
    for u in truth:
        by_pred[got[u]].add(u)
        by_true[truth[u]].add(u)
    pairs = set()
    for group in itertools.chain(by_pred.values(), by_true.values()):
        pairs.update(itertools.combinations(sorted(group), 2))
    for x, y in pairs:
        same_pred, same_true = got[x] == got[y], truth[x] == truth[y]
        if same_true and kind is not None:
            k = kind[y] if kind[x] == "verbatim" else kind[x]
            kind_all[k] += 1
            kind_tp[k] += same_pred
        if same_pred and same_true:
            tp += 1
        elif same_pred:
            fp += 1
            if conf is not None and (truth[y] in conf[x] or truth[x] in conf[y]):
                conf_merges += 1
            if kind is not None:
                bad_pairs[(kind[x], kind[y])] += 1
        elif same_true:
            fn += 1
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    bp = sum(len(by_pred[got[u]] & by_true[truth[u]]) / len(by_pred[got[u]]) for u in truth) / max(1, len(truth))
    br = sum(len(by_pred[got[u]] & by_true[truth[u]]) / len(by_true[truth[u]]) for u in truth) / max(1, len(truth))
    return {
        "P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn,
        "B3": 2 * bp * br / (bp + br) if bp + br else 0.0, "conf_merges": conf_merges,
        "kinds": {k: (kind_tp[k] / kind_all[k], kind_all[k]) for k in sorted(kind_all)}, "bad_pairs": bad_pairs,
        "true_stories": len(by_true), "pred_stories": len(by_pred),
    }  # fmt: skip


def offline(a: argparse.Namespace) -> None:
    """Every published page through ``cluster_records`` in publication order."""
    net = SimNetwork(sites=a.sites or None, seed=a.seed, backlog_days=a.days)
    pages = net.pages()
    recs = [
        {"id": p.url, "url": p.url, "title": p.title, "text": p.text, "published_at": p.published_at.isoformat(), "source": p.site_id}
        for p in pages
    ]
    t0 = time.perf_counter()
    det = None
    if a.false_pairs:
        got, det = _cluster_keep_detector(recs, DedupSettings(encoder=not a.no_encoder))
    else:
        out = cluster_records(recs, DedupSettings(encoder=not a.no_encoder))
        got = {o["id"]: o["story_id"] for o in out}
    dt = time.perf_counter() - t0
    s = pair_scores({p.url: p.story for p in pages}, got, {p.url: p.kind for p in pages}, {p.url: set(p.confusable_with) for p in pages})
    print(f"simulated network: {len(net.sites)} sites, {a.days} days, seed {a.seed}: {len(pages)} pages, "
          f"{s['true_stories']} true stories, {s['pred_stories']} predicted; clustered in {dt:.1f} s ({len(pages) / dt:.0f} articles/s)")
    print(f"pairwise  P {s['P']:.3f}  R {s['R']:.3f}  F1 {s['F1']:.3f}   (tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
    print(f"B-cubed   F1 {s['B3']:.3f}")
    print(f"look-alike (confusable) pairs merged: {s['conf_merges']}")
    print("recall per rewrite kind: " + ", ".join(f"{k} {v:.3f} ({n} pairs)" for k, (v, n) in s["kinds"].items()))
    if s["bad_pairs"]:
        print("false merges by kinds: " + ", ".join(f"{x}/{y}: {n}" for (x, y), n in s["bad_pairs"].most_common(6)))
    if det is not None:
        false_pair_report(pages, got, det, a.false_pairs)


def _cluster_keep_detector(recs: list[dict], settings: DedupSettings):
    """``({id: story id}, detector)``: :func:`cluster_records`' path (same order, same
    decisions), keeping the detector so the false pairs can be explained with its state."""
    from crawler.dedup.detector import Detector
    from crawler.dedup.features import Featurizer
    from crawler.dedup.offline import BATCH, assign_stories, parse_when, publication_order
    from crawler.dedup.features import Doc

    docs = [Doc(id=r["id"], title=r["title"], text=r["text"], published_at=parse_when(r["published_at"]), url=r["url"], source=r["source"])
            for r in recs]  # fmt: skip
    order = publication_order(docs)
    fz = Featurizer(settings)

    def featurised():
        for k in range(0, len(order), BATCH):
            chunk = [docs[i] for i in order[k : k + BATCH]]
            yield from zip((d.id for d in chunk), fz.featurize(chunk))

    det = Detector(settings, evict=False)
    return assign_stories(det, featurised()), det


#: Signals printed for each false pair (see crawler.dedup.signals).
_SHOW = ("p", "char", "tfidf", "topic", "enc", "title", "names", "fig_agree", "fig_conf", "addr_conf", "place_conf", "local_conf", "topic_conf")


def _shape(title: str) -> str:
    """A title without its capitalised words (names, the first word): the template it follows."""
    return " ".join(w for w in title.split() if not w[:1].isupper()) or title


def false_pair_report(pages, got: dict[str, object], det, top: int) -> None:
    """Print the false pairs (same predicted story, different true story) by kind —
    ``local/local``, ``local/release``, ``release/release`` — with the mean pair signals per kind,
    what drives them (same site or not; pairs at p ≥ 0.5 with names ≥ 0.5, char ≥ 0.9, a
    contradicting figure, an agreeing one), and the ``top`` largest groups behind them (local/local:
    by the two titles' template, :func:`_shape`; otherwise by true-story pair) with count, mean
    signals and one example. Signals are recomputed with the detector's final state (IDF of the
    whole run), so a pair's p may differ slightly from the one its decision saw."""
    from crawler.dedup.scorer import probability
    from crawler.dedup.signals import pair_signals

    by = {p.url: p for p in pages}
    pred: dict[object, list[str]] = defaultdict(list)
    for u in sorted(got):
        pred[got[u]].append(u)
    groups: dict[str, dict[tuple[str, str], list[dict]]] = defaultdict(lambda: defaultdict(list))
    for members in pred.values():
        for x, y in itertools.combinations(members, 2):
            px, py = by[x], by[y]
            if px.story == py.story:
                continue
            nloc = (px.kind == "local") + (py.kind == "local")
            kind = ("release/release", "local/release", "local/local")[nloc]
            fx, wx, cx, vx = det.hot.weights(x)
            fy, wy, cy, vy = det.hot.weights(y)
            sg = pair_signals(fx, fy, wx, wy, vx, vy, cx, cy)
            sg["p"], _ = probability(sg, det.window_days, det.settings.encoder)
            sg["same_site"] = float(px.site_id == py.site_id)
            if kind == "local/local":
                key = tuple(sorted((_shape(px.title), _shape(py.title))))
            else:
                key = tuple(sorted((px.story, py.story)))
            groups[kind][key].append({"sig": sg, "pages": (px, py)})
    print(f"false pairs by kind: " + ", ".join(f"{k} {sum(len(v) for v in g.values())}" for k, g in sorted(groups.items())))
    for kind, g in sorted(groups.items()):
        rows = [r for v in g.values() for r in v]
        mean = {k: sum(r["sig"][k] for r in rows if r["sig"][k] == r["sig"][k]) / len(rows) for k in (*_SHOW, "same_site")}
        print(f"--- {kind}: {len(rows)} pairs in {len(g)} groups; mean " + " ".join(f"{k} {v:.2f}" for k, v in mean.items()))
        above = sum(1 for r in rows if r["sig"]["p"] >= 0.5)
        hi = [r["sig"] for r in rows if r["sig"]["p"] >= 0.5]
        print(f"    same site {sum(1 for r in rows if r['sig']['same_site'])}, p >= 0.5: {above} — of these names >= 0.5: "
              f"{sum(1 for x in hi if x['names'] >= 0.5)}, char >= 0.9: {sum(1 for x in hi if x['char'] >= 0.9)}, "
              f"a figure contradicts: {sum(1 for x in hi if x['fig_conf'] >= 1)}, a figure agrees: {sum(1 for x in hi if x['fig_agree'] > 0)}, "
              f"same site: {sum(1 for x in hi if x['same_site'])}")
        for key, v in sorted(g.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]:
            m = {k: sum(r["sig"][k] for r in v if r["sig"][k] == r["sig"][k]) / len(v) for k in _SHOW}
            px, py = v[0]["pages"]
            print(f"  {len(v):4d}  {key[0]} + {key[1]}: " + " ".join(f"{k} {x:.2f}" for k, x in m.items()))
            print(f"        [{px.site_id} {px.published_at:%m-%d %H:%M}] {px.title!r}")
            print(f"        [{py.site_id} {py.published_at:%m-%d %H:%M}] {py.title!r}")


# --------------------------------------------------------------------------- through the crawl


def _settings(db: Path, sources: list[dict], since, encoder: bool):
    return settings_from_dict(
        {
            "database": {"url": f"sqlite:///{db}"},
            "crawl": {"since": str(since), "max_pages": 500},
            "fetch": {"delay": "0ms"},  # politeness delay off: loopback, and the bench measures quality
            "dedup": {"encoder": encoder},
            "alerts": {"first_run": "skip"},
            "server": {"enabled": False},
            "sources": sources,
        },
        env={},
    )


def _stored(store) -> tuple[dict[str, object], list[dict]]:
    """``({url: story id}, records for cluster_records)`` of the stored articles. A record's id
    is the article's id, as in the database: both paths break ties of publication time by id,
    so the offline figure is the canonical order of the very articles the crawl stored."""
    from sqlmodel import select

    from storage.models import Article

    with store.read_session() as s:
        rows = list(s.exec(select(Article.url, Article.story_id, Article.title, Article.text, Article.published_at, Article.source_id, Article.id)))
    got = {u: sid for u, sid, *_ in rows}
    recs = [{"id": aid, "url": u, "title": t, "text": x, "published_at": w.isoformat() if w else None, "source": src}
            for u, _sid, t, x, w, src, aid in rows]  # fmt: skip
    return got, recs


#: The bench's own yardstick for a district-angled title (independent of the rule under test, so
#: figures before and after a change of ``story_title`` are comparable): a re-angling prefix
#: («Для жителей района X: …», «Жителей района X касается: …», «Жителям округа: …»), or a title
#: naming a district, an uprava or a prefecture («В районе X …», «Управа района X …») that does
#: not lead with the Mayor («Собянин: в районе X …» is the release's own headline).
_PREFIX = re.compile(r"(?is)^\s*(?:для\s+жителей|жителей|жителям)\b[^:«»]{0,80}?:")
_NAMES_PLACE = re.compile(r"(?i)\bрайон(а|е|ов)?\b|\bуправ[аеуы]\w*|\bпрефектур\w*|\bв\s+[А-ЯЁ]\w+ском\s+районе")
_MAYOR_LEAD = re.compile(r"(?i)^\s*(?:мэр(?:\s+москвы)?\s+)?(?:сергей\s+)?собянин\b|^\s*мэр\s+москвы\b")


def angled(title: str, *, strict: bool = False) -> bool:
    """A district-angled title by the bench's yardstick (``strict``: any title naming a district
    counts, the Mayor's own headline included)."""
    if _PREFIX.match(title):
        return True
    return bool(_NAMES_PLACE.search(title)) and (strict or not _MAYOR_LEAD.match(title))


def title_report(store, truth: dict[str, str], releases: dict, ident: dict[str, object]) -> dict:
    """Figures on the stored stories' titles (stories of ≥ 2 members, no Mayor's original):

    ``angled``: headed by an angled title while a member's title is not angled; ``strict``: the
    same with every title naming a district counted as angled; ``headline_lost``: a member
    carries its release's own headline (the simulator's ``titles[0]``) but the story is shown
    under another title, of ``headline_carried``; ``order_dependent``: the rule under test
    (``story_title``) gives another title for the same member titles in another order (6
    shuffles); ``by_members``: ``{frozenset(page ids): title}``
    for comparing scenarios (``ident`` maps a URL to its page's id, the same in every run)."""
    from sqlmodel import select

    from storage.models import Article, Story

    with store.read_session() as s:
        stories = {sid: (t, oid) for sid, t, oid in s.exec(select(Story.id, Story.title, Story.original_article_id))}
        members: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for sid, url, t in s.exec(select(Article.story_id, Article.url, Article.title)):
            if sid is not None:
                members[sid].append((url, t))
    from crawler.dedup import story_title

    out = {"stories": 0, "angled": 0, "strict": 0, "headline_carried": 0, "headline_lost": 0, "order_dependent": 0,
           "by_members": {}, "examples": []}  # fmt: skip
    for sid, ms in members.items():
        title, oid = stories.get(sid, ("", None))
        if len(ms) < 2 or oid is not None:
            continue
        out["stories"] += 1
        out["by_members"][frozenset(ident.get(u, u) for u, _ in ms)] = title
        titles = [t.strip() for _, t in ms]
        if angled(title) and any(not angled(t) for t in titles):
            out["angled"] += 1
            if len(out["examples"]) < 3:
                out["examples"].append((title, next(t for t in titles if not angled(t))))
        if angled(title, strict=True) and any(not angled(t, strict=True) for t in titles):
            out["strict"] += 1
        shuffled = set()
        for k in range(6):  # the same titles in other orders (as other arrival orders give them)
            order = list(titles)
            random.Random(k).shuffle(order)
            shuffled.add(story_title(order))
        out["order_dependent"] += len(shuffled) > 1
        keys = Counter(truth.get(u) for u, _ in ms)
        rel = releases.get(keys.most_common(1)[0][0])
        if rel is not None and rel.titles[0] in titles:
            out["headline_carried"] += 1
            out["headline_lost"] += title != rel.titles[0]
    return out


async def _scenario(name: str, a: argparse.Namespace, tmp: Path) -> dict:
    from crawler.pipeline import Pipeline
    from storage import open_store

    backlog = 1 if name in ("steady", "site-down") else a.days
    net = SimNetwork(sites=a.sites or None, seed=a.seed, backlog_days=backlog)
    since = net.now.date() - timedelta(days=backlog)
    t0 = time.perf_counter()
    with net.start_in_thread() as running:
        sources = list(running.sources)
        if name == "reverse":
            sources.reverse()
        settings = _settings(tmp / f"{name}.db", sources, since, not a.no_encoder)
        store = open_store(settings.database.url)
        pipe = Pipeline(settings, store, clock=lambda: net.now)
        await pipe.open()
        down = None
        if name == "site-down":
            counts = Counter(p.site_id for p in net.pages())
            down = counts.most_common(1)[0][0]
            net.set_fault(down, "down")
        crawls = 0
        try:
            srcs = settings.enabled_sources()
            await pipe.crawl(srcs)
            crawls += 1
            if name in ("steady", "site-down"):
                steps = int(a.days * 24 / a.step_hours)
                for k in range(steps):
                    net.advance(timedelta(hours=a.step_hours))
                    if down is not None and k == int(5 * 24 / a.step_hours) - 1:
                        net.clear_fault(down)
                    await pipe.crawl(srcs)
                    crawls += 1
        finally:
            await pipe.aclose()
        truth_all = net.truth()
        releases = dict(net.timeline.releases)
        ident = {p.url: (p.site_id, p.id) for p in net.pages()}  # URLs carry this run's ports
    crawl_s = time.perf_counter() - t0
    got, recs = _stored(store)
    titles = title_report(store, truth_all, releases, ident)
    store.close()
    truth = {u: truth_all[u] for u in got if u in truth_all}
    missing = len(got) - len(truth)
    live = pair_scores(truth, got)
    url_of = {r["id"]: r["url"] for r in recs}
    off_out = cluster_records([r for r in recs if r["url"] in truth], DedupSettings(encoder=not a.no_encoder))
    off = pair_scores(truth, {url_of[o["id"]]: o["story_id"] for o in off_out})
    return {"name": name, "articles": len(got), "unknown": missing, "crawls": crawls, "seconds": crawl_s, "live": live, "offline": off, "down": down, "titles": titles}


def through_crawl(a: argparse.Namespace) -> None:
    """Run the scenarios and print one block each (see module doc)."""
    logging.basicConfig(level=logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="mosnews-simtruth-"))
    print(f"through the crawl path: sites={a.sites or 'all'} days={a.days} seed={a.seed} encoder={not a.no_encoder}")
    print(f"{'scenario':10} {'articles':>8} {'crawls':>6} {'secs':>6} | {'crawl P':>7} {'R':>6} {'B3':>6} | {'offline P':>9} {'R':>6} {'B3':>6} | {'ΔP':>6} {'ΔR':>6} {'ΔB3':>6}")
    by_members: dict[str, dict] = {}
    for name in a.scenarios.split(","):
        r = asyncio.run(_scenario(name.strip(), a, tmp))
        by_members[r["name"]] = r["titles"]["by_members"]
        lv, of = r["live"], r["offline"]
        print(f"{r['name']:10} {r['articles']:8d} {r['crawls']:6d} {r['seconds']:6.0f} | {lv['P']:7.3f} {lv['R']:6.3f} {lv['B3']:6.3f} | "
              f"{of['P']:9.3f} {of['R']:6.3f} {of['B3']:6.3f} | {lv['P'] - of['P']:+6.3f} {lv['R'] - of['R']:+6.3f} {lv['B3'] - of['B3']:+6.3f}"
              + (f"   (site down 5 days: {r['down']})" if r["down"] else ""), flush=True)  # fmt: skip
        t = r["titles"]
        print(f"{'':10} titles of {t['stories']} stories (≥ 2 members, no original): district-angled while a member's "
              f"was not {t['angled']} (naming any district: {t['strict']}); release headline carried but not the title "
              f"{t['headline_lost']}/{t['headline_carried']}; title depends on the members' order {t['order_dependent']}", flush=True)  # fmt: skip
        for shown, plain in t["examples"]:
            print(f"{'':12} e.g. «{shown}» over «{plain}»")
    names = list(by_members)
    for x, y in itertools.combinations(names, 2):
        same = set(by_members[x]) & set(by_members[y])
        diff = sum(by_members[x][k] != by_members[y][k] for k in same)
        print(f"same members in {x} and {y}: {len(same)} stories, {diff} with a different title")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=7, help="days of simulated news")
    ap.add_argument("--sites", type=int, default=0, help="0 = every simulated site")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--no-encoder", action="store_true")
    ap.add_argument("--false-pairs", type=int, default=0, metavar="N",
                    help="offline: list the false pairs by kind (local/local, local/release, release/release) with their signals, N largest true-story pairs per kind")
    ap.add_argument("--through-crawl", action="store_true", help="serve the simulator and run the real crawl path")
    ap.add_argument("--scenarios", default="backfill,steady,site-down,reverse")
    ap.add_argument("--step-hours", type=float, default=6.0, help="clock step between steady-state crawls")
    a = ap.parse_args()
    if a.through_crawl:
        through_crawl(a)
    else:
        offline(a)


if __name__ == "__main__":
    main()
