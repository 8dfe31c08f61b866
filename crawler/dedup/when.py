"""When was an undated document published? A time interval from what it says about time.

Most articles carry ``published_at``. Copies found elsewhere (an archive, an aggregator, a
JSONL handed to ``mosnews cluster``) often do not, and an undated reprint of a yearly
template (free parking on a holiday, the heating season, City Day) would otherwise join a
release of another year. :func:`publication_interval` turns the document's own evidence
into a closed interval ``(lo, hi)`` of days since the epoch (UTC midnight = whole days,
Moscow dates), strongest evidence first:

1. a known coarse period (``YYYY`` or ``YYYY-MM`` from the input): that year or month;
2. a date in the URL (``/2024/04/19/``, ``2024-04-19``, ``20240419``): that day;
3. a stamp or dateline with its year (``04.12.2025``, «МОСКВА, 3 декабря 2025»): that day ±1;
4. a weekday with a date («в среду, 7 мая»): the years in which that date falls on that
   weekday, kept only when the text's own years (or the anniversaries below) leave one;
5. an anniversary with a known base: «878-летие Москвы» (founded 1147), «80-летие Победы»
   (1945): that year (from the July before to its end: preparations are announced early);
6. a full date written in words with its year («19 апреля 2024 года», usually the event's):
   120 days before the earliest to 60 after the latest (a release announces or reports it).

Anything weaker (a year named in the body: history and plans name other years) leaves the
document undated; the detector then attaches it only on strong evidence
(:attr:`crawler.config.DedupSettings.undated_threshold`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crawler.dedup.extract import _MON3_NUM

_EPOCH = date(1970, 1, 1)
#: Plausible publication years for weekday pinning (mos.ru press centres exist since ~2010).
FIRST_YEAR = 2008

_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})([/_-]?)(\d{2})\2(\d{2})(?!\d)")
_STAMP = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})\.((?:19|20)\d{2})(?![\d.]\d)")
_MON = r"(январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
_WORDS_YEAR = re.compile(r"(?<!\d)(\d{1,2})\s+" + _MON + r"\s+((?:19|20)\d{2})(?!\d)", re.I)
_DATELINE_YEAR = re.compile(r"\b[А-Я]{4,}(?:-[А-Я]+)?,\s+(\d{1,2})\s+" + _MON + r"\.?\s+((?:19|20)\d{2})(?!\d)")
_WEEKDAY_DATE = re.compile(
    r"\b(?:в|во)\s+(понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье),?\s+(\d{1,2})\s+" + _MON, re.I
)
_WEEKDAYS = {"понедельник": 0, "вторник": 1, "среду": 2, "четверг": 3, "пятницу": 4, "субботу": 5, "воскресенье": 6}
_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d{2})(?:\s*(?:год|г\.))")
#: «878-летие Москвы», «80-летия Великой Победы»: base year of the anniversary's subject.
_ANNIV = re.compile(r"(?<!\d)(\d{2,3})-?(?:летие|летия|летию|летием| летие)\s+((?:[а-яё]+\s+){0,2}?)(москв|побед)", re.I)
_ANNIV_BASE = {"москв": 1147, "побед": 1945}


def _day(d: date) -> float:
    return float((d - _EPOCH).days)


def _month(word: str) -> int | None:
    w = word.lower()
    return _MON3_NUM.get(w[:3]) or _MON3_NUM.get(w[:2])


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def period_interval(text: str) -> tuple[float, float] | None:
    """``"2024"`` → that year, ``"2024-11"`` → that month, as ``(lo, hi)`` days; else ``None``."""
    m = re.fullmatch(r"\s*((?:19|20)\d{2})(?:-(\d{2}))?\s*", text or "")
    if not m:
        return None
    y = int(m.group(1))
    if m.group(2):
        mo = int(m.group(2))
        if not 1 <= mo <= 12:
            return None
        end = date(y + (mo == 12), mo % 12 + 1, 1) - timedelta(days=1)
        return _day(date(y, mo, 1)), _day(end)
    return _day(date(y, 1, 1)), _day(date(y, 12, 31))


def url_day(url: str) -> float | None:
    """The publication day written in a URL path (``/2024/04/19/``, ``2024-04-19``), or ``None``."""
    for m in _URL_DATE.finditer(url or ""):
        d = _safe(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if d is not None and FIRST_YEAR - 10 <= d.year <= 2100:
            return _day(d)
    return None


def _anniversary_years(text: str) -> set[int]:
    out = set()
    for m in _ANNIV.finditer(text):
        base = _ANNIV_BASE[m.group(3).lower()]
        out.add(base + int(m.group(1)))
    return out


def publication_interval(title: str, text: str, url: str = "", *, latest_year: int | None = None) -> tuple[float, float] | None:
    """``(lo, hi)`` days since the epoch within which the document was published, or ``None``.

    Args:
        title, text: the document (any case; ё/е as written).
        url: its address (a date in the path is the strongest evidence).
        latest_year: the last year a weekday may pin (default: this year + 1).

    Rules and their order: module doc. Never raises on odd input (impossible dates are skipped).
    """
    d = url_day(url)
    if d is not None:
        return d, d
    full = f"{title or ''}\n{text or ''}"
    for rx, (di, mi, yi) in ((_STAMP, (1, 2, 3)), (_DATELINE_YEAR, (1, 2, 3))):
        for m in rx.finditer(full):
            mo = int(m.group(mi)) if rx is _STAMP else _month(m.group(mi))
            day = _safe(int(m.group(yi)), mo or 0, int(m.group(di)))
            if day is not None:
                return _day(day) - 1, _day(day) + 1
    anniv = _anniversary_years(full)
    wk = _WEEKDAY_DATE.search(full)
    if wk:
        mo = _month(wk.group(3))
        last = latest_year or date.today().year + 1
        cands = []
        for y in range(FIRST_YEAR, last + 1):
            day = _safe(y, mo or 0, int(wk.group(2)))
            if day is not None and day.weekday() == _WEEKDAYS[wk.group(1).lower()]:
                cands.append(day)
        said = anniv or {int(y) for y in _YEAR.findall(full)}
        pinned = [c for c in cands if c.year in said]
        if len(pinned) == 1:
            return _day(pinned[0]), _day(pinned[0])
    if len(anniv) == 1:
        y = next(iter(anniv))
        return _day(date(y - 1, 7, 1)), _day(date(y, 12, 31))
    days = []
    for m in _WORDS_YEAR.finditer(full):
        day = _safe(int(m.group(3)), _month(m.group(2)) or 0, int(m.group(1)))
        if day is not None:
            days.append(_day(day))
    if days:
        return min(days) - 120, max(days) + 60
    return None


__all__ = ["period_interval", "publication_interval", "url_day"]
