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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from crawler.config import SourceSettings
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
from crawler.types import ParsedArticle

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


__all__ = ["feed_enabled", "NO_TEXT_GRACE", "OriginalsCrawl", "api_item_url", "fallback_url", "fetch_originals"]
