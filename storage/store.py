"""The data-access object: every write the crawl pipeline makes, each in one transaction.

Writes go through :attr:`Store.engine` (SQLite: ``BEGIN IMMEDIATE``); reads for
the CLI through :attr:`Store.read_engine`. Foreign errors (SQLAlchemy,
sqlite3, psycopg) are translated into :class:`~crawler.errors.StorageError`.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, update
from sqlmodel import Session, select

from crawler.errors import StorageError
from storage.engine import make_engine
from storage.intents import ArticleWrite, CrawlOutcome, SourceRow
from storage.migrate import upgrade
from storage.models import AlertOutbox, Article, ArticleFeatures, Meta, RawPage, Source, Story, StoryOverride
from storage.originals import choose_original, second_original

#: A function choosing a story's canonical article from ``(article_id, published_at, text_length)`` rows.
CanonicalRule = Callable[[list[tuple[int, datetime | None, int]]], int]
#: A function choosing the title a story is shown under from its reprints' titles
#: (``None``: the canonical article's title).
TitleRule = Callable[[list[str]], str]


def content_hash(title: str, lead: str, text: str) -> str:
    """SHA-256 hex of the article's visible content; a change means the page was edited."""
    h = hashlib.sha256()
    for part in (title, lead, text):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def default_canonical(rows: list[tuple[int, datetime | None, int]]) -> int:
    """Fallback canonical rule: the longest text among the earliest day's reprints, then the lowest id."""
    dated = [r for r in rows if r[1] is not None]
    if dated:
        first = min(r[1] for r in dated if r[1] is not None)
        pool = [r for r in dated if r[1] is not None and r[1] - first <= timedelta(days=1)]
    else:
        pool = rows
    return sorted(pool, key=lambda r: (-r[2], r[0]))[0][0]


@dataclass(frozen=True)
class SaveResult:
    """What :meth:`Store.save_article` did."""

    article_id: int
    #: The story the article now belongs to (``None`` only when unchanged and never assigned).
    story_id: int | None
    #: ``new`` (inserted), ``updated`` (content edited in place) or ``unchanged``.
    status: Literal["new", "updated", "unchanged"]
    #: True when this article founded a new story.
    story_created: bool = False


class Store:
    """All reads and writes of one database.

    Args:
        url: SQLAlchemy URL (``sqlite:///mosnews.db`` or ``postgresql://…``).
        migrate: run alembic migrations to head on open.

    Raises:
        StorageError: the database cannot be opened or migrated.
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, write=True)
        self.read_engine = make_engine(url, write=False) if self.engine.dialect.name == "sqlite" else self.engine
        if migrate:
            try:
                upgrade(self.engine)
            except sa_exc.SQLAlchemyError as exc:
                raise StorageError(f"cannot open or migrate database {self.safe_url}: {_short(exc)}") from None

    @property
    def safe_url(self) -> str:
        """The URL with any password masked (for logs and messages)."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write session committed on success, rolled back on error.

        Raises:
            StorageError: on any database error (the transaction is rolled back).
        """
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                yield s
                s.commit()
        except sa_exc.SQLAlchemyError as exc:
            raise StorageError(f"database error on {self.safe_url}: {_short(exc)}") from exc

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only session (never takes the SQLite write lock)."""
        try:
            with Session(self.read_engine, expire_on_commit=False) as s:
                yield s
        except sa_exc.SQLAlchemyError as exc:
            raise StorageError(f"database error on {self.safe_url}: {_short(exc)}") from exc

    # --- sources -------------------------------------------------------------------

    def sync_sources(self, rows: Sequence[SourceRow]) -> None:
        """Insert or update the configured sources (health columns are kept)."""
        with self.session() as s:
            for r in rows:
                src = s.get(Source, r.id)
                if src is None:
                    s.add(Source(id=r.id, name=r.name, okrug=r.okrug, kind=r.kind, url=r.url, enabled=r.enabled))
                else:
                    if src.url != r.url:
                        src.list_etag = src.list_last_modified = None
                    src.name, src.okrug, src.kind, src.url, src.enabled = r.name, r.okrug, r.kind, r.url, r.enabled
                    s.add(src)

    def get_source(self, source_id: str) -> Source | None:
        with self.read_session() as s:
            return s.get(Source, source_id)

    def list_sources(self) -> list[Source]:
        with self.read_session() as s:
            return list(s.exec(select(Source).order_by(Source.okrug, Source.id)))

    def record_crawl(self, outcome: CrawlOutcome) -> None:
        """Store one crawl's result in the source's health columns.

        A failure increments ``consecutive_failures``; a success resets it. A
        successful crawl whose pages yielded nothing parseable increments
        ``empty_crawls``; ``markup_changed`` is set once it reaches
        ``outcome.markup_change_after``. One ``UPDATE`` (counters incremented in SQL):
        every crawl of every source writes here, most of them after a ``304``.

        Raises:
            StorageError: unknown source, or the database failed.
        """
        values: dict[str, Any] = {"last_crawl_at": outcome.at}
        if outcome.error is None:
            values.update(last_success_at=outcome.at, consecutive_failures=0, last_new_items=outcome.new_items)
            if outcome.etag is not None or outcome.last_modified is not None:
                values.update(list_etag=outcome.etag, list_last_modified=outcome.last_modified)
            if outcome.backfilled:
                values["backfilled"] = True
        else:
            values.update(last_error=outcome.error[:2000], last_error_at=outcome.at, consecutive_failures=Source.consecutive_failures + 1)
        if outcome.flags is not None:
            values["health_flags"] = sorted(set(outcome.flags)) or None
        if outcome.empty is True:
            values.update(empty_crawls=Source.empty_crawls + 1, markup_changed=Source.empty_crawls + 1 >= outcome.markup_change_after)
        elif outcome.empty is False:
            values.update(empty_crawls=0, markup_changed=False)
        with self.session() as s:
            done = s.exec(update(Source).where(Source.id == outcome.source_id).values(**values))  # type: ignore[call-overload, arg-type]
            if not done.rowcount:
                raise StorageError(f"unknown source {outcome.source_id!r}")

    # --- articles ------------------------------------------------------------------

    def known_titles(self, urls: Sequence[str]) -> dict[str, str]:
        """``{url: title}`` for those of ``urls`` already stored (the incremental-crawl check)."""
        out: dict[str, str] = {}
        with self.read_session() as s:
            for i in range(0, len(urls), 500):
                chunk = list(urls[i : i + 500])
                for url, title in s.exec(select(Article.url, Article.title).where(Article.url.in_(chunk))):  # type: ignore[attr-defined]
                    out[url] = title
        return out

    def save_raw_page(self, url: str, source_id: str, *, status: int, content_type: str | None, body: bytes, at: datetime) -> None:
        """Keep the raw HTML of a detail page (zlib level 6) for ``mosnews reparse``."""
        with self.session() as s:
            row = s.get(RawPage, url) or RawPage(url=url, source_id=source_id, body=b"")
            row.source_id, row.status, row.content_type, row.fetched_at = source_id, status, content_type, at
            row.body = zlib.compress(body, 6)
            s.add(row)

    def iter_raw_pages(self, source_ids: Sequence[str] | None = None) -> Iterator[tuple[str, str, str | None, bytes]]:
        """Yield ``(url, source_id, content_type, body)`` of every kept raw page (body decompressed)."""
        with self.read_session() as s:
            q = select(RawPage.url, RawPage.source_id, RawPage.content_type, RawPage.body)
            if source_ids:
                q = q.where(RawPage.source_id.in_(list(source_ids)))  # type: ignore[attr-defined]
            for url, sid, ctype, body in s.exec(q):
                yield url, sid, ctype, zlib.decompress(body)

    def save_article(
        self,
        write: ArticleWrite,
        *,
        decide: Callable[[], Any] | None = None,
        vet: Callable[[Session, Any], Any] | None = None,
        canonical: CanonicalRule = default_canonical,
        title: TitleRule | None = None,
    ) -> SaveResult:
        """Insert a new article (assigning its story) or update an edited one, in one transaction.

        Args:
            write: the article and its context (see :class:`storage.intents.ArticleWrite`).
            decide: called inside the transaction for a NEW article only; returns a
                ``StoryDecision``-like object with ``story_id`` (``None`` = new story),
                ``score`` and ``explanation``. Without it the article founds its own story.
            vet: called with the session and ``decide``'s decision, returns the decision to
                apply (the pipeline checks it against the Mayor's originals of the stories it
                ranked: ``crawler.originals.vet_decision``).
            canonical: the rule choosing a story's canonical article.
            title: the rule choosing a story's title (default: the canonical article's).

        A new story also gets its ``story.created`` row in ``alert_outbox`` in the same
        transaction (``status='skipped'`` when ``write.alert`` is false).

        Raises:
            StorageError: on database errors (nothing is written).
        """
        a = write.article
        h = content_hash(a.title, a.lead, a.text)
        with self.session() as s:
            row = s.exec(select(Article).where(Article.url == a.url)).first()
            if row is not None:
                if row.content_hash == h:
                    return SaveResult(row.id or 0, row.story_id, "unchanged")
                _fill(row, write, h)
                row.updated_at = write.at
                s.add(row)
                if write.features is not None and row.id is not None:
                    s.merge(ArticleFeatures(article_id=row.id, data=write.features))
                if row.story_id is not None:
                    _refresh_story(s, row.story_id, write.at, canonical, title)
                return SaveResult(row.id or 0, row.story_id, "updated")

            row = Article(url=a.url, source_id=write.source_id, content_hash=h, title="", fetched_at=write.at, updated_at=write.at)
            _fill(row, write, h)
            s.add(row)
            s.flush()
            assert row.id is not None
            if write.features is not None:
                s.add(ArticleFeatures(article_id=row.id, data=write.features))
            decision = decide() if decide is not None else None
            if vet is not None and decision is not None:
                decision = vet(s, decision)
            story_id = getattr(decision, "story_id", None)
            explanation = dict(getattr(decision, "explanation", {}) or {})
            if story_id is not None and second_original(s, write.source_id, story_id):
                # One original per release: a second Mayor's text is another release (storage/originals.py).
                explanation["original_conflict"] = f"story {story_id} already has the Mayor's original; this original founds its own"
                story_id = None
            created = story_id is None or s.get(Story, story_id) is None
            if created:
                story = Story(title=a.title, canonical_article_id=row.id, first_seen_at=write.at, updated_at=write.at)
                s.add(story)
                s.flush()
                story_id = story.id
                row.story_score = 1.0
                s.add(
                    AlertOutbox(
                        event="story.created",
                        story_id=story_id,
                        status="pending" if write.alert else "skipped",
                        created_at=write.at,
                        due_at=write.at + write.settle,
                    )
                )
            else:
                row.story_score = float(getattr(decision, "score", 0.0))
            row.story_id = story_id
            row.story_explanation = explanation | {"role": "founded" if created else "joined"}
            s.add(row)
            s.flush()
            assert story_id is not None
            _refresh_story(s, story_id, write.at, canonical, title)
            return SaveResult(row.id, story_id, "new", story_created=created)

    def load_features(self, since: datetime | None = None) -> Iterator[tuple[int, int | None, bytes]]:
        """Yield ``(article_id, story_id, features_bytes)`` for articles published (or fetched) since ``since``.

        Used at start-up to rebuild the detector's in-memory index of the recent window.
        """
        with self.read_session() as s:
            q = select(Article.id, Article.story_id, ArticleFeatures.data).join(
                ArticleFeatures, ArticleFeatures.article_id == Article.id  # type: ignore[arg-type]
            )
            if since is not None:
                q = q.where(func.coalesce(Article.published_at, Article.fetched_at) >= since)
            q = q.order_by(Article.id)  # type: ignore[arg-type]
            for aid, sid, data in s.exec(q):
                yield aid, sid, data

    def load_features_between(self, first: datetime, end: datetime) -> Iterator[tuple[int, int, bytes]]:
        """Yield ``(article_id, story_id, features_bytes)`` of the articles with a story that were
        published in ``[first, end)`` (aware datetimes), oldest first.

        The detector pages stretches of days in with it (an article is compared with the
        stories of its own publication time); served by the ``published_at`` index.
        """
        with self.read_session() as s:
            q = (
                select(Article.id, Article.story_id, ArticleFeatures.data)
                .join(ArticleFeatures, ArticleFeatures.article_id == Article.id)  # type: ignore[arg-type]
                .where(Article.published_at >= first, Article.published_at < end, Article.story_id.is_not(None))  # type: ignore[union-attr]
                .order_by(Article.published_at, Article.id)  # type: ignore[arg-type]
            )
            rows = list(s.exec(q))
        yield from rows

    def has_articles(self, source_id: str) -> bool:
        """True once at least one article of ``source_id`` is stored."""
        with self.read_session() as s:
            return s.exec(select(Article.id).where(Article.source_id == source_id).limit(1)).first() is not None

    def latest_published(self) -> datetime | None:
        """The newest ``articles.published_at`` (UTC), or ``None`` for an empty archive."""
        with self.read_session() as s:
            return s.exec(select(func.max(Article.published_at))).one()

    # --- meta ----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.read_session() as s:
            row = s.get(Meta, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(Meta(key=key, value=value))

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (for summaries)."""
        with self.read_session() as s:
            return {
                "sources": s.exec(select(func.count()).select_from(Source)).one(),
                "articles": s.exec(select(func.count()).select_from(Article)).one(),
                "stories": s.exec(select(func.count()).select_from(Story)).one(),
            }


def _fill(row: Article, write: ArticleWrite, h: str) -> None:
    a = write.article
    row.source_id = write.source_id
    row.title, row.lead, row.text = a.title, a.lead, a.text
    row.published_at = a.published_at
    row.images, row.tags = list(a.images), list(a.tags)
    row.content_hash = h
    row.fetched_at = write.at


def _refresh_story(s: Session, story_id: int, at: datetime, canonical: CanonicalRule, title: TitleRule | None = None) -> None:
    """Recompute a story's derived columns from its members (count, earliest time, canonical, title)."""
    members = list(
        s.exec(
            select(Article.id, Article.published_at, func.length(Article.text), Article.title, Source.kind)
            .join(Source, Source.id == Article.source_id, isouter=True)  # type: ignore[arg-type]
            .where(Article.story_id == story_id)
        )
    )
    story = s.get(Story, story_id)
    if story is None:
        return
    if not members:
        s.delete(story)
        return
    rows = [(int(m[0]), m[1], int(m[2] or 0)) for m in members]
    titles = {int(m[0]): m[3] for m in members}
    dates = [m[1] for m in members if m[1] is not None]
    # The Mayor's original, when the story has one, is its canonical item and gives its title
    # (storage/originals.py); otherwise the configured rules choose among the reprints.
    oid = choose_original([(int(m[0]), m[1], m[4]) for m in members])
    story.original_article_id = oid
    if oid is not None:
        story.canonical_article_id = oid
        story.title = titles.get(oid) or story.title
    else:
        cid = canonical(rows)
        story.canonical_article_id = cid
        story.title = title(list(titles.values())) if title is not None else titles.get(cid, story.title)
    story.published_at = min(dates) if dates else None
    story.reprint_count = len(members)
    story.updated_at = at
    s.add(story)


def refresh_story(
    s: Session, story_id: int, at: datetime, canonical: CanonicalRule = default_canonical, title: TitleRule | None = None
) -> None:
    """Public form of the story refresh, for merge/split/recluster code working in its own session."""
    _refresh_story(s, story_id, at, canonical, title)


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the database at ``url``. See :class:`Store`."""
    return Store(url, migrate=migrate)


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0][:300]


__all__ = ["SaveResult", "Store", "StoryOverride", "content_hash", "default_canonical", "open_store", "refresh_story"]
