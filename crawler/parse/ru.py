"""Russian text helpers: whitespace normalisation and date/time parsing.

Dates on the press-centre pages come as ``24.02.2015``, ``24.02.2015 12:30``,
``24 февраля 2015``, ``24 февраля 2015 г., 12:30``, ``24 февраля 2015 года в 12:30``
or ISO 8601 (metadata).  All results are timezone-aware; a time without a zone is
taken as Europe/Moscow (the zone the sites publish in).

Performance notes: ``normalize_space`` returns clean text as is (checked with
``str.isprintable`` and a double-space test, ~3x cheaper than ``split``/``join``); the date
patterns are searched from the first digit on; the Cyrillic month pattern is skipped for
ASCII strings (ISO/numeric metadata dates), and offset tzinfos are memoised.  Results are
identical to the plain versions (fuzz-compared during the change).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")

# Zero-width and soft characters are dropped; every Unicode space (NBSP, thin, narrow NBSP …)
# counts as whitespace for str.split(), which is much faster than str.translate on Cyrillic text.
# (Checked over all of Unicode: no ``str.isspace()`` character except U+0020 and none of
# ``_INVISIBLE`` is ``str.isprintable()``; the fast path in normalize_space relies on that.)
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_DROP_CHARS_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def normalize_space(text: str) -> str:
    """Collapse all whitespace (NBSP, thin/narrow spaces, newlines, tabs) to single spaces and strip.

    Soft hyphens (U+00AD), zero-width spaces/joiners (U+200B–U+200D, U+2060) and BOMs are removed.
    Returns ``""`` for empty input.
    """
    if not text:
        return ""
    # Fast path (most body text is already clean): every whitespace character other than
    # U+0020 and every invisible one above is non-printable, so a printable string without
    # double/edge spaces is its own normal form.  isprintable() is ~3x cheaper than split().
    if text.isprintable():
        if "  " not in text and text[0] != " " and text[-1] != " ":
            return text
    else:
        t = text.strip()  # «\n\xa0\xa0text» (indented <br> paragraphs): only the edges are dirty
        if t.isprintable() and "  " not in t:
            return t
    if not text.isascii():
        for ch in _INVISIBLE:
            if ch in text:
                text = _DROP_CHARS_RE.sub("", text)
                break
    return " ".join(text.split())


# Genitive (as in dates), nominative and abbreviated month names; "ё" is folded to "е" first.
_MONTH_WORDS = {
    "января": 1, "январь": 1, "янв": 1, "февраля": 2, "февраль": 2, "фев": 2, "марта": 3, "март": 3, "мар": 3,
    "апреля": 4, "апрель": 4, "апр": 4, "мая": 5, "май": 5, "июня": 6, "июнь": 6, "июн": 6,
    "июля": 7, "июль": 7, "июл": 7, "августа": 8, "август": 8, "авг": 8, "сентября": 9, "сентябрь": 9,
    "сен": 9, "сент": 9, "октября": 10, "октябрь": 10, "окт": 10, "ноября": 11, "ноябрь": 11, "ноя": 11,
    "декабря": 12, "декабрь": 12, "дек": 12,
}
_MONTH_ALT = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))

_TIME = r"(?P<H>[01]?\d|2[0-3])[:.](?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?"
_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_NUM_RE = re.compile(
    r"(?<!\d)(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>\d{4}|\d{2})(?!\d)"
    r"(?:\s*(?:г\.?|года?)?\s*[,в|/—–-]*\s*(?:в\s*)?" + _TIME + r")?"
)
_WORD_RE = re.compile(
    r"(?<!\d)(?P<d>[0-3]?\d)\s*(?P<mon>" + _MONTH_ALT + r")(?![а-яa-z])\.?\s*(?P<y>\d{4})?(?!\d)"
    r"(?:\s*(?:г\.?|года?)?\s*[,в|/—–-]*\s*(?:в\s*)?" + _TIME + r")?",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"\d")
_REL_RE = re.compile(r"(?P<rel>сегодня|вчера)\s*[,в]*\s*(?:в\s*)?" + _TIME, re.IGNORECASE)


@lru_cache(maxsize=256)
def _tz(s: str | None):
    """tzinfo for an ISO offset (``Z``, ``+03:00``, ``+0300``), or ``None`` for an impossible one
    (``+24:00``, ``+05:75``: :class:`datetime.timezone` refuses offsets of a day or more);
    memoised (a handful of offsets recur)."""
    if not s:
        return MOSCOW
    if s == "Z":
        return timezone.utc
    s = s.replace(":", "")
    sign = -1 if s[0] == "-" else 1
    hours, minutes = int(s[1:3]), int(s[3:5])
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(y: int, m: int, d: int, g: re.Match[str], tz=MOSCOW) -> datetime | None:
    if tz is None:
        return None
    try:
        day = date(y, m, d)
        hh = g.group("H")
        t = time(int(hh), int(g.group("M")), int(g.group("S") or 0)) if hh is not None else time(0, 0)
    except (ValueError, TypeError):
        return None
    return datetime.combine(day, t, tzinfo=tz)


def parse_ru_datetime(text: str, *, now: datetime | None = None) -> datetime | None:
    """Find the first date (and time) in ``text`` and return it as an aware datetime, or ``None``.

    Accepted forms: ISO 8601 with or without offset (offset kept as given; none → Europe/Moscow),
    ``dd.mm.yyyy`` (also ``dd.mm.yy``) optionally followed by ``HH:MM``, ``24 февраля 2015``
    with any of the 12 month names in genitive or nominative (and common abbreviations),
    optionally followed by ``г.``/``года``, ``,``/``в`` and ``HH:MM``. ``ё``, NBSP and thin spaces are
    tolerated.  A day-and-month without a year (``24 февраля, 12:30``) and ``Сегодня, 12:30`` /
    ``Вчера в 9:15`` are resolved against ``now`` (default: the current Moscow time); dates
    without a year never land in the future.  Dates before 1990 or more than a year ahead are
    rejected as implausible.
    """
    if not text:
        return None
    s = normalize_space(text).replace("ё", "е").replace("Ё", "Е")
    if not s:
        return None
    # Every form starts with a digit (or, for «сегодня, 12:30», contains one): the scans start
    # at the first digit instead of trying each pattern at every Cyrillic position before it.
    d = _DIGIT_RE.search(s)
    if d is None:
        return None
    pos = d.start()
    cands: list[tuple[int, datetime]] = []
    m = _ISO_RE.search(s, pos)
    if m:
        dt = _build(int(m["y"]), int(m["m"]), int(m["d"]), m, _tz(m["tz"]))
        if dt:
            cands.append((m.start(), dt))
    m = _NUM_RE.search(s, pos)
    if m:
        y = int(m["y"])
        if y < 100:
            y += 2000
        dt = _build(y, int(m["m"]), int(m["d"]), m)
        if dt:
            cands.append((m.start(), dt))
    # Month names are Cyrillic and no ASCII character matches a Cyrillic letter even under
    # IGNORECASE, so an ASCII string (ISO/numeric dates from metadata) skips this pattern, whose
    # 40-way case-insensitive alternation costs ~7 µs on a 25-character ISO timestamp.
    m = None if s.isascii() else _WORD_RE.search(s, pos)
    if m:
        mon = _MONTH_WORDS[m["mon"].lower()]
        if m["y"]:
            dt = _build(int(m["y"]), mon, int(m["d"]), m)
        else:
            ref = (now or datetime.now(MOSCOW)).astimezone(MOSCOW)
            dt = _build(ref.year, mon, int(m["d"]), m)
            if dt and dt.date() > ref.date():
                dt = _build(ref.year - 1, mon, int(m["d"]), m)
        if dt:
            cands.append((m.start(), dt))
    if not cands:
        m = _REL_RE.search(s)
        if m:
            ref = (now or datetime.now(MOSCOW)).astimezone(MOSCOW)
            day = ref.date() - timedelta(days=1 if m["rel"].lower() == "вчера" else 0)
            return _build(day.year, day.month, day.day, m)
        return None
    cands.sort(key=lambda c: c[0])
    for _, dt in cands:
        if 1990 <= dt.year <= (now or datetime.now(MOSCOW)).year + 1:
            return dt
    return None


_HAS_DATE_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}|(?<!\d)[0-3]?\d\.[01]?\d\.(?:\d{4}|\d{2})(?!\d)|(?<!\d)[0-3]?\d\s*(?:" + _MONTH_ALT + r")(?![а-яa-z])",
    re.IGNORECASE,
)


def looks_like_date(text: str) -> bool:
    """Cheap test: does ``text`` contain something :func:`parse_ru_datetime` could read?"""
    if not text:
        return False
    t = text.replace("\u00a0", " ").replace("ё", "е")
    d = _DIGIT_RE.search(t)  # every alternative starts with a digit
    return d is not None and _HAS_DATE_RE.search(t, d.start()) is not None
