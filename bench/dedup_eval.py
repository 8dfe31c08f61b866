"""Quality of the syndication detector on ../shared/eval/syndication-dev-v2.jsonl.

Path driven: the offline one, :func:`crawler.dedup.cluster_records` (what ``mosnews
cluster`` runs: canonical order by publication time, periods, undated last). The crawl
path is measured by ``bench/sim_truth.py --through-crawl``.

Prints, for all documents and for the dated ones alone (``date`` a full ISO day; the
others' ``date`` — ``YYYY-MM``, ``YYYY`` or null — is handed over as such): pairwise
P/R/F1, B-cubed F1, merges of ``confusable_with`` pairs (hard-negative merges), recall per
``rewrite`` kind; whether shuffled inputs give the identical partition; and whether the two
seed reprints (../shared/seeds) merge. Exits 0 with a note when the data is absent.

Usage: ``python bench/dedup_eval.py [--no-encoder] [--threshold 0.5] [--eval PATH] [--shuffles 3] [-v]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.config import DedupSettings  # noqa: E402
from crawler.dedup import cluster_records  # noqa: E402

SHARED = ROOT.parent / "shared"


def seed_records(seed_dir: Path) -> list[dict]:
    """The seed files as records (title = first non-empty line, date = the dd.mm.yyyy line)."""
    out = []
    for p in sorted(seed_dir.glob("*.txt")):
        lines = [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines()]
        nonempty = [ln for ln in lines if ln]
        title = nonempty[0].lstrip("# ").strip() if nonempty else ""
        date = None
        for ln in nonempty[1:4]:
            parts = ln.split(".")
            if len(parts) == 3 and all(x.isdigit() for x in parts):
                date = f"{parts[2]}-{parts[1]}-{parts[0]}"
        body = "\n".join(nonempty[1:])
        out.append({"id": p.stem, "title": title, "text": body, "published_at": date, "url": "", "source": ""})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=SHARED / "eval" / "syndication-dev-v2.jsonl")
    ap.add_argument("--shuffles", type=int, default=3, help="shuffled orders compared with the given one")
    ap.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    ap.add_argument("--no-encoder", action="store_true")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--undated-threshold", type=float, default=None)
    ap.add_argument("-v", "--verbose", action="store_true", help="print wrong pairs")
    a = ap.parse_args(argv)
    kw = {"encoder": not a.no_encoder}
    if a.threshold is not None:
        kw["threshold"] = a.threshold
    if a.undated_threshold is not None:
        kw["undated_threshold"] = a.undated_threshold
    settings = DedupSettings(**kw)
    if not a.eval.exists():
        print(f"eval data not found at {a.eval}; nothing to measure")
        return 0
    all_docs = [json.loads(ln) for ln in a.eval.read_text(encoding="utf-8").splitlines() if ln.strip()]
    print(f"data: {a.eval} ({len(all_docs)} docs); encoder={settings.encoder} threshold={settings.threshold} undated_threshold={settings.undated_threshold}")
    for label, docs in (("all documents", all_docs), ("dated documents", [d for d in all_docs if d.get("date") and len(d["date"]) == 10])):
        print(f"--- {label}")
        report(docs, settings, a)
    if a.seeds.exists():
        so = cluster_records(seed_records(a.seeds), settings)
        ok = len({o["story_id"] for o in so}) == 1 and len(so) == 2
        print(f"seed pair merged: {ok}")
    else:
        print(f"seeds not found at {a.seeds}")
    return 0


def partition(out: list[dict]) -> frozenset[frozenset[str]]:
    """The clustering as a set of sets of ids (story numbering left out)."""
    groups: dict[int, set[str]] = defaultdict(set)
    for o in out:
        groups[o["story_id"]].add(str(o["id"]))
    return frozenset(frozenset(g) for g in groups.values())


def report(docs: list[dict], settings: DedupSettings, a: argparse.Namespace) -> None:
    """Print the figures for one subset (see module doc)."""
    recs = [{"id": d["id"], "url": d.get("url", ""), "title": d.get("title"), "text": d.get("text", ""),
             "published_at": d.get("date"), "source": d.get("site", "")} for d in docs]  # fmt: skip
    t0 = time.perf_counter()
    out = cluster_records(recs, settings)
    dt = time.perf_counter() - t0
    same = 0
    rng = random.Random(7)
    for _ in range(a.shuffles):
        shuffled = recs[:]
        rng.shuffle(shuffled)
        same += partition(cluster_records(shuffled, settings)) == partition(out)
    pred = {o["id"]: o["story_id"] for o in out}
    gold = {d["id"]: d["group"] for d in docs}
    by = {d["id"]: d for d in docs}
    tp = fp = fn = 0
    conf_merges = []
    kind_tot: dict[str, int] = defaultdict(int)
    kind_hit: dict[str, int] = defaultdict(int)
    wrong = []
    for x, y in itertools.combinations(gold, 2):
        g, p = gold[x] == gold[y], pred[x] == pred[y]
        tp += g and p
        fp += p and not g
        fn += g and not p
        if p and not g:
            cx, cy = by[x].get("confusable_with") or [], by[y].get("confusable_with") or []
            if gold[y] in cx or gold[x] in cy:
                conf_merges.append((x, y))
            wrong.append(("FP", x, y))
        if g:
            for k in {by[x].get("rewrite"), by[y].get("rewrite")} - {None}:
                kind_tot[k] += 1
                kind_hit[k] += p
            if not p:
                wrong.append(("FN", x, y))
    P = tp / (tp + fp) if tp + fp else 1.0
    R = tp / (tp + fn) if tp + fn else 1.0
    F = 2 * P * R / (P + R) if P + R else 0.0
    # B-cubed (Bagga & Baldwin 1998)
    gm, pm = defaultdict(set), defaultdict(set)
    for i in gold:
        gm[gold[i]].add(i)
        pm[pred[i]].add(i)
    bp = sum(len(pm[pred[i]] & gm[gold[i]]) / len(pm[pred[i]]) for i in gold) / len(gold)
    br = sum(len(pm[pred[i]] & gm[gold[i]]) / len(gm[gold[i]]) for i in gold) / len(gold)
    bf = 2 * bp * br / (bp + br)
    print(f"{len(docs)} docs, {len(set(gold.values()))} gold groups")
    print(f"clustered in {dt:.2f}s (incl. featurisation); predicted stories: {len(set(pred.values()))}")
    print(f"pairwise: P={P:.3f} R={R:.3f} F1={F:.3f} (tp={tp} fp={fp} fn={fn})")
    print(f"B-cubed: P={bp:.3f} R={br:.3f} F1={bf:.3f}")
    print(f"confusable_with (hard-negative) merges: {len(conf_merges)} {conf_merges}")
    print(f"shuffled inputs with the identical partition: {same}/{a.shuffles}")
    for k in sorted(kind_tot):
        print(f"recall[{k}] = {kind_hit[k] / kind_tot[k]:.3f} ({kind_hit[k]}/{kind_tot[k]} pairs involving this kind)")
    if a.verbose:
        for w in wrong:
            print("  ", w[0], w[1], gold[w[1]], by[w[1]].get("date"), w[2], gold[w[2]], by[w[2]].get("date"), (by[w[1]].get("title") or "")[:50], "|", (by[w[2]].get("title") or "")[:50])


if __name__ == "__main__":
    raise SystemExit(main())
