"""Calibrated pair scorer (logistic regression over signals) and the vetoes.

``p = σ(w · x)`` with ``x`` = :data:`FEATURES` computed by :func:`design_row` from
:func:`crawler.dedup.signals.pair_signals`. Two weight sets: :data:`W_ENC` (encoder
on) and :data:`W_NOENC` (``settings.encoder = False``).

Provenance of the weights: fitted by ``python -m crawler.dedup.calibrate``
(L2-regularised logistic regression, Newton/IRLS in numpy, λ=1) on synthetic pairs:
positives = rule-based reprints (:mod:`crawler.dedup.synth`: verbatim, trimmed,
retitled, angle, paraphrase) of the FactRuEval-2016 news texts and of the project's own
releases; negatives = random pairs, each text's nearest other text by TF-IDF
(same-topic, different story) and year/figure/stage hard negatives. The dev set
(../shared/eval/syndication-dev.jsonl) was used only to measure. See docs/dedup.md.

Vetoes (:func:`vetoes`) force ``p = 0`` whatever the signals say:

* ``window`` — both dates known and further apart than ``settings.window``;
* ``year``   — both titles carry years and share none («… на 2026 год» vs «… на 2025 год»).
  Disjoint years in the bodies only halve ``p`` (a reprint may quote the history:
  «закрыт в 2015 году» vs «откроется в 2024 году»);
* ``figures`` — two or more units contradict (e.g. «76 лет» vs «74 года» and
  «1,2 млрд поездок» vs «1 млрд поездок») and no figure agrees.
"""

from __future__ import annotations

import math

import numpy as np

FEATURES = ("bias", "tfidf", "contain", "enc", "title", "title_na", "fig_agree", "fig_conf", "date_agree", "date_conf", "names")

# fitted by crawler/dedup/calibrate.py (see module doc); regenerate with `python -m crawler.dedup.calibrate`
W_ENC = np.array([-3.851, 3.855, 0.435, 1.360, 1.710, 1.943, 1.457, -4.095, -0.618, -3.605, 0.012])
W_NOENC = np.array([-3.501, 4.246, 0.798, 0.000, 1.918, 1.894, 1.444, -4.173, -0.575, -3.602, 0.100])


def design_row(s: dict[str, float]) -> np.ndarray:
    """Feature vector (len(:data:`FEATURES`)) for a signal dict; NaN encoder → 0."""
    enc = s.get("enc", math.nan)
    return np.array(
        [1.0, s["tfidf"], s["contain"], 0.0 if math.isnan(enc) else enc, s["title"], s["title_na"],
         s["fig_agree"], min(s["fig_conf"], 3.0), s["date_agree"], s["date_conf"], s["names"]],
        dtype=np.float64,
    )  # fmt: skip


def vetoes(s: dict[str, float], window_days: float) -> list[str]:
    """Names of the vetoes that fire for a signal dict (empty list = none)."""
    out = []
    dt = s.get("dt", math.nan)
    if not math.isnan(dt) and dt > window_days:
        out.append("window")
    if s.get("title_year_conf", 0) > 0:
        out.append("year")
    if s["fig_conf"] >= 2 and s["fig_agree"] == 0:
        out.append("figures")
    return out


def probability(s: dict[str, float], window_days: float, encoder: bool = True) -> tuple[float, list[str]]:
    """(calibrated probability, vetoes fired) for one pair's signals."""
    v = vetoes(s, window_days)
    if v:
        return 0.0, v
    w = W_ENC if encoder and not math.isnan(s.get("enc", math.nan)) else W_NOENC
    z = float(design_row(s) @ w)
    p = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
    if s.get("year_conf", 0) > 0:
        p *= 0.5
    return p, v
