"""Find the link to the next page of OLDER items on a list page.

Only links present in the page are used ("found, not assumed"): ``rel=next``; links labelled
«Следующая», «След.», «Далее», «Вперёд», «»», «→», «›», «Старые записи»; and numbered pager
links (Bitrix ``?PAGEN_1=N``, ``?page=N``, ``/page/N/``, ``?p=N``).  A candidate is never the
current page nor a page numbered at or below the current one, and it must belong to the same
list (:func:`list_id`: ``index.php``, a trailing slash, parameter order and relative or absolute
forms of the list URL do not matter).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from crawler.parse.dom import css
from crawler.parse.ru import normalize_space
from crawler.parse.urls import absolute_url, host_key, is_detail_like, list_key

_NUM_RE = re.compile(r"(?:[?&](?:PAGEN_\d+|page|p|pg|paged|str)=(\d+))|(?:/page[-/]?(\d+)/?(?:$|\?))", re.I)
_NEXT_TEXT_RE = re.compile(
    r"^(?:следующая(?: страница)?|следующие|след\.?|далее|вперед|вперёд|дальше|ещё новости|еще новости|"
    r"старые(?: записи| новости)?|более ранние(?: новости)?|предыдущие новости|next|older|»|›|→|>|>>|»»|⟩|⇒)"
    r"\s*(?:[»›→>]+)?$",
    re.I,
)


_PAGE_SUFFIX_RE = re.compile(r"/page[-/]?\d+$")
#: Query parameters that number pages (dropped when asking "is this the same list?").
_PAGER_PARAMS = frozenset({"page", "p", "pg", "paged", "str"} | {f"pagen_{i}" for i in range(1, 10)})


def page_number(url: str) -> int | None:
    """The page number a pager URL carries (``?PAGEN_1=3`` → 3), or ``None``."""
    m = _NUM_RE.search(url)
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def list_id(url: str) -> str:
    """The list a pager URL belongs to, whatever page it shows and however it is written:
    :func:`~crawler.parse.urls.list_key` without page-number parameters and without a
    ``/page/N`` suffix.  ``/presscenter/news/``, ``/presscenter/news/index.php?PAGEN_1=2`` and
    ``/presscenter/news?PAGEN_1=3`` give the same id."""
    key = list_key(url, _PAGER_PARAMS)
    path, sep, query = key.partition("?")
    return _PAGE_SUFFIX_RE.sub("", path) + sep + query


def find_next(tree: LexborHTMLParser, base: str, pager_selector: str | None = None) -> str | None:
    """Absolute URL of the next (older) list page, or ``None`` on the last page / no pager.

    ``pager_selector`` (from a profile) narrows the search to those elements first.
    """
    current = page_number(base) or 1
    host = host_key(base)
    root = list_id(base)
    this_page = list_key(base)

    def ok(url: str | None) -> str | None:
        if not url or host_key(url) != host or list_key(url) == this_page or is_detail_like(url):
            return None
        n = page_number(url)
        if n is None:  # e.g. «Далее» to ?from=2024-01-01: only if it stays in this list
            return url if list_id(url) == root and urlsplit(url).query else None
        return url if n > current else None

    scopes = []
    if pager_selector:
        try:
            scopes = [n for n in css(tree, pager_selector)]
        except Exception:
            scopes = []
    for link in css(tree, 'link[rel~="next" i][href], a[rel~="next" i][href]'):
        url = ok(absolute_url(link.attributes.get("href") or "", base))
        if url:
            return url
    anchors = [a for s in scopes for a in css(s, "a[href]")] or css(tree, "a[href]")
    numbered: list[tuple[int, str]] = []
    for a in anchors:
        href = a.attributes.get("href") or ""
        url = absolute_url(href, base)
        if not url:
            continue
        text = normalize_space(a.text(deep=True)) or normalize_space(a.attributes.get("title") or "")
        if text and _NEXT_TEXT_RE.match(text):
            good = ok(url)
            if good:
                return good
        n = page_number(url)
        if n is not None and n > current and host_key(url) == host and list_id(url) == root:
            numbered.append((n, url))
    if numbered:
        numbered.sort()
        return numbered[0][1]
    return None
