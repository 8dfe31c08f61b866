"""Hard limits on what one page may cost the parser (see ``docs/security.md``, "Hostile pages").

A page over a limit is refused as malformed (:class:`~crawler.errors.HostilePageError`) before
lexbor builds a tree, so the cost of a refusal is one linear scan of the text:

* :data:`MAX_CHARS` characters of decoded HTML;
* :data:`MAX_TAGS` tags (counted as ``<`` characters: an upper bound, one C-level count);
* :data:`MAX_DEPTH` open elements at once.  lexbor's tree builder walks the stack of open
  elements for each block-level start tag (``<div>``, ``<li>`` …), so a page of unclosed
  ``<div>`` costs the square of its depth (100,000 deep: 22 s; measured with
  ``bench/fuzz_crawl.py``).  Browsers cap it too (Blink's parser stops nesting at 512 levels);
  real press-centre pages nest fewer than 100.

The depth is estimated by :func:`nesting_depth`, an approximation of the HTML tree builder's
stack of open elements that only ever over-counts for pages it cannot model, and only runs when
the page holds more start tags than :data:`MAX_DEPTH` (a page with fewer cannot nest deeper).

The time limit (:data:`PARSE_SECONDS`) is enforced by the parse pool
(:mod:`crawler.parse.pool`), which runs each parse in a worker process it can kill.
"""

from __future__ import annotations

import re

from crawler.errors import HostilePageError

#: Decoded characters of one page (the fetcher caps bodies at 5 MB by default).
MAX_CHARS = 8_000_000
#: Tags of one page (``<`` characters, an upper bound).
MAX_TAGS = 300_000
#: Elements open at once (see the module docstring).
MAX_DEPTH = 5_000
#: Wall-clock seconds one page may take to parse in a worker before it is abandoned.
PARSE_SECONDS = 20.0

_TAG_START_RE = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:-]{0,40}))")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr basefont bgsound frame keygen".split())
#: A start tag of these closes an open element of the same name (an implied end tag) unless one
#: of the scope boundaries listed is open inside it (after the HTML tree-construction rules:
#: "has an element in list item / button / table scope").
_SCOPE = ("html", "table", "td", "th", "caption", "template", "object", "marquee", "applet")
_SIBLINGS: dict[str, tuple[str, ...]] = {
    **{t: _SCOPE + ("button",) for t in ("p",)},
    **{t: _SCOPE + ("ul", "ol") for t in ("li",)},
    **{t: _SCOPE + ("dl",) for t in ("dd", "dt")},
    **{t: ("select", "datalist") for t in ("option", "optgroup")},
    **{t: ("html", "table", "template") for t in ("tr", "thead", "tbody", "tfoot", "caption", "colgroup")},
    **{t: ("html", "table", "template", "tr") for t in ("td", "th")},
    **{t: _SCOPE + ("ruby",) for t in ("rb", "rt", "rp")},
}
#: Raw-text elements: their content is not markup.
_RAW = frozenset("script style textarea title xmp iframe noembed noframes plaintext".split())
_RAW_END = {name: re.compile(f"</{name}", re.I) for name in _RAW}
#: HTML elements for which ``<x/>`` still opens an element (the slash is ignored outside SVG/MathML).
_HTML_CONTAINERS = frozenset(
    "a abbr address article aside b bdi bdo big blockquote body button center cite code dd del details dfn dialog "
    "dir div dl dt em fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header html i ins kbd label "
    "legend li main mark menu nav nobr noscript ol p pre q s samp section small span strike strong sub summary sup "
    "table tbody td tfoot th thead tr tt u ul var".split()
)


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """Estimated greatest number of elements open at once in ``html`` (stops counting past ``limit``).

    Models the HTML tree builder's stack of open elements: void elements (``<br>``, ``<img>`` …)
    and self-closed foreign elements (``<path/>``) open nothing, an end tag closes up to the
    nearest open element of its name (a stray end tag closes nothing), ``<p>``/``<li>``/``<td>``
    … close an open element of the same name in scope, comments and the content of ``<script>``/
    ``<style>`` … are skipped.  Other implied end tags are not modelled, so the estimate can
    only be too high.  Linear in ``len(html)``; returns the upper bound ``starts`` (the number of
    start tags) at once when that is within ``limit``.
    """
    tags = html.count("<")
    if tags <= limit:  # cannot nest deeper than it has tags (one C-level count)
        return tags
    starts = tags - html.count("</")
    if starts <= limit:
        return max(starts, 0)
    stack: list[str] = []
    where: dict[str, list[int]] = {}  # name -> stack indices of its open elements, innermost last
    deepest = 0
    pos = 0
    n = len(html)
    search = _TAG_START_RE.search

    def pop_to(name: str) -> None:  # pop up to and including the innermost open ``name``
        while stack:
            top = stack.pop()
            where[top].pop()
            if top == name:
                return

    while pos < n:
        m = search(html, pos)
        if m is None:
            break
        if m.group(1):  # <!-- … -->
            end = html.find("-->", m.end())
            pos = n if end < 0 else end + 3
            continue
        closing, name = m.group(2), m.group(3).lower()
        gt = html.find(">", m.end())
        if gt < 0:
            break
        pos = gt + 1
        if closing:
            if where.get(name):
                pop_to(name)
            continue
        if name in _VOID or (html[gt - 1] == "/" and name not in _HTML_CONTAINERS):
            continue
        bounds = _SIBLINGS.get(name)
        if bounds is not None and where.get(name):
            # an implied end tag, unless a scope boundary (``<ul>`` for ``<li>`` …) is open inside it
            inner = where[name][-1]
            if not any(where.get(b) and where[b][-1] > inner for b in bounds):
                pop_to(name)
        if name in _RAW:
            e = _RAW_END[name].search(html, pos)
            pos = n if e is None else e.start()
            continue
        where.setdefault(name, []).append(len(stack))
        stack.append(name)
        if len(stack) > deepest:
            deepest = len(stack)
            if deepest > limit:
                return deepest
    return deepest
    return deepest


def check_page(html: str) -> None:
    """Refuse ``html`` when it is over :data:`MAX_CHARS`, :data:`MAX_TAGS` or :data:`MAX_DEPTH`.

    Cost: two ``str.count`` calls for an ordinary page; one linear scan (:func:`nesting_depth`)
    for a page with more than :data:`MAX_DEPTH` start tags.

    Raises:
        HostilePageError: with ``reason`` ``bytes``, ``nodes`` or ``depth`` and a message giving
            the figure and the limit.
    """
    if len(html) > MAX_CHARS:
        raise HostilePageError(f"page of {len(html):,} characters is over the limit of {MAX_CHARS:,}", reason="bytes")
    tags = html.count("<")
    if tags > MAX_TAGS:
        raise HostilePageError(f"page with {tags:,} tags is over the limit of {MAX_TAGS:,}", reason="nodes")
    depth = nesting_depth(html, MAX_DEPTH)
    if depth > MAX_DEPTH:
        raise HostilePageError(f"elements nested more than {MAX_DEPTH:,} deep", reason="depth")
