"""Pairwise similarity signals between two :class:`~crawler.dedup.features.Features`.

Every function is pure; inputs are the numpy arrays described in
:mod:`crawler.dedup.features`. :func:`pair_signals` returns a dict of floats with the
keys in :data:`SIGNALS`:

``char``       cosine of log-TF × IDF vectors of hashed character 3–5-grams
               (:mod:`crawler.dedup.chargrams`); the strongest single signal.
``ccont``      asymmetric char containment: the share of the *smaller* char n-gram
               vector's weight ((1+ln tf)·idf) that the other text also contains
               (Broder 1997 containment, IDF-weighted); a teaser or a lead-only cut
               scores high against its full reprint although their cosine is low.
``tfidf``      cosine of log-TF × IDF stem vectors (Salton & Buckley 1988; TF = 1+ln tf).
``contain``    max(|A∩B|/|A|, |A∩B|/|B|) over word 3-shingle sets (Broder 1997,
               "containment"); a cut copy scores ~1 against its full text.
``enc``        cosine of the USE vectors (NaN when either has none).
``title``      set cosine of title content stems (0 when either title is missing);
``title_na``   1 when either title is missing.
``fig_agree``  shared key figures (same unit and value), ``ln(1+n)``.
``fig_conf``   units for which both give figures and no value agrees (count).
``fig_major_conf`` 1 when two or more units contradict and they outnumber the shared
               figures (a look-alike release: same template, one figure equal by chance).
``fact_conf``  1 when figures contradict, none agrees, and every figure either text gives
               is of a contradicted unit (:func:`sole_facts_conflict`): the texts' only
               facts differ — two local items of one template («высадили 40 кустарников»
               vs «высадили 120 кустарников»), not a reprint.
``year_conf``  1 when both bodies mention years and share none (soft: halves p);
``title_year_conf`` 1 when both titles carry years and share none (veto).
``date_agree`` / ``date_conf``  shared / disjoint day-month mentions (0/1).
``names``      set cosine of name stems (places, objects, people); 0 when the only shared
               names are districts and streets (:func:`names_overlap`).
``dt``         |Δ published| in days (NaN when a date is unknown).
``spk_conf``   1 when both texts are attributed to someone and to nobody in common
               (the Mayor's post vs a deputy mayor's release on the same project).
``rdate_conf`` 1 when both texts say when they were written (``rdates`` or the
               publication day) and the closest two such dates are more than
               :data:`RDATE_DAYS` days apart (day-of-year distance, year ignored).
``place_conf`` 1 when both texts name districts and share none (districts of the news
               itself: a reprint's framing «Для жителей района X: …», «В районе X
               узнали важную новость.» does not count, :func:`crawler.dedup.extract.content_districts`).
``addr_conf``  1 when both texts name streets or «№ N» objects
               (:func:`crawler.dedup.extract.places`) and share none: the same template
               about another street, library or school.
``local_conf`` 1 when ``place_conf`` fires and nothing specific agrees besides the
               template's words: no shared key figure and no shared street / «№ N»
               object. A reprint of a release that adds its own district («В районе
               Арбат…») still shares the release's figures and places.
``stage_conf`` 1 when one title reports planned work and the other done work
               («школу построят к концу года» vs «открылась новая школа»,
               :func:`crawler.dedup.extract.stage`).
``topic``      stem TF-IDF cosine without names (:func:`tfidf_and_topic`); ``topic_conf`` 1 when
               it is below :data:`TOPIC_MIN`: the texts share a place, not a subject.
``name_conf``  1 when both headlines name quoted things and neither's names occur in the
               other text (:func:`name_conflict`): the same template about another park,
               race or station.
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from crawler.dedup.features import TITLE_YEAR, Features, term_id
from crawler.dedup.idf import DocFreq, HashedDocFreq
from crawler.dedup.normalize import stem

MOSCOW = ZoneInfo("Europe/Moscow")

#: Release dates further apart than this (days) conflict.
RDATE_DAYS = 3.0
_CUM = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)

SIGNALS = (
    "char", "ccont", "spk_conf", "rdate_conf", "place_conf", "addr_conf", "local_conf", "stage_conf", "name_conf", "tfidf", "topic", "topic_conf", "contain", "enc", "title", "title_na", "fig_agree", "fig_conf",
    "fig_major_conf", "fact_conf", "year_conf", "title_year_conf", "date_agree", "date_conf", "names", "dt",
)  # fmt: skip


def _unit_weights(tf: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Unit-norm float32 ``(1+ln tf)·idf`` weights (empty input gives an empty vector)."""
    if tf.size == 0:
        return np.zeros(0, np.float32)
    w = (1.0 + np.log(tf.astype(np.float32))) * idf
    n = float(np.linalg.norm(w))
    return w / n if n else w


def tfidf_vector(f: Features, df: DocFreq) -> np.ndarray:
    """Unit-norm float32 weights aligned with ``f.terms`` ((1+ln tf)·idf)."""
    return _unit_weights(f.tf, df.idf(f.terms)) if f.terms.size else np.zeros(0, np.float32)


def char_vector(f: Features, cdf: HashedDocFreq) -> np.ndarray:
    """Unit-norm float32 weights aligned with ``f.chars`` ((1+ln tf)·idf)."""
    return _unit_weights(f.ctf, cdf.idf(f.chars)) if f.chars.size else np.zeros(0, np.float32)


def _doy(md: int) -> int:
    m, d = divmod(int(md), 100)
    return _CUM[min(12, max(1, m)) - 1] + d


def _md_of(ts: float) -> int | None:
    if math.isnan(ts):
        return None
    t = datetime.fromtimestamp(ts, MOSCOW)
    return t.month * 100 + t.day


def release_days(f: Features) -> list[int]:
    """Day-of-year of ``f.rdates`` plus the publication day (Europe/Moscow)."""
    out = [_doy(x) for x in f.rdates.tolist()]
    md = _md_of(f.published_at)
    if md is not None:
        out.append(_doy(md))
    return out


def rdate_conflict(a: Features, b: Features) -> float:
    """1.0 when some release date is known on both sides and none is within :data:`RDATE_DAYS`.

    Only fires when at least one side has a date written in its text (two publication
    times alone are the ``window`` veto's business).
    """
    if not (a.rdates.size or b.rdates.size):
        return 0.0
    da, db = release_days(a), release_days(b)
    if not da or not db:
        return 0.0
    best = min(min(abs(x - y), 365 - abs(x - y)) for x in da for y in db)
    return 1.0 if best > RDATE_DAYS else 0.0


def _shared(ta: np.ndarray, tb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the sorted unique array ``ta`` found in the sorted unique ``tb``, by binary search:
    ``(mask over ta, positions in tb of the masked ids)``; O(len(ta) · log len(tb))."""
    idx = np.searchsorted(tb, ta)
    idx[idx == tb.size] = 0
    hit = tb[idx] == ta
    return hit, idx[hit]


def sparse_cos(ta: np.ndarray, wa: np.ndarray, tb: np.ndarray, wb: np.ndarray) -> float:
    """Dot product of two sparse unit vectors given as sorted unique ids + weights.

    Binary search of the shorter id list in the longer one (``np.searchsorted``):
    O(n log m), ~10 µs for 2,000 × 2,000 ids.
    """
    if ta.size == 0 or tb.size == 0:
        return 0.0
    if ta.size > tb.size:
        ta, wa, tb, wb = tb, wb, ta, wa
    hit, j = _shared(ta, tb)
    return float(np.dot(wa[hit], wb[j])) if j.size else 0.0


#: Below this topic cosine the texts share no topic word (see :func:`tfidf_and_topic`).
TOPIC_MIN = 0.03


#: Stems of words that say *where* (district, okrug, uprava, residents), left out of the topic cosine.
_WHERE_TERMS = np.unique(np.asarray([
    term_id(stem(w)) for w in "район района районе округ округа округе управа управы управе поселение поселения жители жителей жителям".split()
], np.uint32))  # fmt: skip


def tfidf_and_topic(a: Features, wa: np.ndarray, b: Features, wb: np.ndarray) -> tuple[float, float]:
    """``(stem TF-IDF cosine, topic cosine)`` of two articles (``wa``/``wb`` from :func:`tfidf_vector`).

    The *topic cosine* is the stem TF-IDF cosine with the articles' names (``Features.names``:
    capitalised and quoted words — districts, streets, people, objects) and the words of place
    (:data:`_WHERE_TERMS`: «район», «округ», «управа», «жители») left out: what the texts are
    about, not where or who. A short district item («Субботник в районе Измайлово: жители убрали
    дворы, высадили 100 кустарников») and a city release angled to the same district («В
    районе Измайлово на маршруты вышли 45 электробусов») share the district in every other
    signal but no topic word here (0.00–0.04).

    One pass over the shared terms (binary search of the shorter id list, as
    :func:`sparse_cos`); the topic masks and norms are cached per article (:func:`topic_part`)."""
    ma, na = topic_part(a, wa)
    mb, nb = topic_part(b, wb)
    ta, tb = a.terms, b.terms
    if ta.size == 0 or tb.size == 0:
        return 0.0, 0.0
    if ta.size > tb.size:
        ta, wa, ma, na, tb, wb, mb, nb = tb, wb, mb, nb, ta, wa, ma, na
    hit, j = _shared(ta, tb)
    if not j.size:
        return 0.0, 0.0
    prod = wa[hit] * wb[j]
    both = ma[hit] & mb[j]
    topic = float(prod[both].sum()) / (na * nb) if na and nb else 0.0
    return float(prod.sum()), topic


def topic_part(f: Features, w: np.ndarray) -> tuple[np.ndarray, float]:
    """``(mask of f.terms that are neither names nor place words, norm of w under it)`` for
    :func:`tfidf_and_topic`; cached in ``f.extra`` for this ``w`` (a hot article meets many
    queries with the same weights; the hot index warms the cache on insert)."""
    hit = f.extra.get("topic")
    if hit is not None and hit[0] is w:
        return hit[1], hit[2]
    mask = ~(np.isin(f.terms, f.names) | np.isin(f.terms, _WHERE_TERMS))
    out = (mask, float(np.linalg.norm(w[mask])))
    f.extra["topic"] = (w, *out)
    return out


def char_cos_contain(ta: np.ndarray, wa: np.ndarray, tb: np.ndarray, wb: np.ndarray) -> tuple[float, float]:
    """(cosine, containment) of two sparse char vectors in one pass (see :func:`sparse_cos`).

    Containment = Σ weights of the shared ids / Σ weights, over the vector with fewer ids
    (the shorter text): 1.0 when every n-gram of a teaser occurs in the full text.
    """
    if ta.size == 0 or tb.size == 0:
        return 0.0, 0.0
    if ta.size > tb.size:
        ta, wa, tb, wb = tb, wb, ta, wa
    hit, j = _shared(ta, tb)
    if not j.size:
        return 0.0, 0.0
    wh = wa[hit]
    tot = float(wa.sum())
    return float(np.dot(wh, wb[j])), (float(wh.sum()) / tot if tot > 0 else 0.0)


class CharProbe:
    """Scratch hash table holding one query's char n-gram weights, for many
    :func:`char_cos_contain` computations against it (one per candidate).

    ``2**bits`` buckets (default 2¹⁸: 1 MB ids + 1 MB weights + 256 KB occupancy, allocated
    once). A candidate's ids are looked up by gather (``id & mask``) instead of binary
    search (~20 µs instead of ~30 µs per 1,400-id candidate in bench/dedup_speed.py; ~15 vs
    ~60 µs on random ids in a micro-benchmark). Query ids that collide with
    another query id in the table are kept aside and matched by binary search, so the
    result equals :func:`char_cos_contain` up to float rounding. Not thread-safe: use
    one probe per thread.
    """

    def __init__(self, bits: int = 18) -> None:
        self.mask = np.uint32((1 << bits) - 1)
        self.ids = np.zeros(1 << bits, np.uint32)
        self.w = np.zeros(1 << bits, np.float32)
        self.occ = np.zeros(1 << bits, bool)
        self._b = np.zeros(0, np.uint32)
        self.n = 0
        self.total = 0.0
        self.col_ids = self.col_w = np.zeros(0, np.uint32)

    def load(self, ids: np.ndarray, w: np.ndarray) -> None:
        """Replace the held query by sorted unique ``ids`` with weights ``w``."""
        self.occ[self._b] = False
        b = ids & self.mask
        self.ids[b] = ids
        self.w[b] = w
        self.occ[b] = True
        ok = self.ids[b] == ids
        self._b = b
        self.n = int(ids.size)
        self.total = float(w.sum()) if ids.size else 0.0
        self.col_ids, self.col_w = ids[~ok], w[~ok]

    def cos_contain(self, tb: np.ndarray, wb: np.ndarray) -> tuple[float, float]:
        """Same as ``char_cos_contain(query ids, query w, tb, wb)``."""
        if self.n == 0 or tb.size == 0:
            return 0.0, 0.0
        bb = tb & self.mask
        hit = self.occ[bb] & (self.ids[bb] == tb)
        wq = self.w[bb[hit]]
        wbh = wb[hit]
        dot, sq, sb = float(np.dot(wq, wbh)), float(wq.sum()), float(wbh.sum())
        if self.col_ids.size:
            idx = np.searchsorted(tb, self.col_ids)
            np.minimum(idx, tb.size - 1, out=idx)
            h2 = tb[idx] == self.col_ids
            if h2.any():
                wq2, wb2 = self.col_w[h2], wb[idx[h2]]
                dot += float(np.dot(wq2, wb2))
                sq += float(wq2.sum())
                sb += float(wb2.sum())
        if dot == 0.0 and sq == 0.0:
            return 0.0, 0.0
        if self.n <= tb.size:
            tot = self.total
            return dot, (sq / tot if tot > 0 else 0.0)
        tot = float(wb.sum())
        return dot, (sb / tot if tot > 0 else 0.0)


def _n_common(a: np.ndarray, b: np.ndarray) -> int:
    if a.size == 0 or b.size == 0:
        return 0
    if a.size > b.size:
        a, b = b, a
    idx = np.searchsorted(b, a)
    idx[idx == b.size] = 0
    return int(np.count_nonzero(b[idx] == a))


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """max(A⊂B, B⊂A) shingle containment; 0 when the smaller set has < 3 shingles."""
    m = min(a.size, b.size)
    if m < 3:
        return 0.0
    return _n_common(a, b) / m


def set_cos(a: np.ndarray, b: np.ndarray) -> float:
    """|A∩B| / sqrt(|A|·|B|) for sorted unique id arrays (0 if either is empty)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    return _n_common(a, b) / math.sqrt(a.size * b.size)


def names_overlap(a: Features, b: Features) -> float:
    """Set cosine of the two articles' names (``Features.names``), or 0.0 when every name they
    share says *where*: a district or a street (``Features.where`` of either side,
    :func:`crawler.dedup.extract.where_names`).

    Every item of a district site names its district and streets whatever it reports, so a
    place shared and nothing else is no evidence of a shared story: «Субботник в районе
    Северный» and «В районе Северный прошёл турнир по мини-футболу» share only «Северный»
    (``names`` 0.41 with it); a playground and a football pitch on one street, a meeting of the
    uprava and a release about a park of the same district, likewise. As soon as one shared
    name is a person, an object or an organisation the cosine counts every name as before: a
    reprint shares the release's district *and* its other names, and two releases keep their
    distinct districts in the denominator (leaving the place names out of the cosine altogether
    lifted unrelated releases' generic names: 30 simulated sites × 10 days, P 0.983 → 0.950).
    The place still counts in ``char``, ``tfidf``, ``title`` and ``enc``, and as a conflict
    (``place_conf``, ``addr_conf``). Features of revision < 4 have no ``where``: the plain
    cosine."""
    na, wa = _name_sets(a)
    nb, wb = _name_sets(b)
    if not na or not nb:
        return 0.0
    common = na & nb
    if common and (wa or wb) and all(c in wa or c in wb for c in common):
        return 0.0
    return len(common) / math.sqrt(len(na) * len(nb))


def _name_sets(f: Features) -> tuple[frozenset[int], frozenset[int]]:
    """``(names, where)`` of an article as sets, computed once and kept in ``f.extra`` (a hot
    article meets every query of its window)."""
    v = f.extra.get("name_sets")
    if v is None:
        v = f.extra["name_sets"] = (frozenset(f.names.tolist()), frozenset(f.where.tolist()))
    return v


def figure_agreement(a: Features, b: Features) -> tuple[int, int]:
    """(shared figures, contradicted units). Units ``""`` (no unit word) only count as
    agreement, and only for values ≥ 10."""
    fa: dict[int, set[float]] = {}
    approx: set[float] = set()  # approximate figures (stored negative: «почти 400 метров»)
    for u, v in zip(a.fig_units.tolist(), a.fig_values.tolist()):
        if v < 0:
            approx.add(round(-v, 2))
        fa.setdefault(u, set()).add(round(abs(v), 2))
    fb: dict[int, set[float]] = {}
    for u, v in zip(b.fig_units.tolist(), b.fig_values.tolist()):
        if v < 0:
            approx.add(round(-v, 2))
        fb.setdefault(u, set()).add(round(abs(v), 2))
    vals_b = set().union(*fb.values()) if fb else set()
    shared = conf = 0
    empty = _EMPTY_UNIT
    for u, va in fa.items():
        vb = fb.get(u)
        if vb is None:
            shared += sum(1 for v in va if v >= 10 and v in vals_b)
            continue
        common = va & vb
        # bare small numbers («7 и 8 сентября», «в 2 этапа») agree by accident
        shared += len(common) if u != empty else sum(1 for v in common if v >= 10)
        if not common and u != empty and not (va & vals_b) and not _rounded_pair(va, vb, approx):
            conf += 1
    return shared, conf


#: A round approximate figure («почти 400 метров», «около 20») stands for an exact one within
#: this relative distance («370 метров»): a rewrite, not a contradiction.
ROUNDING = 0.15


def _is_round(v: float) -> bool:
    """One significant digit: 400, 7000, 20, 3e6."""
    if v <= 0:
        return False
    mag = 10.0 ** math.floor(math.log10(v))
    return abs(v / mag - round(v / mag)) < 1e-9


def _rounded_pair(va: set[float], vb: set[float], approx: set[float]) -> bool:
    """True when a round approximate value on one side («почти 400», in ``approx``) is within
    :data:`ROUNDING` of a value on the other (templated figures of look-alike releases are
    exact, so a round value alone proves nothing)."""
    for x in va:
        for y in vb:
            r = x if x in approx else y if y in approx else None
            if r is not None and _is_round(r) and abs(x - y) <= ROUNDING * max(x, y):
                return True
    return False


_EMPTY_UNIT = 0  # crc32("") == 0


def sole_facts_conflict(a: Features, b: Features, shared: int, conf: int) -> float:
    """1.0 when the texts' figures are their only facts and those facts differ, else 0.0.

    Fires when at least one unit contradicts (``conf`` from :func:`figure_agreement`), no figure
    agrees (``shared``), and both texts give figures in exactly the same units, all of them
    contradicted: nothing quantitative is left over that a reprint could have kept. District
    sites publish one template for many events — «Во дворе … завершён ремонт детской площадки
    … 45 квадратных метров» on two sites, «высадили 40 / 120 кустарников» in two okrugs —
    whose wording agrees everywhere (char cosine 0.95–1.00) except the one figure; a reprint
    of a release keeps the release's figures, and a rewrite that cuts all but one keeps it
    (dev-v2: no positive candidate pair has ``fact_conf``; 2 positive pairs with a figure
    conflict keep figures of other units on one side). A bare number (no unit word) on either
    side leaves it unfired."""
    if conf < 1 or shared:
        return 0.0
    ua, ub = set(a.fig_units.tolist()), set(b.fig_units.tolist())
    if ua != ub or _EMPTY_UNIT in ua or len(ua) != conf:
        return 0.0
    return 1.0


def _name_keys(q: np.ndarray) -> list[list[int]]:
    keys, cur = [], []
    for x in q.tolist():
        if x == 0:
            if cur:
                keys.append(cur)
            cur = []
        else:
            cur.append(x)
    return keys


def _vocabulary(f: Features) -> frozenset[int]:
    """Every stem id the article has (terms, title terms, names); cached in ``f.extra``."""
    v = f.extra.get("vocab")
    if v is None:
        v = f.extra["vocab"] = frozenset(f.terms.tolist()) | frozenset(f.title_terms.tolist()) | frozenset(f.names.tolist())
    return v


def name_conflict(a: Features, b: Features) -> float:
    """1.0 when both headlines name quoted things (:func:`crawler.dedup.extract.headline_names`)
    and neither side's names occur in the other text at all (every content stem of a name
    among the other's terms, title terms or names), else 0.0.

    «Собянин: благоустройство парка «Ореховые пруды» завершено» vs the same template about
    «Борисовские пруды»: another release. A reprint that drops the quotes («Зелёный марафон —
    2026: рекорд») or quotes something else in its lead («Активный гражданин») still contains
    the name, so it does not fire (dev: 0 of 87 positive pairs; simulator: 0 true pairs).
    """
    if not a.qnames.size or not b.qnames.size:
        return 0.0
    have_a, have_b = _vocabulary(a), _vocabulary(b)
    if any(all(t in have_b for t in k) for k in _name_keys(a.qnames)):
        return 0.0
    if any(all(t in have_a for t in k) for k in _name_keys(b.qnames)):
        return 0.0
    return 1.0


#: Stems of a greeting («поздравил», «поздравление», «поздравляю»).
_GREETING = frozenset(term_id(s) for s in ("поздрав", "поздравлен", "поздравля", "поздравительн"))


def _greeting(f: Features) -> tuple[bool, bool]:
    """``(headline is a greeting, the text mentions one)``, computed once per article and kept
    in ``f.extra`` (the pair scorer asks for every member of every candidate story)."""
    g = f.extra.get("greeting")
    if g is None:
        head = not _GREETING.isdisjoint(f.title_terms.tolist())
        g = f.extra["greeting"] = (head, head or not _GREETING.isdisjoint(f.terms.tolist()))
    return g


def greeting_conflict(a: Features, b: Features) -> float:
    """1.0 when one headline is the Mayor's greeting («Собянин поздравил МЦД с годовщиной
    запуска») and the other text never mentions a greeting («За год МЦД перевезли свыше 130 млн
    человек»): the news item of an occasion and the greeting on it are two releases (dev-v2:
    fires on 0 of 158 positive pairs)."""
    (head_a, any_a), (head_b, any_b) = _greeting(a), _greeting(b)
    return 1.0 if (head_a and not any_b) or (head_b and not any_a) else 0.0


def pair_signals(a: Features, b: Features, wa: np.ndarray, wb: np.ndarray, va=None, vb=None, ca=None, cb=None, char: tuple[float, float] | None = None) -> dict[str, float]:
    """All signals for one pair. ``wa``/``wb`` from :func:`tfidf_vector`; ``va``/``vb``
    optional dequantised float32 unit vectors (computed from ``f.vec`` when omitted);
    ``ca``/``cb`` from :func:`char_vector` (``char``/``ccont`` = 0 when omitted); ``char``:
    ``(cosine, containment)`` from :func:`char_cos_contain` when the caller already has it."""
    s: dict[str, float] = {}
    if char is not None:
        s["char"], s["ccont"] = char
    elif ca is not None and cb is not None:
        s["char"], s["ccont"] = char_cos_contain(a.chars, ca, b.chars, cb)
    else:
        s["char"], s["ccont"] = 0.0, 0.0
    s["spk_conf"] = 1.0 if a.speakers.size and b.speakers.size and not _n_common(a.speakers, b.speakers) else 0.0
    s["rdate_conf"] = rdate_conflict(a, b)
    districts_conf = bool(a.districts.size and b.districts.size and not _n_common(a.districts, b.districts))
    shared_places = _n_common(a.places, b.places)
    s["addr_conf"] = 1.0 if a.places.size and b.places.size and not shared_places else 0.0
    s["stage_conf"] = 1.0 if a.stage and b.stage and a.stage != b.stage else 0.0
    s["greet_conf"] = greeting_conflict(a, b)
    s["name_conf"] = name_conflict(a, b)
    s["tfidf"], s["topic"] = tfidf_and_topic(a, wa, b, wb)
    s["topic_conf"] = 1.0 if s["topic"] < TOPIC_MIN else 0.0
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
    s["fig_major_conf"] = 1.0 if conf >= 2 and shared < conf else 0.0
    s["fact_conf"] = sole_facts_conflict(a, b, shared, conf)
    # the release's own facts agree: a reprint that adds its site's district («Для жителей района X: …»)
    anchored = shared >= 2 or (shared >= 1 and shared_places >= 1)
    s["place_conf"] = 1.0 if districts_conf and not anchored else 0.0
    s["local_conf"] = 1.0 if districts_conf and shared == 0 and not shared_places else 0.0
    ya = {y for y in a.years.tolist() if not y & TITLE_YEAR}
    yb = {y for y in b.years.tolist() if not y & TITLE_YEAR}
    ta = {y for y in a.years.tolist() if y & TITLE_YEAR}
    tb = {y for y in b.years.tolist() if y & TITLE_YEAR}
    # disjoint years in the bodies: another year's release of a template, unless the release's own
    # figures agree (one shared, none contradicted): a reprint quoting the history («в 2015 году
    # стадион законсервировали») beside one naming the year of the work («в 2024 году возведут»)
    s["year_conf"] = 1.0 if ya and yb and not (ya & yb) and not (shared >= 1 and conf == 0) else 0.0
    s["title_year_conf"] = 1.0 if ta and tb and not (ta & tb) else 0.0
    da, db = set(a.dates.tolist()), set(b.dates.tolist())
    s["date_agree"] = 1.0 if da & db else 0.0
    s["date_conf"] = 1.0 if da and db and not (da & db) else 0.0
    s["names"] = names_overlap(a, b)
    if math.isnan(a.published_at) or math.isnan(b.published_at):
        s["dt"] = math.nan
    else:
        s["dt"] = abs(a.published_at - b.published_at) / 86400.0
    return s
