"""Fetching the Mayor's originals (sources of ``kind: mayor``): RSS/Atom for discovery, the JSON
news API for the full text; either works alone (docs/originals.md).

:func:`fetch_originals` turns one crawl of such a source into :class:`ParsedArticle` objects
that the pipeline then sends down the same featurize → dedup → store path as district news.
It never raises for fetch or parse problems: each is logged once with the URL and what was
wrong, recorded as a health flag, and the other channel carries on. Items not fetched this
time are not stored, so the next crawl retries them (nothing lost).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from crawler.config import SourceSettings
from crawler.dedup import Detector, Features
from crawler.dedup.encoder import dequantize
from crawler.dedup.scorer import probability
from crawler.dedup.signals import char_vector, figure_agreement, pair_signals, tfidf_vector
from crawler.errors import FetchError, ParseError, PermanentFetchError
from crawler.fetch import Fetcher
from crawler.fetch.client import describe_error
from crawler.parse import decode_html, parse_article
from crawler.parse.mayor import (
    ApiBlockPage,
    OriginalItem,
    item_id_from_url,
    parse_api_item,
    parse_api_page,
    parse_feed,
)
from crawler.types import ParsedArticle, StoryDecision

log = logging.getLogger("mosnews.originals")

#: An item still without any text this long after publication is stored with what it has
#: (title, preview) rather than retried for ever; younger ones are retried on the next crawl.
NO_TEXT_GRACE = timedelta(hours=2)
#: Without ``api``, the linked page is fetched when the feed's text is shorter than this.
SHORT_TEXT = 400
#: Fields asked of the API's collection (``fields=``); the text is asked too, so edits are seen.
API_LIST_FIELDS = "id,title,preview,text,date,tags,spheres,url,image"


@dataclass
class OriginalsCrawl:
    """What one crawl of an originals source found."""

    #: Articles to store (new or possibly edited), oldest first.
    articles: list[ParsedArticle] = field(default_factory=list)
    #: Health flags (``sources.health_flags``).
    flags: set[str] = field(default_factory=set)
    #: One line per channel failure.
    errors: list[str] = field(default_factory=list)
    #: Requests made (feed, API pages, items, linked pages).
    requests: int = 0
    feed_ok: bool | None = None
    api_ok: bool | None = None
    #: Items seen in the feed / in the API.
    feed_items: int = 0
    api_items: int = 0
    #: Items skipped for now because they have no text yet.
    waiting: int = 0

    @property
    def ok(self) -> bool:
        """True when at least one configured channel answered usefully."""
        return bool(self.feed_ok) or bool(self.api_ok)


def feed_enabled(source: SourceSettings) -> bool:
    """False in API-only mode: ``url`` is the API itself (``url: <api>`` with ``api: <api>``)."""
    return not (source.api and source.url.rstrip("/").startswith(source.api.rstrip("/")))


def api_collection_url(source: SourceSettings) -> str:
    """``<api><collection>`` (``…/json/ru/press/news``)."""
    assert source.api is not None
    return source.api + source.api_collection.strip("/")


def api_item_url(source: SourceSettings, item_id: str) -> str:
    """``<api><collection>/<id>`` — one item with its full text."""
    return f"{api_collection_url(source)}/{item_id}"


def fallback_url(source: SourceSettings, item_id: str) -> str:
    """The URL an original gets when neither the feed nor the API gave a link: ``<api origin>/news/item/<id>/``."""
    base = urlsplit(source.api or source.url)
    return f"{base.scheme}://{base.netloc}/news/item/{item_id}/"


async def fetch_originals(
    fetcher: Fetcher,
    source: SourceSettings,
    *,
    since: datetime,
    known: dict[str, str],
    backfill: bool,
    max_pages: int,
    now: datetime,
) -> OriginalsCrawl:
    """One crawl of an originals source.

    Args:
        fetcher: the shared polite fetcher (per-host slots, ``Retry-After``).
        source: a ``kind: mayor`` source (``url`` = feed, ``api`` = JSON API base, optional).
        since: aware; older items are ignored (the first crawl pages the API back to it).
        known: ``{item id: stored URL}`` of originals already stored (their URL is kept).
        backfill: the source's first crawl (page the API back to ``since``).
        max_pages: cap on API pages.
        now: aware current time (for :data:`NO_TEXT_GRACE`).
    """
    res = OriginalsCrawl()
    feed: dict[str, OriginalItem] = {}
    api: dict[str, OriginalItem] = {}
    if feed_enabled(source):
        await _read_feed(fetcher, source, res, feed)
    if source.api:
        await _read_api(fetcher, source, res, api, since=since, known=known, backfill=backfill, max_pages=max_pages)
    merged: dict[str, OriginalItem] = {}
    for key in list(dict.fromkeys(list(feed) + list(api))):
        merged[key] = _merge(feed.get(key), api.get(key))
    items = [it for it in merged.values() if it.published_at is None or it.published_at >= since]
    # Full text for new items the API list did not give (feed-only discovery, or a list without text).
    for it in items:
        if it.text and (len(it.text) >= SHORT_TEXT or it.origin == "api"):
            continue
        if it.item_id in known and it.text:
            continue
        if source.api and it.item_id and res.api_ok is not False:
            got = await _api_item(fetcher, source, it.item_id, res)
            if got is not None:
                merged[_key(it)] = _merge(it, got)
                continue
        if not source.api and it.url and len(it.text) < SHORT_TEXT:
            await _from_page(fetcher, it, res)
    out: list[ParsedArticle] = []
    for it in (merged[_key(i)] for i in items):
        url = known.get(it.item_id or "") or it.url or (fallback_url(source, it.item_id) if it.item_id else None)
        if url is None or not it.title:
            res.flags.add("api_shape")
            log.warning("original without %s skipped (%s)", "a link or id" if url is None else "a title", it.item_id or it.url)
            continue
        text = it.text or it.lead
        if not text:
            res.flags.add("no_text")
            if it.published_at is not None and now - it.published_at < NO_TEXT_GRACE:
                res.waiting += 1
                log.warning("original %s has no text yet (feed and API); retried next crawl", url)
                continue
            log.warning("original %s still has no text %s after publication; stored with its title only", url, NO_TEXT_GRACE)
        out.append(
            ParsedArticle(
                url=url, title=it.title, published_at=it.published_at, lead=it.lead or (text.split("\n\n")[0] if text else ""),
                text=text, images=it.images, tags=it.tags, layers={"title": it.origin, "text": it.origin},
            )
        )
    far = datetime.max.replace(tzinfo=since.tzinfo)
    out.sort(key=lambda a: a.published_at or far)
    res.articles = out
    return res


def _key(it: OriginalItem) -> str:
    return it.item_id or it.url or ""


def _merge(feed: OriginalItem | None, api: OriginalItem | None) -> OriginalItem:
    if feed is None:
        assert api is not None
        return api
    if api is None:
        return feed
    when = feed.published_at if feed.published_at is not None else api.published_at
    text = api.text if len(api.text) >= len(feed.text) else feed.text
    return replace(
        feed,
        title=api.title or feed.title,
        published_at=when,
        lead=api.lead or feed.lead,
        text=text,
        images=tuple(dict.fromkeys(feed.images + api.images)),
        tags=tuple(dict.fromkeys(api.tags + feed.tags)),
        origin="api" if text == api.text and text else feed.origin,
    )


async def _read_feed(fetcher: Fetcher, source: SourceSettings, res: OriginalsCrawl, out: dict[str, OriginalItem]) -> None:
    try:
        r = await fetcher.fetch(source.url)
        res.requests += 1
        parsed = parse_feed(r.content, r.final_url)
    except FetchError as exc:
        res.requests += 1
        res.feed_ok = False
        res.flags.add("feed_rate_limited" if getattr(exc, "status", None) == 429 or "429" in str(exc) else "feed_unreachable")
        res.errors.append(f"feed: {describe_error(exc)}")
        log.warning("originals feed %s failed: %s", source.url, describe_error(exc))
        return
    except ParseError as exc:
        res.feed_ok = False
        res.flags.add("feed_not_xml")
        res.errors.append(f"feed: {exc}")
        log.warning("originals feed %s unreadable: %s", source.url, exc)
        return
    res.feed_ok = True
    res.flags |= parsed.flags
    res.feed_items = len(parsed.items)
    for it in parsed.items:
        if it.item_id is None:
            it.item_id = item_id_from_url(it.url)
        if _key(it):
            out.setdefault(_key(it), it)


def _api_page_url(source: SourceSettings, page: int, since: datetime | None, plain: bool) -> str:
    q: dict[str, str | int] = {"page": page, "per-page": source.api_per_page, "sort": "-date"}
    if not plain:
        q["fields"] = API_LIST_FIELDS
        if since is not None:
            q["filter"] = json.dumps({"date": {">=": since.strftime("%Y-%m-%d %H:%M:%S")}}, separators=(",", ":"))
    return f"{api_collection_url(source)}?{urlencode(q)}"


async def _read_api(
    fetcher: Fetcher,
    source: SourceSettings,
    res: OriginalsCrawl,
    out: dict[str, OriginalItem],
    *,
    since: datetime,
    known: dict[str, str],
    backfill: bool,
    max_pages: int,
) -> None:
    url: str | None = _api_page_url(source, 1, since, plain=False)
    plain = False
    pages = 0
    renamed: dict[str, str] = {}
    while url is not None and pages < max_pages:
        try:
            r = await fetcher.fetch(url)
            res.requests += 1
            page = parse_api_page(r.content, r.content_type, r.final_url)
        except PermanentFetchError as exc:
            res.requests += 1
            if pages == 0 and not plain and getattr(exc, "status", None) in (400, 422):
                # The portal may refuse our fields=/filter= guesses: ask again with the bare query.
                res.flags.add("api_query_refused")
                log.warning("originals API refused %s (%s); retrying without fields/filter", url, describe_error(exc))
                plain = True
                url = _api_page_url(source, 1, None, plain=True)
                continue
            _api_failed(res, source, url, exc, "api_unreachable")
            return
        except FetchError as exc:
            res.requests += 1
            _api_failed(res, source, url, exc, "api_rate_limited" if "429" in str(exc) else "api_unreachable")
            return
        except ApiBlockPage as exc:
            _api_failed(res, source, url, exc, "api_block_page")
            return
        except ParseError as exc:
            _api_failed(res, source, url, exc, "api_shape")
            return
        pages += 1
        res.api_ok = True
        res.flags |= page.flags
        renamed |= page.renamed
        res.api_items += len(page.items)
        older = False
        for it in page.items:
            if it.published_at is not None and it.published_at < since:
                older = True
                continue
            if _key(it):
                out.setdefault(_key(it), it)
        if older or not page.items:
            break
        if not backfill and all(it.item_id in known for it in page.items):
            break
        url = page.next_url
    if renamed:
        log.warning("originals API %s: fields read under other names: %s", source.api,
                    ", ".join(f"{k} → {v}" for k, v in sorted(renamed.items())))


def _api_failed(res: OriginalsCrawl, source: SourceSettings, url: str, exc: Exception, flag: str) -> None:
    res.api_ok = False if res.api_ok is None else res.api_ok
    res.flags.add(flag)
    text = describe_error(exc) if isinstance(exc, FetchError) else str(exc)
    res.errors.append(f"api: {text}")
    log.warning("originals API %s failed (%s): %s", url, flag, text)


async def _api_item(fetcher: Fetcher, source: SourceSettings, item_id: str, res: OriginalsCrawl) -> OriginalItem | None:
    url = api_item_url(source, item_id)
    try:
        r = await fetcher.fetch(url)
        res.requests += 1
        page = parse_api_item(r.content, r.content_type, r.final_url)
    except FetchError as exc:
        res.requests += 1
        res.flags.add("api_rate_limited" if "429" in str(exc) else "api_unreachable")
        log.warning("originals API item %s failed: %s", url, describe_error(exc))
        return None
    except ApiBlockPage as exc:
        res.flags.add("api_block_page")
        log.warning("originals API item %s: %s", url, exc)
        return None
    except ParseError as exc:
        res.flags.add("api_shape")
        log.warning("originals API item %s: %s", url, exc)
        return None
    res.flags |= page.flags
    if res.api_ok is None:
        res.api_ok = True
    return page.items[0]


async def _from_page(fetcher: Fetcher, it: OriginalItem, res: OriginalsCrawl) -> None:
    """Take the text from the linked page when it is server-rendered (and really holds the item)."""
    assert it.url is not None
    try:
        r = await fetcher.fetch(it.url)
        res.requests += 1
        html, _ = decode_html(r.content, r.content_type)
        page = parse_article(html, r.final_url)
    except (FetchError, ParseError) as exc:
        log.info("original %s: linked page gives no text (%s)", it.url, exc)
        return
    probe = (it.lead or it.text or it.title)[:40]
    if len(page.text) > len(it.text) + 100 and (not probe or probe in page.text or it.title[:30] in page.title):
        it.text = page.text
        it.lead = it.lead or page.lead
        it.origin = "page"
    else:
        log.info("original %s: linked page has no more text than the feed (rendered in the browser?)", it.url)


# ------------------------------------------------------------------------------------------------
# The original as the story's anchor (docs/originals.md, «The original as the anchor»)
#
# The detector scores an article against a story's canonical and its members closest in time;
# it does not know which member is the Mayor's original, so a story's original may not even be
# among the members scored, and a look-alike release of the same template (same headline, other
# figures) joins on the strength of its wording. The original is the release's full text: a
# district reprint copies, trims or rewrites it, so what the reprint states, the original states.
# :func:`vet_decision` checks the detector's choice against the chosen story's original (in the
# store's transaction, ``Store.save_article(vet=...)``); late attachment does the same
# (:func:`late_attach_check`).

#: Word 3-shingle containment (``signals.containment``) from which an item is a *near copy* of
#: the original (verbatim, trimmed, retitled, angled reprints: 1.0 in the simulator; the
#: rewritten ones 0.02–0.3). A near copy repeats the original's figures: one that gives another
#: value for the same unit is a reprint of another release of the same template.
NEAR_COPY = 0.5
#: An original joins a story that is already there (its reprints came first) only at this story
#: score or above, and late attachment moves a lone article into a story with an original only
#: when its probability against the original itself is this high: a true reprint matches the full
#: text it copies far better than the detector's threshold (simulator: p ≥ 0.86 for every reprint
#: of every kind against its original), while a district item that merely shares the district and
#: a few words scores 0.5–0.7. Both were decided once already; staying apart costs little (the
#: reprints join the original as they come), the wrong story ties the release to news it is not.
ORIGINAL_JOIN = 0.8


@dataclass(frozen=True)
class AnchorCheck:
    """How an item fits the original of a story it would join.

    ``verdict``: ``"fits"``; ``"doubt"`` (it states figures or dates the original does not have:
    another story above the threshold that has no such doubt is preferred); ``"conflict"`` (it
    contradicts the original: it does not join that story).
    """

    verdict: str
    reason: str
    #: The scorer's probability of the pair (item, original).
    p: float = math.nan

    def explain(self, story_id: int) -> dict[str, object]:
        return {"story": story_id, "verdict": self.verdict, "reason": self.reason, "p_original": None if math.isnan(self.p) else round(self.p, 4)}


FITS_NO_ORIGINAL = AnchorCheck("fits", "the story has no original")
#: The unit id of a figure without a unit word (``term_id("")``, as ``crawler.dedup.signals``).
_NO_UNIT = 0


def _figures(f: Features, *, small: bool) -> list[float]:
    """Figure values of ``f`` (``small=False``: without bare numbers below 10, which also count
    days of the month and «в 2 этапа»). Approximate figures are stored negative
    (:func:`crawler.dedup.extract.figures`, ``marked``): their magnitude is used."""
    vals = ((u, abs(v)) for u, v in zip(f.fig_units.tolist(), f.fig_values.tolist()))
    return [v for u, v in vals if small or u != _NO_UNIT or v >= 10]


def _missing(item: Features, original: Features, *, small: bool) -> int:
    """How many of ``item``'s figures have a value found nowhere in the original (any unit)."""
    have = {round(abs(v), 2) for v in original.fig_values.tolist()}
    return sum(1 for v in _figures(item, small=small) if round(v, 2) not in have)


def _vectors(det: Detector, f: Features, doc: str | None = None):
    """``(features, stem TF-IDF, char n-gram vector, encoder vector)`` as the detector scores them."""
    if doc is not None:
        hot = det.hot.weights(doc)
        if hot is not None:
            return hot
    return f, tfidf_vector(f, det.df), char_vector(f, det.cdf), (dequantize(f.vec) if f.vec.size else None)


def check_original(det: Detector, item: Features, original: Features, *, story_score: float | None = None,
                   threshold: float | None = None, item_doc: str | None = None, original_doc: str | None = None) -> AnchorCheck:
    """Does ``item`` (a district article) fit ``original`` (the Mayor's text of the story it would join)?

    ``conflict`` when
      - a veto of the scorer fires on the pair (dates further apart than the window, other years in
        the headlines, two or more figures contradicted and none shared);
      - it is a near copy (:data:`NEAR_COPY`) and a figure contradicts (same unit, no value shared):
        the same template filled in for another release («46 000 участников» vs «56 500»);
      - ``story_score`` given: the original's own verdict ``p`` pulls the story's score below
        ``threshold`` (``(story_score + p) / 2``): the original counts as much as all the reprints
        the detector scored together.
    ``doubt`` when it states figures the original does not have — more of them than it shares with
    it, or any in a near copy — or day-month dates disjoint from the original's (a rewrite may round
    a figure or add a date of its own, so this alone does not separate them).
    """
    f, wq, cq, vq = _vectors(det, item, item_doc)
    g, wg, cg, vg = _vectors(det, original, original_doc)
    s = pair_signals(f, g, wq, wg, vq, vg, cq, cg)
    p, vetoes = probability(s, det.window_days, det.settings.encoder, det.weights)
    shared, conf = figure_agreement(f, g)
    near = s["contain"] >= NEAR_COPY
    if vetoes:
        return AnchorCheck("conflict", f"the original vetoes it ({', '.join(vetoes)})", p)
    if near and conf >= 1:
        return AnchorCheck("conflict", f"a near copy of the original (containment {s['contain']:.2f}) with {conf} figure(s) contradicting it", p)
    if story_score is not None and threshold is not None and (story_score + p) / 2 < threshold:
        return AnchorCheck("conflict", f"the original does not match it (p {p:.3f}; with the story's {story_score:.3f} below {threshold:g})", p)
    missing = _missing(f, g, small=False)
    if missing and missing > shared:
        return AnchorCheck("doubt", f"{missing} figure(s) the original does not have, {shared} shared", p)
    if near and _missing(f, g, small=True):
        return AnchorCheck("doubt", "a near copy of the original with a number the original does not have", p)
    if s["date_conf"] or s["rdate_conf"]:
        return AnchorCheck("doubt", "dates disjoint from the original's", p)
    return AnchorCheck("fits", "fits the original", p)


def _threshold_for(det: Detector, item: Features, story_id: int) -> float:
    """The detector's threshold for ``item`` joining ``story_id`` (``undated_threshold`` when
    either is not pinned to the window; as ``Detector.decide``)."""
    w = det.window_days
    flo, fhi = item.interval
    slo, shi = det.story_span(story_id)
    thr = det.settings.threshold
    if not (fhi - flo <= w and shi - slo <= w):
        thr = max(thr, det.settings.undated_threshold)
    return thr


class Originals:
    """Where the anchor check finds the originals: ``of(story ids)`` → ``{story id: original's doc
    id}`` for the stories that have one, ``features(doc id)`` → its :class:`Features` (or ``None``).

    :meth:`in_store` reads them in the store's transaction (the live path); :meth:`in_index` from
    the detector's own members and a set of original article ids (``crawler.recluster``'s replay).
    """

    def __init__(self, of: Callable[[list[int]], dict[int, str]], features: Callable[[str], Features | None]) -> None:
        self.of = of
        self.features = features

    @classmethod
    def in_store(cls, det: Detector, s) -> "Originals":
        from storage.originals import original_features, originals_of

        def features(doc: str) -> Features | None:
            hot = det.hot.get(doc)
            if hot is not None:
                return hot
            blob = original_features(s, int(doc))
            try:
                return None if blob is None else Features.from_bytes(blob)
            except ValueError:
                return None

        return cls(lambda sids: {k: str(v) for k, v in originals_of(s, sids).items()}, features)

    @classmethod
    def in_index(cls, det: Detector, originals: set[int] | frozenset[int]) -> "Originals":
        def of(sids: list[int]) -> dict[int, str]:
            out = {}
            for sid in sids:
                found = [d for d in det.story_members(sid) if int(d) in originals]
                if found:
                    out[sid] = min(found, key=lambda d: (det.docs[d][1], int(d)))  # the earliest, as storage.originals.choose_original
            return out

        return cls(of, det.hot.get)


def _members_reject_original(det: Detector, original: Features, story_id: int, original_doc: str | None = None) -> AnchorCheck:
    """An original about to join ``story_id`` (a story without one): ``conflict`` when most of the
    story's hot members contradict it (see :func:`check_original`, without the story score):
    they are reprints of another release of the same template."""
    members = [d for d in det.story_members(story_id) if d != original_doc and det.hot.get(d) is not None][:24]
    if not members:
        return AnchorCheck("fits", "no member to check")
    bad = [d for d in members if check_original(det, det.hot.get(d), original, item_doc=d, original_doc=original_doc).verdict == "conflict"]
    if 2 * len(bad) > len(members):
        return AnchorCheck("conflict", f"{len(bad)} of {len(members)} of the story's members contradict this original")
    return AnchorCheck("fits", f"{len(bad)} of {len(members)} of the story's members contradict this original")


def vet_decision(det: Detector, item: Features, decision: StoryDecision, originals: Originals, *, is_original: bool = False) -> StoryDecision:
    """Check the detector's ``decision`` for ``item`` against the originals of the stories it ranked.

    The live path calls it inside ``Store.save_article``'s transaction (``Store.save_article(vet=...)``,
    :meth:`Originals.in_store`), the replay of ``crawler.recluster`` on its own index
    (:meth:`Originals.in_index`). When the chosen story has no original (and ``item`` is not one),
    the decision stands unchanged. Otherwise every story of the ranking that ``item`` may join
    (score at or above its threshold) is checked (:func:`check_original`) and the first that it
    *fits* wins — when that one has an original, the story whose original scores it highest
    among those it fits; failing that, the first it is only *in doubt* about; failing that,
    ``item`` founds its own story. So a reprint that fits two originals goes to the better one,
    one that contradicts an original goes to the other, and a look-alike release does not join
    another release's story. An original (``is_original``)
    joins a story without an original only at score :data:`ORIGINAL_JOIN` or above and when most
    of its members do not contradict it (:func:`_members_reject_original`); one original per
    release is ``Store.save_article``'s rule too.
    """
    if decision.story_id is None:
        return decision
    expl = dict(decision.explanation)
    first = (decision.story_id, float(decision.score), float(expl.get("threshold", det.settings.threshold)))  # type: ignore[arg-type]
    cands = [first]
    for r in expl.get("ranking", ()):  # type: ignore[union-attr]
        sid, score = int(r["story"]), float(r["score"])
        if sid != first[0] and score >= (thr := _threshold_for(det, item, sid)):
            cands.append((sid, score, thr))
    origs = originals.of([c[0] for c in cands])
    if not is_original and first[0] not in origs:
        return decision
    checks: list[tuple[int, float, AnchorCheck]] = []
    for sid, score, thr in cands:
        odoc = origs.get(sid)
        if is_original:
            if odoc is not None:
                chk = AnchorCheck("conflict", "the story already has an original")
            elif score < ORIGINAL_JOIN:
                chk = AnchorCheck("conflict", f"an original joins a story only at score {ORIGINAL_JOIN:g} or above ({score:.3f})")
            else:
                chk = _members_reject_original(det, item, sid)
        elif odoc is None:
            chk = FITS_NO_ORIGINAL
        else:
            of = originals.features(odoc)
            chk = AnchorCheck("fits", "the original's features are not stored") if of is None else check_original(
                det, item, of, story_score=score, threshold=thr, original_doc=odoc)
        checks.append((sid, score, chk))
    fits = [c for c in checks if c[2].verdict == "fits"]
    if fits and fits[0][2] is not FITS_NO_ORIGINAL:
        # it fits two originals (one template, a week apart; a text that carries no figure of
        # either): the original that matches it better wins, not the story with more look-alikes
        pick = max((c for c in fits if c[2] is not FITS_NO_ORIGINAL), key=lambda c: -1.0 if math.isnan(c[2].p) else c[2].p)
    else:
        pick = fits[0] if fits else next((c for c in checks if c[2].verdict == "doubt"), None)
    expl["original_check"] = [c[2].explain(c[0]) for c in checks]
    if pick is None:
        expl["original_conflict"] = f"story {first[0]}: {checks[0][2].reason}; founds its own story"
        return StoryDecision(story_id=None, score=float(decision.score), explanation=expl)
    if pick[0] != first[0]:
        expl["original_moved"] = f"story {first[0]}: {checks[0][2].reason}; joins story {pick[0]} instead"
    return StoryDecision(story_id=pick[0], score=pick[1], explanation=expl)


def late_attach_check(det: Detector, doc: str, story_id: int, score: float, originals: Originals, *, is_original: bool) -> str | None:
    """Late attachment (``Detector.revisit``) of the lone article ``doc`` into ``story_id``: the
    reason it must not join, or ``None``. An original joins only at score :data:`ORIGINAL_JOIN`
    and when most of the story's members do not contradict it; a district article, when the
    story's original does not contradict it (:func:`check_original`) and vouches for it
    (``p`` ≥ :data:`ORIGINAL_JOIN`)."""
    f = det.hot.get(doc)
    if f is None:
        return None
    if is_original:
        if score < ORIGINAL_JOIN:
            return f"an original joins a story only at score {ORIGINAL_JOIN:g} or above ({score:.3f})"
        chk = _members_reject_original(det, f, story_id, original_doc=doc)
        return chk.reason if chk.verdict == "conflict" else None
    odoc = originals.of([story_id]).get(story_id)
    of = originals.features(odoc) if odoc is not None else None
    if of is None:
        return None
    chk = check_original(det, f, of, story_score=score, threshold=_threshold_for(det, f, story_id), item_doc=doc, original_doc=odoc)
    if chk.verdict == "conflict":
        return chk.reason
    if chk.p < ORIGINAL_JOIN:
        # decided alone once already: it moves into a release only when the original itself vouches for it
        return f"late attachment into a release needs the original's p {ORIGINAL_JOIN:g} or above ({chk.p:.3f})"
    return None


def late_attach_check_in_store(det: Detector, s, art, story_id: int, score: float) -> str | None:
    """:func:`late_attach_check` inside ``attach_lone_article``'s transaction (``s``; ``art``: the
    ``storage.models.Article``)."""
    from storage.models import Source
    from storage.originals import is_original_kind

    src = s.get(Source, art.source_id)
    return late_attach_check(det, str(art.id), story_id, score, Originals.in_store(det, s),
                             is_original=is_original_kind(src.kind if src is not None else None))

__all__ = [
    "AnchorCheck", "NO_TEXT_GRACE", "Originals", "OriginalsCrawl", "api_item_url", "check_original", "fallback_url", "feed_enabled",
    "fetch_originals", "late_attach_check", "late_attach_check_in_store", "vet_decision",
]  # fmt: skip
