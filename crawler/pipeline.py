"""The crawl pipeline: the only module that knows the order fetch → parse → dedup → store → alert.

See ``docs/architecture.md`` for the numbered data flow. One :class:`Pipeline`
serves both ``mosnews crawl`` (one pass) and the daemon (one job per source).

Incremental rule: a source's first crawl (``sources.backfilled`` false) follows
the pager back to ``crawl.since``; later crawls send a conditional GET for the
first list page and follow the pager only while a page still shows items not
in the database, so a detail page that failed once is retried next time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from crawler import metrics
from crawler.config import SelectorProfile, Settings, SourceSettings, now_utc
from crawler.dedup import Detector, Doc, Featurizer, Features, canonical_rule, story_title
from crawler.errors import FetchError, MosnewsError, ParseError, StorageError
from crawler.fetch import Fetcher
from crawler.fetch.client import describe_error
from crawler.fetch.hostpool import PerHostTransport
from crawler.parse import decode_html, parse_article, parse_list
from crawler.parse.profiles import resolve_profile
from crawler.types import ListItem, ParsedArticle, StoryDecision
from storage import Store
from storage.intents import ArticleWrite, CrawlOutcome, SourceRow
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
    #: Detail pages that could not be fetched or parsed (retried next crawl).
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
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher or Fetcher(settings.fetch, transport=PerHostTransport(per_host=settings.fetch.per_host, max_connections=settings.fetch.max_connections))
        self._own_fetcher = fetcher is None
        self.clock = clock
        self.featurizer = Featurizer(settings.dedup)
        self.detector = Detector(settings.dedup)
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
        self._edit_checked_at = -EDIT_CHECK_SECONDS

    async def open(self) -> None:
        """Sync configured sources into the DB and load the detector's window of recent features."""
        for src in self.settings.enabled_sources():
            profile_for(self.settings, src)  # raises ConfigError for an unknown profile name
        await asyncio.to_thread(self.store.sync_sources, source_rows(self.settings))
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
            self.detector = Detector(self.settings.dedup)
            await asyncio.to_thread(self._load_index)

    def _load_index(self) -> None:
        # The window is anchored at the newest stored article, not the wall clock, so that
        # an archive crawled from the simulator (or a backfill of old news) reloads correctly.
        newest = self.store.latest_published()
        anchor = min(self.clock(), newest) if newest is not None else self.clock()
        since = anchor - 2 * self.settings.dedup.window
        n = 0
        for article_id, story_id, data in self.store.load_features(since):
            if story_id is None:
                continue
            try:
                feats = Features.from_bytes(data)
            except ValueError:
                continue  # written by an older feature version; `mosnews recluster` rebuilds them
            self.detector.add(story_id, str(article_id), feats)
            n += 1
        log.info("dedup index loaded: %d recent articles", n)

    async def _in_dedup_thread(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Run ``fn`` in the pipeline's dedup worker thread (see ``__init__``)."""
        return await asyncio.get_running_loop().run_in_executor(self._dedup_thread, functools.partial(fn, *args, **kwargs))

    async def aclose(self) -> None:
        """Close the fetcher (when the pipeline built it) and stop the dedup worker thread."""
        self._dedup_thread.shutdown(wait=False)
        if self._own_fetcher:
            await self.fetcher.aclose()

    # --- one source ----------------------------------------------------------------------

    async def crawl_source(self, source: SourceSettings, *, since: date | None = None, row: object = None) -> SourceReport:
        """Crawl one source: list pages, then new detail pages, oldest first.

        ``row``: the source's stored row when the caller already read it (:meth:`crawl` reads all
        of them in one query); read here when omitted.

        Never raises for fetch/parse problems (they are recorded in the report and
        in ``sources.last_error``); raises :class:`StorageError` when the database fails.
        """
        report = SourceReport(source.id)
        started = time.monotonic()
        slog = logging.LoggerAdapter(log, {"source": source.id})
        outcome: CrawlOutcome
        try:
            await self._reload_if_edited()
            outcome = await self._crawl_source(source, since, report, slog, row)
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
        if report.ok and self._failing.get(source.id):
            slog.info("%s recovered after %d failed crawl(s)", source.id, self._failing.pop(source.id))
        await asyncio.to_thread(self.store.record_crawl, outcome)
        report.seconds = time.monotonic() - started
        metrics.JOB_DURATION.observe(report.seconds)
        metrics.CRAWLS.labels("ok" if report.ok else "failed").inc()
        return report

    async def _crawl_source(
        self, source: SourceSettings, since: date | None, report: SourceReport, slog: logging.LoggerAdapter[logging.Logger], row: Any = None
    ) -> CrawlOutcome:
        if row is None:
            row = await asyncio.to_thread(self.store.get_source, source.id)
        backfill = row is None or not row.backfilled
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
            )
            report.pages += 1
            if first:
                etag, last_mod = res.etag, res.last_modified
            if res.not_modified:
                report.not_modified = True
                break
            html, _enc = decode_html(res.content, res.content_type, source.encoding)
            page = parse_list(html, res.final_url, profile, profile_name=label)
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
            items = [i for i in page.items if i.url not in seen]
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
            if page.next_url is None or page.next_url in seen:
                reached_end = True
                break
            seen.add(url)
            url = page.next_url

        if backfill and todo and self.on_backfill_page is not None:
            self.on_backfill_page(source.id, -1, len(todo))
        stored = await self._process_items(source, todo, (label, profile), report, slog, alert=not (backfill and self.settings.alerts.first_run == "skip"))
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

    async def _process_items(
        self,
        source: SourceSettings,
        items: list[ListItem],
        profile: tuple[str | None, SelectorProfile | None],
        report: SourceReport,
        slog: logging.LoggerAdapter[logging.Logger],
        *,
        alert: bool,
    ) -> int:
        """Fetch and parse detail pages concurrently, then dedup+store them oldest first. Returns articles stored."""
        far_future = datetime.max.replace(tzinfo=MOSCOW)
        items = sorted(items, key=lambda i: i.published_at or far_future)
        parsed = await asyncio.gather(*(self._fetch_article(source, it, profile, report, slog) for it in items))
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
    ) -> ParsedArticle | None:
        try:
            res = await self.fetcher.fetch(item.url)
        except FetchError as exc:
            slog.warning("detail %s skipped: %s", item.url, describe_error(exc))
            return None
        # The raw body is kept before parsing, so a page the parser cannot read today is not
        # lost: `mosnews reparse` recovers it after a parser fix, without the network.
        await asyncio.to_thread(
            self.store.save_raw_page, item.url, source.id, status=res.status, content_type=res.content_type, body=res.content, at=self.clock()
        )
        try:
            html, _enc = decode_html(res.content, res.content_type, source.encoding)
            article = parse_article(html, item.url, profile[1], profile_name=profile[0])
        except ParseError as exc:
            report.unparsed += 1
            metrics.PARSE_FAILURES.labels("detail").inc()
            slog.warning("detail %s kept but not parsed: %s", item.url, describe_error(exc))
            return None
        if article.published_at is None and item.published_at is not None:
            article = _with_date(article, item.published_at)
        return article

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

        async with self._dedup_lock:
            result = await self._in_dedup_thread(self.store.save_article, write, decide=decide, canonical=canonical_rule, title=story_title)
            if result.status == "new" and result.story_id is not None:
                self.detector.add(result.story_id, str(result.article_id), feats)
                if decisions:
                    await self._late_attach(decisions[-1], result.story_id)
        if result.status == "new":
            report.new += 1
            metrics.ARTICLES.labels("new").inc()
            if result.story_created:
                report.stories_created += 1
                metrics.STORIES.inc()
        elif result.status == "updated":
            report.updated += 1
            metrics.ARTICLES.labels("updated").inc()

    async def _late_attach(self, decision: StoryDecision, story_id: int) -> None:
        """Move lone articles that now match ``story_id`` into it (:meth:`Detector.revisit`);
        a move the store refuses (a manual split, a concurrent edit) is undone in the index."""
        for doc, old, again in self.detector.revisit(decision, story_id):
            try:
                ok = await asyncio.to_thread(
                    attach_lone_article, self.store, int(doc), story_id, again.score, dict(again.explanation), canonical=canonical_rule, title=story_title
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
        """Crawl ``sources`` with at most ``crawl.concurrency`` at once; reports in the given order."""
        sem = asyncio.Semaphore(self.settings.crawl.concurrency)
        rows = {r.id: r for r in await asyncio.to_thread(self.store.list_sources)}  # one query, not one per source

        async def one(src: SourceSettings) -> SourceReport:
            async with sem:
                rep = await self.crawl_source(src, since=since, row=rows.get(src.id))
            if progress is not None:
                progress(rep)
            return rep

        return list(await asyncio.gather(*(one(s) for s in sources)))


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
