"""List pages → :class:`~crawler.types.ListPage`: items in page order and the next older page.

Layers: configured profile → built-in ``bitrix`` (``ul.newslist > li``) → generic.  The
generic layer collects non-chrome links to article-like URLs (see
:func:`crawler.parse.urls.is_detail_like`), lifts each to its item element (the highest
ancestor, ≤ 5 levels up, that links to no other article), groups items by their parent and
keeps the largest group — the news list, not a sidebar of «popular» links.  When no link
looks like an article URL it falls back to links of ≥ 15 characters whose item shows a date.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from crawler.config import SelectorProfile
from crawler.parse.dom import Page, css, css_first, gc_paused, load_page
from crawler.parse.limits import check_page
from crawler.parse.pager import find_next
from crawler.parse.profiles import BUILTIN_PROFILES, layer_profiles
from crawler.parse.ru import looks_like_date, normalize_space, parse_ru_datetime
from crawler.parse.urls import absolute_url, canonical_url, check_url, host_key, is_detail_like
from crawler.types import ListItem, ListPage


def _lead(item_text: str, *remove: str) -> str | None:
    t = item_text
    for r in remove:
        if r:
            t = t.replace(r, " ")
    t = normalize_space(t).strip(" |—–-,")
    return t if len(t) >= 30 else None


def _date_in(text: str):
    return parse_ru_datetime(text) if looks_like_date(text) else None


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _profile_items(page: Page, prof: SelectorProfile, base: str, rejected: list[tuple[str, str]]) -> list[ListItem]:
    try:
        nodes = css(page.tree, prof.list_item or "")
    except Exception:
        return []
    items: list[ListItem] = []
    seen: set[str] = set()
    for node in nodes:
        try:  # one bad item costs that item only
            item = _profile_item(node, prof, base, seen, rejected)
        except Exception as exc:
            rejected.append((_item_href(node), _reason(exc)))
            continue
        if item is not None:
            items.append(item)
    return items


def _item_href(node: LexborNode) -> str:
    try:
        a = css_first(node, "a[href]")
        return (a.attributes.get("href") or "")[:300] if a is not None else ""
    except Exception:
        return ""


def _profile_item(node: LexborNode, prof: SelectorProfile, base: str, seen: set[str],
                  rejected: list[tuple[str, str]]) -> ListItem | None:
    link = None
    if prof.list_link:
        try:
            link = css_first(node, prof.list_link)
        except Exception:
            link = None
    if link is None:
        cands = [a for a in css(node, "a[href]") if "rubr" not in (a.attributes.get("class") or "")]
        link = next((a for a in cands if is_detail_like(absolute_url(a.attributes.get("href") or "", base) or "")),
                    cands[0] if cands else None)
    if link is None:
        return None
    href = link.attributes.get("href") or ""
    url, bad = check_url(href, base)
    if bad:
        rejected.append((href[:300], bad))
    if not url or url in seen:
        return None
    seen.add(url)
    title = normalize_space(link.text(deep=True)) or None
    date_text = ""
    if prof.list_date:
        try:
            d = css_first(node, prof.list_date)
        except Exception:
            d = None
        if d is not None:
            date_text = normalize_space(d.attributes.get("datetime") or d.text(deep=True))
    item_text = normalize_space(node.text(deep=True, separator=" "))
    published = parse_ru_datetime(date_text) if date_text else _date_in(item_text)
    rubr = css_first(node, "a.rubr")
    lead_src = item_text
    if prof.list_lead:
        try:
            ln = css_first(node, prof.list_lead)
        except Exception:
            ln = None
        if ln is not None:
            lead_src = normalize_space(ln.text(deep=True, separator=" "))
    lead = _lead(lead_src, title or "", date_text, normalize_space(rubr.text()) if rubr else "")
    return ListItem(url=url, title=title, published_at=published, lead=lead)


def _generic_items(page: Page, base: str, rejected: list[tuple[str, str]]) -> list[ListItem]:
    body = page.tree.body
    if body is None:
        return []
    page.strip_chrome()
    page.commit_strip()
    host = host_key(base)
    links: list[tuple[LexborNode, str]] = []
    others: list[tuple[LexborNode, str]] = []
    for a in page.tree.tags("a"):
        href = a.attributes.get("href")
        if not href:
            continue
        url, bad = check_url(href, base)
        if bad:
            rejected.append((href[:300], bad))
        if not url or url == base or host_key(url) != host:
            continue
        page.register(a)
        (links if is_detail_like(url) else others).append((a, url))
    need_date = not links
    if need_date:  # no article-like URL at all: links with a title-like text whose item shows a date
        links = [(a, u) for a, u in others if len(normalize_space(a.text(deep=True))) >= 15]
    urls_under: dict[int, set[str]] = {}
    for a, url in links:
        for k, anc in enumerate(page.ancestors(a.mem_id)):
            if k > 6:
                break
            urls_under.setdefault(anc, set()).add(url)
    groups: dict[int | None, list[tuple[int, LexborNode, str]]] = {}
    for a, url in links:
        item = a.mem_id
        for k, anc in enumerate(page.ancestors(a.mem_id)):
            if k > 5 or len(urls_under.get(anc, ())) > 1:
                break
            item = anc
        groups.setdefault(page.parent_of.get(item), []).append((item, a, url))
    best: list[ListItem] = []
    best_key = (0, 0)
    for members in groups.values():
        if len(members) < len(best):
            continue
        entries: list[list] = []  # [url, title, published, item_text]
        by_url: dict[str, int] = {}
        side: list[str | None] = [None]  # where undated items keep their date: "prev" or "next" sibling
        for item_id, a, url in members:
            try:  # one bad item costs that item only
                _generic_entry(page, item_id, a, url, entries, by_url, need_date, side)
            except Exception as exc:
                rejected.append((url, _reason(exc)))
        items = []
        for url, title, published, text in entries:
            m = _DATE_SPAN_RE.search(text) if published else None
            lead = _lead(text, title or "", m.group(0) if m else "") if title else None
            items.append(ListItem(url=url, title=title or None, published_at=published, lead=lead))
        key = (len(items), sum(1 for i in items if i.published_at))
        if key > best_key:
            best, best_key = items, key
    return best


# ``\S{1,12}`` (a month number or name), not ``\S+``: an unbounded run followed by ``[.\s]`` is
# quadratic on a long token.
_DATE_SPAN_RE = re.compile(r"\d{1,2}[.\s]\S{1,12}?[.\s]\d{2,4}(?:[\s,г.в]{0,8}\d{1,2}:\d{2})?")


def _generic_entry(page: Page, item_id: int, a: LexborNode, url: str, entries: list[list], by_url: dict[str, int],
                   need_date: bool, side: list[str | None]) -> None:
    """Add (or merge) the entry of one generic list item; ``side`` is shared across the group."""
    title = _link_title(a)
    if url in by_url:  # picture link + title link to the same article
        e = entries[by_url[url]]
        if title and len(title) > len(e[1] or ""):
            e[1] = title
        return
    node = page.node_of.get(item_id) or a
    text = normalize_space(node.text(deep=True, separator=" "))
    published = _date_in(text)
    if published is None:
        # Flat lists: «date<br><a>title</a><br><br>…» or «<a>title</a> (date)<br>…».  The side
        # is decided on the first undated item and kept, so that a date is never borrowed from
        # the neighbouring item.
        if side[0] is None:
            published = _date_beside(node, "prev")
            side[0] = "prev" if published else "next"
            if published is None:
                published = _date_beside(node, "next")
        else:
            published = _date_beside(node, side[0])
    if need_date and published is None:
        return
    by_url[url] = len(entries)
    entries.append([url, title, published, text])


def _link_title(a: LexborNode) -> str:
    """Link text; for a card link wrapping headline, lead and date, just its headline element."""
    title = normalize_space(a.text(deep=True))
    if len(title) > 80:  # maybe a card: <a><h3>headline</h3><p>lead</p><span>date</span></a>
        h = css_first(a, "h1, h2, h3, h4, h5, h6")
        if h is not None and normalize_space(h.text(deep=True)):
            return normalize_space(h.text(deep=True))
        title = normalize_space(a.text(deep=True, separator=" "))
        if len(title) > 120:
            h = css_first(a, '[class*="title" i], [class*="name" i], strong, b')
            if h is not None:
                title = normalize_space(h.text(deep=True)) or title
    return title


def _date_beside(node: LexborNode, side: str):
    """Date in the text just before/after the item (``<dt>date</dt><dd>…</dd>``, a date cell,
    or loose text next to the link in a flat list), skipping ``<br>``/``<hr>``; stops at another
    link.  ``None`` if there is none within three siblings."""
    sib = getattr(node, side)
    for _ in range(6):
        if sib is None:
            return None
        tag = sib.tag
        if tag == "-comment" or tag in ("br", "hr", "wbr"):
            sib = getattr(sib, side)
            continue
        if tag == "-text":
            text = normalize_space(sib.text_content or "")
            if not text or text in ("|", "•", "-", "—", "(", ")"):
                sib = getattr(sib, side)
                continue
        elif tag == "a" or css_first(sib, "a") is not None:
            return None
        else:
            text = normalize_space(sib.text(deep=True))
        return _date_in(text) if len(text) < 60 else None
    return None


def parse_list(html: str, base_url: str, profile: SelectorProfile | None = None, *,
               profile_name: str | None = None) -> ListPage:
    """Parse a press-centre list page.

    Args:
        html: decoded page text.
        base_url: the list page's URL (resolves relative links; its page number bounds ``next_url``).
        profile: per-source selectors (``list_item``, ``list_link``, ``list_date``, ``list_lead``,
            ``pager``) tried before the built-in ``bitrix`` profile and the generic layer.
        profile_name: label for ``layer`` (``profile:<name>``; default ``profile:custom``).

    Returns:
        ListPage with items in page order (absolute canonical URLs, deduplicated), the next
        older page found in the pager (or ``None``), and ``layer`` = ``profile:<name>`` or
        ``generic`` (``""`` when nothing was found; an empty list is a value, not an error), and
        ``rejected``: ``(href, reason)`` of items given up (a link that is no URL, an item whose
        extraction raised); one bad item never costs the others.

    Raises:
        HostilePageError: the page is over a hard limit (bytes, tags, nesting depth: see
            :mod:`crawler.parse.limits`); nothing else is raised on any markup.
    """
    with gc_paused():
        return _parse_list(html, base_url, profile, profile_name)


def _parse_list(html: str, base_url: str, profile: SelectorProfile | None, profile_name: str | None) -> ListPage:
    base = canonical_url(base_url)
    check_page(html)
    page = load_page(html, for_list=True)
    items: list[ListItem] = []
    rejected: list[tuple[str, str]] = []
    layer = ""
    pager_sel = profile.pager if profile is not None else None
    try:
        next_url = find_next(page.tree, base, pager_sel or BUILTIN_PROFILES["bitrix"].pager)  # before chrome removal
    except Exception as exc:  # a broken pager costs the next page, not this one
        next_url = None
        rejected.append(("(pager)", _reason(exc)))
    for name, prof in layer_profiles(profile, profile_name, html):
        if prof.list_item:
            items = _profile_items(page, prof, base, rejected)
            if items:
                layer = name
                break
    if not items:
        try:
            items = _generic_items(page, base, rejected)
        except Exception as exc:
            items = []
            rejected.append(("(generic layer)", _reason(exc)))
        layer = "generic" if items else ""
    return ListPage(items=tuple(items), next_url=next_url, layer=layer, rejected=tuple(dict.fromkeys(rejected)))
