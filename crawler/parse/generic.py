"""Generic layer: main text by text density, plus headline/date/lead heuristics.

Algorithm (after Readability's candidate scoring and Kohlschütter et al.'s shallow
text features, WSDM 2010): chrome is already gone (:mod:`crawler.parse.dom`); every segment
with ≤ 30 % link text and either ≥ 50 characters or (≥ 12, two words) a sentence ending is "content" and adds
its length to its block and the block's ancestors with decay (1, 1, 0.6, 0.36, …); every
link character costs 1.5 points to all its ancestors (not decayed).  The best-scoring element
wins (the deepest among those within 2 % of the best); it is widened to its parent while the
parent adds ≥ 25 % more content and little link text, and plain-text siblings right next to it
(a lead in its own wrapper) are added.  A winner made mostly of link text (a list page) or
with < 12 content characters means "no body".  Thresholds were tuned on the fixtures in
``tests/parse`` (five markup families plus hand-written unseen ones).

Performance note: the scoring loop tests furniture lines with one combined anchored regex
(:data:`crawler.parse.textclean.FURNITURE_RE`) instead of two.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.parse.dom import HEADINGS, Page, attr_value_re, safe_css, selector_for
from crawler.parse.ru import looks_like_date, normalize_space, parse_ru_datetime
from crawler.parse.textclean import FURNITURE_RE

_ENDS = frozenset('.;:!?»"…)')
#: Content characters of the smallest body: a reprint cut to one short sentence («Открыт сквер.»,
#: 13) is still an article.  Shorter segments count only with a sentence ending and two words.
_MIN_BODY = 12
_NONWORD_RE = re.compile(r"\W+")
_SITE_PART_RE = re.compile(
    r"управ|префектур|mos\.ru|официальн|сайт|^\s*(?:новости|пресс-центр|главная|анонсы|объявления|события)"
    r"(?:\s+\S+){0,2}\s*$",
    re.I,
)
_SPLIT_KEEP_RE = re.compile(r"(\s+(?:\||::|—|–|-|/|»|·)\s+)")


def choose_container(page: Page, titles: tuple[str, ...] = (), site_name: str = "") -> int | None:
    """mem_id of the element holding the main text, or ``None`` when nothing text-like is found
    (or when the best candidate is mostly link text: a list page, a sitemap).

    ``titles`` (``<title>``, ``og:title`` …): segments repeating one of them (the headline in a
    ``<div>``) are not content, so that a one-sentence body shorter than its headline still wins.
    """
    segs = page.walk()
    cleaned = [clean_doc_title(t, site_name) for t in titles if t and len(t) < 1000]
    tkeys = {k for k in map(_key, cleaned) if len(k) >= 10}
    tlens = {len(c) for c in cleaned}
    tmin, tmax = (min(tlens) - 12, max(tlens) + 12) if tkeys else (0, 0)
    # block id -> [decayed content mass, content chars, link chars]; the score of an element is
    # its decayed content mass minus 1.5 × all link chars under it (links are not decayed, so a
    # link block inside a candidate never makes the candidate's ancestors look better).
    cur: dict[int, list[float]] = {}
    ends = _ENDS
    furniture = FURNITURE_RE.match
    for s in segs:
        text = s.text
        n = len(text)
        lk = s.links
        if lk <= 0.3 * n and s.tag != "h1" and (n >= 50 or (n >= _MIN_BODY and text[-1] in ends and " " in text)) \
                and not (n < 200 and furniture(text) is not None) \
                and not (tmin <= n <= tmax and _key(text) in tkeys):
            v = n - lk
            e = cur.get(s.block)
            if e is None:
                cur[s.block] = [v, v, 0.0]
            else:
                e[0] += v
                e[1] += v
        elif lk and not (n < 80 and (furniture(text) is not None or _SITE_NAME_RE.search(text) is not None)):
            # (links of a print/share line or of the site's name inside the article are
            # furniture, not a list of links)
            e = cur.get(s.block)
            if e is None:
                cur[s.block] = [0.0, 0.0, lk]
            else:
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
    for a in acc.values():
        a[0] -= 1.5 * a[2]
    best = max(a[0] for a in acc.values())
    if best < _MIN_BODY:
        return None
    cands = [n for n, a in acc.items() if a[0] >= 0.98 * best]
    win = max(cands, key=page.depth)
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
    page.body_extra = _content_siblings(page, win, acc)
    return win


def _content_siblings(page: Page, win: int, acc: dict[int, list[float]]) -> list[int]:
    """Element siblings right before/after the winner that are plain text (≥ 60 content chars,
    ≤ 20 % link text): a lead or a second text block with its own wrapper.  Stops at the first
    sibling that is not (the headline, a date line, a share block …)."""
    node = page.node_of.get(win)
    out: list[int] = []
    if node is None:
        return out
    for step in ("prev", "next"):
        sib = getattr(node, step)
        taken = 0
        while sib is not None and taken < 3:
            if sib.tag in ("-text", "-comment"):
                sib = getattr(sib, step)
                continue
            a = acc.get(sib.mem_id)
            if a is None or a[1] < 60 or a[2] > 0.2 * a[1]:
                break
            out.append(sib.mem_id)
            taken += 1
            sib = getattr(sib, step)
    return out


def _key(s: str) -> str:
    return _NONWORD_RE.sub("", s.lower().replace("ё", "е"))


def clean_doc_title(title: str, site_name: str = "") -> str:
    """Strip site and section names from the ends of a ``<title>``/``og:title``.

    «Управа района Арбат :: Новости :: Кросс нации — 2026: итоги» → «Кросс нации — 2026: итоги».
    Only whole parts at either end are removed (an article title may contain « — » itself);
    a part is a site/section name when it mentions управа/префектура/mos.ru/«сайт», is
    «Новости»/«Пресс-центр»-like, or equals ``og:site_name``.  When every part looks like a
    site name the longest part is returned.  Memoised for titles under 1,000 characters (LRU,
    512 entries): a page asks up to four times.
    """
    if len(title) < 1000 and len(site_name) < 1000:
        return _clean_doc_title_memo(title, site_name)
    return _clean_doc_title(title, site_name)


@lru_cache(maxsize=512)
def _clean_doc_title_memo(title: str, site_name: str) -> str:
    return _clean_doc_title(title, site_name)


def _clean_doc_title(title: str, site_name: str) -> str:
    title = normalize_space(title)
    pieces = _SPLIT_KEEP_RE.split(title)  # text, separator, text, separator, …
    if len(pieces) <= 1:
        return title
    site = _key(site_name) if site_name else ""

    def is_site(p: str) -> bool:
        return bool(_SITE_PART_RE.search(p)) or (bool(site) and _key(p) == site)

    texts = pieces[0::2]
    lo, hi = 0, len(texts)
    while lo < hi and (is_site(texts[lo]) or not texts[lo].strip()):
        lo += 1
    while hi > lo and (is_site(texts[hi - 1]) or not texts[hi - 1].strip()):
        hi -= 1
    if lo >= hi:
        return max(texts, key=len).strip()
    return "".join(pieces[2 * lo: 2 * hi - 1]).strip()


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
