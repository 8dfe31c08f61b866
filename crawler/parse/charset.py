"""Turn response bytes into text: override → HTTP charset → ``<meta>`` → detection → UTF-8.

A declared charset is only trusted if the body actually decodes with it: a header or
``<meta>`` that says UTF-8 over windows-1251 bytes (a common misconfiguration) fails strict
decoding and the next source is tried.  Detection uses charset-normalizer, with a fast
Cyrillic check first (cp1251 vs. koi8-r vs. utf-8) because those are the only encodings
met on mos.ru sub-sites.
"""

from __future__ import annotations

import codecs
import re

from crawler.errors import ParseError

_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_META_CHARSET_RE = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels that browsers map elsewhere (WHATWG Encoding Standard, "labels").
_ALIASES = {"win-1251": "cp1251", "x-cp1251": "cp1251", "windows-1251": "cp1251", "cp-1251": "cp1251",
            "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _try(content: bytes, enc: str | None) -> str | None:
    if not enc:
        return None
    try:
        return content.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


_LOW_BYTES = bytes(range(0xC0))


def _cyrillic_guess(content: bytes) -> str | None:
    """cp1251 vs koi8-r by letter frequencies: in cp1251 lower-case letters sit in 0xE0–0xFF,
    in koi8-r in 0xC0–0xDF (the common vowels о/а/е/и fall in opposite halves)."""
    hi = len(content[:20000].translate(None, _LOW_BYTES))  # bytes >= 0xC0, counted in C
    if hi < 20:
        return None
    lo_half = sum(content.count(bytes([b])) for b in (0xCF, 0xC1, 0xC5, 0xC9))  # koi8 о а е и
    cp_half = sum(content.count(bytes([b])) for b in (0xEE, 0xE0, 0xE5, 0xE8))  # cp1251 о а е и
    return "cp1251" if cp_half >= lo_half else "koi8_r"


def decode_html(content: bytes, content_type: str | None, override: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; return ``(text, encoding_name)`` (a Python codec name such as ``cp1251``).

    Order: ``override`` (source config) → charset in ``content_type`` → BOM → ``<meta charset>`` /
    ``<meta http-equiv="Content-Type">`` in the first 4 KB → detection (a cp1251/koi8-r frequency
    check, then charset-normalizer) → UTF-8 with U+FFFD replacement.  Declared charsets that do
    not decode strictly are skipped (e.g. a header claiming UTF-8 over cp1251 bytes), and
    non-ASCII bytes that are valid UTF-8 are taken as UTF-8 even under a cp1251 label
    (the opposite lie).  Only ``override`` beats that.
    The override is applied with ``errors="replace"`` since the user asked for it explicitly.

    Raises:
        ParseError: when ``content`` is empty (or only whitespace).
    """
    if not content or not content.strip():
        raise ParseError("empty response body: nothing to decode")
    if override:
        enc = _codec(override)
        if enc:
            return content.decode(enc, errors="replace"), enc
    for bom, enc in _BOMS:
        if content.startswith(bom):
            return content.decode(enc, errors="replace"), enc
    # Bytes that are valid UTF-8 *and* non-ASCII are UTF-8 whatever the declarations say:
    # real cp1251/koi8-r Cyrillic text is practically never valid UTF-8, while a server
    # labelling UTF-8 pages "windows-1251" is a common misconfiguration.
    if not content.isascii():
        utf8 = _try(content, "utf-8")
        if utf8 is not None:
            return utf8, "utf-8"
    if content_type:
        m = _HEADER_CHARSET_RE.search(content_type)
        enc = _codec(m.group(1)) if m else None
        text = _try(content, enc)
        if text is not None:
            return text, enc  # type: ignore[return-value]
    m = _META_CHARSET_RE.search(content[:4096])
    if m:
        enc = _codec(m.group(1).decode("ascii", "ignore"))
        text = _try(content, enc)
        if text is not None:
            return text, enc  # type: ignore[return-value]
    text = _try(content, "utf-8")
    if text is not None:
        return text, "utf-8"
    guess = _cyrillic_guess(content)
    if guess:
        text = _try(content, guess)
        if text is not None:
            return text, codecs.lookup(guess).name
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(content[:65536]).best()
    except Exception:  # pragma: no cover - detector failure must not stop parsing
        best = None
    if best is not None:
        enc = _codec(best.encoding)
        if enc:
            return content.decode(enc, errors="replace"), enc
    return content.decode("utf-8", errors="replace"), "utf-8"
