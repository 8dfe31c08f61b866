"""CSS queries and class/id-derived selectors shared by the parse modules.

* :func:`css` / :func:`css_first` / :func:`safe_css` / :func:`safe_css_first`: lexbor CSS
  queries through one selector engine per thread (selectolax otherwise creates one per
  parsed document, which costs about as much as three queries).
* :func:`selector_for`: exact ``[class="…"]``/``[id="…"]`` selectors for the class/id values
  of a page that a fragment regex matches.  Values come from one regex pass over the source
  (much cheaper than substring attribute selectors in lexbor); per-value decisions and whole
  answers per (pattern, set of values) are memoised across pages (templates repeat).
"""

from __future__ import annotations

import re
import threading

from selectolax.lexbor import LexborCSSSelector, LexborHTMLParser, LexborNode

# Literal-prefix patterns: Python's re scans for a literal prefix fast; a leading ``\s`` or
# alternation makes it ~30x slower on Cyrillic pages.  ``id=`` also hits ``data-id=``: harmless.
_CLASS_RE = re.compile(r"""class=(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""")
_ID_RE = re.compile(r"""id=(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""")
_UPPER_RE = re.compile(r"""(class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""", re.I)


def attr_value_re(fragments) -> re.Pattern[str]:
    """Case-insensitive regex matching a ``class``/``id`` value that contains one of ``fragments``."""
    return re.compile("|".join(re.escape(f) for f in fragments), re.I)


def _attr_values(html: str) -> frozenset[tuple[str, str]]:
    vals: set[tuple[str, str]] = set()
    for name, rx in (("class", _CLASS_RE), ("id", _ID_RE)):
        for a, b, c in rx.findall(html):
            vals.add((name, a or b or c))
    if "CLASS" in html:  # upper-case attributes of 1990s table layouts
        for n, a, b, c in _UPPER_RE.findall(html):
            vals.add((n.lower(), a or b or c))
    return frozenset(vals)


_DECISIONS: dict[tuple[int, str], bool] = {}
_SELECTORS: dict[tuple[int, frozenset[tuple[str, str]]], str] = {}
_CSS_SAFE_RE = re.compile(r"[^\"\\\x00-\x1f\x7f]+")


_TLS = threading.local()


def _selector() -> LexborCSSSelector:
    sel = getattr(_TLS, "sel", None)
    if sel is None:
        sel = _TLS.sel = LexborCSSSelector()
    return sel


def css(node, query: str) -> list[LexborNode]:
    """``node.css(query)`` (``node`` may be a parser: its root element is searched).

    Same matches, same order, same errors; but every query goes through one
    ``LexborCSSSelector`` per thread instead of one lazily created per parsed document
    (creating lexbor's CSS parser and selector engine costs about as much as three queries).
    Result nodes belong to ``node``'s document as usual.
    """
    if isinstance(node, LexborHTMLParser):
        node = node.root
        if node is None:
            return []
    return _selector().find(query, node)


def css_first(node, query: str) -> LexborNode | None:
    """``node.css_first(query)`` through the shared selector (see :func:`css`)."""
    if isinstance(node, LexborHTMLParser):
        node = node.root
        if node is None:
            return None
    found = _selector().find_first(query, node)
    return found[0] if found else None


def safe_css(node, selector: str | None) -> list[LexborNode]:
    """``css(node, selector)`` that returns ``[]`` for an empty or unparsable selector (user
    profiles, selectors built from page class names) instead of raising."""
    if not selector:
        return []
    try:
        return css(node, selector)
    except Exception:
        return []


def safe_css_first(node, selector: str | None) -> LexborNode | None:
    """First match of ``selector`` or ``None`` (also for an empty/unparsable selector)."""
    if not selector:
        return None
    try:
        return css_first(node, selector)
    except Exception:
        return None


def _values_cached(html: str, _cache: dict = {}) -> frozenset[tuple[str, str]]:
    key = id(html)
    hit = _cache.get(key)
    if hit is None or hit[0] is not html:
        _cache.clear()
        hit = _cache[key] = (html, _attr_values(html))
    return hit[1]


def selector_for(html: str, pattern: re.Pattern[str]) -> str:
    """Exact ``[class="…"]``/``[id="…"]`` selectors for the class/id values in ``html`` that
    ``pattern`` matches (comma-joined, sorted; ``""`` when none).

    Values are collected once per page; per-value decisions are memoised across pages
    (templates repeat class names on every page of a site; the memo is cleared at 50,000 entries),
    and so is the whole answer per (pattern, set of values): every page of one template has the
    same set, so after the first page this is one dict lookup (frozenset hashes are cached).
    """
    values = _values_cached(html)
    pid = id(pattern)
    key = (pid, values)
    hit = _SELECTORS.get(key)
    if hit is not None:
        return hit
    if len(_DECISIONS) > 50_000:
        _DECISIONS.clear()
    out = []
    for n, v in values:
        d = _DECISIONS.get((pid, v))
        if d is None:
            d = _DECISIONS[(pid, v)] = bool(v) and pattern.search(v) is not None and _CSS_SAFE_RE.fullmatch(v) is not None
        if d:
            out.append(f'[{n}="{v}"]')
    # (values with quotes, backslashes or control characters were rejected above: no escaping needed)
    out.sort()
    if len(_SELECTORS) > 4096:
        _SELECTORS.clear()
    sel = _SELECTORS[key] = ", ".join(out)
    return sel
