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

Performance notes (``bench/parse_bench.py``): the walk tests node kinds by lexbor ``tag_id``
(ints) instead of tag-name strings, skips the ancestor climb when a text node's parent is a
block, and builds Segment objects only for non-empty runs; whitespace is normalised through
``normalize_space``'s fast path (inlined).  ``classify`` answers "is this block under that
container" with one memo per call (siblings share their parent's answer) instead of building
ancestor tuples per block.  CSS queries and class/id selectors live in
:mod:`crawler.parse.selectors` (shared selector engine, memoised ``selector_for``).
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.parse.ru import normalize_space
from crawler.parse.selectors import (  # noqa: F401  (re-exported: layers, generic, listing … import them from here)
    attr_value_re, css, css_first, safe_css, safe_css_first, selector_for,
)

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav noframes ol p pre "
    "section summary table tbody td tfoot th thead tr ul caption".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template textarea select option button svg iframe object head title time".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_BREAK_TAGS = BLOCK_TAGS | {"br", "img"}  # a text segment ends at these
# lexbor tag ids (ints; ``node.tag`` has to build a str) of the tags above.  Every one of these
# names has a static id, so ``tag_id in _BREAK_IDS`` ⇔ ``tag in _BREAK_TAGS`` (custom elements
# get large dynamic ids).
_ID_PARSER = LexborHTMLParser("<p>x</p>")
_TEXT_ID = _ID_PARSER.css_first("p").first_child.tag_id
_BLOCK_NAME_OF = {_ID_PARSER.create_node(t).tag_id: t for t in BLOCK_TAGS}
_BREAK_IDS = frozenset(_BLOCK_NAME_OF) | {_ID_PARSER.create_node(t).tag_id for t in ("br", "img")}
del _ID_PARSER

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


CHROME_RE = attr_value_re(_FRAGMENTS)
LIST_CHROME_RE = attr_value_re(f for f in _FRAGMENTS if f not in _LIST_KEEP)


class Segment:
    """A run of text inside one block element (``block``: its mem_id; ``tag``: its tag name)."""

    __slots__ = ("parts", "links", "block", "tag", "text")

    def __init__(self, block: int, tag: str, links: int = 0, text: str = "", parts: list[str] | None = None) -> None:
        self.parts: list[str] = parts if parts is not None else []
        self.links = links
        self.block = block
        self.tag = tag
        self.text = text


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
        self._depth: dict[int, int] = {}
        self._under_removed: dict[int, bool] = {}
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

    def ancestors(self, nid: int):
        """Iterate ``nid`` and the ids of its registered ancestors, innermost first.

        A generator over the parent map: O(k) for the first k ancestors, nothing is memoised (a
        memo of whole ancestor tuples costs the square of the depth: 4.8 GB at 35,000 levels).
        """
        parent_of = self.parent_of
        cur: int | None = nid
        while cur is not None:
            yield cur
            cur = parent_of.get(cur)

    def chain(self, nid: int) -> tuple[int, ...]:
        """``nid`` and the ids of its registered ancestors, innermost first (O(depth), not memoised)."""
        return tuple(self.ancestors(nid))

    def depth(self, nid: int) -> int:
        """Number of registered ancestors of ``nid`` (0 for the root).  Memoised per node, so the
        depths of any set of nodes cost O(number of distinct ancestors) in all."""
        memo = self._depth
        d = memo.get(nid)
        if d is not None:
            return d
        path = []
        cur: int | None = nid
        parent_of = self.parent_of
        while cur is not None and cur not in memo:
            path.append(cur)
            cur = parent_of.get(cur)
        d = memo[cur] if cur is not None else -1
        for x in reversed(path):
            d += 1
            memo[x] = d
        return memo[nid]

    def classify(self, ids, roots: set[int], drops: set[int] | frozenset[int] = frozenset(),
                 memo: dict[int, bool] | None = None) -> dict[int, bool]:
        """``{id: inside}`` for every id in ``ids``: True when the nearest element of
        ``roots`` ∪ ``drops`` among the id and its registered ancestors is in ``roots`` (roots win
        ties).  Equivalent to scanning :meth:`chain` per id, but each ancestor is visited once
        per call (siblings share their parent's answer), with no tuple building.  ``memo`` (the
        result of an earlier call with the same roots and drops) extends that call."""
        if memo is None:
            memo = {}
        parent_of = self.parent_of
        for b in ids:
            if b in memo:
                continue
            path = []
            cur = b
            res = False
            while cur is not None:
                hit = memo.get(cur)
                if hit is not None:
                    res = hit
                    break
                if cur in roots:
                    res = True
                    break
                if cur in drops:
                    break
                path.append(cur)
                cur = parent_of.get(cur)
            for x in path:
                memo[x] = res
            if cur is not None:
                memo[cur] = res
        return memo

    def inside(self, nid: int, container: int) -> bool:
        """True when ``nid`` is ``container`` or lies under it."""
        return any(a == container for a in self.ancestors(nid))

    def _keep_up(self, keep: set[int], start: int | None) -> None:
        """Add ``start`` and its ancestors to ``keep``, stopping at the first one already there
        (its ancestors were added with it), so many protected nodes cost O(tree) in all."""
        parent_of = self.parent_of
        cur = start
        while cur is not None and cur not in keep:
            keep.add(cur)
            cur = parent_of.get(cur)

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
                self._keep_up(keep, self.register(p))
        for h in tree.tags("h1"):
            self._keep_up(keep, self.parent_of.get(self.register(h)))
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
            if node.tag == "header" and css_first(node, "h1, h2") is not None:
                continue  # an article header (headline, date), not the site header
            removed.add(nid)
            cands.append((nid, node))
        # Only the outermost chosen elements are decomposed (their descendants go with them);
        # chains were computed before any mutation, so this is safe whatever the order.
        under = self.classify([self.parent_of.get(nid) for nid, _ in cands if self.parent_of.get(nid) is not None], removed)
        self._under_removed = under
        self._pending = [n for nid, n in cands if not under.get(self.parent_of.get(nid), False)]
        return removed

    def in_removed(self, node: LexborNode) -> bool:
        """Before :meth:`commit_strip`: will ``node`` disappear with the chrome?  (Memoised climb:
        many nodes cost O(tree) in all.)"""
        if not getattr(self, "_removed", None):
            return False
        nid = self.register(node)
        return self.classify([nid], self._removed, memo=self._under_removed)[nid]

    def commit_strip(self) -> None:
        """Actually decompose the chrome chosen by :meth:`strip_chrome`; reset ancestry memos."""
        doomed = getattr(self, "_pending", [])
        self._pending = []
        for node in doomed:
            node.decompose()
        if doomed:
            self.node_of.clear()
            self.parent_of.clear()
            self._depth.clear()
            self._under_removed = {}

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
        # Segments are built as plain lists [block id, block tag, link chars, parts] and only
        # the non-empty ones become Segment objects.  Node kinds are tested by ``tag_id`` (an
        # int, no string decoding); a text node whose parent is itself a block needs no climb.
        raw: list[list] = []
        cache: dict[int, tuple[int, str, bool, bool]] = {}
        break_ids = _BREAK_IDS
        block_name_of = _BLOCK_NAME_OF
        register = self.register
        seg: list = [None, None, 0, None]
        parts: list[str] = []
        cur_block = -1
        brk = True
        text_id = _TEXT_ID
        if roots is None:
            nodes = body.traverse(include_text=True, skip_empty=True)
        else:
            for r in roots:
                register(r)
            nodes = (n for r in roots for n in r.traverse(include_text=True, skip_empty=True))
        for n in nodes:
            tid = n.tag_id
            if tid == text_id:
                par = n.parent
                pid = par.mem_id
                info = cache.get(pid)
                if info is None and (name := block_name_of.get(par.tag_id)) is not None:
                    info = cache[pid] = (register(par), name, False, False)  # the usual case: <p>text</p>
                if info is None:
                    # the usual case, text in an inline element or two: climb to the block
                    node, in_link, skip, steps = par, False, False, 0
                    while steps < 16:
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
                        steps += 1
                    if steps < 16:
                        info = cache[pid] = (register(node), node.tag, in_link, skip)
                    else:  # deep inline nesting: the memoised climb keeps the walk linear
                        info = _inline_info(par, pid, cache, register)
                if info[3]:
                    continue
                text = n.text_content
                bid = info[0]
                if brk or cur_block != bid:
                    parts = [text]
                    seg = [bid, info[1], 0, parts]
                    raw.append(seg)
                    cur_block = bid
                    brk = False
                else:
                    parts.append(text)
                if info[2]:
                    seg[2] += len(text.strip())
            elif tid in break_ids:
                brk = True
        out = []
        for bid, btag, links, ps in raw:
            text = ps[0] if len(ps) == 1 else "".join(ps)
            # normalize_space's fast path, inlined (one call per segment is measurable here)
            if not (text.isprintable() and "  " not in text and text and text[0] != " " and text[-1] != " "):
                text = normalize_space(text)
            if text:
                out.append(Segment(bid, btag, links, text, ps))
        self.segments = out
        return out


def _inline_info(par: LexborNode, pid: int, cache: dict, register) -> tuple[int, str, bool, bool]:
    """``(block id, block tag, inside a link, inside a skipped element)`` for text under the
    inline element ``par``: climb to the nearest block ancestor, or to an element already in
    ``cache``; every element passed on the way is cached too, so text in inline elements nested
    n deep costs O(n) in all, not O(n²)."""
    path: list[tuple[int, str]] = []
    node, mid = par, pid
    top: tuple[int, str, bool, bool] | None = None
    while True:
        hit = cache.get(mid)
        if hit is not None:
            top = hit
            break
        t = node.tag
        if t in BLOCK_TAGS:
            top = cache[mid] = (register(node), t, False, t in SKIP_TAGS)
            break
        path.append((mid, t))
        up = node.parent
        if up is None:
            top = (register(node), t, False, False)
            path.pop()
            cache[mid] = (top[0], t, t == "a", t in SKIP_TAGS)
            top = cache[mid]
            break
        node, mid = up, up.mem_id
    bid, btag, in_link, skip = top
    for m, t in reversed(path):
        if t == "a":
            in_link = True
        elif t in SKIP_TAGS:
            skip = True
        cache[m] = (bid, btag, in_link, skip)
    return cache[pid]


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
