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


#: Longest href/URL accepted (characters, before percent-encoding).  Real article URLs are a few
#: hundred characters; browsers and servers refuse far shorter ones than a hostile page can hold,
#: and the memo caches below must not keep megabytes per entry.
MAX_URL_CHARS = 2048
_BAD_HOST_CHARS = frozenset(" \t\n\r<>\"{}|\\^`%")


class BadURL(ValueError):
    """An href that cannot be an http(s) URL: bad port, bad IPv6 literal, bad host, too long."""


@lru_cache(maxsize=8192)
def _canonical(href: str, base: str | None) -> str:
    """Canonical form of ``href`` (see :func:`canonical_url`).  Raises :class:`BadURL`."""
    if len(href) > MAX_URL_CHARS:
        raise BadURL(f"URL longer than {MAX_URL_CHARS} characters ({len(href)})")
    try:
        url = urljoin(base, href) if base and not href.startswith(("http://", "https://")) else href
        parts = urlsplit(url)
        port = parts.port  # ValueError for «:80a», «:-1», «:99999»
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError as exc:
        raise BadURL(str(exc)) from None
    if len(url) > MAX_URL_CHARS:
        raise BadURL(f"URL longer than {MAX_URL_CHARS} characters ({len(url)})")
    scheme = parts.scheme.lower()
    if host and not _BAD_HOST_CHARS.isdisjoint(host):
        raise BadURL(f"invalid host {host[:80]!r}")
    if port is not None and (scheme, port) in (("http", 80), ("https", 443)):
        port = None
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        pass
    netloc = host + (f":{port}" if port is not None else "")
    path = parts.path or "/"
    if not path.isascii() or " " in path or '"' in path:
        path = quote(path, safe=_SAFE_PATH)
    query = _clean_query(parts.query)
    if query and (not query.isascii() or " " in query):
        query = quote(query, safe=_SAFE_QUERY + "=")
    return urlunsplit((scheme, netloc, path, query, ""))


def canonical_url(href: str, base: str | None = None) -> str:
    """Return the absolute canonical form of ``href`` (resolved against ``base`` if given).

    Lower-cases scheme and host, drops the default port, the fragment, ``utm_*`` and other
    tracking parameters (see module doc), keeps other query parameters in their order,
    percent-encodes non-ASCII path characters (Cyrillic file names) without double-encoding
    existing ``%XX`` escapes, and turns an empty path into ``/``.  Never raises on odd input:
    an unparsable ``href`` (bad port such as ``:80a``, broken IPv6 literal, a host with spaces,
    longer than :data:`MAX_URL_CHARS`) is returned stripped; use :func:`check_url` to learn
    why.  Results are memoised (LRU, 8192 entries of bounded size).
    """
    href = (href or "").strip().replace("\\", "/")
    try:
        return _canonical(href, base)
    except BadURL:
        return href


def check_url(href: str, base: str) -> tuple[str | None, str | None]:
    """``(absolute canonical http(s) URL, None)``, or ``(None, reason)`` for an href that is
    meant as a link but cannot be one (bad port, broken IPv6 literal, bad host, too long), or
    ``(None, None)`` for an href that is simply not a web link (``#…``, ``javascript:``,
    ``mailto:``, ``data:``, ``tel:``, other schemes).  Never raises."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "data:", "mailto:", "tel:")):
        return None, None
    try:
        url = _canonical(href.replace("\\", "/"), base)
    except BadURL as exc:
        return None, f"bad URL: {exc}"
    return (url, None) if url.startswith(("http://", "https://")) else (None, None)


def absolute_url(href: str, base: str) -> str | None:
    """Absolute http(s) URL for an ``href``/``src``; ``None`` for ``data:``, ``javascript:``, ``mailto:``
    etc. and for hrefs that cannot be URLs (see :func:`check_url` for the reason)."""
    return check_url(href, base)[0]


@lru_cache(maxsize=8192)
def host_key(url: str) -> str:
    """Host without ``www.``, lower-case (used for "same site" tests)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


# Detail pages: Bitrix ``/detail/<id>.html``, ``/news/<slug-or-id>``, ``/<id>.html``, ``?ELEMENT_ID=N``.
# Decided per path segment with anchored, linear patterns (the earlier single regex had nested
# quantifiers over the same characters and took minutes on a long percent-encoded href).
_SECTIONS = frozenset(("news", "novosti", "article", "articles", "press", "presscenter", "events", "item",
                       "publication", "publications"))
_ID_QUERY_RE = re.compile(r"(?:^|&)(?:element_id|id|news_id|nid)=\d", re.I)
_DIGITS3_RE = re.compile(r"\d{3}")
_DIGIT_RE = re.compile(r"\d")
_ID_HTML_RE = re.compile(r"\d{4,}\.s?html?", re.I)
_SLUG_RE = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){3,}", re.I)  # separators are not word chars: linear
_FILE_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4")
_HTML_EXT = (".html", ".htm", ".shtml", ".shtm")
_NOT_DIRS = frozenset(("search", "login", "auth", "rss", "print"))
_PAGER_QUERY_RE = re.compile(r"(?:^|&)(?:pagen_\d+|page|print)=", re.I)


@lru_cache(maxsize=8192)
def is_detail_like(url: str) -> bool:
    """True when the URL path looks like one article (``/presscenter/news/detail/8934877.html``,
    ``/news/2024/05/some-long-slug/``, ``/news/123-title``, ``/2024051.html``, ``?ELEMENT_ID=123``)
    and not like a file, pager, print or search page.

    Linear in the URL length (segment tests with anchored patterns, no backtracking over the
    whole URL); URLs longer than :data:`MAX_URL_CHARS` are never article URLs.
    """
    if len(url) > MAX_URL_CHARS:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path, query = parts.path, parts.query
    low = path.lower()
    segs = low.split("/")
    if low.endswith(_FILE_EXT) and not query:
        return False
    if not _NOT_DIRS.isdisjoint(segs[1:-1]) or (query and _PAGER_QUERY_RE.search(query)):
        return False
    last_i = len(segs) - 1
    if last_i > 0 and segs[last_i] == "":  # a trailing slash
        last_i -= 1
    if not query and last_i >= 2 and segs[last_i - 1] == "page" and segs[last_i].isdigit():
        return False
    if "/detail/" in low or (query and _ID_QUERY_RE.search(query)):
        return True
    if last_i < 1:
        return False
    last = path.split("/")[last_i]
    if not query and last_i == len(segs) - 1 and _ID_HTML_RE.fullmatch(last):
        return True
    if _SECTIONS.isdisjoint(segs[1:last_i]):
        return False
    if _DIGITS3_RE.match(last):
        return "/" not in query
    if query:
        return False
    if last.lower().endswith(_HTML_EXT) and _DIGIT_RE.search(last):
        return True
    return _SLUG_RE.fullmatch(last) is not None


_LIST_SCRIPTS = frozenset(("index.php", "index.html", "index.htm", "index.shtml", "default.aspx", "default.asp"))


def list_key(url: str, drop: frozenset[str] | tuple[str, ...] = ()) -> str:
    """Identity of a list URL: the same list however it is written.

    ``https://h/presscenter/news/``, ``https://h/presscenter/news``, ``/presscenter/news/index.php``
    (resolved), ``?PAGEN_1=2&SHOWALL=0`` vs ``?SHOWALL=0&PAGEN_1=2`` all give one key: lower-case
    host without ``www.`` and default port, path without a trailing ``index.php``/``index.html``
    and without the trailing slash, query parameters sorted, parameters named in ``drop``
    (lower-case names, e.g. the pager's) removed.  Returns ``""`` for an unparsable URL.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if port is not None and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host += f":{port}"
    path = parts.path or "/"
    head, _, tail = path.rpartition("/")
    if tail.lower() in _LIST_SCRIPTS:
        path = head + "/"
    path = path.rstrip("/") or "/"
    params = sorted(p for p in parts.query.split("&") if p and p.split("=", 1)[0].lower() not in drop)
    return f"{host}{path}" + ("?" + "&".join(params) if params else "")
