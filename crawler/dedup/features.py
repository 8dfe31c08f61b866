"""Per-article features (:class:`Features`) and the batch :class:`Featurizer`.

A :class:`Features` is everything the scorer needs about one article, computed once
and persisted by the pipeline (:meth:`Features.to_bytes`, typically 5–12 KB: the char
n-gram ids dominate, ~6 bytes per distinct n-gram of the first 3,000 characters):

* ``terms``/``tf`` — sorted unique uint32 term ids (CRC-32 of the Snowball stem) of
  content words and their counts (uint16), at most :data:`MAX_TERMS` most frequent;
  TF-IDF weights are applied at scoring time with the detector's current IDF.
* ``title_terms`` — sorted uint32 ids of the title's content stems.
* ``chars``/``ctf`` — sorted unique uint32 ids of hashed character 3–5-grams of the
  cleaned title + body (:mod:`crawler.dedup.chargrams`) and their counts (uint16).
* ``shingles`` — sorted unique uint32 hashes of word 3-shingles over *all* stems
  (stop words kept), from the first :data:`MAX_SHINGLE_WORDS` words (cut copies keep
  the beginning, so containment of the lead survives).
* ``vec`` — int8[512] quantised USE vector of the title (the lead's first sentence when
  there is no title), at most :data:`~crawler.dedup.encoder.ENCODER_CHARS` characters
  (empty without encoder).
* ``figures`` — ``(unit id, value)`` pairs; ``years`` (uint16; title years also appear
  with the :data:`TITLE_YEAR` bit set); ``dates`` (month*100+day);
  ``names`` (uint32 ids of name stems); ``speakers`` (uint32 ids of the surnames the
  text is attributed to); ``rdates`` (month*100+day of dates saying when the text was
  written: «в среду, 7 мая», datelines, «04.12.2025»); ``districts`` (uint32 ids of
  district names after «район…», leaving out a reprint's framing title prefix / lead
  sentence: :func:`crawler.dedup.extract.content_districts`); ``stage`` (the title reports planned work or a
  done one); ``places`` (uint32 ids of streets and «№ N» objects,
  :func:`crawler.dedup.extract.places`); ``where`` (uint32 ids of the name stems that say
  where: district and street names, :func:`crawler.dedup.extract.where_names`). See
  :mod:`crawler.dedup.extract`.
* ``published_at`` — POSIX seconds (float, NaN when unknown); ``text_len`` — characters
  of the cleaned body.
* ``time_lo``/``time_hi`` — for an undated document, the closed interval of days since the
  epoch within which it was published, from what it says about time
  (:func:`crawler.dedup.when.publication_interval`; NaN when nothing is known). Use
  :attr:`Features.interval`, which also covers dated documents.

Term ids are ``zlib.crc32(stem.encode())``: collisions between two of ~300k stems
happen with probability ~1e-5 per stem and only add noise.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from crawler.config import DedupSettings
from crawler.dedup import extract
from crawler.dedup.chargrams import char_ngrams
from crawler.dedup.encoder import ENCODER_CHARS, get_encoder, quantize
from crawler.dedup.when import publication_interval
from crawler.dedup.normalize import clean_text, clean_title, content_stems, fold, sentences, stems, words

MAX_TERMS = 256
#: Flag bit marking a year that appears in the title (``years`` holds ``year | TITLE_YEAR``).
TITLE_YEAR = 0x8000
MAX_SHINGLE_WORDS = 700
FORMAT_VERSION = 2
_MAGIC = b"MNF"
#: Revision of the extraction rules (:attr:`Features.revision`). Bump it whenever a change
#: alters what :class:`Featurizer` computes for the same text, so ``mosnews recluster``
#: recomputes stored features. 1: headline names (``qnames``); 2: publication interval of
#: undated documents (``time_lo``/``time_hi``); 3: the facts round (figures, stage, greetings);
#: 4: ``where`` (a shared place name alone is no ``names`` overlap).
FEATURE_REVISION = 4

_DTYPES = ("u4", "u2", "u4", "u4", "i1", "u4", "f4", "u2", "u2", "u4", "u4", "u2", "u4", "u2", "u4", "u4", "u4", "f8", "u4")
#: Arrays from this index on are optional at the end of a blob (added without a version bump).
_FIRST_OPTIONAL = 15


def term_id(s: str) -> int:
    """uint32 id of a stem/string (CRC-32)."""
    return zlib.crc32(s.encode("utf-8"))


@dataclass(frozen=True)
class Doc:
    """One article as the detector sees it. ``published_at`` is aware (or ``None``)."""

    id: str
    title: str
    text: str
    published_at: datetime | None
    url: str = ""
    source: str = ""
    lead: str = ""
    #: A coarse publication period known instead of ``published_at`` (``(lo, hi)`` days since
    #: the epoch, e.g. from ``"2024-11"``: :func:`crawler.dedup.when.period_interval`).
    period: tuple[float, float] | None = None


def _u32(xs) -> np.ndarray:
    return np.unique(np.asarray(list(xs), dtype=np.uint32))


@dataclass(frozen=True, eq=False)
class Features:
    """Scoring features of one article (see module doc for each field's shape and units)."""

    terms: np.ndarray
    tf: np.ndarray
    title_terms: np.ndarray
    shingles: np.ndarray
    vec: np.ndarray
    fig_units: np.ndarray
    fig_values: np.ndarray
    years: np.ndarray
    dates: np.ndarray
    names: np.ndarray
    chars: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    ctf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    speakers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    rdates: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    districts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    published_at: float = math.nan
    text_len: int = 0
    has_title: bool = False
    #: :func:`crawler.dedup.extract.stage` of the title (0 unknown, 1 planned, 2 done);
    #: stored in flag bits 2–3 of the blob header (format unchanged: older blobs read as 0).
    stage: int = 0
    #: Per-process scratch (not serialised): e.g. :func:`crawler.dedup.signals.topic_part`'s
    #: cached vector for the weights it was computed from.
    extra: dict = field(default_factory=dict)
    #: uint32 ids of :func:`crawler.dedup.extract.places` (streets, «№ N» objects); an optional
    #: sixteenth array of the blob (format unchanged: older blobs read as no places).
    places: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    #: :func:`crawler.dedup.extract.headline_names`: each name's content-stem ids followed by a
    #: 0 separator (uint32); an optional seventeenth array (older blobs read as no names).
    qnames: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    #: Extraction revision the features were computed with (header bits 4–7; blobs written
    #: before revisions existed read as 0). ``mosnews recluster`` recomputes features older
    #: than :data:`FEATURE_REVISION`.
    revision: int = 0
    #: Publication interval of an undated document (days since the epoch, NaN = unknown): an
    #: optional eighteenth array ``[lo, hi]`` of the blob (empty when unknown or dated).
    time_lo: float = math.nan
    time_hi: float = math.nan
    #: :func:`crawler.dedup.extract.where_names`: uint32 ids of the name stems that say where
    #: (districts, streets); an optional nineteenth array (older blobs read as none: their
    #: ``names`` overlap is the plain cosine, as before revision 4).
    where: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))

    @property
    def day(self) -> float:
        """Publication time in days since the epoch (NaN when unknown)."""
        return self.published_at / 86400.0

    @property
    def interval(self) -> tuple[float, float]:
        """``(lo, hi)`` days since the epoch within which the article was published:
        ``(day, day)`` when dated, the inferred interval when known, else ``(-inf, inf)``."""
        d = self.day
        if not math.isnan(d):
            return d, d
        if not math.isnan(self.time_lo):
            return self.time_lo, self.time_hi
        return -math.inf, math.inf

    def to_bytes(self) -> bytes:
        """Compact binary form: ``b"MNF"`` + version byte + fixed header + arrays.

        Header: ``<B d I`` flags (bit0 has_title, bit1 has vec, bits 2–3 ``stage``, bits 4–7
        ``revision``), published_at, text_len;
        then fifteen length-prefixed arrays (uint32 count + raw little-endian data), and a
        sixteenth (``places``), seventeenth (``qnames``), eighteenth (publication interval) and
        nineteenth (``where``) that older blobs lack.
        """
        flags = (1 if self.has_title else 0) | (2 if self.vec.size else 0) | ((int(self.stage) & 3) << 2) | ((int(self.revision) & 15) << 4)
        parts = [_MAGIC, bytes([FORMAT_VERSION]), struct.pack("<BdI", flags, self.published_at, self.text_len)]
        for arr, dt in self._arrays():
            a = np.ascontiguousarray(arr, dtype=dt)
            parts.append(struct.pack("<I", a.size))
            parts.append(a.astype(np.dtype(dt).newbyteorder("<"), copy=False).tobytes())
        return b"".join(parts)

    def _arrays(self):
        return [
            (self.terms, "u4"), (self.tf, "u2"), (self.title_terms, "u4"), (self.shingles, "u4"),
            (self.vec, "i1"), (self.fig_units, "u4"), (self.fig_values, "f4"), (self.years, "u2"),
            (self.dates, "u2"), (self.names, "u4"), (self.chars, "u4"), (self.ctf, "u2"),
            (self.speakers, "u4"), (self.rdates, "u2"), (self.districts, "u4"), (self.places, "u4"),
            (self.qnames, "u4"),
            (np.asarray([] if math.isnan(self.time_lo) else [self.time_lo, self.time_hi], np.float64), "f8"),
            (self.where, "u4"),
        ]  # fmt: skip

    @classmethod
    def from_bytes(cls, b: bytes) -> Features:
        """Inverse of :meth:`to_bytes`.

        Raises:
            ValueError: wrong magic, unknown version, or truncated data.
        """
        mv = memoryview(b)
        if bytes(mv[:3]) != _MAGIC:
            raise ValueError("not a dedup Features blob (bad magic)")
        if mv[3] != FORMAT_VERSION:
            raise ValueError(f"unsupported Features format version {mv[3]} (expected {FORMAT_VERSION})")
        try:
            flags, pub, tlen = struct.unpack_from("<BdI", mv, 4)
            off = 4 + struct.calcsize("<BdI")
            arrays = []
            for k, dt in enumerate(_DTYPES):
                if k >= _FIRST_OPTIONAL and off == len(mv):
                    arrays.append(np.zeros(0, np.dtype(dt)))  # written before this array existed
                    continue
                (n,) = struct.unpack_from("<I", mv, off)
                off += 4
                d = np.dtype(dt).newbyteorder("<")
                size = n * d.itemsize
                if off + size > len(mv):
                    raise ValueError("truncated")
                arrays.append(np.frombuffer(mv[off : off + size], dtype=d).astype(np.dtype(dt)))
                off += size
        except struct.error as exc:
            raise ValueError(f"truncated Features blob: {exc}") from None
        if off != len(mv):
            raise ValueError("trailing bytes in Features blob")
        n = _FIRST_OPTIONAL
        when = arrays[n + 2]
        lo, hi = (float(when[0]), float(when[1])) if when.size == 2 else (math.nan, math.nan)
        return cls(
            *arrays[:n], published_at=pub, text_len=tlen, has_title=bool(flags & 1), stage=(flags >> 2) & 3,
            places=arrays[n], qnames=arrays[n + 1], revision=(flags >> 4) & 15, time_lo=lo, time_hi=hi,
            where=arrays[n + 3],
        )  # fmt: skip


class Featurizer:
    """Turns :class:`Doc` batches into :class:`Features` (stateless apart from the encoder).

    ``settings.encoder`` switches the sentence encoder on (``settings.encoder_threads``
    BLAS threads). Thread-safe; the encoder call is serialised.
    """

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self._enc = get_encoder(settings.encoder_threads) if settings.encoder else None

    def featurize(self, docs: list[Doc]) -> list[Features]:
        """Features for each doc, same order; one batched encoder call for the batch."""
        prepared = [self._prepare(d) for d in docs]
        vecs = None
        if self._enc is not None and prepared:
            vecs = quantize(self._enc.encode([p.pop("enc_text") for p in prepared]))
        out = []
        for i, p in enumerate(prepared):
            p.pop("enc_text", None)
            vec = vecs[i] if vecs is not None else np.zeros(0, np.int8)
            out.append(Features(vec=vec, revision=FEATURE_REVISION, **p))
        return out

    @staticmethod
    def _prepare(doc: Doc) -> dict:
        title = clean_title(doc.title)
        body = clean_text(doc.text or "")
        lead = clean_text(doc.lead or "")
        if lead and lead[:40] not in body:
            body = lead + "\n" + body
        # a body starting with its own title (common in teasers) would double-count it
        if title and body.startswith(title):
            body = body[len(title) :].lstrip(" .\n")
        toks = words(body)
        cs = content_stems(toks)
        ttoks = content_stems(words(title))
        counts = Counter(term_id(s) for s in cs + ttoks)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]
        top.sort()
        terms = np.asarray([k for k, _ in top], np.uint32)
        tf = np.asarray([min(v, 65535) for _, v in top], np.uint16)
        st = stems(toks[:MAX_SHINGLE_WORDS])
        sh = _u32(term_id(" ".join(st[i : i + 3])) for i in range(max(0, len(st) - 2)))
        full = title + "\n" + body
        figs = sorted(set((term_id(u), round(v, 3)) for u, v in extract.figures(full, marked=True)))
        sents = sentences(body) if not title else []
        enc_text = title if title else (sents[0] if sents else "")
        chars, ctf = char_ngrams(full)
        raw_title, raw_body = fold(doc.title or ""), fold(doc.text or "")
        pub = doc.published_at.timestamp() if doc.published_at is not None else math.nan
        when = None if doc.published_at is not None else (doc.period or publication_interval(doc.title, doc.text, doc.url))
        return dict(
            terms=terms,
            tf=tf,
            title_terms=_u32(term_id(s) for s in ttoks),
            shingles=sh,
            fig_units=np.asarray([u for u, _ in figs], np.uint32),
            fig_values=np.asarray([v for _, v in figs], np.float32),
            years=np.asarray(sorted(extract.years(full) | {y | TITLE_YEAR for y in extract.years(title)}), np.uint16),
            dates=np.asarray(sorted(extract.dates(full)), np.uint16),
            names=_u32(term_id(s) for s in extract.names(full)),
            chars=chars,
            ctf=ctf,
            speakers=_u32(term_id(s) for s in extract.speakers(raw_title, raw_body)),
            districts=_u32(term_id(s) for s in extract.content_districts(title, body)),
            places=_u32(term_id(s) for s in extract.places(full)),
            where=_u32(term_id(s) for s in extract.where_names(title, body)),
            qnames=np.asarray([x for key in extract.headline_names(title, body) for x in [*map(term_id, key), 0]], np.uint32),
            rdates=np.asarray(sorted(extract.release_dates(raw_title + "\n" + raw_body)), np.uint16),
            published_at=pub,
            time_lo=when[0] if when else math.nan,
            time_hi=when[1] if when else math.nan,
            text_len=len(body),
            has_title=bool(ttoks),
            stage=extract.stage(fold(doc.title or "")),
            enc_text=enc_text[:ENCODER_CHARS],
        )
