"""Offline calibration: scorer weights, the attach operating point, and the IDF priors.

Run ``python -m crawler.dedup.calibrate [--eval PATH] [--factru PATH] [--write-prior]``
from the project root (needs ../shared/eval; numpy only). It prints ``W_ENC`` /
``W_NOENC`` to paste into :mod:`crawler.dedup.scorer` and the cross-validated figures
quoted in docs/dedup.md; ``--write-prior`` also rewrites :mod:`crawler.dedup._idf_prior`
(stem ids) and :mod:`crawler.dedup._char_prior` (hashed char n-gram buckets) — counts
only, no text — from the FactRuEval-2016 news texts and :data:`crawler.dedup.synth.RELEASES`.

Training pairs:

* real: every pair of the dev set (``syndication-dev.jsonl``, label = same ``group``)
  that the detector would actually score — no veto fires and the pair shares content
  (``char`` ≥ :data:`CAND_CHAR` or ``tfidf`` ≥ :data:`CAND_TFIDF`);
* synthetic (:func:`build_pairs`): rule-based reprints of the FactRuEval texts and the
  project's releases vs. random, same-topic and shifted-number hard negatives, with
  weight :data:`SYNTH_WEIGHT` (keeps the weights sane where the 79 dev docs are thin).

Fit: L2-regularised logistic regression (λ=1 on all but the bias) by Newton's method
(IRLS; Hastie, Tibshirani & Friedman, ESL §4.4.1).

Operating point: the production threshold is fixed at 0.5 (``DedupSettings``); the
*intercept* is shifted by Δ chosen to maximise pairwise F1 of the incremental
clustering (the real :class:`~crawler.dedup.detector.Detector`, offline order).

Honest figures: grouped K-fold cross-validation by story (a group's documents are
never split across folds). For each fold the weights and Δ are fitted on the other
folds only (Δ from train-train pairs of a clustering run); the whole dev set is then
clustered with those weights and only pairs touching a held-out document are scored.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from pathlib import Path

import numpy as np

from crawler.config import DedupSettings
from crawler.dedup import synth
from crawler.dedup.chargrams import char_ngrams
from crawler.dedup.detector import Detector
from crawler.dedup.features import Doc, Featurizer
from crawler.dedup.idf import CHAR_BITS, DocFreq, HashedDocFreq, encode_char_prior, encode_prior
from crawler.dedup.normalize import clean_text
from crawler.dedup.offline import assign_stories, parse_when, publication_order
from crawler.dedup.scorer import CAND_CHAR, CAND_TFIDF, FEATURES, design_row, vetoes
from crawler.dedup.signals import char_vector, pair_signals, tfidf_vector

SYNTH_WEIGHT = 0.05
DELTAS = tuple(np.round(np.arange(-3.0, 3.01, 0.25), 2))


def fit_logistic(X: np.ndarray, y: np.ndarray, sw: np.ndarray | None = None, lam: float = 1.0, iters: int = 30) -> np.ndarray:
    """Newton/IRLS for L2-regularised weighted logistic regression; ``X`` (n, d) with a bias column 0."""
    sw = np.ones(len(y)) if sw is None else sw
    w = np.zeros(X.shape[1])
    reg = np.full(X.shape[1], lam)
    reg[0] = 1e-6
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -40, 40)))
        g = X.T @ (sw * (p - y)) + reg * w
        H = (X * (sw * p * (1 - p))[:, None]).T @ X + np.diag(reg)
        w -= np.linalg.solve(H, g)
    return w


def base_texts(factru: Path | None) -> list[tuple[str, str]]:
    """(title, body) pairs: the project's releases plus FactRuEval texts when the file exists."""
    out = list(synth.RELEASES)
    if factru and factru.exists():
        for t in json.loads(factru.read_text(encoding="utf-8"))["texts"]:
            s = synth.split(t.replace("\n", " "))
            if len(s) >= 3:
                out.append((s[0][:120], " ".join(s[1:])))
    return out


def build_pairs(texts: list[tuple[str, str]], seed: int = 7):
    """Synthetic ``(Doc a, Doc b, label)``; label -1 marks a shifted-number hard negative."""
    rng = random.Random(seed)
    docs: list[tuple[Doc, Doc, int]] = []

    def mk(i: int, t: str, b: str) -> Doc:
        return Doc(id=f"s{i}", title="" if rng.random() < 0.25 else t, text=b, published_at=None)

    n = 0
    pool = [w for _, b in texts for w in b.split(" ") if w.isalpha() and len(w) > 3]
    for i, (title, body) in enumerate(texts):
        orig = mk(n := n + 1, title, body)
        r1 = mk(n := n + 1, *synth.rewrite(title, body, rng.choice(synth.KINDS), rng, pool))
        r2 = mk(n := n + 1, *synth.rewrite(title, body, rng.choice(synth.KINDS), rng, pool))
        docs += [(orig, r1, 1), (orig, r2, 1), (r1, r2, 1)]
        j = rng.randrange(len(texts))
        if j != i:
            docs.append((orig, mk(n := n + 1, *texts[j]), 0))
        hk = rng.choice(("year", "figures", "stage"))
        docs.append((r1, mk(n := n + 1, *synth.hard_negative(title, body, hk, rng)), -1 if hk != "stage" else 0))
    return docs


def _tables(feats) -> tuple[DocFreq, HashedDocFreq]:
    df, cdf = DocFreq(), HashedDocFreq()
    for f in feats:
        df.add(f.terms)
        cdf.add(f.chars)
    return df, cdf


def _signals(fa, fb, df, cdf) -> dict:
    return pair_signals(fa, fb, tfidf_vector(fa, df), tfidf_vector(fb, df), None, None, char_vector(fa, cdf), char_vector(fb, cdf))


def _is_cand(s: dict) -> bool:
    return s["char"] >= CAND_CHAR or s["tfidf"] >= CAND_TFIDF


def load_dev(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def dev_docs(recs: list[dict]) -> list[Doc]:
    return [Doc(id=r["id"], title=r.get("title") or "", text=r.get("text") or "", published_at=parse_when(r.get("date"))) for r in recs]


def cluster(docs: list[Doc], feats, weights, encoder: bool = True, revisit: bool = True) -> dict[str, int]:
    """Incremental clustering exactly as :func:`crawler.dedup.offline.cluster_records` (date order,
    unknown last; late attachment unless ``revisit=False``) with the given scorer weights."""
    det = Detector(DedupSettings(encoder=encoder), evict=False)
    det.weights = weights
    return assign_stories(det, ((docs[i].id, feats[i]) for i in publication_order(docs)), revisit=revisit)


def pair_scores(pred: dict[str, int], gold: dict[str, str], pairs) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for a, b in pairs:
        g, p = gold[a] == gold[b], pred[a] == pred[b]
        tp += g and p
        fp += p and not g
        fn += g and not p
    P = tp / (tp + fp) if tp + fp else 1.0
    R = tp / (tp + fn) if tp + fn else 1.0
    return P, R, (2 * P * R / (P + R) if P + R else 0.0)


def shifted(w: tuple[np.ndarray, np.ndarray], d: float) -> tuple[np.ndarray, np.ndarray]:
    a, b = w[0].copy(), w[1].copy()
    a[0] += d
    b[0] += d
    return a, b


def fit_all(rows, ys, sws) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([design_row(s) for s in rows])
    y, sw = np.asarray(ys, float), np.asarray(sws, float)
    w_enc = fit_logistic(X, y, sw)
    Xn = X.copy()
    Xn[:, FEATURES.index("enc")] = 0.0
    return w_enc, fit_logistic(Xn, y, sw)


def synthetic_rows(factru: Path | None) -> tuple[list, list]:
    texts = base_texts(factru)
    pairs = build_pairs(texts)
    fz = Featurizer(DedupSettings(encoder=True))
    uniq = {id(d): d for p in pairs for d in p[:2]}
    feats = dict(zip(uniq, fz.featurize(list(uniq.values()))))
    df, cdf = _tables(feats.values())
    rows, ys = [], []
    for da, db, y in pairs:
        fa, fb = feats[id(da)], feats[id(db)]
        va = fa.vec.astype(np.float32) / max(1e-6, float(np.linalg.norm(fa.vec.astype(np.float32))))
        vb = fb.vec.astype(np.float32) / max(1e-6, float(np.linalg.norm(fb.vec.astype(np.float32))))
        s = pair_signals(fa, fb, tfidf_vector(fa, df), tfidf_vector(fb, df), va, vb, char_vector(fa, cdf), char_vector(fb, cdf))
        if vetoes(s, 1e9):
            continue
        if y < 0:
            if s["fig_conf"] == 0 and s["date_conf"] == 0:
                continue
            y = 0
        rows.append(s)
        ys.append(y)
    return rows, ys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=Path("../shared/eval/syndication-dev.jsonl"))
    ap.add_argument("--factru", type=Path, default=Path("../shared/eval/external/factru_news_texts/factru.json"))
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write-prior", action="store_true")
    ap.add_argument("--errors", action="store_true", help="print F1(Δ) and the held-out false/missed pairs of every fold")
    ap.add_argument("--select-with-revisit", action="store_true", help="choose Δ on clusterings with late attachment")
    a = ap.parse_args(argv)
    if a.write_prior:
        write_priors(a.factru)
    if not a.eval.exists():
        print(f"evaluation data not found at {a.eval} (it lives in ../shared/eval, outside the repository); nothing to fit")
        return 0
    recs = load_dev(a.eval)
    docs = dev_docs(recs)
    gold = {r["id"]: r["group"] for r in recs}
    conf = {r["id"]: set(r.get("confusable_with") or []) for r in recs}
    feats = Featurizer(DedupSettings(encoder=True)).featurize(docs)
    df, cdf = _tables(feats)
    V = [f.vec.astype(np.float32) / max(1e-6, float(np.linalg.norm(f.vec.astype(np.float32)))) for f in feats]
    W = [tfidf_vector(f, df) for f in feats]
    C = [char_vector(f, cdf) for f in feats]
    dev_rows = []
    for i, j in itertools.combinations(range(len(docs)), 2):
        s = pair_signals(feats[i], feats[j], W[i], W[j], V[i], V[j], C[i], C[j])
        if vetoes(s, 3.0) or not _is_cand(s):
            continue
        dev_rows.append((i, j, s, int(gold[docs[i].id] == gold[docs[j].id])))
    syn_rows, syn_y = synthetic_rows(a.factru)
    print(f"dev candidate pairs: {len(dev_rows)} (positives {sum(r[3] for r in dev_rows)}); synthetic pairs: {len(syn_y)} (positives {sum(syn_y)})")
    ids = [d.id for d in docs]
    all_pairs = list(itertools.combinations(ids, 2))

    def fit_on(keep_docs: set[int]):
        rows = [r[2] for r in dev_rows if r[0] in keep_docs and r[1] in keep_docs] + syn_rows
        ys = [r[3] for r in dev_rows if r[0] in keep_docs and r[1] in keep_docs] + syn_y
        sws = [1.0] * (len(rows) - len(syn_rows)) + [SYNTH_WEIGHT] * len(syn_rows)
        return fit_all(rows, ys, sws)

    def best_delta(w, eval_pairs):
        # Δ maximising train-pair F1 (first of ties). The shipped Δ was chosen on clusterings
        # *without* late attachment; --select-with-revisit selects on the production clustering
        # instead (docs/dedup.md, «Late attachment»: the F1(Δ) curve has a cliff where G01 merges).
        f1s = [pair_scores(cluster(docs, feats, shifted(w, d), revisit=a.select_with_revisit), gold, eval_pairs)[2] for d in DELTAS]
        if a.errors:
            print("  F1(Δ):", " ".join(f"{d:+.2f}:{f:.3f}" for d, f in zip(DELTAS, f1s)))
        return float(DELTAS[int(np.argmax(f1s))])

    # ---- grouped CV
    groups = sorted(set(gold.values()))
    tp = fp = fn = 0
    conf_merges = 0
    deltas = []
    for rep in range(a.repeats):
        rng = random.Random(100 + rep)
        perm = groups[:]
        rng.shuffle(perm)
        fold = {g: k % a.folds for k, g in enumerate(perm)}
        for k in range(a.folds):
            train = {i for i, d in enumerate(docs) if fold[gold[d.id]] != k}
            w = fit_on(train)
            tr_pairs = [(x, y) for x, y in all_pairs if fold[gold[x]] != k and fold[gold[y]] != k]
            te_pairs = [(x, y) for x, y in all_pairs if fold[gold[x]] == k or fold[gold[y]] == k]
            d = best_delta(w, tr_pairs)
            deltas.append(d)
            pred = cluster(docs, feats, shifted(w, d))
            for x, y in te_pairs:
                g, p = gold[x] == gold[y], pred[x] == pred[y]
                tp += g and p
                fp += p and not g
                fn += g and not p
                if a.errors and g != p:
                    print(f"  rep {rep} fold {k} {'FP' if p else 'FN'} {x} {gold[x]} ~ {y} {gold[y]}")
                if p and not g and (gold[y] in conf[x] or gold[x] in conf[y]):
                    conf_merges += 1
    P, R = tp / max(1, tp + fp), tp / max(1, tp + fn)
    print(f"grouped {a.folds}-fold CV x{a.repeats} (held-out pairs, summed over repeats): P={P:.3f} R={R:.3f} F1={2 * P * R / max(1e-9, P + R):.3f} "
          f"tp={tp} fp={fp} fn={fn}; confusable merges per repeat {conf_merges / a.repeats:.1f}; fold deltas {deltas}")  # fmt: skip
    # ---- final fit on everything
    w = fit_on(set(range(len(docs))))
    d = float(np.sort(deltas)[len(deltas) // 2])  # upper median: Δ is on a grid, never between two grid points
    w = shifted(w, d)
    pred = cluster(docs, feats, w)
    print(f"final fit, Δ={d} (upper median of fold choices); in-sample clustering P/R/F1 = {pair_scores(pred, gold, all_pairs)}")
    print("FEATURES =", FEATURES)
    print("W_ENC = np.array([" + ", ".join(f"{v:.3f}" for v in w[0]) + "])")
    print("W_NOENC = np.array([" + ", ".join(f"{v:.3f}" for v in w[1]) + "])")
    return 0


def write_priors(factru: Path | None) -> None:
    """Rewrite ``_idf_prior.py`` and ``_char_prior.py`` from FactRuEval + synthetic releases (counts only)."""
    texts = base_texts(factru)
    fz = Featurizer(DedupSettings(encoder=False))
    feats = fz.featurize([Doc(id=str(i), title=t, text=b, published_at=None) for i, (t, b) in enumerate(texts)])
    prior: dict[int, int] = {}
    for f in feats:
        for t in f.terms.tolist():
            prior[t] = prior.get(t, 0) + 1
    prior = {k: v for k, v in prior.items() if v >= 2}
    here = Path(__file__).parent
    (here / "_idf_prior.py").write_text(
        '"""IDF prior: term ids (CRC-32 of stems) and document frequencies, no text.\n\n'
        'Generated by ``python -m crawler.dedup.calibrate --write-prior`` (see crawler/dedup/idf.py)."""\n\n'
        f"N = {len(feats)}\nDATA = {encode_prior(len(feats), prior)!r}\n",
        encoding="utf-8",
    )
    table = np.zeros(1 << CHAR_BITS, np.int32)
    mask = np.uint32((1 << CHAR_BITS) - 1)
    for t, b in texts:
        ids, _ = char_ngrams(clean_text(t + "\n" + b))
        table[np.unique(ids & mask)] += 1
    table[table < 2] = 0
    (here / "_char_prior.py").write_text(
        '"""IDF prior for hashed character n-grams: bucket ids and document frequencies, no text.\n\n'
        'Generated by ``python -m crawler.dedup.calibrate --write-prior`` (see crawler/dedup/idf.py)."""\n\n'
        f"N = {len(texts)}\nDATA = {encode_char_prior(table)!r}\n",
        encoding="utf-8",
    )
    print(f"wrote priors: {len(prior)} stems, {int((table > 0).sum())} char buckets, N={len(texts)}")


if __name__ == "__main__":
    raise SystemExit(main())
