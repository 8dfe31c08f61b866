"""Parsing of the Mayor's originals on www.mos.ru: the RSS/Atom feed and the JSON news API.

Pure functions (no I/O); ``crawler/originals.py`` fetches and calls them. Everything known of
the portal is unverified (docs/originals.md), so every reader is tolerant and *says* what it
had to tolerate: each result carries ``flags`` (short codes that end up in
``sources.health_flags``) and raises :class:`~crawler.errors.ParseError` with a clear message
when the body is not what it should be at all.

Flags: ``feed_bozo`` (the feed is malformed but items were read), ``naive_date`` (a date
without a UTC offset, read as Moscow time), ``api_fields_renamed`` (an API item used another
name for a field, e.g. ``full_text`` for ``text``), ``api_shape`` (a response of another JSON
shape), ``api_block_page`` (HTML where JSON was expected, e.g. a block page).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from crawler.errors import ParseError
from crawler.parse.ru import normalize_space
from crawler.parse.urls import canonical_url

log = logging.getLogger("mosnews.originals")
MOSCOW = ZoneInfo("Europe/Moscow")

#: Accepted names of each API item field, the documented name first (a renamed field is read
#: under any of them and flagged ``api_fields_renamed``).
API_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "news_id", "item_id"),
    "title": ("title", "name", "header", "headline"),
    "preview": ("preview", "lead", "announce", "description", "summary"),
    "text": ("text", "full_text", "body", "content", "html", "detail_text"),
    "date": ("date", "published_at", "published", "pub_date", "datetime", "created_at"),
    "url": ("url", "link", "href", "share_url"),
    "tags": ("tags",),
    "spheres": ("spheres",),
}
#: Keys that may hold the item list of an API page.
API_ITEM_KEYS = ("items", "data", "news", "results")
_ID_IN_URL = re.compile(r"/(\d{4,})/?(?:[?#].*)?$")
_BLOCK = re.compile(r"^\s*<(?:!doctype|html|head|body|\?xml)", re.I)


@dataclass
class OriginalItem:
    """One original as found in the feed or the API (any field may be missing)."""

    #: The portal's item id (``9017050``) when known.
    item_id: str | None
    #: Absolute link of the Mayor's page, when given.
    url: str | None
    title: str = ""
    published_at: datetime | None = None
    lead: str = ""
    #: Body as paragraphs joined by blank lines.
    text: str = ""
    images: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: ``feed`` or ``api``.
    origin: str = "feed"


@dataclass
class FeedResult:
    """A parsed feed: items in feed order, and what had to be tolerated."""

    items: list[OriginalItem]
    flags: set[str] = field(default_factory=set)
    #: ``rss20``, ``atom10``… as feedparser names it.
    version: str = ""


@dataclass
class ApiPage:
    """One page of the API's collection (or one item, ``items`` of length 1)."""

    items: list[OriginalItem]
    next_url: str | None = None
    flags: set[str] = field(default_factory=set)
    #: Field renames seen, ``{"text": "full_text"}``.
    renamed: dict[str, str] = field(default_factory=dict)


def item_id_from_url(url: str | None) -> str | None:
    """The numeric id at the end of a portal URL (``/mayor/themes/10299/9017050/`` → ``9017050``)."""
    if not url:
        return None
    m = _ID_IN_URL.search(url)
    return m.group(1) if m else None


def parse_date(value: Any) -> tuple[datetime | None, bool]:
    """Read a feed/API date: RFC 822, ISO 8601 (``T`` or space), ``dd.mm.yyyy HH:MM`` or epoch seconds.

    Returns:
        ``(aware datetime or None, naive)``; ``naive`` is True when the value had no UTC offset
        and was read as Moscow time.
    """
    if value is None or value == "":
        return None, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), timezone.utc), False
    text = str(value).strip()
    if re.fullmatch(r"\d{9,11}", text):
        return datetime.fromtimestamp(int(text), timezone.utc), False
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        dt = None
    if dt is None:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            dt = None
        if dt is not None and dt.tzinfo is None and re.search(r"[+-]\d{4}\s*$|\b(GMT|UTC|UT)\s*$", text):
            dt = dt.replace(tzinfo=timezone.utc)  # "-0000" / "GMT": UTC said explicitly
    if dt is None:
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2}))?", text)
        if m:
            d, mo, y, h, mi = m.groups()
            dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0))
    if dt is None:
        return None, False
    if dt.tzinfo is None:
        return dt.replace(tzinfo=MOSCOW), True
    return dt, False


def html_paragraphs(html: str) -> list[str]:
    """Clean paragraphs of an HTML fragment (``<p>``, ``<br>``-separated or plain text)."""
    if not html or not html.strip():
        return []
    if "<" not in html:
        return [p for p in (normalize_space(x) for x in re.split(r"\n\s*\n|\r\n\s*\r\n", html)) if p]
    if re.search(r"(?i)<br\s*/?>\s*<br\s*/?>", html):
        html = "<p>" + re.sub(r"(?i)<br\s*/?>\s*<br\s*/?>", "</p><p>", html) + "</p>"
    tree = LexborHTMLParser(f"<html><body>{html}</body></html>")
    for bad in tree.css("script, style, iframe, noscript, figure figcaption"):
        bad.decompose()
    body = tree.body
    if body is None:
        return []
    blocks = body.css("p, h2, h3, h4, li, blockquote")
    if blocks:
        paras = [normalize_space(b.text(separator=" ")) for b in blocks if len(b.css("p")) == (1 if b.tag == "p" else 0)]
    else:
        paras = [normalize_space(x) for x in body.text(separator="\n").split("\n")]
    return [p for p in paras if p]


def html_images(html: str, base: str) -> list[str]:
    """Absolute ``src`` of the ``<img>`` tags of an HTML fragment."""
    if not html or "<img" not in html:
        return []
    tree = LexborHTMLParser(html)
    out = []
    for img in tree.css("img"):
        src = img.attributes.get("src")
        if src:
            out.append(urljoin(base, src))
    return out


def looks_like_html(content: bytes, content_type: str | None) -> bool:
    """True for an HTML body (a block page or the portal's browser shell) where data was expected."""
    if content_type and "html" in content_type.lower():
        return True
    return bool(_BLOCK.match(content[:200].decode("utf-8", "replace"))) and b"<rss" not in content[:500] and b"<feed" not in content[:500]


def parse_feed(content: bytes, base_url: str) -> FeedResult:
    """Parse an RSS 2.0 / Atom feed with ``feedparser``.

    Raises:
        ParseError: the body is not a feed (HTML, JSON, garbage, or XML without items).
    """
    import feedparser

    if not content.strip():
        raise ParseError(f"feed {base_url} is empty")
    d = feedparser.parse(content)
    flags: set[str] = set()
    if not d.entries:
        what = "HTML" if looks_like_html(content, None) else "not XML" if d.bozo else "XML without items"
        if d.version and not d.bozo:
            return FeedResult([], flags, d.version)  # a valid feed that is simply empty
        raise ParseError(f"feed {base_url} is not an RSS/Atom feed ({what}: {str(d.get('bozo_exception', ''))[:120]})")
    if d.bozo:
        flags.add("feed_bozo")
        log.warning("feed %s is malformed (%s); %d items read anyway", base_url, str(d.get("bozo_exception", ""))[:120], len(d.entries))
    items: list[OriginalItem] = []
    for e in d.entries:
        link = e.get("link") or ""
        url = canonical_url(link, base_url) if link else None
        raw_date = e.get("published") or e.get("updated") or e.get("pubdate")
        when, naive = parse_date(raw_date)
        if when is None and e.get("published_parsed"):
            when = datetime(*e.published_parsed[:6], tzinfo=timezone.utc)
        if naive:
            flags.add("naive_date")
            log.warning("feed item %s: date %r has no UTC offset; read as Moscow time", url, raw_date)
        body_html = ""
        if e.get("content"):
            body_html = max((c.get("value", "") for c in e.content), key=len)
        summary = e.get("summary", "") or ""
        paras = html_paragraphs(body_html) if body_html else []
        lead_paras = html_paragraphs(summary)
        if not paras:
            paras = lead_paras
        images = [enc.get("href") or enc.get("url") for enc in e.get("enclosures", []) if str(enc.get("type", "")).startswith("image")]
        images += [m.get("url") for m in e.get("media_content", []) if m.get("url")]
        images += html_images(body_html or summary, base_url)
        tags = tuple(t.get("term", "") for t in e.get("tags", []) if t.get("term"))
        items.append(
            OriginalItem(
                item_id=item_id_from_url(link) or item_id_from_url(e.get("id")),
                url=url,
                title=normalize_space(e.get("title", "") or ""),
                published_at=when,
                lead=lead_paras[0] if lead_paras else (paras[0] if paras else ""),
                text="\n\n".join(paras),
                images=tuple(dict.fromkeys(urljoin(base_url, i) for i in images if i)),
                tags=tags,
                origin="feed",
            )
        )
    return FeedResult(items, flags, d.version or "")


def _pick(obj: dict[str, Any], key: str, renamed: dict[str, str]) -> Any:
    for name in API_FIELDS[key]:
        if name in obj and obj[name] not in (None, ""):
            if name != API_FIELDS[key][0]:
                renamed[key] = name
            return obj[name]
    return None


def _names(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list):
        return ()
    out = []
    for t in v:
        if isinstance(t, str):
            out.append(t)
        elif isinstance(t, dict):
            name = t.get("title") or t.get("name")
            if isinstance(name, str):
                out.append(name)
    return tuple(out)


def api_item(obj: dict[str, Any], base_url: str, renamed: dict[str, str], flags: set[str]) -> OriginalItem:
    """One API item (``press/news/<id>`` or an element of ``items``) as an :class:`OriginalItem`."""
    iid = _pick(obj, "id", renamed)
    raw_date = _pick(obj, "date", renamed)
    when, naive = parse_date(raw_date)
    if naive:
        flags.add("naive_date")
    text_html = _pick(obj, "text", renamed)
    preview = _pick(obj, "preview", renamed)
    url = _pick(obj, "url", renamed)
    paras = html_paragraphs(str(text_html)) if isinstance(text_html, str) else []
    lead = html_paragraphs(str(preview)) if isinstance(preview, str) else []
    title = _pick(obj, "title", renamed)
    img = obj.get("image")
    images: list[str] = []
    if isinstance(img, dict):
        images += [v for v in (img.get("src"), img.get("url")) if isinstance(v, str)]
    elif isinstance(img, str):
        images.append(img)
    images += html_images(str(text_html or ""), base_url)
    tags = _names(obj.get("tags")) + _names(obj.get("spheres"))
    return OriginalItem(
        item_id=str(iid) if iid is not None else None,
        url=canonical_url(url, base_url) if isinstance(url, str) and url.strip() else None,
        title=normalize_space(str(title or "")),
        published_at=when,
        lead=lead[0] if lead else (paras[0] if paras else ""),
        text="\n\n".join(paras),
        images=tuple(dict.fromkeys(urljoin(base_url, i) for i in images)),
        tags=tuple(dict.fromkeys(tags)),
        origin="api",
    )


def _json_body(content: bytes, content_type: str | None, url: str) -> Any:
    if looks_like_html(content, content_type):
        raise ParseError(f"API {url} answered HTML, not JSON (a block page?)", ) from None
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"API {url} answered something that is not JSON: {exc}") from None


class ApiBlockPage(ParseError):
    """The API answered HTML (a block page or a captcha) instead of JSON."""


class ApiShapeError(ParseError):
    """The API answered JSON of another shape than expected."""


def parse_api_page(content: bytes, content_type: str | None, url: str) -> ApiPage:
    """Parse a collection page (``{"items": [...], "_links": {"next": {"href": …}}}``).

    Raises:
        ApiBlockPage: HTML instead of JSON.
        ApiShapeError: JSON without an item list, or not JSON at all.
    """
    try:
        data = _json_body(content, content_type, url)
    except ParseError as exc:
        raise (ApiBlockPage if "HTML" in str(exc) else ApiShapeError)(str(exc)) from None
    flags: set[str] = set()
    renamed: dict[str, str] = {}
    raw_items = None
    if isinstance(data, dict):
        for key in API_ITEM_KEYS:
            if isinstance(data.get(key), list):
                raw_items = data[key]
                if key != "items":
                    renamed["items"] = key
                break
    elif isinstance(data, list):
        raw_items = data
        renamed["items"] = "(top-level list)"
    if raw_items is None:
        keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
        raise ApiShapeError(f"API {url} answered JSON without an item list (keys: {keys})")
    items = [api_item(o, url, renamed, flags) for o in raw_items if isinstance(o, dict)]
    if len(items) != len(raw_items) or any(i.item_id is None for i in items):
        flags.add("api_shape")
    nxt = None
    if isinstance(data, dict):
        links = data.get("_links")
        href = links.get("next", {}).get("href") if isinstance(links, dict) and isinstance(links.get("next"), dict) else None
        if isinstance(href, str) and href:
            nxt = urljoin(url, href)
    if renamed:
        flags.add("api_fields_renamed")
    return ApiPage(items, nxt, flags, renamed)


def parse_api_item(content: bytes, content_type: str | None, url: str) -> ApiPage:
    """Parse one item (``press/news/<id>``): a bare item object, or one wrapped in ``item``/``data``.

    Raises:
        ApiBlockPage: HTML instead of JSON.
        ApiShapeError: JSON that holds no item.
    """
    try:
        data = _json_body(content, content_type, url)
    except ParseError as exc:
        raise (ApiBlockPage if "HTML" in str(exc) else ApiShapeError)(str(exc)) from None
    renamed: dict[str, str] = {}
    flags: set[str] = set()
    obj = data
    if isinstance(data, dict):
        for key in ("item", "data", "news"):
            if isinstance(data.get(key), dict):
                obj = data[key]
                renamed["item"] = key
                break
    if not isinstance(obj, dict) or _pick(obj, "title", {}) is None and _pick(obj, "text", {}) is None:
        raise ApiShapeError(f"API {url} answered JSON that holds no news item")
    item = api_item(obj, url, renamed, flags)
    if renamed:
        flags.add("api_fields_renamed")
    return ApiPage([item], None, flags, renamed)


__all__ = [
    "API_FIELDS", "ApiBlockPage", "ApiPage", "ApiShapeError", "FeedResult", "OriginalItem", "api_item", "html_paragraphs",
    "item_id_from_url", "looks_like_html", "parse_api_item", "parse_api_page", "parse_date", "parse_feed",
]
