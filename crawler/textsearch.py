"""Russian stemming for full-text search (the function ``storage.fts`` is handed).

:func:`stem_text` lower-cases, folds ``ё→е``, splits into word tokens (Cyrillic,
Latin letters and digits) and applies the Snowball Russian stemmer (PyStemmer,
``Stemmer.Stemmer('russian')``; algorithm:
https://snowballstem.org/algorithms/russian/stemmer.html), so «школы», «школе»
and «школа» all become ``школ``. Latin words go through the same stemmer, which
leaves them unchanged.

``storage`` never imports this module: the daemon and the CLI pass
:func:`stem_text` into :func:`storage.fts.refresh` / :func:`storage.fts.search`.
"""

from __future__ import annotations

import re
import threading

import Stemmer

_WORD = re.compile(r"[0-9a-zа-я]+")
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe: one per thread.
    st = getattr(_local, "stemmer", None)
    if st is None:
        st = _local.stemmer = Stemmer.Stemmer("russian")
    return st


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` with ``ё`` folded to ``е`` (soft hyphens and accents dropped)."""
    t = text.lower().replace("ё", "е").replace("\u00ad", "").replace("\u0301", "")
    return _WORD.findall(t)


def stem_text(text: str) -> str:
    """``text`` as space-separated Russian stems: ``"Новые школы в Москве"`` → ``"нов школ в москв"``.

    Pure and deterministic; the same function must index and query.
    """
    return " ".join(_stemmer().stemWords(tokens(text)))


__all__ = ["stem_text", "tokens"]
