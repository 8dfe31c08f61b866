"""URL helpers: canonical form, image URLs, and "does this look like an article URL?".

Tracking parameters dropped by :func:`canonical_url` follow the lists used by browsers'
"strip tracking" features (``utm_*``, Yandex ``yclid``/``_openstat``/``from``-less ones,
Google ``gclid``/``dclid``/``gbraid``/``wbraid``, Facebook ``fbclid``, Mailchimp ``mc_*``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_TRACKING = frozenset({
    "yclid", "ysclid", "gclid", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "igshid",
    "mc_cid", "mc_eid", "_openstat", "_ga", "_gl", "ref_src", "spm", "twclid", "ttclid", "vkclid",
})
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = "/%:@!$'()*+,;=-._~?&"


def _clean_query(query: str) -> str:
    if not query:
        return ""
    kept = []
    for part in query.split("&"):
        if not part:
            continue
        key = part.split("=", 1)[0].lower()
        if key.startswith("utm_") or key in _TRACKING:
            continue
        kept.append(part)
    return "&".join(kept)


@lru_cache(maxsize=8192)
def canonical_url(href: str, base: str | None = None) -> str:
    """Return the absolute canonical form of ``href`` (resolved against ``base`` if given).

    Lower-cases scheme and host, drops the default port, the fragment, ``utm_*`` and other
    tracking parameters (see module doc), keeps other query parameters in their order,
    percent-encodes non-ASCII path characters (Cyrillic file names) without double-encoding
    existing ``%XX`` escapes, and turns an empty path into ``/``.  Never raises on odd input:
    an unparsable ``href`` is returned stripped.  Results are memoised (LRU, 8192 entries).
    """
    href = (href or "").strip().replace("\\", "/")
    try:
        url = urljoin(base, href) if base and not href.startswith(("http://", "https://")) else href
        parts = urlsplit(url)
    except ValueError:
        return href
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port is not None and not ((scheme, parts.port) in (("http", 80), ("https", 443))) else None
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        pass
    netloc = host + (f":{port}" if port else "")
    path = parts.path or "/"
    if not path.isascii() or " " in path or '"' in path:
        path = quote(path, safe=_SAFE_PATH)
    query = _clean_query(parts.query)
    if query and (not query.isascii() or " " in query):
        query = quote(query, safe=_SAFE_QUERY + "=")
    return urlunsplit((scheme, netloc, path, query, ""))


def absolute_url(href: str, base: str) -> str | None:
    """Absolute http(s) URL for an ``href``/``src``; ``None`` for ``data:``, ``javascript:``, ``mailto:`` etc."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "data:", "mailto:", "tel:")):
        return None
    url = canonical_url(href, base)
    return url if url.startswith(("http://", "https://")) else None


@lru_cache(maxsize=8192)
def host_key(url: str) -> str:
    """Host without ``www.``, lower-case (used for "same site" tests)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


# Detail pages: Bitrix ``/detail/<id>.html``, ``/news/<slug-or-id>``, ``/<id>.html`` etc.
_DETAIL_RE = re.compile(
    r"/detail/|/(?:news|novosti|article|articles|press|presscenter|events|item|publications?)/"
    r"(?:[^/?#]+/)*(?:\d{3,}[^/]*|[^/?#]*\d[^/?#]*\.s?html?|[a-z0-9]+(?:[-_][a-z0-9]+){3,})/?$"
    r"|/\d{4,}\.s?html?$|[?&](?:ELEMENT_ID|id|news_id|nid)=\d+",
    re.I,
)
_NOT_ARTICLE_RE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|zip|rar|jpe?g|png|gif|webp|mp4)$|/(?:search|login|auth|rss|print)/"
    r"|[?&](?:PAGEN_\d+|page|print)=|/page/\d+/?$",
    re.I,
)


@lru_cache(maxsize=8192)
def is_detail_like(url: str) -> bool:
    """True when the URL path looks like one article (``/presscenter/news/detail/8934877.html``,
    ``/news/2024/05/some-long-slug/``, ``?ELEMENT_ID=123``) and not like a file, pager or search page."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    tail = parts.path + ("?" + parts.query if parts.query else "")
    if _NOT_ARTICLE_RE.search(tail):
        return False
    return _DETAIL_RE.search(tail) is not None
