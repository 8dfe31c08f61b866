"""What one extraction layer found on a detail page (profile, metadata, generic).

Performance notes: body segments are selected with ``Page.classify`` (one memoised pass over
the ancestry, not one ancestor tuple per segment); single-value profile fields (headline,
lead) use ``css_first``, which stops at the first match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from selectolax.lexbor import LexborNode

from crawler.config import SelectorProfile
from crawler.parse.dom import Page, Segment, attr_value_re, css, safe_css, safe_css_first, selector_for
from crawler.parse.generic import (
    choose_container, clean_doc_title, generic_date, generic_lead, generic_title, looks_like_site_name,
)
from crawler.parse.metadata import Metadata, time_node_date
from crawler.parse.ru import normalize_space, parse_ru_datetime
from crawler.parse.textclean import clean_paragraphs
from crawler.parse.urls import absolute_url

_JUNK_IMG_RE = re.compile(r"counter|pixel|spacer|blank\.|/icons?/|logo|sprite|\.svg(?:$|\?)|yandex\.ru/watch|mc\.yandex", re.I)


#: A tag inside JSON-LD ``articleBody``.  ``[^<>]`` (not ``[^>]``): an unclosed «<» stops at the
#: next «<», so a run of them is linear, not quadratic.
_TAG_RE = re.compile(r"<[^<>]*>")
_TAG_ATTR_RE = attr_value_re(("tags", "rubr", "rubric", "keywords"))


@dataclass
class LayerResult:
    """Fields one layer found; empty values mean "not found here"."""

    title: str = ""
    published_at: datetime | None = None
    lead: str = ""
    paragraphs: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


#: Characters a profile's body element must yield («Открыт сквер.» is 13).
_MIN_PROFILE_BODY = 10
_safe_css = safe_css
_safe_first = safe_css_first


def _segments_under(page: Page, roots: list[LexborNode], drop_ids: set[int]) -> list[Segment]:
    root_ids = {page.register(r) for r in roots}
    segs = page.walk()
    inside = page.classify([s.block for s in segs], root_ids, drop_ids)
    return [s for s in segs if inside[s.block]]


def images_from(nodes: list[LexborNode], base: str) -> list[str]:
    """Absolute picture URLs from ``img`` elements (``src``, lazy ``data-src``, first ``srcset``
    entry), skipping counters, spacers, logos, icons and images declared smaller than 50 px."""
    out: list[str] = []
    for img in nodes:
        a = img.attributes
        src = a.get("data-src") or a.get("data-original") or a.get("src") or ""
        if not src and a.get("srcset"):
            src = a["srcset"].split(",")[0].split()[0]
        try:
            if int(a.get("width") or 999) < 50 or int(a.get("height") or 999) < 50:
                continue
        except ValueError:
            pass
        url = absolute_url(src, base)
        if url and not _JUNK_IMG_RE.search(url) and url not in out:
            out.append(url)
    return out


def _date_of(nodes: list[LexborNode]) -> datetime | None:
    for n in nodes:
        a = n.attributes
        dt = parse_ru_datetime(a.get("datetime") or a.get("content") or n.text(deep=True))
        if dt:
            return dt
    return None


@dataclass
class ProfileHold:
    """Profile nodes kept across chrome removal: the body roots and ids of ``drop`` elements."""

    bodies: list[LexborNode] = field(default_factory=list)
    drop_ids: set[int] = field(default_factory=set)


def profile_prepare(page: Page, prof: SelectorProfile) -> tuple[LayerResult, ProfileHold]:
    """First half of a profile layer, run before chrome removal: headline, date, lead, tags
    as text, and the body roots to hold.  Selectors that match nothing leave fields empty."""
    tree = page.tree
    r = LayerResult()
    t = _safe_first(tree, prof.title)
    r.title = normalize_space(t.text(deep=True)) if t is not None else ""
    r.published_at = _date_of(_safe_css(tree, prof.date))
    ld = _safe_first(tree, prof.lead)
    r.lead = normalize_space(ld.text(deep=True)) if ld is not None else ""
    r.tags = _uniq(normalize_space(n.text(deep=True)) for n in _safe_css(tree, prof.tags))
    hold = ProfileHold(bodies=_safe_css(tree, prof.body))
    if hold.bodies:
        drops = _safe_css(tree, ", ".join(prof.drop)) if prof.drop else []
        if prof.drop and not drops and len(prof.drop) > 1:  # one bad selector spoils the list: try each
            drops = [d for sel in prof.drop for d in _safe_css(tree, sel)]
        hold.drop_ids = {page.register(d) for d in drops}
    return r, hold


def profile_finish(page: Page, prof: SelectorProfile, r: LayerResult, hold: ProfileHold, base: str) -> LayerResult:
    """Second half, after chrome removal and the walk: body paragraphs and images."""
    if hold.bodies:
        paras = clean_paragraphs(_segments_under(page, hold.bodies, hold.drop_ids), r.title)
        if sum(map(len, paras)) >= _MIN_PROFILE_BODY:  # one short sentence is an article (issue 11)
            r.paragraphs = paras
        imgs = _safe_css(page.tree, prof.images) if prof.images else [i for b in hold.bodies for i in css(b, "img")]
        r.images = images_from(imgs, base)
    return r


def _uniq(items) -> list[str]:
    out: list[str] = []
    for x in items:
        if x and x not in out:
            out.append(x)
    return out


def metadata_layer(page: Page, md: Metadata, base: str) -> LayerResult:
    """Open Graph / JSON-LD / microdata / ``<time>`` values (time elements in chrome are ignored)."""
    r = LayerResult()
    r.title = clean_doc_title(md.title, md.site_name) if md.title else ""
    if looks_like_site_name(r.title) or (md.site_name and r.title == md.site_name):
        r.title = ""  # some templates put the site name in og:title on every page
    r.published_at = md.published_at
    for n in md.time_nodes if r.published_at is None else ():  # chrome ones were dropped by the caller
        r.published_at = time_node_date(n)
        if r.published_at:
            break
    r.lead = "" if looks_like_site_name(md.lead) or md.lead.lower().startswith("официальный сайт") else md.lead
    if md.body_node is not None:
        r.paragraphs = clean_paragraphs(_segments_under(page, [md.body_node], set()), r.title)
        r.images = images_from(css(md.body_node, "img"), base)
    if not r.paragraphs and md.body_text:
        text = _TAG_RE.sub("\n", md.body_text) if "<" in md.body_text else md.body_text
        r.paragraphs = [p for p in (normalize_space(x) for x in text.split("\n")) if p]
    r.images += [u for u in (absolute_url(x, base) for x in md.images) if u and u not in r.images]
    r.tags = _uniq(md.tags)
    return r


ALL_FIELDS = frozenset(("title", "published_at", "lead", "paragraphs", "tags"))


def generic_layer(page: Page, md: Metadata, base: str, need: frozenset[str] | set[str] = ALL_FIELDS) -> LayerResult:
    """Density-based body, ``<h1>``/``<title>`` headline, nearby date, ``*lead*`` element.

    ``need`` names the fields still missing after the earlier layers; the others are skipped
    (the body is always extracted: headline and date heuristics use its position).
    """
    r = LayerResult()
    win = choose_container(page, (md.doc_title, md.title), md.site_name)
    body_ids: set[int] = set()
    segs: list[Segment] = []
    first_body = None
    if win is not None:
        all_segs = page.walk()
        inside = page.classify([s.block for s in all_segs], {win, *page.body_extra})
        for i, s in enumerate(all_segs):
            if inside[s.block]:
                if first_body is None:
                    first_body = i
                segs.append(s)
        body_ids = {s.block for s in segs}
    tidx = None
    if "title" in need or "published_at" in need or "paragraphs" in need:
        r.title, tidx = generic_title(page, md.doc_title, md.site_name, first_body)
    if segs:
        r.paragraphs = clean_paragraphs(segs, r.title)
        node = page.node_of.get(win)
        if node is not None:
            r.images = images_from(css(node, "img"), base)
    if "published_at" in need:
        r.published_at = generic_date(page, tidx, body_ids)
    if "lead" in need:
        r.lead = generic_lead(page)
    if "tags" in need:
        sel = selector_for(page.html, _TAG_ATTR_RE)
        sel = 'a[rel~="tag"]' + "".join(f", {x} a" for x in sel.split(", ") if x)
        r.tags = _uniq(normalize_space(n.text(deep=True)) for n in _safe_css(page.tree, sel))
    return r
