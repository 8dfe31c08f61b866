"""One parse and one walk per page: chrome removal, text segments and block ancestry.

A *segment* is a run of text between block boundaries (block elements and ``<br>``), the
unit that paragraph-based boilerplate removal works on (cf. Kohlschütter et al., "Boilerplate
Detection using Shallow Text Features", WSDM 2010; jusText).  Each segment remembers its
nearest block element and how many of its characters sit inside links.

*Chrome* is page furniture found by tag and by class/id fragments (menus, breadcrumbs,
share buttons, footers, pagers, related lists …).  Class/id values are found with one regex
pass over the source (much cheaper than ~90 substring selectors in lexbor); matching
elements are removed from the tree before the walk, except elements that hold ≥ 40 % of the
page text, contain the ``<h1>``, or enclose a node a layer still holds (profile bodies …).
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.parse.ru import normalize_space

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav noframes ol p pre "
    "section summary table tbody td tfoot th thead tr ul caption".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template textarea select option button svg iframe object head title time".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())

_FRAGMENTS = (
    "menu", "breadcrumb", "share", "social", "navbar", "nav-", "-nav", "nav_", "_nav", "navigation", "footer",
    "related", "similar",
    "comment", "banner", "sidebar", "pager", "pagination", "print", "counter", "subscribe", "widget",
    "cookie", "popup", "modal", "search", "copyright", "soc-", "likes", "sharing", "more-news",
    "other-news", "othernews", "last-news", "top-news", "news-list", "newslist", "rubricator",
    "ya-share", "tags-list", "login", "logo", "topline", "toolbar",
)
_LIST_KEEP = ("news-list", "newslist", "last-news", "more-news", "other-news", "othernews", "top-news")
_CHROME_TAGS = ("nav", "footer", "aside", "header", "menu")
#: (selector, substring that must occur in the source for the selector to be worth running)
_ATTR_CHROME = (
    ("[role=navigation], [role=banner], [role=contentinfo]", "role="),
    ('[style*="display:none" i], [style*="display: none" i]', "display"),
    ("[hidden], [aria-hidden=true]", "hidden"),
)


# Literal-prefix patterns: Python's re scans for a literal prefix fast; a leading ``\s`` or
# alternation makes it ~30x slower on Cyrillic pages.  ``id=`` also hits ``data-id=``: harmless.
_CLASS_RE = re.compile(r"""class=(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""")
_ID_RE = re.compile(r"""id=(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""")
_UPPER_RE = re.compile(r"""(class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""", re.I)


def attr_value_re(fragments) -> re.Pattern[str]:
    """Case-insensitive regex matching a ``class``/``id`` value that contains one of ``fragments``."""
    return re.compile("|".join(re.escape(f) for f in fragments), re.I)


CHROME_RE = attr_value_re(_FRAGMENTS)
LIST_CHROME_RE = attr_value_re(f for f in _FRAGMENTS if f not in _LIST_KEEP)


def _attr_values(html: str) -> set[tuple[str, str]]:
    vals: set[tuple[str, str]] = set()
    for name, rx in (("class", _CLASS_RE), ("id", _ID_RE)):
        for a, b, c in rx.findall(html):
            vals.add((name, a or b or c))
    if "CLASS" in html:  # upper-case attributes of 1990s table layouts
        for n, a, b, c in _UPPER_RE.findall(html):
            vals.add((n.lower(), a or b or c))
    return vals


_DECISIONS: dict[tuple[int, str], bool] = {}
_CSS_SAFE_RE = re.compile(r"[^\"\\\x00-\x1f\x7f]+")


def safe_css(node, selector: str | None) -> list[LexborNode]:
    """``node.css(selector)`` that returns ``[]`` for an empty or unparsable selector (user
    profiles, selectors built from page class names) instead of raising."""
    if not selector:
        return []
    try:
        return node.css(selector)
    except Exception:
        return []


def _values_cached(html: str, _cache: dict = {}) -> set[tuple[str, str]]:
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
    (templates repeat class names on every page of a site; the memo is cleared at 50,000 entries).
    """
    values = _values_cached(html)
    if len(_DECISIONS) > 50_000:
        _DECISIONS.clear()
    pid = id(pattern)
    out = []
    for n, v in values:
        d = _DECISIONS.get((pid, v))
        if d is None:
            d = _DECISIONS[(pid, v)] = bool(v) and pattern.search(v) is not None and _CSS_SAFE_RE.fullmatch(v) is not None
        if d:
            out.append(f'[{n}="{v}"]')
    # (values with quotes, backslashes or control characters were rejected above: no escaping needed)
    out.sort()
    return ", ".join(out)


class Segment:
    """A run of text inside one block element (``block``: its mem_id; ``tag``: its tag name)."""

    __slots__ = ("parts", "links", "block", "tag", "text")

    def __init__(self, block: int, tag: str) -> None:
        self.parts: list[str] = []
        self.links = 0
        self.block = block
        self.tag = tag
        self.text = ""


class Page:
    """A parsed document plus the shared walk. Build with :func:`load_page`.

    Attributes:
        html: the source text. tree: the selectolax parser.
        segments: non-empty text segments of ``<body>`` in document order (``.text`` normalised),
            available after :meth:`walk`.
    """

    def __init__(self, html: str, chrome_re: re.Pattern[str]) -> None:
        self.html = html
        self.tree = LexborHTMLParser(html, scripting=True)
        self.chrome_re = chrome_re
        self.node_of: dict[int, LexborNode] = {}
        self.parent_of: dict[int, int | None] = {}
        self._chain: dict[int, tuple[int, ...]] = {}
        self.segments: list[Segment] = []
        self._walked = False
        self._stripped = False
        #: Extra body containers found next to the generic winner (see generic._content_siblings).
        self.body_extra: list[int] = []

    # -- ancestry -------------------------------------------------------------------------
    def register(self, node: LexborNode) -> int:
        """Record ``node`` and its ancestors in the parent map; return its mem_id."""
        nid = node.mem_id
        cur, cid = node, nid
        parent_of = self.parent_of
        while cid not in parent_of:
            self.node_of[cid] = cur
            par = cur.parent
            if par is None:
                parent_of[cid] = None
                break
            pid = par.mem_id
            parent_of[cid] = pid
            cur, cid = par, pid
        return nid

    def chain(self, nid: int) -> tuple[int, ...]:
        """``nid`` and the ids of its registered ancestors, innermost first (memoised)."""
        memo = self._chain
        c = memo.get(nid)
        if c is not None:
            return c
        path = []
        cur: int | None = nid
        while cur is not None and cur not in memo:
            path.append(cur)
            cur = self.parent_of.get(cur)
        tail = memo[cur] if cur is not None else ()
        for i in range(len(path) - 1, -1, -1):
            tail = (path[i],) + tail
            memo[path[i]] = tail
        return memo[nid]

    ancestors = chain

    def inside(self, nid: int, container: int) -> bool:
        """True when ``nid`` is ``container`` or lies under it."""
        return container in self.chain(nid)

    # -- chrome ---------------------------------------------------------------------------
    def strip_chrome(self, protect: list[LexborNode] = (), scopes: list[LexborNode] | None = None) -> set[int]:
        """Choose the chrome elements to remove (once); return their ids (see :meth:`commit_strip`).

        Elements enclosing a node of ``protect`` are kept, as are ones holding ≥ 40 % of the
        page text or an ``<h1>`` (their chrome children are removed instead).  With ``scopes``,
        only chrome inside those elements is looked for (a profile already found the body).
        Callers must drop references to nodes inside removed elements (see :meth:`in_removed`).
        """
        if self._stripped:
            return self._removed
        self._stripped = True
        self._removed: set[int] = set()
        body = self.tree.body
        if body is None:
            return self._removed
        html = self.html
        tree = self.tree
        # Tag lookups are ~4x cheaper than selector queries; attribute selectors only run when
        # their attribute occurs in the source at all.
        sel = [x for x, needle in _ATTR_CHROME if needle in html]
        extra = selector_for(html, self.chrome_re)
        if extra:
            sel.append(extra)
        if scopes is None:
            nodes: list[LexborNode] = [n for t in _CHROME_TAGS for n in tree.tags(t)]
            roots = [body]
        else:
            nodes = []
            sel.insert(0, ", ".join(_CHROME_TAGS))
            roots = scopes
        if sel:
            for root in roots:
                found = safe_css(root, ", ".join(sel))
                if not found and len(sel) > 1:
                    found = [n for x in sel for n in safe_css(root, x)]
                nodes += found
        if not nodes:
            return self._removed
        keep: set[int] = set()
        for p in protect:
            if p is not None:
                keep.update(self.chain(self.register(p)))
        for h in tree.tags("h1"):
            keep.update(self.chain(self.register(h))[1:])
        total = -1
        removed = self._removed
        cands: list[tuple[int, LexborNode]] = []
        for node in nodes:
            nid = self.register(node)
            if nid in keep or nid in removed or node.tag in ("body", "html"):
                continue
            tl = len(node.text(deep=True))
            if tl >= 200:  # only a big element can be a wrapper of the article
                if total < 0:
                    total = sum(len(r.text(deep=True)) for r in roots) or 1
                if tl >= 0.4 * total:
                    continue
            if node.tag == "header" and node.css_first("h1, h2") is not None:
                continue  # an article header (headline, date), not the site header
            removed.add(nid)
            cands.append((nid, node))
        # Only the outermost chosen elements are decomposed (their descendants go with them);
        # chains were computed before any mutation, so this is safe whatever the order.
        self._pending = [n for nid, n in cands if not any(a in removed for a in self.chain(nid)[1:])]
        return removed

    def in_removed(self, node: LexborNode) -> bool:
        """Before :meth:`commit_strip`: will ``node`` disappear with the chrome?"""
        return any(a in self._removed for a in self.chain(self.register(node)))

    def commit_strip(self) -> None:
        """Actually decompose the chrome chosen by :meth:`strip_chrome`; reset ancestry memos."""
        doomed = getattr(self, "_pending", [])
        self._pending = []
        for node in doomed:
            node.decompose()
        if doomed:
            self.node_of.clear()
            self.parent_of.clear()
            self._chain.clear()

    # -- the walk -------------------------------------------------------------------------
    def walk(self, roots: list[LexborNode] | None = None) -> list[Segment]:
        """Split ``<body>`` (or just the ``roots`` elements) into segments (once; later calls
        return the cached list).

        One ``traverse`` in document order (a C-level generator, far cheaper than Python
        recursion); each text node's nearest block ancestor and "inside a link" flag are looked
        up once per parent element and memoised.
        """
        if self._walked:
            return self.segments
        self._walked = True
        body = self.tree.body
        if body is None:
            return self.segments
        segs = self.segments
        cache: dict[int, tuple[int, str, bool, bool]] = {}
        register = self.register
        cur: Segment | None = None
        cur_block = -1
        brk = True
        if roots is None:
            nodes = body.traverse(include_text=True, skip_empty=True)
        else:
            for r in roots:
                register(r)
            nodes = (n for r in roots for n in r.traverse(include_text=True, skip_empty=True))
        for n in nodes:
            tag = n.tag
            if tag == "-text":
                par = n.parent
                pid = par.mem_id
                info = cache.get(pid)
                if info is None:
                    node, in_link, skip = par, False, False
                    while True:
                        t = node.tag
                        if t in SKIP_TAGS:
                            skip = True
                        elif t == "a":
                            in_link = True
                        if t in BLOCK_TAGS:
                            break
                        up = node.parent
                        if up is None:
                            break
                        node = up
                    info = cache[pid] = (register(node), node.tag, in_link, skip)
                if info[3]:
                    continue
                text = n.text_content
                bid = info[0]
                if brk or cur_block != bid:
                    cur = Segment(bid, info[1])
                    segs.append(cur)
                    cur_block = bid
                    brk = False
                cur.parts.append(text)  # type: ignore[union-attr]
                if info[2]:
                    cur.links += len(text.strip())  # type: ignore[union-attr]
            elif tag == "br" or tag == "img" or tag in BLOCK_TAGS:
                brk = True
        out = []
        for seg in segs:
            seg.text = normalize_space("".join(seg.parts))
            if seg.text:
                out.append(seg)
        self.segments = out
        return out


def load_page(html: str, *, for_list: bool = False) -> Page:
    """Parse ``html`` once with lexbor (scripting on, so ``<noscript>`` stays inert text).

    ``for_list=True`` keeps news lists (``newslist``, ``other-news`` …) out of the chrome.
    """
    return Page(html, LIST_CHROME_RE if for_list else CHROME_RE)


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while one page is parsed.

    A page creates thousands of short-lived node wrappers but no reference cycles, so the
    collector's generation-0 passes are pure overhead (~15-25 % of the parse time here);
    reference counting frees everything as usual.  Re-entrant; restores the previous state.
    """
    was = gc.isenabled()
    if was:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
