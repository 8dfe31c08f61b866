"""Page metadata layer: Open Graph / ``article:*`` meta, JSON-LD, ``<time datetime>``, microdata.

Sources: the Open Graph protocol (ogp.me, ``article:published_time``), schema.org
``NewsArticle``/``Article``/``BlogPosting`` in JSON-LD (also inside ``@graph`` and lists),
and schema.org microdata ``itemprop`` (``headline``, ``datePublished``, ``articleBody``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.parse.dom import css
from crawler.parse.ru import normalize_space, parse_ru_datetime

_ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "webpage"}


@dataclass
class Metadata:
    """What the metadata layer found; every field may be empty."""

    title: str = ""
    published_at: datetime | None = None
    lead: str = ""
    body_text: str = ""  # JSON-LD articleBody (plain text)
    body_node: LexborNode | None = None  # itemprop=articleBody element
    images: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    site_name: str = ""
    doc_title: str = ""  # <title>
    canonical: str = ""
    #: ``[itemprop=datePublished]`` / ``<time datetime>`` elements, for the caller to vet (chrome or not).
    time_nodes: list[LexborNode] = field(default_factory=list)


def _walk_ld(obj, out: list[dict]) -> None:
    if isinstance(obj, list):
        for x in obj:
            _walk_ld(x, out)
    elif isinstance(obj, dict):
        if "@graph" in obj:
            _walk_ld(obj["@graph"], out)
        t = obj.get("@type")
        types = t if isinstance(t, list) else [t]
        if any(isinstance(x, str) and x.lower() in _ARTICLE_TYPES for x in types):
            out.append(obj)


def _ld_text(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list) and v:
        return _ld_text(v[0])
    if isinstance(v, dict):
        return _ld_text(v.get("name") or v.get("@value") or "")
    return ""


def _ld_images(v) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, list):
        return [u for x in v for u in _ld_images(x)]
    if isinstance(v, dict):
        u = v.get("url") or v.get("contentUrl")
        return [u] if isinstance(u, str) else []
    return []


def _ld_list(v) -> list[str]:
    if isinstance(v, str):
        return [x.strip() for x in re.split(r"[,;]", v) if x.strip()]
    if isinstance(v, list):
        return [s for x in v for s in _ld_list(x)]
    return []


_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")


def _jsonld(scripts: list[LexborNode]) -> list[dict]:
    found: list[dict] = []
    for s in scripts:
        raw = s.text(deep=True).strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except RecursionError:  # «[[[[…» nested past the interpreter's limit: not metadata
            continue
        except ValueError:
            try:  # tolerate trailing commas / control characters, common in CMS templates
                data = json.loads(_TRAILING_COMMA_RE.sub(r"\1", raw), strict=False)
            except (ValueError, RecursionError):
                continue
        try:
            _walk_ld(data, found)
        except RecursionError:
            continue
    found.sort(key=lambda d: str(d.get("@type")).lower() == "webpage")  # WebPage last
    return found


def time_node_date(node: LexborNode) -> datetime | None:
    """Date of a ``<time>``/``itemprop=datePublished`` element (``datetime``/``content`` attribute, else text)."""
    a = node.attributes
    return parse_ru_datetime(a.get("datetime") or a.get("content") or node.text())


_ITEMPROP_QUERY = '[itemprop="headline"], [itemprop="name headline"], [itemprop="datePublished"], [itemprop="articleBody"]'


def read_metadata(tree: LexborHTMLParser, html: str | None = None) -> Metadata:
    """Collect metadata from the whole document (head and body). Never raises.

    Uses tag lookups (``meta``, ``title``, ``link``, ``script``, ``time``), much cheaper than
    attribute selectors; the microdata query only runs when ``itemprop`` occurs in ``html``
    (or when ``html`` is not given).
    """
    md = Metadata()
    meta: dict[str, str] = {}
    tags: list[str] = []
    ld_nodes: list[LexborNode] = []
    headline = body_node = title_node = None
    time_nodes: list[LexborNode] = []
    nodes = [n for t in ("meta", "title", "link", "script", "time") for n in tree.tags(t)]
    if html is None or "itemprop" in html:
        nodes += [n for n in css(tree, _ITEMPROP_QUERY) if n.tag != "meta"]
    for node in nodes:
        tag = node.tag
        a = node.attributes
        if tag == "meta":
            if "content" not in a:
                continue
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").strip().lower()
            val = a.get("content") or ""
            if key and val.strip():
                if key == "article:tag":
                    tags.append(normalize_space(val))
                meta.setdefault(key, val)
            if key == "datepublished":
                continue
        elif tag == "title":
            if title_node is None:
                title_node = node
            continue
        elif tag == "link":
            if not md.canonical and "canonical" in (a.get("rel") or "").lower():
                md.canonical = a.get("href") or ""
            continue
        elif tag == "script":
            if (a.get("type") or "").strip().lower() == "application/ld+json":
                ld_nodes.append(node)
            continue
        elif tag == "time" and not ("datetime" in a or "pubdate" in a):
            continue
        prop = a.get("itemprop") or ""
        if prop in ("headline", "name headline"):
            if headline is None:
                headline = node
        elif prop == "articleBody":
            if body_node is None:
                body_node = node
        elif prop == "datePublished" or tag == "time":
            time_nodes.append(node)
    md.doc_title = normalize_space(title_node.text()) if title_node is not None else ""
    md.site_name = normalize_space(meta.get("og:site_name", ""))
    md.time_nodes = time_nodes
    md.body_node = body_node

    lds = _jsonld(ld_nodes) if ld_nodes else []
    ld = lds[0] if lds else {}
    md.title = normalize_space(
        _ld_text(ld.get("headline")) or meta.get("og:title") or meta.get("twitter:title") or _ld_text(ld.get("name")) or ""
    )
    for raw in (
        _ld_text(ld.get("datePublished")), meta.get("article:published_time"), meta.get("og:published_time"),
        meta.get("datepublished"), meta.get("pubdate"), meta.get("date"), meta.get("dc.date"),
        _ld_text(ld.get("dateCreated")),
    ):
        if raw:
            dt = parse_ru_datetime(raw)
            if dt:
                md.published_at = dt
                break
    md.lead = normalize_space(
        meta.get("og:description") or _ld_text(ld.get("description")) or meta.get("twitter:description") or ""
    )
    body = _ld_text(ld.get("articleBody"))
    md.body_text = body.strip() if body else ""
    imgs = []
    if meta.get("og:image"):
        imgs.append(meta["og:image"].strip())
    imgs += _ld_images(ld.get("image"))
    md.images = imgs
    sect = _ld_list(ld.get("articleSection")) + ([meta["article:section"]] if meta.get("article:section") else [])
    md.tags = [normalize_space(x) for x in sect + tags + _ld_list(ld.get("keywords")) if normalize_space(x)]

    if not md.title and headline is not None:
        md.title = normalize_space(headline.attributes.get("content") or headline.text())
    return md
