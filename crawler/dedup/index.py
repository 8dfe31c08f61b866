"""Hot index: the articles held in RAM as candidates, with fast candidate lookup.

Which articles are hot is the detector's business (:class:`crawler.dedup.detector.Detector`
pages whole days in and out around each query's own date). For the hot ones:

* ``vecs`` — ``(capacity, 512)`` float32 unit encoder vectors (zeros without encoder),
  brute-force dot products over the used rows only (``hw``, the slot high-water mark;
  a 3-day window of 136 sites is a few thousand rows: ~0.6 ms). The product runs in
  ``np.einsum`` (one thread, no BLAS): OpenBLAS's two-thread gemv spin-waits when the
  other core is busy — measured on the loaded 2-core build machine: gemv p95 15 ms vs
  einsum p95 4.6 ms for 5,800 × 512 (p50 0.4 vs 0.6 ms);
* ``postings`` — inverted index ``term id → set(slot)`` over each article's
  :data:`RARE_K` highest-IDF terms at insertion time (ties: most frequent in the article first).
  A query looks up its :data:`QUERY_K` highest-IDF terms *among those with a usable posting
  list* (1 … :data:`MAX_POSTING` hot articles): a rewrite's own never-seen words have the
  highest IDF but find nothing, and used to crowd out the rare names it shares with the
  release. Hits are ranked by the summed IDF of the shared query terms, after dropping
  articles outside the window, so last month's look-alikes of one template cannot take the
  :data:`MAX_TERM_CANDS` places of this week's release;
* ``w``/``c`` — each hot article's unit TF-IDF weights over stems and character n-grams,
  computed once at insertion with the IDF of that moment (IDF drifts slowly; caching
  keeps ``decide`` cheap);
* ``lo``/``hi`` — publication interval in days since the epoch (:attr:`Features.interval`:
  ``lo == hi`` for a dated article, ``(-inf, inf)`` when nothing is known). A candidate must
  be within the window of the query on these intervals (:func:`within`).

Slots are recycled through a free list. Not thread-safe (the detector serialises).
"""

from __future__ import annotations

import numpy as np

from crawler.dedup.encoder import DIM, dequantize
from crawler.dedup.features import Features
from crawler.dedup.idf import DocFreq, HashedDocFreq
from crawler.dedup.signals import char_vector, tfidf_vector, topic_part

#: Rare terms indexed per article / looked up per query.
RARE_K = 24
QUERY_K = 32
#: Candidates kept from each route (terms / vectors).
MAX_TERM_CANDS = 32
MAX_VEC_CANDS = 16
#: A query term indexed by more hot articles than this is not rare: skipped.
MAX_POSTING = 64
MIN_VEC_SIM = 0.45


def within(alo, ahi, blo, bhi, window_days: float):
    """True where two publication intervals can be at most ``window_days`` apart
    (``max(lo) - min(hi) <= window``; works on floats and numpy arrays alike)."""
    return np.maximum(alo, blo) - np.minimum(ahi, bhi) <= window_days


class HotIndex:
    """See module doc."""

    def __init__(self) -> None:
        self.cap = 0
        #: 1 + the highest slot ever used (slots are recycled lowest-first, so rows ≥ hw are empty).
        self.hw = 0
        self.vecs = np.zeros((0, DIM), np.float32)
        self.lo = np.zeros(0, np.float64)
        self.hi = np.zeros(0, np.float64)
        self.alive = np.zeros(0, bool)
        self.feats: list[Features | None] = []
        self.w: list[np.ndarray | None] = []
        self.c: list[np.ndarray | None] = []
        self.doc: list[str | None] = []
        self.rare: list[list[int]] = []
        self.free: list[int] = []
        self.slot_of: dict[str, int] = {}
        self.postings: dict[int, set[int]] = {}

    def __len__(self) -> int:
        return len(self.slot_of)

    def _grow(self) -> None:
        new = max(64, self.cap * 2)
        v = np.zeros((new, DIM), np.float32)
        v[: self.cap] = self.vecs
        self.vecs = v
        self.lo = np.concatenate([self.lo, np.full(new - self.cap, -np.inf)])
        self.hi = np.concatenate([self.hi, np.full(new - self.cap, np.inf)])
        self.alive = np.concatenate([self.alive, np.zeros(new - self.cap, bool)])
        self.feats += [None] * (new - self.cap)
        self.w += [None] * (new - self.cap)
        self.c += [None] * (new - self.cap)
        self.doc += [None] * (new - self.cap)
        self.rare += [[]] * (new - self.cap)
        self.free.extend(range(new - 1, self.cap - 1, -1))
        self.cap = new

    def insert(self, doc_id: str, f: Features, df: DocFreq, cdf: HashedDocFreq) -> None:
        """Make ``doc_id`` a candidate (its weights use the IDF of this moment)."""
        if doc_id in self.slot_of:
            self.delete(doc_id)
        if not self.free:
            self._grow()
        s = self.free.pop()
        self.hw = max(self.hw, s + 1)
        self.slot_of[doc_id] = s
        self.doc[s], self.feats[s] = doc_id, f
        self.w[s], self.c[s] = tfidf_vector(f, df), char_vector(f, cdf)
        topic_part(f, self.w[s])  # cached on f: paid once here, not in every decide() that scores f
        self.vecs[s] = dequantize(f.vec) if f.vec.size else 0.0
        self.lo[s], self.hi[s] = f.interval
        self.alive[s] = True
        rare = []
        if f.terms.size:
            idf = df.idf(f.terms)
            rare = f.terms[np.lexsort((-f.tf.astype(np.int32), -idf))[:RARE_K]].tolist()
        self.rare[s] = rare
        for t in rare:
            self.postings.setdefault(t, set()).add(s)

    def delete(self, doc_id: str) -> Features | None:
        """Drop ``doc_id`` from the hot set (no-op when absent); returns its features."""
        s = self.slot_of.pop(doc_id, None)
        if s is None:
            return None
        f = self.feats[s]
        for t in self.rare[s]:
            p = self.postings.get(t)
            if p is not None:
                p.discard(s)
                if not p:
                    del self.postings[t]
        self.feats[s] = None
        self.w[s] = self.c[s] = None
        self.doc[s] = None
        self.rare[s] = []
        self.alive[s] = False
        self.vecs[s] = 0.0
        self.free.append(s)
        return f

    def get(self, doc_id: str) -> Features | None:
        s = self.slot_of.get(doc_id)
        return None if s is None else self.feats[s]

    def weights(self, doc_id: str) -> tuple[Features, np.ndarray, np.ndarray, np.ndarray | None] | None:
        """``(features, stem weights, char weights, unit encoder vector or None)`` of a hot doc."""
        s = self.slot_of.get(doc_id)
        if s is None:
            return None
        f = self.feats[s]
        return f, self.w[s], self.c[s], (self.vecs[s] if f.vec.size else None)

    def candidates(self, f: Features, df: DocFreq, window_days: float) -> list[str]:
        """Doc ids worth scoring against ``f``: shared rare terms or near vectors, inside the window."""
        if not self.slot_of:
            return []
        found: dict[int, float] = {}
        flo, fhi = f.interval
        # only terms with a usable posting list (1..MAX_POSTING hot articles) can find anything:
        # a rewrite's own new words (never seen, highest IDF) must not crowd the rare names it
        # shares with the release out of the query's QUERY_K
        post = self.postings
        usable = [t for t in f.terms.tolist() if 0 < len(post.get(t, ())) <= MAX_POSTING]
        if usable:
            ua = np.asarray(usable, f.terms.dtype)
            tf = f.tf[np.searchsorted(f.terms, ua)]
            qi = df.idf(ua)
            order = np.lexsort((-tf.astype(np.int32), -qi))[:QUERY_K]
            for t, w in zip(ua[order].tolist(), qi[order].tolist()):
                for s in post[t]:
                    found[s] = found.get(s, 0.0) + w
            # out-of-window articles must not take the MAX_TERM_CANDS places (look-alike releases of other days)
            found = {s: v for s, v in found.items() if within(self.lo[s], self.hi[s], flo, fhi, window_days)}
        # ranked by the summed IDF of the shared query terms; ties by doc id, not by slot (arrival order)
        slots = sorted(found, key=lambda s: (-found[s], self.doc[s]))[:MAX_TERM_CANDS]
        if f.vec.size:
            hw = self.hw
            ok = self.alive[:hw] & within(self.lo[:hw], self.hi[:hw], flo, fhi, window_days)
            idx = np.flatnonzero(ok)
            if idx.size:
                # only the rows inside the query's window (a backfill keeps other days hot too)
                rows = self.vecs[:hw] if idx.size > hw // 2 else self.vecs[idx]
                sims = np.einsum("ij,j->i", rows, dequantize(f.vec))
                if idx.size > hw // 2:
                    sims[~ok] = -1.0
                    idx = np.arange(hw)
                k = min(MAX_VEC_CANDS, sims.size)
                top = np.argpartition(-sims, k - 1)[:k]
                slots += [int(idx[t]) for t in top if sims[t] >= MIN_VEC_SIM and int(idx[t]) not in found]
        return [self.doc[s] for s in slots]

    def nbytes(self) -> int:
        """Approximate bytes held by the arrays (vectors dominate)."""
        return self.vecs.nbytes + self.lo.nbytes + self.hi.nbytes + self.alive.nbytes
