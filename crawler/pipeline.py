"""The crawl pipeline: the only module that knows the order fetch → parse → dedup → store → alert.

See ``docs/architecture.md`` for the numbered data flow. One :class:`Pipeline`
serves both ``mosnews crawl`` (one pass) and the daemon (one job per source).

Incremental rule: a source's first crawl (``sources.backfilled`` false) follows
the pager back to ``crawl.since``; later crawls send a conditional GET for the
first list page and follow the pager only while a page still shows items not
in the database. A detail page whose download failed is kept in ``pending_details`` and
retried on later crawls with backoff (even after a 304) until it succeeds or is given up.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar
from datetime import time as dtime
from zoneinfo import ZoneInfo

from crawler import metrics
from crawler.config import SelectorProfile, Settings, SourceSettings, now_utc
from crawler.dedup import Detector, Doc, Featurizer, Features, canonical_rule, story_title
from crawler.dedup.method import META_KEY, method_of
from crawler.errors import FetchError, HostilePageError, MosnewsError, ParseError, RefusedURLError, StorageError
from crawler.fetch import Fetcher
from crawler.fetch.client import describe_error
from crawler.netpolicy import OriginPolicy
from crawler.originals import Originals, late_attach_check_in_store, vet_decision
from crawler.parse.pool import ParsePool
from crawler.parse.profiles import resolve_profile
from crawler.types import ListItem, ParsedArticle, StoryDecision
from storage import Store, pending
from storage.intents import ArticleWrite, CrawlOutcome, SourceRow
from storage.originals import is_original_kind
from storage.stories import attach_lone_article, stories_version

log = logging.getLogger("mosnews.pipeline")
#: How often (seconds) crawls look for stories edited by hand (merge/split/recluster) to reload the index.
EDIT_CHECK_SECONDS = 1.0
T = TypeVar("T")
MOSCOW = ZoneInfo("Europe/Moscow")


@dataclass
class SourceReport:
    """What one crawl of one source did."""

    source_id: str
    ok: bool = True
    error: str | None = None
    #: List pages fetched (a 304 counts as one).
    pages: int = 0
    not_modified: bool = False
    new: int = 0
    updated: int = 0
    stories_created: int = 0
    #: Of those, stories recorded without an alert: pages of a source's first (backfill) crawl
    #: with ``alerts.first_run: skip`` (their outbox row is ``skipped``).
    stories_unalerted: int = 0
    #: This was the source's first (backfill) crawl: ``sources.backfilled`` was false when it began.
    first_crawl: bool = False
    #: Detail pages that could not be fetched or parsed (failed downloads are kept as pending work).
    failed: int = 0
    #: Of those, pages fetched but not parsed (kept raw; the markup-change signal).
    unparsed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def source_rows(settings: Settings) -> list[SourceRow]:
    """The configured sources as storage rows."""
    return [SourceRow(s.id, s.name, s.okrug, s.kind, s.url, s.enabled) for s in settings.sources]


def profile_for(settings: Settings, source: SourceSettings) -> tuple[str | None, SelectorProfile | None]:
    """``(label, profile)`` for a source: its named profile, overridden field by field by inline ``selectors``.

    Raises:
        ConfigError: the source names an unknown profile.
    """
    return resolve_profile(source.profile, source.selectors, settings.profiles)


class Pipeline:
    """Crawls sources into the store, assigning every new article to a story.

    Args:
        settings: the whole config.
        store: an open :class:`storage.Store`.
        fetcher: a :class:`Fetcher` (built from ``settings.fetch`` when omitted).
        clock: returns the current aware UTC time (a test seam).
        parser: the :class:`~crawler.parse.pool.ParsePool` pages are parsed in (worker
            processes with a per-page time limit; built when omitted, closed by :meth:`aclose`).

    Call :meth:`open` once before crawling (it loads the detector's recent window
    from the database) and :meth:`aclose` at the end.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        fetcher: Fetcher | None = None,
        clock: Callable[[], datetime] = now_utc,
        parser: ParsePool | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher or Fetcher(settings.fetch)
        self._own_fetcher = fetcher is None
        self.clock = clock
        self.parser = parser or ParsePool()
        self._own_parser = parser is None
        self.featurizer = Featurizer(settings.dedup)
        self.detector = self._new_detector()
        #: Serialises decide → store → index so two reprints never found two stories at once.
        self._dedup_lock = asyncio.Lock()
        #: The one worker thread that featurises and runs ``Detector.decide``: the detector keeps
        #: 12 MB of scratch arrays per thread that calls it, and the encoder runs one call at a
        #: time anyway, so one thread costs no speed and saves ~60 MB over the default pool.
        self._dedup_thread = ThreadPoolExecutor(1, thread_name_prefix="mosnews-dedup")
        #: Called after each list page of a first crawl (backfill) with ``(source id, pages so far,
        #: new items so far)`` and once with ``pages = -1`` before its detail pages are fetched;
        #: ``mosnews crawl`` prints it as progress.
        self.on_backfill_page: Callable[[str, int, int], None] | None = None
        #: Failed crawls in a row per source, to log one WARNING per failure streak (not per crawl).
        self._failing: dict[str, int] = {}
        self._stories_version: str | None = None
        #: Source crawls running now (the last one to finish settles out-of-order days).
        self._active = 0
        self._policies: dict[str, OriginPolicy] = {}
        self._edit_checked_at = -EDIT_CHECK_SECONDS

    def policy(self, source: SourceSettings) -> OriginPolicy:
        """The source's address policy (its own origin plus ``sources[].origins``; docs/security.md)."""
        pol = self._policies.get(source.id)
        if pol is None:
            pol = self._policies[source.id] = OriginPolicy(source.url, source.origins, source=source.id)
        return pol

    async def open(self) -> None:
        """Sync configured sources into the DB and load the detector's window of recent features."""
        for src in self.settings.enabled_sources():
            profile_for(self.settings, src)  # raises ConfigError for an unknown profile name
        await asyncio.to_thread(self.store.sync_sources, source_rows(self.settings))
        await asyncio.to_thread(self._record_method)
        await asyncio.to_thread(self._retitle_if_rule_changed)
        self._stories_version = await asyncio.to_thread(stories_version, self.store)
        await asyncio.to_thread(self._load_index)

    async def _reload_if_edited(self) -> None:
        """Rebuild the in-memory index when stories were merged, split or reclustered by hand.

        Looks at the database at most once per :data:`EDIT_CHECK_SECONDS` (a crawl cycle starts
        many sources at once; one look serves them all)."""
        now = time.monotonic()
        if now - self._edit_checked_at < EDIT_CHECK_SECONDS:
            return
        self._edit_checked_at = now
        version = await asyncio.to_thread(stories_version, self.store)
        if version == self._stories_version:
            return
        async with self._dedup_lock:
            self._stories_version = version
            self.detector = self._new_detector()
            await asyncio.to_thread(self._load_index)

    def _record_method(self) -> None:
        """On an empty database, record the dedup method its stories will be built with
        (:mod:`crawler.dedup.method`); an existing one keeps what it recorded, so `mosnews
        recluster` can tell when the method changed under it."""
        if self.store.get_meta(META_KEY) is None and not self.store.counts()["articles"]:
            self.store.set_meta(META_KEY, json.dumps(method_of(self.settings.dedup)))

    def _retitle_if_rule_changed(self) -> None:
        """Once after an upgrade of the story-title rule (:data:`crawler.dedup.canonical.TITLE_REVISION`),
        re-choose the titles of the stored stories (:func:`storage.stories.retitle_stories`):
        otherwise stories that get no new member keep the titles the old rule chose."""
        from crawler.dedup.canonical import TITLE_REVISION
        from storage.stories import retitle_stories

        started = time.monotonic()
        n = retitle_stories(self.store, story_title, str(TITLE_REVISION))
        if n:
            log.info("story titles re-chosen by title rule %d: %d stor%s retitled (%.1f s)",
                     TITLE_REVISION, n, "y" if n == 1 else "ies", time.monotonic() - started)

    def _new_detector(self) -> Detector:
        return Detector(self.settings.dedup, loader=self._page_in)

    def _page_in(self, first_day: int, last_day: int) -> Iterator[tuple[int, str, Features]]:
        """The detector's loader: stored articles published on days ``first_day..last_day``
        (days since the epoch), with their story and features. Blobs of an older format are
        skipped (`mosnews recluster` rebuilds them)."""
        start = datetime.fromtimestamp(first_day * 86400, timezone.utc)
        end = datetime.fromtimestamp((last_day + 1) * 86400, timezone.utc)
        for article_id, story_id, data in self.store.load_features_between(start, end):
            try:
                feats = Features.from_bytes(data)
            except ValueError:
                continue
            yield story_id, str(article_id), feats

    def _load_index(self, level: int = logging.INFO) -> None:
        # Warm the hot tier with the days around the newest stored article (the live stream);
        # any other stretch is paged in when an article of that time arrives.
        newest = self.store.latest_published()
        anchor = min(self.clock(), newest) if newest is not None else self.clock()
        day = anchor.timestamp() / 86400.0
        self.detector.page_in(day, day)
        log.log(level, "dedup index loaded: %d recent articles", len(self.detector.hot))

    async def _in_dedup_thread(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Run ``fn`` in the pipeline's dedup worker thread (see ``__init__``)."""
        return await asyncio.get_running_loop().run_in_executor(self._dedup_thread, functools.partial(fn, *args, **kwargs))

    async def aclose(self) -> None:
        """Close the fetcher (when the pipeline built it) and stop the dedup worker thread."""
        self._dedup_thread.shutdown(wait=False)
        if self._own_fetcher:
            await self.fetcher.aclose()
        if self._own_parser:
            await self.parser.aclose()

    # --- one source ----------------------------------------------------------------------

    async def crawl_source(
        self, source: SourceSettings, *, since: date | None = None, row: object = None, pending_urls: set[str] | None = None
    ) -> SourceReport:
        """Crawl one source: list pages, then new detail pages, oldest first.

        ``row``: the source's stored row when the caller already read it (:meth:`crawl` reads all
        of them in one query); read here when omitted. ``pending_urls``: the URLs of its
        failed detail pages (``pending_details``) when the caller knows them (:meth:`crawl`
        passes an empty set for a source without any); read here when omitted. Without
        either, both are read in one trip to the database.

        Never raises for fetch/parse problems (they are recorded in the report and
        in ``sources.last_error``); raises :class:`StorageError` when the database fails.
        """
        report = SourceReport(source.id)
        started = time.monotonic()
        slog = logging.LoggerAdapter(log, {"source": source.id})
        outcome: CrawlOutcome
        self._active += 1
        try:
            await self._reload_if_edited()
            if source.kind == "mayor":  # the Mayor's originals: feed + JSON API (crawler/originals.py)
                outcome = await self._crawl_originals(source, since, report, slog)
            else:
                outcome = await self._crawl_source(source, since, report, slog, row, pending_urls)
        except StorageError:
            raise
        except (FetchError, ParseError, MosnewsError) as exc:
            report.ok, report.error = False, describe_error(exc)
            streak = self._failing[source.id] = self._failing.get(source.id, 0) + 1
            # One WARNING when a failure streak starts; the repeats at DEBUG (`mosnews status` shows them).
            slog.log(logging.WARNING if streak == 1 else logging.DEBUG, "crawl of %s failed: %s%s", source.id, report.error,
                     "" if streak == 1 else f" ({streak} in a row)")
            outcome = CrawlOutcome(source.id, self.clock(), error=report.error)
        except Exception as exc:  # a bug must not stop the other sources
            report.ok, report.error = False, describe_error(exc)
            slog.exception("unexpected error crawling %s", source.id)
            outcome = CrawlOutcome(source.id, self.clock(), error=report.error)
        finally:
            self._active -= 1
        if report.ok and self._failing.get(source.id):
            slog.info("%s recovered after %d failed crawl(s)", source.id, self._failing.pop(source.id))
        await asyncio.to_thread(self.store.record_crawl, outcome)
        await self._settle_if_idle()
        report.seconds = time.monotonic() - started
        metrics.JOB_DURATION.observe(report.seconds)
        metrics.CRAWLS.labels("ok" if report.ok else "failed").inc()
        return report

    async def _crawl_source(
        self,
        source: SourceSettings,
        since: date | None,
        report: SourceReport,
        slog: logging.LoggerAdapter[logging.Logger],
        row: Any = None,
        tracked: set[str] | None = None,
    ) -> CrawlOutcome:
        if row is None:
            row, stored_urls = await asyncio.to_thread(self._source_state, source.id)
            tracked = stored_urls if tracked is None else tracked
        backfill = row is None or not row.backfilled
        report.first_crawl = backfill
        since_dt = datetime.combine(since or self.settings.crawl.since, dtime(0), MOSCOW)
        label, profile = profile_for(self.settings, source)
        url: str | None = source.url
        etag = last_mod = None
        todo: list[ListItem] = []
        seen: set[str] = set()
        reached_end = False
        empty: bool | None = None
        while url is not None and report.pages < self.settings.crawl.max_pages:
            first = report.pages == 0
            res = await self.fetcher.fetch(
                url,
                etag=row.list_etag if (first and row and not backfill) else None,
                last_modified=row.list_last_modified if (first and row and not backfill) else None,
                policy=self.policy(source),
            )
            report.pages += 1
            if first:
                etag, last_mod = res.etag, res.last_modified
            if res.not_modified:
                report.not_modified = True
                break
            try:
                page, secs = await self.parser.list_page(res.content, res.content_type, source.encoding, res.final_url, profile, label)
            except HostilePageError as exc:  # costs this list page (and the older ones behind it), not the source
                metrics.PARSE_REJECTED.labels("list", exc.reason).inc()
                report.errors.append(f"list {url}: {exc}")
                slog.warning("list page %s refused: %s", url, exc)
                break
            metrics.PARSE_SECONDS.labels("list").observe(secs)
            for href, why in page.rejected:
                metrics.PARSE_REJECTED.labels("item", "url" if why.startswith("bad URL") else "error").inc()
                slog.warning("list %s: item %s skipped: %s", url, href, why)
            if not page.items:
                # An empty first page is a markup-change signal only for a source that used to
                # yield items ("stopped yielding"); a new, empty press centre is just empty.
                if first and await asyncio.to_thread(self.store.has_articles, source.id):
                    empty = True
                    metrics.PARSE_FAILURES.labels("list").inc()
                    slog.warning("list page %s yielded no items (markup change?)", url)
                reached_end = True
                break
            empty = False
            # Links to other origins are never followed (one refusal line each; docs/security.md).
            items = [i for i in page.items if i.url not in seen and self.policy(source).permits(i.url)]
            seen.update(i.url for i in items)
            known = await asyncio.to_thread(self.store.known_titles, [i.url for i in items])
            older = [i for i in items if i.published_at is not None and i.published_at < since_dt]
            for it in items:
                if it.published_at is not None and it.published_at < since_dt:
                    continue
                if it.url not in known or (it.title and known[it.url] != it.title):
                    todo.append(it)
            if backfill and self.on_backfill_page is not None:
                self.on_backfill_page(source.id, report.pages, len(todo))
            if older:
                reached_end = True
                break
            if not backfill and all(i.url in known for i in items):
                break
            if page.next_url is None or page.next_url in seen or not self.policy(source).permits(page.next_url):
                reached_end = True
                break
            seen.add(url)
            url = page.next_url

        # Detail pages that failed on an earlier crawl are retried when due (storage/pending.py),
        # even when this crawl saw a 304 or a fully known first page.
        if tracked is None:
            tracked = await asyncio.to_thread(pending.urls, self.store, source.id)
        retry: list[pending.PendingItem] = []
        if tracked:
            in_todo = {i.url for i in todo}
            retry = [p for p in await asyncio.to_thread(pending.due, self.store, source.id, self.clock()) if p.url not in in_todo]
        skip = self.settings.alerts.first_run == "skip"
        if backfill and todo and self.on_backfill_page is not None:
            self.on_backfill_page(source.id, -1, len(todo))
        stored = await self._process_items(source, todo, (label, profile), report, slog, alert=not (backfill and skip), backfill=backfill, tracked=tracked)
        for was_backfill in (True, False):
            group = [ListItem(p.url, p.title, p.published_at, p.lead) for p in retry if p.backfill == was_backfill]
            if group:
                slog.info("retrying %d detail page(s) that failed before", len(group))
                await self._process_items(source, group, (label, profile), report, slog, alert=not (was_backfill and skip), backfill=was_backfill, tracked=tracked)
        if todo and stored == 0 and report.unparsed >= min(2, len(todo)) and empty is False:
            empty = True  # every detail page came back but none parsed: markup change (not a network problem)
        return CrawlOutcome(
            source.id,
            self.clock(),
            new_items=report.new,
            empty=empty,
            markup_change_after=self.settings.crawl.markup_change_after,
            etag=etag,
            last_modified=last_mod,
            backfilled=backfill and reached_end,
        )

    def _source_state(self, source_id: str) -> tuple[Any, set[str]]:
        """The source's stored row and its pending detail URLs (one worker-thread trip)."""
        return self.store.get_source(source_id), pending.urls(self.store, source_id)

    async def _crawl_originals(
        self, source: SourceSettings, since: date | None, report: SourceReport, slog: logging.LoggerAdapter[logging.Logger]
    ) -> CrawlOutcome:
        """One crawl of a ``kind: mayor`` source: fetch (feed, API), then the same featurize → dedup →
        store path as district news. A channel failure is a health flag; the crawl fails only when
        every configured channel failed."""
        from crawler.originals import fetch_originals
        from storage.originals import known_originals
        from storage.store import content_hash

        row = await asyncio.to_thread(self.store.get_source, source.id)
        backfill = row is None or not row.backfilled
        report.first_crawl = backfill
        since_dt = datetime.combine(since or self.settings.crawl.since, dtime(0), MOSCOW)
        known = await asyncio.to_thread(known_originals, self.store, source.id)
        got = await fetch_originals(
            self.fetcher, source, since=since_dt, known={k: v[0] for k, v in known.items()}, backfill=backfill,
            max_pages=self.settings.crawl.max_pages, now=self.clock(),
        )
        report.pages = got.requests
        hashes = {url: h for url, h in known.values()}
        todo = [a for a in got.articles if hashes.get(a.url) != content_hash(a.title, a.lead, a.text)]
        if todo:
            docs = [Doc(id=a.url, title=a.title, text=a.text, lead=a.lead, published_at=a.published_at, url=a.url, source=source.id) for a in todo]
            feats = await self._in_dedup_thread(self.featurizer.featurize, docs)
            alert = not (backfill and self.settings.alerts.first_run == "skip")
            for article, f in zip(todo, feats):
                await self._store_one(source, article, f, report, alert=alert)
        error = None
        if not got.ok:
            error = "; ".join(got.errors) or "no channel configured"
            report.ok, report.error = False, error
            slog.warning("originals crawl of %s failed: %s", source.id, error)
        elif got.errors:
            report.errors.extend(got.errors)
        return CrawlOutcome(
            source.id, self.clock(), error=error, new_items=report.new, empty=None,
            markup_change_after=self.settings.crawl.markup_change_after,
            # backfilled once the channel that pages back to crawl.since (the API; else the feed) worked
            backfilled=backfill and bool(got.api_ok if source.api else got.feed_ok), flags=tuple(sorted(got.flags)),
        )

    async def _process_items(
        self,
        source: SourceSettings,
        items: list[ListItem],
        profile: tuple[str | None, SelectorProfile | None],
        report: SourceReport,
        slog: logging.LoggerAdapter[logging.Logger],
        *,
        alert: bool,
        backfill: bool = False,
        tracked: set[str] | frozenset[str] = frozenset(),
    ) -> int:
        """Fetch and parse detail pages concurrently, then dedup+store them oldest first. Returns articles stored.

        A page whose download fails is kept as pending work (``backfill`` is remembered with it);
        a page in ``tracked`` (already pending) that downloads is removed from it."""
        far_future = datetime.max.replace(tzinfo=MOSCOW)
        items = sorted(items, key=lambda i: i.published_at or far_future)
        parsed = await asyncio.gather(*(self._fetch_article(source, it, profile, report, slog, backfill=backfill, tracked=tracked) for it in items))
        good = [(it, a) for it, a in zip(items, parsed) if a is not None]
        report.failed += len(items) - len(good)
        if not good:
            return 0
        docs = [
            Doc(id=a.url, title=a.title, text=a.text, lead=a.lead, published_at=a.published_at, url=a.url, source=source.id)
            for _, a in good
        ]
        feats = await self._in_dedup_thread(self.featurizer.featurize, docs)
        for (_, article), f in zip(good, feats):
            await self._store_one(source, article, f, report, alert=alert)
        return len(good)

    async def _fetch_article(
        self,
        source: SourceSettings,
        item: ListItem,
        profile: tuple[str | None, SelectorProfile | None],
        report: SourceReport,
        slog: logging.LoggerAdapter[logging.Logger],
        *,
        backfill: bool = False,
        tracked: set[str] | frozenset[str] = frozenset(),
    ) -> ParsedArticle | None:
        try:
            res = await self.fetcher.fetch(item.url, policy=self.policy(source))
        except RefusedURLError:
            return None  # the policy already logged and counted the refusal (one line per refusal)
        except FetchError as exc:
            slog.warning("detail %s skipped: %s", item.url, describe_error(exc))
            await self._remember_failure(source, item, describe_error(exc), backfill, slog)
            return None
        if item.url in tracked:
            await asyncio.to_thread(pending.resolve, self.store, [item.url])
        # The raw body is kept before parsing, so a page the parser cannot read today is not
        # lost: `mosnews reparse` recovers it after a parser fix, without the network.
        await asyncio.to_thread(
            self.store.save_raw_page, item.url, source.id, status=res.status, content_type=res.content_type, body=res.content, at=self.clock()
        )
        try:
            article, secs = await self.parser.article(res.content, res.content_type, source.encoding, item.url, profile[1], profile[0])
            metrics.PARSE_SECONDS.labels("detail").observe(secs)
        except ParseError as exc:
            if isinstance(exc, HostilePageError):
                metrics.PARSE_REJECTED.labels("detail", exc.reason).inc()
            report.unparsed += 1
            metrics.PARSE_FAILURES.labels("detail").inc()
            slog.warning("detail %s kept but not parsed: %s", item.url, describe_error(exc))
            return None
        if article.published_at is None and item.published_at is not None:
            article = _with_date(article, item.published_at)
        return article

    async def _remember_failure(
        self, source: SourceSettings, item: ListItem, error: str, backfill: bool, slog: logging.LoggerAdapter[logging.Logger]
    ) -> None:
        """Keep a failed detail page as pending work (retried with backoff; given up after ``crawl.detail_retry_for``)."""
        crawl = self.settings.crawl
        status = await asyncio.to_thread(
            pending.record_failure, self.store, source.id, pending.PendingItem(item.url, item.title, item.published_at, item.lead, backfill),
            error, self.clock(), backoff=crawl.detail_backoff, retry_for=crawl.detail_retry_for,
        )
        if status == "given_up":
            slog.warning("detail %s given up after failing for crawl.detail_retry_for (%s)", item.url, crawl.detail_retry_for)

    async def _store_one(self, source: SourceSettings, article: ParsedArticle, feats: Features, report: SourceReport, *, alert: bool) -> None:
        write = ArticleWrite(
            source_id=source.id,
            article=article,
            at=self.clock(),
            features=feats.to_bytes(),
            alert=alert,
            settle=self.settings.alerts.settle,
        )
        decisions: list[StoryDecision] = []

        def decide() -> StoryDecision:
            decisions.append(self.detector.decide(feats))
            return decisions[-1]

        def vet(session, decision: StoryDecision) -> StoryDecision:
            # the Mayor's original of the chosen story is checked too (docs/originals.md «The original as the anchor»)
            decisions.append(vet_decision(self.detector, feats, decision, Originals.in_store(self.detector, session), is_original=is_original_kind(source.kind)))
            return decisions[-1]

        async with self._dedup_lock:
            result = await self._in_dedup_thread(self.store.save_article, write, decide=decide, vet=vet, canonical=canonical_rule, title=story_title)
            if result.status == "new" and result.story_id is not None:
                self.detector.add(result.story_id, str(result.article_id), feats)
                if decisions:
                    await self._late_attach(decisions[-1], result.story_id)
        if result.status == "new":
            report.new += 1
            metrics.ARTICLES.labels("new").inc()
            if result.story_created:
                report.stories_created += 1
                report.stories_unalerted += not alert
                metrics.STORIES.inc()
        elif result.status == "updated":
            report.updated += 1
            metrics.ARTICLES.labels("updated").inc()

    async def _settle_if_idle(self) -> None:
        """When no other crawl is running, replay the days that received articles out of
        order (a backfill, a site back after an outage) in canonical order
        (:func:`crawler.recluster.settle`), so their stories are those an in-order crawl
        would have built; then reload the index."""
        if self._active or not self.detector.disorder:
            return
        from crawler.recluster import settle

        async with self._dedup_lock:
            days = sorted(self.detector.disorder)
            self.detector.disorder.clear()
            gap = 4 * math.ceil(self.settings.dedup.window.total_seconds() / 86400.0)
            runs = [[days[0], days[0]]]
            for d in days[1:]:
                if d - runs[-1][1] <= gap:
                    runs[-1][1] = d
                else:
                    runs.append([d, d])
            started = time.monotonic()
            moved = 0
            for k, (a, b) in enumerate(runs):
                try:
                    stats = await asyncio.to_thread(settle, self.store, self.settings, a, b)
                except StorageError as exc:  # nothing of this run was written: try again after the next crawl
                    log.error("settling days %d..%d failed, will retry after the next crawl: %s", a, b, exc)
                    for x, y in runs[k:]:
                        self.detector.disorder.update(d for d in days if x <= d <= y)
                    return
                moved += stats["moved"]
            # INFO only when a story changed: a backfill settles after every source's crawl (issue 14: quiet logs)
            log.log(
                logging.INFO if moved else logging.DEBUG,
                "settled %d day(s) of articles that arrived out of order in publication order: %d article(s) changed story (%.1f s)",
                sum(b - a + 1 for a, b in runs), moved, time.monotonic() - started,
            )
            metrics.SETTLED.inc(moved)
            self._stories_version = await asyncio.to_thread(stories_version, self.store)
            self.detector = self._new_detector()
            await asyncio.to_thread(self._load_index, logging.DEBUG)

    async def _late_attach(self, decision: StoryDecision, story_id: int) -> None:
        """Move lone articles that now match ``story_id`` into it (:meth:`Detector.revisit`);
        a move the store refuses (a manual split, a concurrent edit) is undone in the index."""
        for doc, old, again in self.detector.revisit(decision, story_id):
            def check(session, art, again=again) -> str | None:
                return late_attach_check_in_store(self.detector, session, art, story_id, again.score)

            try:
                ok = await asyncio.to_thread(
                    attach_lone_article, self.store, int(doc), story_id, again.score, dict(again.explanation),
                    canonical=canonical_rule, title=story_title, check=check,
                )
            except StorageError as exc:
                log.warning("late attachment of article %s to story %d not stored: %s", doc, story_id, exc)
                ok = False
            if ok:
                metrics.LATE_ATTACHED.inc()
                log.info("article %s joined story %d late (score %.3f); its own story %d is gone", doc, story_id, again.score, old)
            else:
                self.detector.move(doc, old)

    # --- many sources --------------------------------------------------------------------

    async def crawl(self, sources: list[SourceSettings], *, since: date | None = None, progress: Callable[[SourceReport], None] | None = None) -> list[SourceReport]:
        """Crawl ``sources`` with at most ``crawl.concurrency`` at once; reports in the given order.

        A pass in which some source fetched more than a ``304`` ends with a garbage collection."""
        sem = asyncio.Semaphore(self.settings.crawl.concurrency)

        def state() -> tuple[dict[str, Any], set[str]]:  # one trip for every source, not two per source
            return {r.id: r for r in self.store.list_sources()}, pending.sources_with_rows(self.store)

        rows, with_pending = await asyncio.to_thread(state)

        async def one(src: SourceSettings) -> SourceReport:
            async with sem:
                rep = await self.crawl_source(src, since=since, row=rows.get(src.id), pending_urls=None if src.id in with_pending else set())
            if progress is not None:
                progress(rep)
            return rep

        reports = list(await asyncio.gather(*(one(s) for s in sources)))
        if any(not r.not_modified for r in reports):
            # A pass that fetched and stored pages leaves many objects behind for the cyclic
            # garbage collector: collect them now, between passes, rather than in a full
            # collection that would pause the event loop in the middle of the next one.
            await asyncio.to_thread(gc.collect)
        return reports


def _with_date(article: ParsedArticle, when: datetime) -> ParsedArticle:
    from dataclasses import replace

    return replace(article, published_at=when, layers={**article.layers, "published_at": "list"})


@dataclass
class DeliveryReport:
    """What ``mosnews crawl`` delivered after its crawl (:func:`deliver_pending`).

    Attributes:
        sent, failed, dead, filtered: summed over the dispatch passes (``failed``: attempts that
            failed and were scheduled for a retry).
        passes: dispatch passes run; ``waited``: seconds spent waiting for alerts to become due.
        left: what is still undelivered when it returned, by reason (``settling``, ``retrying``,
            ``held``, ``digest``; see :func:`storage.outbox_report.outstanding`), with
            ``settling_until`` / ``retry_at`` (aware datetimes or ``None``).
        errors: ``(channel, redacted message)`` of the failed attempts.
    """

    sent: int = 0
    failed: int = 0
    dead: int = 0
    filtered: int = 0
    passes: int = 0
    waited: float = 0.0
    left: dict[str, object] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def left_count(self) -> int:
        """Alerts not delivered when the crawl exited (settling + retrying + held + waiting for a digest)."""
        return sum(int(self.left.get(k, 0) or 0) for k in ("settling", "retrying", "held", "digest"))  # type: ignore[call-overload]


async def deliver_pending(
    settings: Settings,
    store: Store,
    *,
    wait: timedelta | None = None,
    notify: Callable[[str], None] | None = None,
    clock: Callable[[], datetime] = now_utc,
) -> DeliveryReport:
    """Deliver what is due, then keep going while more becomes due within ``wait``.

    Runs :meth:`Dispatcher.dispatch_due` passes; between passes it sleeps until the next
    outbox row or delivery becomes due (a story's ``alerts.settle``, a retry's backoff), as long
    as that moment falls within ``wait`` (default ``alerts.crawl_wait``) of the start. With no
    channel configured there is nothing to wait for. ``notify`` receives one line before each wait.

    Raises:
        ConfigError: bad channel configuration.
        StorageError: the database failed.
    """
    from crawler.alert import Dispatcher
    from storage.outbox_report import next_due, outstanding

    wait = settings.alerts.crawl_wait if wait is None else wait
    dispatcher = Dispatcher(settings, store, clock=clock)
    deadline = clock() + wait
    rep = DeliveryReport()
    while True:
        one = await dispatcher.dispatch_due()
        rep.passes += 1
        rep.sent, rep.failed, rep.dead, rep.filtered = rep.sent + one.sent, rep.failed + one.failed, rep.dead + one.dead, rep.filtered + one.filtered
        rep.errors.extend(one.errors)
        if not dispatcher.channels:
            break
        nxt = await asyncio.to_thread(next_due, store)
        now = clock()
        if nxt is None or nxt > deadline:
            break
        pause = max((nxt - now).total_seconds(), 0.0) + 0.05  # a little past the due time
        if pause > 1.0 and notify is not None:
            left = await asyncio.to_thread(outstanding, store)
            notify(f"waiting {pause:.0f}s for {left['settling'] + left['retrying']} alert(s) to become due (limit: alerts.crawl_wait / --wait)")
        await asyncio.sleep(pause)
        rep.waited += pause
    rep.left = await asyncio.to_thread(outstanding, store)
    return rep


async def crawl_once(
    settings: Settings,
    store: Store,
    *,
    source_ids: list[str] | None = None,
    since: date | None = None,
    deliver: bool = True,
    fetcher: Fetcher | None = None,
    progress: Callable[[SourceReport], None] | None = None,
    wait: timedelta | None = None,
    notify: Callable[[str], None] | None = None,
    backfill_progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[SourceReport], DeliveryReport | None]:
    """One pass over the enabled (or given) sources, then deliver the alerts that are due
    and those that become due within ``wait`` (default ``alerts.crawl_wait``; see :func:`deliver_pending`).
    ``backfill_progress``: see :attr:`Pipeline.on_backfill_page`.

    Returns:
        ``(reports, delivery_report)``; ``delivery_report`` is ``None`` when ``deliver`` is false.

    Raises:
        ConfigError: ``source_ids`` names an unknown source.
        StorageError: the database failed.
    """
    sources = settings.enabled_sources(source_ids)
    pipeline = Pipeline(settings, store, fetcher=fetcher)
    pipeline.on_backfill_page = backfill_progress
    try:
        await pipeline.open()
        reports = await pipeline.crawl(sources, since=since, progress=progress)
    finally:
        await pipeline.aclose()
    dispatched = None
    if deliver:
        dispatched = await deliver_pending(settings, store, wait=wait, notify=notify)
    return reports, dispatched


__all__ = ["DeliveryReport", "Pipeline", "SourceReport", "crawl_once", "deliver_pending", "profile_for", "source_rows"]
