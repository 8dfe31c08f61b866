"""Detail pages → :class:`~crawler.types.ParsedArticle`, field by field over the layers.

Layer order per field: configured profile → built-in ``bitrix`` → page metadata → generic.
The page is parsed once and walked once (:mod:`crawler.parse.dom`); every layer reads that walk.
"""

from __future__ import annotations

from crawler.config import SelectorProfile
from crawler.errors import HostilePageError, ParseError
from crawler.parse.dom import gc_paused, load_page
from crawler.parse.limits import check_page
from crawler.parse.layers import LayerResult, generic_layer, metadata_layer, profile_finish, profile_prepare
from crawler.parse.metadata import read_metadata
from crawler.parse.profiles import layer_profiles
from crawler.parse.urls import canonical_url
from crawler.types import ParsedArticle

_FIELDS = ("title", "published_at", "lead", "paragraphs", "tags")


def run_layers(html: str, url: str, profile: SelectorProfile | None = None, *, everything: bool = False,
               profile_name: str | None = None) -> list[tuple[str, LayerResult]]:
    """Run the layers in order and return ``[(layer_name, LayerResult), …]``.

    With ``everything=False`` the generic layer is skipped when earlier layers already gave a
    title, a date and a body (it is the costly one).
    """
    base = canonical_url(url)
    page = load_page(html)
    md = read_metadata(page.tree, html)
    prepared = []
    for name, prof in layer_profiles(profile, profile_name, None if everything else html):
        r, hold = profile_prepare(page, prof)
        prepared.append((name, prof, r, hold))
    protect = [b for *_, hold in prepared for b in hold.bodies]
    if md.body_node is not None:
        protect.append(md.body_node)
    # Fast path: a profile gave headline, date and body element → only that element is
    # cleaned and walked (real pages carry far more menu than text).
    scopes = None
    if not everything:
        first = next((hold.bodies for *_, hold in prepared if hold.bodies), None)
        if first and any(r.title for *_, r, _h in prepared) and any(r.published_at for *_, r, _h in prepared):
            scopes = first
    page.strip_chrome(protect, scopes)
    md.time_nodes = [n for n in md.time_nodes if not page.in_removed(n)]
    page.commit_strip()
    page.walk(scopes)
    out: list[tuple[str, LayerResult]] = [
        (name, profile_finish(page, prof, r, hold, base)) for name, prof, r, hold in prepared
    ]
    if scopes is not None and not any(r.paragraphs for _, r in out):
        return run_layers(html, url, profile, everything=True, profile_name=profile_name)  # body was empty
    out.append(("metadata", metadata_layer(page, md, base)))
    if everything:
        out.append(("generic", generic_layer(page, md, base)))
        return out
    need = {f for f in _FIELDS if not any(getattr(r, f) for _, r in out)}
    if need & {"title", "published_at", "paragraphs"}:
        out.append(("generic", generic_layer(page, md, base, need)))
    return out


def parse_article(html: str, url: str, profile: SelectorProfile | None = None, *,
                  profile_name: str | None = None) -> ParsedArticle:
    """Extract one article from a detail page.

    Args:
        html: decoded page text (see :func:`crawler.parse.decode_html`).
        url: the page URL (final URL after redirects); made canonical in the result.
        profile: per-source selectors tried before the built-in layers (``None``: built-ins only).
        profile_name: label for the configured profile in ``layers`` (``profile:<name>``).

    Returns:
        ParsedArticle with ``text`` = clean paragraphs joined by ``"\\n\\n"``, ``images`` =
        body images then ``og:image``/JSON-LD images, and ``layers`` naming the layer of each
        field (``profile:<name>``, ``metadata``, ``generic``).

    Raises:
        HostilePageError: the page is over a hard limit (bytes, tags, nesting depth; see
            :mod:`crawler.parse.limits`).
        ParseError: no headline or no body text could be found by any layer (garbage,
            truncated before the text, an error page, a list page), or extraction failed on
            odd markup (the message names the exception).
    """
    if not html or not html.strip():
        raise ParseError(f"{url}: empty page")
    try:
        check_page(html)
    except HostilePageError as exc:
        raise HostilePageError(f"{url}: {exc}", reason=exc.reason) from None
    try:
        with gc_paused():
            results = run_layers(html, url, profile, profile_name=profile_name)
    except (ParseError, MemoryError):
        raise
    except Exception as exc:  # a bug meeting odd markup costs this page, never the crawl
        raise ParseError(f"{url}: extraction failed: {type(exc).__name__}: {str(exc)[:200]}") from exc
    chosen: dict[str, object] = {}
    layers: dict[str, str] = {}
    for f in _FIELDS:
        for name, r in results:
            v = getattr(r, f)
            if v:
                chosen[f] = v
                layers["text" if f == "paragraphs" else f] = name
                break
    if not chosen.get("title"):
        raise ParseError(f"{url}: no headline found (layers tried: {', '.join(n for n, _ in results)})")
    if not chosen.get("paragraphs"):
        raise ParseError(f"{url}: no article body found (layers tried: {', '.join(n for n, _ in results)})")
    body_layer = layers["text"]
    images = list(next(r for n, r in results if n == body_layer).images)
    if images:
        layers["images"] = body_layer
    meta = next(r for n, r in results if n == "metadata")
    if meta.images and not images:
        layers["images"] = "metadata"
    for u in meta.images:  # og:image / JSON-LD image complement the body pictures
        if u not in images:
            images.append(u)
    return ParsedArticle(
        url=canonical_url(url),
        title=str(chosen["title"]),
        published_at=chosen.get("published_at"),  # type: ignore[arg-type]
        lead=str(chosen.get("lead") or ""),
        text="\n\n".join(chosen["paragraphs"]),  # type: ignore[arg-type]
        images=tuple(images),
        tags=tuple(chosen.get("tags") or ()),  # type: ignore[arg-type]
        layers=layers,
    )
