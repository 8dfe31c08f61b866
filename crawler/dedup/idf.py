"""Document frequencies for IDF, learned incrementally, with a shipped cold-start prior.

``idf(t) = ln((N + 1) / (df(t) + 1)) + 1`` (the smoothed IDF of scikit-learn's
``TfidfVectorizer(smooth_idf=True)``), where ``N`` and ``df`` are the prior's counts
plus the counts of every article registered with the detector.

The prior (:mod:`crawler.dedup._idf_prior`) holds term ids and counts only (no
text): built by ``bench/dedup_eval.py --build-prior`` from the FactRuEval-2016
news texts (254 general news, see ../shared/eval/external) plus the project's own
synthetic releases in ``crawler/dedup/synth.py``; it makes generic news words common
from the first article on. The live counts dominate after a few hundred articles.
"""

from __future__ import annotations

import base64
import zlib

import numpy as np


def _load_prior() -> tuple[int, dict[int, int]]:
    try:
        from crawler.dedup import _idf_prior
    except ImportError:  # prior not built yet
        return 0, {}
    raw = zlib.decompress(base64.b64decode(_idf_prior.DATA))
    n = len(raw) // 6
    ids = np.frombuffer(raw[: 4 * n], "<u4")
    dfs = np.frombuffer(raw[4 * n : 6 * n], "<u2")
    return int(_idf_prior.N), dict(zip(ids.tolist(), dfs.tolist()))


def encode_prior(n_docs: int, df: dict[int, int]) -> str:
    """Serialise a prior as the base64 text stored in ``_idf_prior.DATA``."""
    ids = np.asarray(sorted(df), np.uint32)
    dfs = np.asarray([min(df[i], 65535) for i in ids.tolist()], np.uint16)
    return base64.b64encode(zlib.compress(ids.astype("<u4").tobytes() + dfs.astype("<u2").tobytes(), 9)).decode()


class DocFreq:
    """Mutable document-frequency table (prior + live). Not thread-safe (the detector serialises)."""

    def __init__(self, use_prior: bool = True) -> None:
        self.n_prior, self.prior = _load_prior() if use_prior else (0, {})
        self.n = 0
        self.df: dict[int, int] = {}

    def add(self, terms: np.ndarray, sign: int = 1) -> None:
        """Count one article's unique term ids (``sign=-1`` un-counts it)."""
        d = self.df
        for t in terms.tolist():
            d[t] = d.get(t, 0) + sign
        self.n += sign

    def idf(self, terms: np.ndarray) -> np.ndarray:
        """float32 IDF of each term id (shape of ``terms``)."""
        d, p = self.df, self.prior
        n = self.n + self.n_prior + 1.0
        df = np.fromiter((d.get(t, 0) + p.get(t, 0) for t in terms.tolist()), np.float32, terms.size)
        return (np.log(n / (df + 1.0)) + 1.0).astype(np.float32)

    def to_bytes(self) -> bytes:
        """Live counts only (the prior ships with the code): ``<Q n`` + (u4 id, u4 df) pairs."""
        ids = np.asarray(list(self.df), np.uint32)
        vals = np.asarray(list(self.df.values()), np.uint32)
        return np.uint64(self.n).tobytes() + ids.astype("<u4").tobytes() + vals.astype("<u4").tobytes()

    def load_bytes(self, b: bytes) -> None:
        """Replace the live counts with :meth:`to_bytes` output."""
        self.n = int(np.frombuffer(b[:8], "<u8")[0])
        k = (len(b) - 8) // 8
        ids = np.frombuffer(b[8 : 8 + 4 * k], "<u4")
        vals = np.frombuffer(b[8 + 4 * k : 8 + 8 * k], "<u4")
        self.df = dict(zip(ids.tolist(), vals.tolist()))


#: Buckets of the hashed character n-gram DF table (2**BITS int32 counters, 8 MB).
CHAR_BITS = 21


def _load_char_prior() -> tuple[int, np.ndarray | None]:
    try:
        from crawler.dedup import _char_prior
    except ImportError:  # prior not built yet
        return 0, None
    raw = zlib.decompress(base64.b64decode(_char_prior.DATA))
    n = len(raw) // 6
    ids = np.frombuffer(raw[: 4 * n], "<u4").astype(np.int64)
    dfs = np.frombuffer(raw[4 * n : 6 * n], "<u2").astype(np.int32)
    table = np.zeros(1 << CHAR_BITS, np.int32)
    table[ids] = dfs
    return int(_char_prior.N), table


def encode_char_prior(table: np.ndarray) -> str:
    """Serialise the non-zero buckets of a hashed DF table (bucket u4 + count u2), zlib+base64."""
    ids = np.nonzero(table)[0].astype(np.uint32)
    dfs = np.minimum(table[ids], 65535).astype(np.uint16)
    return base64.b64encode(zlib.compress(ids.astype("<u4").tobytes() + dfs.astype("<u2").tobytes(), 9)).decode()


class HashedDocFreq:
    """Document frequencies of hashed ids in a fixed numpy table (the hashing trick).

    ``bucket = id mod 2**CHAR_BITS``; updates and look-ups are vectorised (≈10 µs per
    article). Same smoothed IDF formula as :class:`DocFreq`. The shipped prior
    (:mod:`crawler.dedup._char_prior`, bucket counts only, no text) is built by
    ``python -m crawler.dedup.calibrate --write-prior`` from the FactRuEval-2016 news
    texts and the project's own synthetic releases. Not thread-safe.
    """

    def __init__(self, use_prior: bool = True) -> None:
        n, table = _load_char_prior() if use_prior else (0, None)
        self.n = n
        self.table = table if table is not None else np.zeros(1 << CHAR_BITS, np.int32)
        self._mask = np.uint32((1 << CHAR_BITS) - 1)

    def add(self, ids: np.ndarray, sign: int = 1) -> None:
        """Count one article's unique ids (``sign=-1`` un-counts it)."""
        if ids.size:
            # two ids of one article rarely share a bucket; such a pair then counts once
            self.table[ids & self._mask] += sign
        self.n += sign

    def idf(self, ids: np.ndarray) -> np.ndarray:
        """float32 IDF of each id (shape of ``ids``)."""
        df = np.maximum(self.table[ids & self._mask], 0).astype(np.float32)
        return (np.log((self.n + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)
