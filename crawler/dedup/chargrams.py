"""Hashed character n-grams (the "char_wb" analyser of scikit-learn, hashed).

Each word (lower-case letter/digit run of folded text) is padded with one space on
both sides and cut into overlapping n-grams of :data:`NS` characters; an n-gram never
spans two words. N-grams are hashed to uint32 ids (the "hashing trick", Weinberger et
al. 2009) with a polynomial hash over Unicode code points followed by a murmur3-style
finaliser, all in vectorised numpy: ~1 µs per 100 characters.

Why: on real paraphrased reprints, TF-IDF over character 3–5-grams ranks pairs better
than stems (pairwise AUC 0.998 vs 0.997, best F1 0.88 vs 0.84 on the dev set; see
docs/dedup.md) — it is robust to inflection the stemmer misses and to compounds.

:func:`char_ngrams` returns ``(ids, counts)``: sorted unique uint32 ids and uint16
counts. Only the first :data:`MAX_CHARS` characters are used (cost and feature size
are linear in length; cut copies keep the beginning).
"""

from __future__ import annotations

import numpy as np

from crawler.dedup.normalize import words

#: n-gram lengths (characters, padding spaces included).
NS = (3, 4, 5)
#: Characters of title + body cut into n-grams.
MAX_CHARS = 3000
_P = np.uint64(1_000_003)
_M32 = np.uint64(0xFFFFFFFF)


def _fmix(h: np.ndarray) -> np.ndarray:
    """murmur3 32-bit finaliser on uint64 holding 32-bit values."""
    h = h & _M32
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _M32
    h ^= h >> np.uint64(16)
    return h


def char_ngrams(text: str, max_chars: int = MAX_CHARS) -> tuple[np.ndarray, np.ndarray]:
    """``(ids uint32[k], counts uint16[k])`` of the padded-word n-grams of ``text`` (see module doc)."""
    toks = words(text[:max_chars])
    if not toks:
        return np.zeros(0, np.uint32), np.zeros(0, np.uint16)
    s = " " + " ".join(toks) + " "
    c = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    sp = c == 32
    out = []
    for n in NS:
        m = c.size - n + 1
        if m <= 0:
            continue
        h = np.full(m, np.uint64(n))
        for k in range(n):
            h = (h * _P + c[k : k + m]) & _M32
        ok = ~sp[1 : 1 + m] if n >= 3 else np.ones(m, bool)
        for k in range(2, n - 1):
            ok &= ~sp[k : k + m]
        # the gram may not start or end inside a word boundary mismatch: start must be a space or a letter
        out.append(h[ok])
    ids, counts = np.unique(_fmix(np.concatenate(out)).astype(np.uint32), return_counts=True)
    return ids, np.minimum(counts, 65535).astype(np.uint16)
