"""Calibrated pair scorer (logistic regression over signals), fixed penalties and vetoes.

``p = σ(w · x + Σ penalties)`` with ``x`` = :data:`FEATURES` computed by
:func:`design_row` from :func:`crawler.dedup.signals.pair_signals`. Two weight sets:
:data:`W_ENC` (encoder on) and :data:`W_NOENC` (``settings.encoder = False`` or a side
without a vector).

Provenance of the weights: ``python -m crawler.dedup.calibrate`` (L2-regularised
logistic regression, λ=1, Newton/IRLS in numpy) on the *candidate* pairs of the real
reprint dev set (../shared/eval/syndication-dev.jsonl: pairs that share a rare term and
no veto fires, i.e. the distribution the detector actually scores) plus synthetic
reprint/hard-negative pairs of the FactRuEval-2016 texts and the project's releases
(:mod:`crawler.dedup.synth`). Cross-validated figures (grouped by story, folds never
split a group) are in docs/dedup.md. The fitted numbers are pasted here as constants;
scikit-learn is not used at run time.

Penalties (:data:`PENALTIES`, added to the logit) are hand-set, not fitted: the dev set
holds only one or two examples of each, too few to fit, and the evidence they encode
is near-decisive: a text attributed to a different person (``spk_conf``), or a text that
says it was written on a different day (``rdate_conf``, e.g. «РИА Новости, 04.12.2025»
vs «в среду, 7 мая»), is another release. Neither fires on any dev positive pair. ``fig_only_conf`` (−4): some
figure contradicts (same unit, other value) and none agrees — the templated district news
«В районе X прошёл турнир … участвовали 14 команд» vs «… 54 команд» (fires on 3 of 87 dev
positive pairs and 40 of 1,565 dev candidate negatives; without it the simulated network
of crawler/sim over-merges, pairwise P 0.54). ``place_conf`` (−6): both texts name
districts («в районе Матушкино»; a reprint's framing «Для жителей района X: …» does not
count) and share none — the same template filled in for another district (fires on no dev positive pair, 56 dev negative pairs). ``stage_conf`` (−6):
one headline reports planned work and the other done work («школу … построят к концу
года» vs «открылась новая школа»): the same object at another stage (fires on no dev
positive pair and 31 dev candidate negatives; in crawler/sim over 7 days it separates a
build/open pair of releases that otherwise merged: 2,350 false pairs).

Templated local news («Управа района X напоминает о правилах пожарной безопасности», the
same playground sentence for another street) — see :mod:`crawler.dedup.signals`:
``place_conf`` (−6) now fires only when the districts conflict *and* the texts are not
anchored by the release's own facts (≥ 2 shared figures, or one plus a shared street /
«№ N» object), so a reprint that adds its site's district keeps no penalty;
``local_conf`` (−8 more) when the districts conflict and nothing specific agrees (no shared
figure, no shared place); ``addr_conf`` (−6) when both name streets / «№ N» objects and
share none; ``fig_major_conf`` (−6) when ≥ 2 units contradict and outnumber the agreeing
figures (a look-alike release of one template, one figure equal by chance). On the dev
set none of them fires on a positive candidate pair (``addr_conf`` 59 negatives,
``local_conf`` 26, ``fig_major_conf`` 0).

Two more (docs/dedup.md, «Headline names», «Topic without names»): ``name_conf`` (−6) —
both headlines name quoted things and neither's names occur in the other text (the same
template about another park or station; 0 dev positive pairs); ``topic_conf`` (−3) — the
stem cosine without names and place words is below 0.03 (a district item sharing only its
district with a release angled to it; 0 of 86 dev positive candidate pairs, 796 of 1,565
negatives).

``greet_conf`` (−6, feature revision 3): one headline is the Mayor's greeting («Собянин поздравил
МЦД с годовщиной запуска») and the other text never mentions a greeting — the news item of the
same occasion («За год МЦД перевезли свыше 130 млн человек») is another release (dev-v2: fires
on 0 of 158 positive pairs; it separates the one dated hard-negative pair that merged).

``fact_conf`` (−8, feature revision 4; :func:`crawler.dedup.signals.sole_facts_conflict`): a
figure contradicts, none agrees, and both texts give figures in the same units only, all of them
contradicted — the texts' only facts differ («Во дворе … завершён ремонт детской площадки … 45
квадратных метров» on two district sites with another area; fires on 0 of 158 dev-v2 positive
candidate pairs and on 0 true pairs of the 7-day simulator, docs/dedup.md «Local news round»).

Vetoes (:func:`vetoes`) force ``p = 0`` whatever the signals say:

* ``window`` — both dates known and further apart than ``settings.window``;
* ``year``   — both titles carry years and share none («… на 2026 год» vs «… на 2025 год»).
  Disjoint years in the bodies only halve ``p`` (a reprint may quote the history), and not
  at all when a figure agrees and none contradicts («в 2015 году стадион законсервировали»
  beside «в 2024 году возведут арену в 7 тыс. кв. м»: both say 7 000 m²);
* ``figures`` — two or more units contradict (e.g. «76 лет» vs «74 года» and
  «1,2 млрд поездок» vs «1 млрд поездок») and no figure agrees.
"""

from __future__ import annotations

import math

import numpy as np

FEATURES = ("bias", "char", "tfidf", "contain", "enc", "title", "title_na", "names", "fig_agree", "fig_conf")

# fitted by `python -m crawler.dedup.calibrate` (dev candidate pairs + synthetic pairs at weight 0.05,
# λ=1; intercept shifted by the CV-chosen Δ=+1.75 (upper median of 12 fold choices) so the production threshold 0.5 is the operating point)
# Since «№ N», house and phone numbers stopped counting as figures the same command prints weights
# differing by ≤ 0.053 (W_ENC [-4.064, 3.457, 3.511, 0.168, 2.345, 1.858, 0.841, 2.489, 1.841, -1.000]) with
# identical CV figures; kept these: the refit lowers the 3-day crawler/sim precision 0.997 → 0.985 (docs/dedup.md).
W_ENC = np.array([-4.073, 3.472, 3.517, 0.167, 2.340, 1.855, 0.856, 2.436, 1.817, -0.992])
W_NOENC = np.array([-3.410, 3.726, 3.671, 0.108, 0.000, 2.831, 0.853, 2.591, 1.808, -0.925])

#: A pair is scored only when it shares this much content (char or stem TF-IDF cosine);
#: the weights were fitted on exactly these candidate pairs.
CAND_CHAR = 0.08
CAND_TFIDF = 0.05

#: Hand-set logit penalties (see module doc).
PENALTIES = {
    "spk_conf": -8.0, "rdate_conf": -8.0, "fig_only_conf": -4.0, "place_conf": -6.0, "stage_conf": -6.0,
    "addr_conf": -6.0, "local_conf": -8.0, "fig_major_conf": -6.0, "name_conf": -6.0, "topic_conf": -3.0,
    "greet_conf": -6.0, "fact_conf": -8.0,
}  # fmt: skip


def design_row(s: dict[str, float]) -> np.ndarray:
    """Feature vector (len(:data:`FEATURES`)) for a signal dict; NaN encoder → 0,
    ``fig_conf`` capped at 3."""
    out = np.empty(len(FEATURES), dtype=np.float64)
    for k, name in enumerate(FEATURES):
        if name == "bias":
            v = 1.0
        elif name == "fig_conf":
            v = min(s["fig_conf"], 3.0)
        else:
            v = s.get(name, 0.0)
            if v != v:  # NaN (no encoder vector)
                v = 0.0
        out[k] = v
    return out


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


def logit(s: dict[str, float], w: np.ndarray) -> float:
    """``w · x + penalties`` for one pair's signals."""
    z = float(design_row(s) @ w)
    for k, pen in PENALTIES.items():
        if k == "fig_only_conf":
            z += pen * (1.0 if s["fig_conf"] >= 1 and s["fig_agree"] == 0 else 0.0)
        else:
            z += pen * s.get(k, 0.0)
    return z


def probability(s: dict[str, float], window_days: float, encoder: bool = True, weights=None) -> tuple[float, list[str]]:
    """(probability, vetoes fired) for one pair's signals.

    ``weights``: optional ``(w_enc, w_noenc)`` overriding :data:`W_ENC`/:data:`W_NOENC`
    (used by calibration).
    """
    v = vetoes(s, window_days)
    if v:
        return 0.0, v
    we, wn = weights if weights is not None else (W_ENC, W_NOENC)
    w = we if encoder and not math.isnan(s.get("enc", math.nan)) else wn
    z = logit(s, w)
    p = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
    if s.get("year_conf", 0) > 0:
        p *= 0.5
    return p, v
