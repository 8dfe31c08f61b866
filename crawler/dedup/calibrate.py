"""Offline calibration: fit the scorer's logistic-regression weights and build the IDF prior.

Run ``python -m crawler.dedup.calibrate [--factru PATH] [--write-prior]`` from the project
root. It prints ``W_ENC`` / ``W_NOENC`` to paste into :mod:`crawler.dedup.scorer`
(with ``--write-prior`` it also rewrites :mod:`crawler.dedup._idf_prior`).

Training pairs (all synthetic, see :mod:`crawler.dedup.synth`):

* base texts: FactRuEval-2016 news (``factru.json``; first sentence used as title)
  and :data:`crawler.dedup.synth.RELEASES`;
* positives: for each base text two independent rewrites of random kinds
  (verbatim/trimmed/retitled/angle/paraphrase) paired with each other and with the
  original;
* negatives: a random other text; the nearest other text by TF-IDF cosine
  (same topic, other story); year/figure/stage hard negatives.

Fit: L2-regularised logistic regression (λ=1 on all but the bias) by Newton's method
(IRLS; Hastie, Tibshirani & Friedman, ESL §4.4.1), 25 iterations.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from crawler.config import DedupSettings
from crawler.dedup import synth
from crawler.dedup.features import Doc, Featurizer
from crawler.dedup.idf import DocFreq, encode_prior
from crawler.dedup.scorer import FEATURES, design_row, vetoes
from crawler.dedup.signals import pair_signals, tfidf_vector


def fit_logistic(X: np.ndarray, y: np.ndarray, lam: float = 1.0, iters: int = 25) -> np.ndarray:
    """Newton/IRLS for L2-regularised logistic regression; ``X`` (n, d) with a bias column 0."""
    w = np.zeros(X.shape[1])
    reg = np.full(X.shape[1], lam)
    reg[0] = 1e-6
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        g = X.T @ (p - y) + reg * w
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(reg)
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
    """List of ``(Doc a, Doc b, label)``; label -1 marks a shifted-number hard negative (see :func:`main`)."""
    rng = random.Random(seed)
    docs: list[tuple[Doc, Doc, int]] = []
    def mk(i: int, t: str, b: str) -> Doc:
        # titles go missing on teaser/listing pages whatever the relation: drop 25% at random
        return Doc(id=str(i), title="" if rng.random() < 0.25 else t, text=b, published_at=None)

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--factru", type=Path, default=Path("../shared/eval/external/factru_news_texts/factru.json"))
    ap.add_argument("--write-prior", action="store_true")
    a = ap.parse_args(argv)
    texts = base_texts(a.factru)
    pairs = build_pairs(texts)
    fz = Featurizer(DedupSettings(encoder=True))
    uniq = {id(d): d for p in pairs for d in p[:2]}
    feats = dict(zip(uniq, fz.featurize(list(uniq.values()))))
    df = DocFreq(use_prior=False)
    base_feats = fz.featurize([Doc(id=str(i), title=t, text=b, published_at=None) for i, (t, b) in enumerate(texts)])
    for f in base_feats:
        df.add(f.terms)
    # same-topic negatives: nearest other base text by TF-IDF
    W = [tfidf_vector(f, df) for f in base_feats]
    from crawler.dedup.signals import sparse_cos

    near = []
    for i, f in enumerate(base_feats):
        best, bj = -1.0, -1
        for j, g in enumerate(base_feats):
            if j != i:
                c = sparse_cos(f.terms, W[i], g.terms, W[j])
                if c > best:
                    best, bj = c, j
        near.append((i, bj))
    rows, ys = [], []
    for da, db, y in pairs:
        fa, fb = feats[id(da)], feats[id(db)]
        s = pair_signals(fa, fb, tfidf_vector(fa, df), tfidf_vector(fb, df))
        if vetoes(s, 1e9):  # the model is conditional on no veto firing
            continue
        if y < 0:  # shifted-number negative: kept only when a figure/date contradiction is visible
            if s["fig_conf"] == 0 and s["date_conf"] == 0:
                continue
            y = 0
        rows.append(s)
        ys.append(y)
    for i, j in near:
        rows.append(pair_signals(base_feats[i], base_feats[j], W[i], W[j]))
        ys.append(0)
    X = np.array([design_row(s) for s in rows])
    y = np.array(ys, float)
    w_enc = fit_logistic(X, y)
    Xn = X.copy()
    Xn[:, FEATURES.index("enc")] = 0.0
    w_noenc = fit_logistic(Xn, y)
    acc = ((X @ w_enc > 0) == (y > 0.5)).mean()
    print(f"pairs: {len(y)} (positives {int(y.sum())}, vetoed pairs left out), training accuracy {acc:.3f}")
    print("FEATURES =", FEATURES)
    print("W_ENC = np.array([" + ", ".join(f"{v:.3f}" for v in w_enc) + "])")
    print("W_NOENC = np.array([" + ", ".join(f"{v:.3f}" for v in w_noenc) + "])")
    if a.write_prior:
        all_feats = base_feats
        prior: dict[int, int] = {}
        for f in all_feats:
            for t in f.terms.tolist():
                prior[t] = prior.get(t, 0) + 1
        prior = {k: v for k, v in prior.items() if v >= 2}
        out = Path(__file__).with_name("_idf_prior.py")
        out.write_text(
            '"""IDF prior: term ids (CRC-32 of stems) and document frequencies, no text.\n\n'
            'Generated by ``python -m crawler.dedup.calibrate --write-prior`` (see crawler/dedup/idf.py)."""\n\n'
            f"N = {len(all_feats)}\nDATA = {encode_prior(len(all_feats), prior)!r}\n",
            encoding="utf-8",
        )
        print(f"wrote {out} ({len(prior)} terms, N={len(all_feats)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
