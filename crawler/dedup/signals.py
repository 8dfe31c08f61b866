"""Pairwise similarity signals between two :class:`~crawler.dedup.features.Features`.

Every function is pure; inputs are the numpy arrays described in
:mod:`crawler.dedup.features`. :func:`pair_signals` returns a dict of floats with the
keys in :data:`SIGNALS`:

``tfidf``      cosine of log-TF × IDF stem vectors (Salton & Buckley 1988; TF = 1+ln tf).
``contain``    max(|A∩B|/|A|, |A∩B|/|B|) over word 3-shingle sets (Broder 1997,
               "containment"); a cut copy scores ~1 against its full text.
``enc``        cosine of the USE vectors (NaN when either has none).
``title``      set cosine of title content stems (0 when either title is missing);
``title_na``   1 when either title is missing.
``fig_agree``  shared key figures (same unit and value), ``ln(1+n)``.
``fig_conf``   units for which both give figures and no value agrees (count).
``year_conf``  1 when both bodies mention years and share none (soft: halves p);
``title_year_conf`` 1 when both titles carry years and share none (veto).
``date_agree`` / ``date_conf``  shared / disjoint day-month mentions (0/1).
``names``      set cosine of name stems (places, objects, people).
``dt``         |Δ published| in days (NaN when a date is unknown).
"""

from __future__ import annotations

import math

import numpy as np

from crawler.dedup.features import TITLE_YEAR, Features
from crawler.dedup.idf import DocFreq

SIGNALS = (
    "tfidf", "contain", "enc", "title", "title_na", "fig_agree", "fig_conf",
    "year_conf", "title_year_conf", "date_agree", "date_conf", "names", "dt",
)  # fmt: skip


def tfidf_vector(f: Features, df: DocFreq) -> np.ndarray:
    """Unit-norm float32 weights aligned with ``f.terms`` ((1+ln tf)·idf)."""
    if f.terms.size == 0:
        return np.zeros(0, np.float32)
    w = (1.0 + np.log(f.tf.astype(np.float32))) * df.idf(f.terms)
    n = float(np.linalg.norm(w))
    return w / n if n else w


def sparse_cos(ta: np.ndarray, wa: np.ndarray, tb: np.ndarray, wb: np.ndarray) -> float:
    """Dot product of two sparse unit vectors given as sorted ids + weights."""
    if ta.size == 0 or tb.size == 0:
        return 0.0
    _, ia, ib = np.intersect1d(ta, tb, assume_unique=True, return_indices=True)
    return float(np.dot(wa[ia], wb[ib])) if ia.size else 0.0


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """max(A⊂B, B⊂A) shingle containment; 0 when the smaller set has < 3 shingles."""
    m = min(a.size, b.size)
    if m < 3:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / m


def set_cos(a: np.ndarray, b: np.ndarray) -> float:
    """|A∩B| / sqrt(|A|·|B|) for sorted unique id arrays (0 if either is empty)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    return np.intersect1d(a, b, assume_unique=True).size / math.sqrt(a.size * b.size)


def figure_agreement(a: Features, b: Features) -> tuple[int, int]:
    """(shared figures, contradicted units). Units ``""`` (no unit word) only count as agreement."""
    fa: dict[int, set[float]] = {}
    for u, v in zip(a.fig_units.tolist(), a.fig_values.tolist()):
        fa.setdefault(u, set()).add(round(v, 2))
    fb: dict[int, set[float]] = {}
    for u, v in zip(b.fig_units.tolist(), b.fig_values.tolist()):
        fb.setdefault(u, set()).add(round(v, 2))
    vals_b = set().union(*fb.values()) if fb else set()
    shared = conf = 0
    empty = _EMPTY_UNIT
    for u, va in fa.items():
        vb = fb.get(u)
        if vb is None:
            shared += sum(1 for v in va if v >= 10 and v in vals_b)
            continue
        common = va & vb
        shared += len(common)
        if not common and u != empty and not (va & vals_b):
            conf += 1
    return shared, conf


_EMPTY_UNIT = 0  # crc32("") == 0


def pair_signals(a: Features, b: Features, wa: np.ndarray, wb: np.ndarray, va=None, vb=None) -> dict[str, float]:
    """All signals for one pair. ``wa``/``wb`` from :func:`tfidf_vector`; ``va``/``vb``
    optional dequantised float32 unit vectors (computed from ``f.vec`` when omitted)."""
    s: dict[str, float] = {}
    s["tfidf"] = sparse_cos(a.terms, wa, b.terms, wb)
    s["contain"] = containment(a.shingles, b.shingles)
    if a.vec.size and b.vec.size:
        if va is None:
            va = a.vec.astype(np.float32) / max(1e-6, float(np.linalg.norm(a.vec.astype(np.float32))))
        if vb is None:
            vb = b.vec.astype(np.float32) / max(1e-6, float(np.linalg.norm(b.vec.astype(np.float32))))
        s["enc"] = float(np.dot(va, vb))
    else:
        s["enc"] = math.nan
    if a.has_title and b.has_title:
        s["title"], s["title_na"] = set_cos(a.title_terms, b.title_terms), 0.0
    else:
        s["title"], s["title_na"] = 0.0, 1.0
    shared, conf = figure_agreement(a, b)
    s["fig_agree"] = math.log1p(shared)
    s["fig_conf"] = float(conf)
    ya = {y for y in a.years.tolist() if not y & TITLE_YEAR}
    yb = {y for y in b.years.tolist() if not y & TITLE_YEAR}
    ta = {y for y in a.years.tolist() if y & TITLE_YEAR}
    tb = {y for y in b.years.tolist() if y & TITLE_YEAR}
    s["year_conf"] = 1.0 if ya and yb and not (ya & yb) else 0.0
    s["title_year_conf"] = 1.0 if ta and tb and not (ta & tb) else 0.0
    da, db = set(a.dates.tolist()), set(b.dates.tolist())
    s["date_agree"] = 1.0 if da & db else 0.0
    s["date_conf"] = 1.0 if da and db and not (da & db) else 0.0
    s["names"] = set_cos(a.names, b.names)
    if math.isnan(a.published_at) or math.isnan(b.published_at):
        s["dt"] = math.nan
    else:
        s["dt"] = abs(a.published_at - b.published_at) / 86400.0
    return s
