"""Read-side queries for the CLI and the operator checks (SQLite and PostgreSQL alike).

Everything here reads through :meth:`storage.Store.read_session` and returns plain
frozen dataclasses with aware UTC datetimes. The "when" of a story is
``published_at`` (earliest reprint's publication time), falling back to
``first_seen_at`` when no reprint shows a date.

Raises: every function raises :class:`~crawler.errors.StorageError` on database errors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import case, func, select

from storage.models import Article, Source, Story
from storage.types import iso_utc, parse_utc

_S, _A, _SRC = Story.__table__, Article.__table__, Source.__table__  # type: ignore[attr-defined]
_WHEN = func.coalesce(_S.c.published_at, _S.c.first_seen_at)
_CHUNK = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Release:
    """One story as ``mosnews releases`` shows it.

    ``reprint_urls`` are in publication order; ``okrugs`` and ``sources`` (source ids)
    are distinct and sorted.
    """

    story_id: int
    title: str
    published_at: datetime | None
    first_seen_at: datetime | None
    canonical_url: str | None
    reprint_count: int
    reprint_urls: list[str] = field(default_factory=list)
    okrugs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: The Mayor's original (docs/originals.md): its URL and publication time; ``None`` for district-only news.
    original_url: str | None = None
    original_published_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON object (format version 1, see ``docs/schema.md``): :func:`release_json`."""
        return release_json(self)


def release_json(r: Any) -> dict[str, Any]:
    """The object of ``mosnews releases --format json`` (format version 1, ``docs/schema.md``)
    for anything with a release's attributes (:class:`Release`, the web's rows); times as
    ``YYYY-MM-DDTHH:MM:SSZ``, ``original_*`` ``null`` when the story has no Mayor's original."""
    return {
        "story_id": r.story_id,
        "title": r.title,
        "published_at": iso_utc(r.published_at),
        "first_seen_at": iso_utc(r.first_seen_at),
        "canonical_url": r.canonical_url,
        "reprint_count": r.reprint_count,
        "reprint_urls": list(r.reprint_urls),
        "okrugs": list(r.okrugs),
        "sources": list(r.sources),
        "original_url": r.original_url,
        "original_published_at": iso_utc(r.original_published_at),
    }


@dataclass(frozen=True)
class Reprint:
    """One article of a story, for exports."""

    article_id: int
    url: str
    source_id: str
    source_name: str
    okrug: str
    title: str
    published_at: datetime | None
    fetched_at: datetime | None
    #: Probability that the article reprints the story (1.0 for its founder); ``None`` if unknown.
    score: float | None
    canonical: bool
    lead: str = ""
    text: str = ""
    #: True for the story's Mayor's original.
    original: bool = False


@dataclass(frozen=True)
class StoryExport:
    """A story with every reprint (``mosnews export``)."""

    release: Release
    reprints: list[Reprint]


@dataclass(frozen=True)
class SourceStatus:
    """Health of one source (``mosnews status``, operator alerts)."""

    id: str
    name: str
    okrug: str
    enabled: bool
    last_crawl_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    empty_crawls: int
    markup_changed: bool
    #: Articles whose publication time (else fetch time) is within the 24 hours before ``now``.
    items_last_day: int
    #: Latest publication time among the source's articles.
    last_item_at: datetime | None
    articles: int
    #: Warnings of the last crawl (``sources.health_flags``; e.g. ``api_block_page``, docs/originals.md).
    health_flags: list[str] = field(default_factory=list)


def _story_filter(q: Any, since: datetime | None, okrugs: Sequence[str], sources: Sequence[str], story_ids: Collection[int] | None,
                  originals_only: bool = False, until: datetime | None = None) -> Any:
    if originals_only:
        q = q.where(_S.c.original_article_id.is_not(None))
    if since is not None:
        q = q.where(_WHEN >= since)
    if until is not None:
        q = q.where(_WHEN < until)
    if okrugs:
        q = q.where(_S.c.id.in_(select(_A.c.story_id).join(_SRC, _SRC.c.id == _A.c.source_id).where(_SRC.c.okrug.in_(list(okrugs)))))
    if sources:
        q = q.where(_S.c.id.in_(select(_A.c.story_id).where(_A.c.source_id.in_(list(sources)))))
    if story_ids is not None:
        q = q.where(_S.c.id.in_(list(story_ids)))
    return q


def _story_rows(s: Any, ids: Sequence[int]) -> dict[int, Any]:
    orig = _A.alias("orig")
    q = (
        select(_S.c.id, _S.c.title, _S.c.published_at, _S.c.first_seen_at, _A.c.url, _S.c.reprint_count,
               orig.c.url, orig.c.published_at)
        .select_from(_S.outerjoin(_A, _A.c.id == _S.c.canonical_article_id).outerjoin(orig, orig.c.id == _S.c.original_article_id))
        .where(_S.c.id.in_(list(ids)))
    )
    return {int(r[0]): r for r in s.connection().execute(q)}


def _members(s: Any, ids: Sequence[int], *, with_text: bool = False) -> dict[int, list[Any]]:
    cols = [_A.c.story_id, _A.c.id, _A.c.url, _A.c.source_id, _SRC.c.name, _SRC.c.okrug, _A.c.title,
            _A.c.published_at, _A.c.fetched_at, _A.c.story_score]
    if with_text:
        cols += [_A.c.lead, _A.c.text]
    q = select(*cols).join(_SRC, _SRC.c.id == _A.c.source_id).where(_A.c.story_id.in_(list(ids)))
    out: dict[int, list[Any]] = {}
    for r in s.connection().execute(q):
        out.setdefault(int(r[0]), []).append(r)
    for rows in out.values():  # publication order, undated last (same on every database)
        rows.sort(key=lambda r: (r[7] is None, r[7] or _EPOCH, r[1]))
    return out


def _release(row: Any, members: list[Any]) -> Release:
    return Release(
        story_id=int(row[0]),
        title=row[1] or "",
        published_at=row[2],
        first_seen_at=row[3],
        canonical_url=row[4],
        reprint_count=int(row[5] or 0),
        reprint_urls=[m[2] for m in members],
        okrugs=sorted({m[5] for m in members if m[5]}),
        sources=sorted({m[3] for m in members}),
        original_url=row[6],
        original_published_at=row[7],
    )


def _ordered_ids(store: Any, since: datetime | None, okrugs: Sequence[str], sources: Sequence[str],
                 story_ids: Collection[int] | None, limit: int | None, originals_only: bool = False, until: datetime | None = None) -> list[int]:
    q = _story_filter(select(_S.c.id), since, okrugs, sources, story_ids, originals_only, until).order_by(_WHEN.desc(), _S.c.id.desc())
    if limit:
        q = q.limit(limit)
    with store.read_session() as s:
        return [int(r[0]) for r in s.connection().execute(q)]


def releases(
    store: Any,
    *,
    since: datetime | None = None,
    okrugs: Sequence[str] = (),
    sources: Sequence[str] = (),
    story_ids: Collection[int] | None = None,
    limit: int | None = None,
    originals_only: bool = False,
    until: datetime | None = None,
) -> list[Release]:
    """Stories newest first (by publication time, else first-seen time; then id descending).

    Args:
        since: only stories published (else first seen) at or after this aware time.
        until: only stories published (else first seen) before this aware time.
        okrugs: only stories with a reprint from a source in one of these okrugs (exact match).
        sources: only stories with a reprint from one of these source ids.
        story_ids: only these stories (e.g. full-text search hits).
        limit: at most this many (``None`` or 0: all).
        originals_only: only the Mayor's releases (stories with an original, ``stories.original_article_id``).
    """
    ids = _ordered_ids(store, since, okrugs, sources, story_ids, limit, originals_only, until)
    out: list[Release] = []
    with store.read_session() as s:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            rows, members = _story_rows(s, chunk), _members(s, chunk)
            out.extend(_release(rows[sid], members.get(sid, [])) for sid in chunk if sid in rows)
    return out


def iter_story_exports(
    store: Any,
    *,
    since: datetime | None = None,
    okrugs: Sequence[str] = (),
    sources: Sequence[str] = (),
    with_text: bool = True,
    originals_only: bool = False,
    until: datetime | None = None,
) -> Iterator[StoryExport]:
    """Stories (filtered as in :func:`releases`, newest first) with every reprint, streamed in chunks."""
    ids = _ordered_ids(store, since, okrugs, sources, None, None, originals_only, until)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        with store.read_session() as s:
            rows, members = _story_rows(s, chunk), _members(s, chunk, with_text=with_text)
        for sid in chunk:
            if sid not in rows:
                continue
            ms = members.get(sid, [])
            rel = _release(rows[sid], ms)
            canonical_url = rel.canonical_url
            reprints = [
                Reprint(
                    article_id=int(m[1]), url=m[2], source_id=m[3], source_name=m[4], okrug=m[5] or "",
                    title=m[6], published_at=m[7], fetched_at=m[8],
                    score=float(m[9]) if m[9] is not None else None, canonical=m[2] == canonical_url,
                    original=rel.original_url is not None and m[2] == rel.original_url,
                    lead=m[10] if with_text else "", text=m[11] if with_text else "",
                )
                for m in ms
            ]
            yield StoryExport(rel, reprints)


def source_status(store: Any, now: datetime) -> list[SourceStatus]:
    """Every stored source (enabled or not) with its crawl health and recent item counts, by okrug then id.

    Args:
        now: aware "current" time; ``items_last_day`` counts the 24 hours before it.
    """
    day_ago = now - timedelta(days=1)
    item_when = func.coalesce(_A.c.published_at, _A.c.fetched_at)
    agg = (
        select(
            _A.c.source_id,
            func.count(),
            func.max(_A.c.published_at),
            func.sum(case((item_when >= day_ago, 1), else_=0)),
        )
        .group_by(_A.c.source_id)
    )
    with store.read_session() as s:
        stats = {r[0]: (int(r[1]), r[2], int(r[3] or 0)) for r in s.connection().execute(agg)}
        srcs = list(s.connection().execute(select(_SRC).order_by(_SRC.c.okrug, _SRC.c.id)))
    out = []
    for r in srcs:
        n, last_item, recent = stats.get(r.id, (0, None, 0))
        if isinstance(last_item, str):  # SQLite max() over TEXT loses the column type
            last_item = parse_utc(last_item)
        out.append(
            SourceStatus(
                id=r.id, name=r.name, okrug=r.okrug, enabled=bool(r.enabled),
                last_crawl_at=r.last_crawl_at, last_success_at=r.last_success_at,
                last_error=r.last_error, last_error_at=r.last_error_at,
                consecutive_failures=int(r.consecutive_failures), empty_crawls=int(r.empty_crawls),
                markup_changed=bool(r.markup_changed), items_last_day=recent, last_item_at=last_item, articles=n,
                health_flags=list(_json_list(getattr(r, "health_flags", None))),
            )
        )
    return out


def _json_list(v: Any) -> list[str]:
    if isinstance(v, str):  # a raw JSON text (SQLite through Core without the column type)
        import json

        try:
            v = json.loads(v)
        except ValueError:
            return []
    return [str(x) for x in v] if isinstance(v, list) else []


__all__ = ["Release", "Reprint", "SourceStatus", "StoryExport", "iter_story_exports", "releases", "source_status"]


def story_moved_to(store: Any, story_id: int) -> tuple[int, str] | None:
    """Where the articles of a story that no longer exists went: ``(story id, how)`` with ``how``
    ``"merged"`` (``mosnews merge``) or ``"late"`` (late attachment), from the articles'
    stored explanations; ``None`` when no article records coming from ``story_id``."""
    from sqlalchemy import String, cast, or_

    expl = cast(Article.story_explanation, String)  # type: ignore[arg-type]
    merged, late = f'%merged from story {int(story_id)}"%', f"%moved from story {int(story_id)} when%"
    q = select(Article.story_id, expl).where(or_(expl.like(merged), expl.like(late))).where(Article.story_id.is_not(None))  # type: ignore[union-attr]
    with store.read_session() as s:
        row = s.connection().execute(q.limit(1)).first()
    if row is None:
        return None
    return int(row[0]), ("merged" if f"merged from story {int(story_id)}" in (row[1] or "") else "late")
