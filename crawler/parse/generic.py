"""Generic layer: main text by text density, plus headline/date/lead heuristics.

Algorithm (after Readability's candidate scoring and Kohlschütter's text-density blocks):
every non-chrome segment with little link text and either ≥ 50 characters or a sentence
ending is "content" and scores its length; link text scores negatively.  Scores go to the
segment's block and its ancestors with decay (1, 1, 0.6, 0.36, …), the best-scoring element
wins (deeper wins ties within 2 %), then the winner is widened to its parent while the
parent adds ≥ 25 % more content and little link text.
"""

from __future__ import annotations

import re

from crawler.parse.dom import HEADINGS, Page, attr_value_re, safe_css, selector_for
from crawler.parse.ru import looks_like_date, normalize_space, parse_ru_datetime

_ENDS = frozenset('.;:!?»"…)')
_MIN_BODY = 80
_SPLIT_TITLE_RE = re.compile(r"\s+(?:\||::|—|–|-|/|«|»|·)\s+")


def choose_container(page: Page) -> int | None:
    """mem_id of the element holding the main text, or ``None`` when nothing text-like is found
    (or when the best candidate is mostly link text: a list page, a sitemap)."""
    segs = page.walk()
    # block id -> [decayed signed score mass, content chars, link chars]
    cur: dict[int, list[float]] = {}
    ends = _ENDS
    for s in segs:
        text = s.text
        n = len(text)
        lk = s.links
        if lk <= 0.3 * n and s.tag != "h1" and (n >= 50 or (n >= 20 and text[-1] in ends)):
            v = n - lk
            e = cur.get(s.block)
            if e is None:
                cur[s.block] = [v, v, 0.0]
            else:
                e[0] += v
                e[1] += v
        elif lk:
            e = cur.get(s.block)
            if e is None:
                cur[s.block] = [-1.5 * lk, 0.0, lk]
            else:
                e[0] -= 1.5 * lk
                e[2] += lk
    if not any(e[1] for e in cur.values()):
        return None
    # Propagate masses upwards level by level; siblings merge at their parent, so the work is
    # proportional to the number of distinct ancestors, not blocks × depth.
    acc: dict[int, list[float]] = {}
    parent_of = page.parent_of
    for k in range(10):  # beyond ~10 levels the weight is < 1 %: page wrappers cannot win
        nxt: dict[int, list[float]] = {}
        f = 1.0 if k == 0 else 0.6
        for nid, e in cur.items():
            a = acc.get(nid)
            if a is None:
                acc[nid] = e[:]
            else:
                a[0] += e[0]
                a[1] += e[1]
                a[2] += e[2]
            par = parent_of.get(nid)
            if par is not None:
                n2 = nxt.get(par)
                if n2 is None:
                    nxt[par] = [e[0] * f, e[1], e[2]]
                else:
                    n2[0] += e[0] * f
                    n2[1] += e[1]
                    n2[2] += e[2]
        cur = nxt
        if not cur:
            break
    best = max(a[0] for a in acc.values())
    if best < _MIN_BODY:
        return None
    chain = page.chain
    cands = [n for n, a in acc.items() if a[0] >= 0.98 * best]
    win = max(cands, key=lambda n: len(chain(n)))
    if acc[win][2] > 0.5 * acc[win][1]:
        return None  # a list of links with teasers (a list page, a sitemap), not an article
    while True:
        par = parent_of.get(win)
        node = page.node_of.get(par) if par is not None else None
        if node is None or node.tag in ("body", "html") or par not in acc:
            break
        extra = acc[par][1] - acc[win][1]
        extra_links = acc[par][2] - acc[win][2]
        if extra > 0.25 * acc[win][1] and extra_links < 0.5 * extra:
            win = par
        else:
            break
    return win


def _key(s: str) -> str:
    return re.sub(r"\W+", "", s.lower().replace("ё", "е"))


def clean_doc_title(title: str, site_name: str = "") -> str:
    """Strip site-name parts from a ``<title>``/``og:title`` («Новость | Управа района Арбат»)."""
    title = normalize_space(title)
    parts = [p for p in _SPLIT_TITLE_RE.split(title) if p.strip()]
    if len(parts) <= 1:
        return title
    site = _key(site_name) if site_name else ""
    keep = [
        p for p in parts
        if not re.search(r"управ|префектур|mos\.ru|официальн|сайт|новости$|пресс-центр", p, re.I)
        and (not site or _key(p) != site)
    ]
    return max(keep or parts, key=len)


_SITE_NAME_RE = re.compile(r"^(?:управа|префектура|администрация|официальный сайт|сайт)\b|mos\.ru", re.I)


def looks_like_site_name(text: str) -> bool:
    """«Управа района Арбат», «Префектура ЦАО», «Официальный сайт …» (short texts only)."""
    return len(text) < 80 and _SITE_NAME_RE.search(text) is not None


def generic_title(page: Page, doc_title: str, site_name: str = "", first_body: int | None = None) -> tuple[str, int | None]:
    """Headline and the index of its segment (or ``None``).

    Candidates are heading segments (``h1`` preferred, then ``h2``/``h3``) scored by agreement
    with the article part of ``<title>``; site names («Управа района …») and link-only
    headings are penalised.  Without a good heading: a segment equal to the article part of
    ``<title>``, then the last heading just before the body (``first_body`` = index of the
    first body segment), then the cleaned ``<title>`` itself.
    """
    segs = page.walk()
    part = clean_doc_title(doc_title, site_name)
    pk = _key(part)
    doc_key = _key(doc_title)
    best, best_score = None, 0.0
    for i, s in enumerate(segs):
        if s.tag not in ("h1", "h2", "h3") or not 5 <= len(s.text) <= 400:
            continue
        k = _key(s.text)
        sc = {"h1": 1.5, "h2": 0.5, "h3": 0.25}[s.tag]
        if pk and k == pk:
            sc += 3
        elif doc_key and k and k in doc_key:
            sc += 1
        if looks_like_site_name(s.text):
            sc -= 2
        if s.links > 0.5 * len(s.text):
            sc -= 1
        if first_body is not None and i > first_body:
            sc -= 0.5
        if sc > best_score:
            best, best_score = (s.text, i), sc
    if best is not None and best_score >= 1.5:
        return best
    if len(pk) >= 8 and not looks_like_site_name(part):
        plen = len(part)
        for i, s in enumerate(segs):
            if abs(len(s.text) - plen) <= 6 and s.links < 0.5 * len(s.text) and _key(s.text) == pk:
                return s.text, i
    if first_body is not None:
        for i in range(first_body - 1, max(-1, first_body - 6), -1):
            s = segs[i]
            if (s.tag in HEADINGS or len(s.text) < 200) and 15 <= len(s.text) and not s.links \
                    and not looks_like_date(s.text) and not looks_like_site_name(s.text):
                return s.text, i
    if best is not None and best_score > 0:
        return best
    return part, None


def generic_date(page: Page, title_idx: int | None, body_ids: set[int] | None):
    """Publication date: a short date line near the headline, then a non-chrome ``*date*``/``*time*``
    element, then a date line at the start or end of the body. ``None`` if nothing parses."""
    segs = page.walk()
    if title_idx is not None:
        lo, hi = max(0, title_idx - 3), min(len(segs), title_idx + 6)
        order = list(range(title_idx + 1, hi)) + list(range(title_idx - 1, lo - 1, -1))
        for i in order:
            t = segs[i].text
            if len(t) < 100 and looks_like_date(t):
                dt = parse_ru_datetime(t)
                if dt:
                    return dt
    sel = selector_for(page.html, _DATE_ATTR_RE)
    for node in safe_css(page.tree, "time, " + sel if sel else "time"):
        t = node.text(deep=True)
        if len(t) < 120 and looks_like_date(t):
            dt = parse_ru_datetime(t)
            if dt:
                return dt
    if body_ids:
        inside = [s for s in segs if s.block in body_ids]
        for s in inside[:2] + inside[-3:]:
            if len(s.text) < 100 and looks_like_date(s.text):
                dt = parse_ru_datetime(s.text)
                if dt:
                    return dt
    return None


_DATE_ATTR_RE = attr_value_re(("date", "time", "data", "when", "publish"))
_LEAD_ATTR_RE = attr_value_re(("lead", "anons", "announce", "intro", "summary", "subtitle", "preview-text", "preview_text"))


def generic_lead(page: Page) -> str:
    """Text of a non-chrome ``*lead*``/``*anons*``/``*intro*`` element (30–1000 chars), else ``""``."""
    sel = selector_for(page.html, _LEAD_ATTR_RE)
    for node in safe_css(page.tree, sel):
        t = normalize_space(node.text(deep=True))
        if 30 <= len(t) <= 1000:
            return t
    return ""
