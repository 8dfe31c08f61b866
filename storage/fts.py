"""Full-text search over stories, in Russian, on SQLite (FTS5) and PostgreSQL (tsvector).

The index (table ``story_fts``, migration ``0002``) holds STEMMED text: the story
title and its canonical article's lead and body, passed through a ``stem``
callable (``str -> str`` of space-separated stems; the CLI and the daemon pass
:func:`crawler.textsearch.stem_text`, Snowball Russian). Queries go through the
same callable, so «школы» finds «школа». ``storage`` never imports the stemmer.

Freshness is lazy: :func:`refresh` indexes the stories whose ``updated_at`` is at
or after the last indexed time (and every story with an id above the last
indexed id), remembered in ``meta`` under ``fts_indexed`` as
``{"updated_at": ISO-8601, "max_id": int, "tie": {story_id: digest}}`` (``tie``:
the text digests of the stories indexed at exactly ``updated_at``). The CLI calls it before every
search; the daemon calls it periodically.

SQLite: FTS5 with the ``unicode61`` tokenizer, ranked by ``bm25`` (title weighted
2, body 1). PostgreSQL: ``to_tsvector('simple', …)`` over the stemmed text
(title weight A, body weight D), GIN-indexed, ranked by ``ts_rank``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, text

from storage.models import Article, Meta, Story
from storage.types import parse_utc

#: A stemmer: text in, space-separated stems out.
Stem = Callable[[str], str]
META_KEY = "fts_indexed"
_S, _A = Story.__table__, Article.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SearchHit:
    """One matching story; a higher ``score`` is a better match (comparable within one search only)."""

    story_id: int
    score: float


def refresh(store: Any, stem: Stem, *, batch: int = 500) -> int:
    """Index the stories created or updated since the last refresh.

    Args:
        store: a :class:`storage.Store`.
        stem: the stemmer (see module docstring).
        batch: stories read and written per transaction.

    Returns:
        The number of stories (re)indexed. 0 when the index was fresh: then no
        write transaction is opened (so calling it before every search is cheap).

    Raises:
        StorageError: on database errors (already indexed batches stay committed).
    """
    mark = _load_mark(store)
    since: datetime | None = parse_utc(mark["updated_at"]) if mark.get("updated_at") else None
    # Digests of what the index holds for some stories: the ones at the mark's time, plus
    # everything written by this call. A row whose text digest matches is not rewritten.
    known: dict[str, str] = dict(mark.get("tie", {}))
    done = 0
    # Phase 1: stories never seen (ids above the mark), whatever their updated_at.
    cursor_id = int(mark.get("max_id", 0))
    while rows := _read(store, _S.c.id > cursor_id, order=(_S.c.id,), limit=batch):
        done += _write(store, stem, rows, mark, known)
        cursor_id = rows[-1][0]
    # Phase 2: stories updated at or after the last indexed time. Timestamps have
    # 1 s resolution on SQLite, so rows AT that time are re-read and re-indexed
    # unless their text digest is the one already indexed.
    if since is not None:
        cur_t, cur_id = since, -1
        changed = 0
        while True:
            cond = or_(_S.c.updated_at > cur_t, and_(_S.c.updated_at == cur_t, _S.c.id > cur_id))
            rows = _read(store, cond, order=(_S.c.updated_at, _S.c.id), limit=batch)
            if not rows:
                break
            changed += _write(store, stem, rows, mark, known)
            cur_t, cur_id = rows[-1][2], rows[-1][0]
            if len(rows) < batch:
                break
        if changed:
            _drop_stale(store)
        done += changed
    return done


def rebuild(store: Any, stem: Stem) -> int:
    """Empty the index and index every story again (after a stemmer change). Returns the count indexed."""
    with store.session() as s:
        s.connection().execute(text("DELETE FROM story_fts"))
        row = s.get(Meta, META_KEY)
        if row is not None:
            s.delete(row)
    return refresh(store, stem)


def search(store: Any, query: str, stem: Stem, *, limit: int = 20) -> list[SearchHit]:
    """Stories whose stemmed title or text contain every stemmed word of ``query``, best first.

    Call :func:`refresh` first for up-to-date results. A query with no word
    characters returns ``[]``.

    Raises:
        StorageError: on database errors.
    """
    terms = stem(query).split()
    if not terms:
        return []
    if store.dialect == "postgresql":
        sql = (
            "SELECT f.story_id, ts_rank(f.document, q) AS score "
            "FROM story_fts AS f JOIN stories AS s ON s.id = f.story_id, plainto_tsquery('simple', :q) AS q "
            "WHERE f.document @@ q ORDER BY score DESC, f.story_id DESC LIMIT :n"
        )
        params: dict[str, Any] = {"q": " ".join(terms), "n": limit}
        sign = 1.0
    else:
        # Tokens are [0-9a-zа-я]+ only, so quoting each makes a safe FTS5 AND query.
        sql = (
            "SELECT story_fts.rowid, bm25(story_fts, 2.0, 1.0) AS score "
            "FROM story_fts JOIN stories ON stories.id = story_fts.rowid "
            "WHERE story_fts MATCH :q ORDER BY score, story_fts.rowid DESC LIMIT :n"
        )
        params = {"q": " ".join(f'"{t}"' for t in terms), "n": limit}
        sign = -1.0  # bm25: lower is better
    with store.read_session() as s:
        return [SearchHit(int(r[0]), sign * float(r[1])) for r in s.connection().execute(text(sql), params)]


def match_subquery(store: Any, query: str, stem: Stem) -> Any | None:
    """The ids of the stories :func:`search` would find for ``query``, as a subquery for ``IN``.

    The same stemming and AND semantics as :func:`search`, but unranked and unlimited, so a
    caller can combine it with other filters and its own order (the web interface's
    «newest first» list). ``None`` when ``query`` has no word characters.
    """
    from sqlalchemy import Integer, column

    terms = stem(query).split()
    if not terms:
        return None
    if store.dialect == "postgresql":
        sql = text("SELECT story_id FROM story_fts WHERE document @@ plainto_tsquery('simple', :fts_q)").bindparams(fts_q=" ".join(terms))
    else:
        sql = text("SELECT rowid AS story_id FROM story_fts WHERE story_fts MATCH :fts_q").bindparams(
            fts_q=" ".join(f'"{t}"' for t in terms))
    return sql.columns(column("story_id", Integer))


def match_exists(store: Any, query: str, stem: Stem, story_id: Any) -> Any | None:
    """A correlated ``EXISTS``: the story whose id is the column ``story_id`` matches ``query`` as in
    :func:`search` (one index probe per story, for walking stories in another index's order).
    ``None`` when ``query`` has no word characters."""
    from sqlalchemy import exists, func, literal, literal_column

    terms = stem(query).split()
    if not terms:
        return None
    if store.dialect == "postgresql":
        doc = literal_column("story_fts.document")
        return (exists().select_from(text("story_fts")).where(literal_column("story_fts.story_id") == story_id)
                .where(doc.op("@@")(func.plainto_tsquery(literal_column("'simple'"), literal(" ".join(terms))))))
    return (exists().select_from(text("story_fts")).where(literal_column("story_fts.rowid") == story_id)
            .where(literal_column("story_fts").op("MATCH")(literal(" ".join(f'"{t}"' for t in terms)))))


def coverage(store: Any) -> tuple[int, int]:
    """``(stories in the index, stories in the database)``: what a search can find right now.

    Raises:
        StorageError: on database errors.
    """
    key = "story_id" if store.dialect == "postgresql" else "rowid"
    with store.read_session() as s:
        conn = s.connection()
        indexed = conn.execute(text(f"SELECT count(*) FROM story_fts JOIN stories ON stories.id = story_fts.{key}")).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM stories")).scalar_one()
    return int(indexed), int(total)


def _load_mark(store: Any) -> dict[str, Any]:
    raw = store.get_meta(META_KEY)
    try:
        mark = json.loads(raw) if raw else {}
    except ValueError:
        mark = {}
    return mark if isinstance(mark, dict) else {}


def _read(store: Any, cond: Any, *, order: Sequence[Any], limit: int) -> list[tuple[int, str, datetime | None, str]]:
    """``(story_id, title, updated_at, body)`` rows; body = canonical article's lead + text."""
    q = (
        select(_S.c.id, _S.c.title, _S.c.updated_at, _A.c.lead, _A.c.text)
        .select_from(_S.outerjoin(_A, _A.c.id == _S.c.canonical_article_id))
        .where(cond)
        .order_by(*order)
        .limit(limit)
    )
    with store.read_session() as s:
        return [(int(r[0]), r[1] or "", r[2], f"{r[3] or ''}\n{r[4] or ''}") for r in s.connection().execute(q)]


def _digest(title: str, body: str) -> str:
    return hashlib.sha1(f"{title}\x00{body}".encode()).hexdigest()[:16]


def _write(store: Any, stem: Stem, rows: list[tuple[int, str, datetime | None, str]], mark: dict[str, Any],
           known: dict[str, str]) -> int:
    """Index the ``rows`` whose digest is not in ``known`` and advance ``mark``, in one transaction.

    Returns how many were written (0: no transaction opened).
    """
    fresh = [r for r in rows if known.get(str(r[0])) != _digest(r[1], r[3])]
    for sid, title, t, body in fresh:
        known[str(sid)] = _digest(title, body)
        mark["max_id"] = max(int(mark.get("max_id", 0)), sid)
        if t is None:
            continue
        prev = parse_utc(mark["updated_at"]) if mark.get("updated_at") else None
        if prev is None or t > prev:
            mark["updated_at"], mark["tie"] = t.isoformat(), {str(sid): _digest(title, body)}
        elif t == prev:
            mark["tie"][str(sid)] = _digest(title, body)
    if not fresh:
        return 0
    docs = [{"id": sid, "title": stem(title), "body": stem(body)} for sid, title, _t, body in fresh]
    with store.session() as s:
        conn = s.connection()
        if store.dialect == "postgresql":
            conn.execute(
                text(
                    "INSERT INTO story_fts (story_id, document) VALUES (:id, "
                    "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :body), 'D')) "
                    "ON CONFLICT (story_id) DO UPDATE SET document = EXCLUDED.document"
                ),
                docs,
            )
        else:
            conn.execute(text("DELETE FROM story_fts WHERE rowid = :id"), [{"id": d["id"]} for d in docs])
            conn.execute(text("INSERT INTO story_fts (rowid, title, body) VALUES (:id, :title, :body)"), docs)
        s.merge(Meta(key=META_KEY, value=json.dumps(mark)))
    return len(fresh)


def _drop_stale(store: Any) -> None:
    """Remove index rows of stories that no longer exist (emptied by merges or splits)."""
    col = "story_id" if store.dialect == "postgresql" else "rowid"
    with store.session() as s:
        s.connection().execute(text(f"DELETE FROM story_fts WHERE {col} NOT IN (SELECT id FROM stories)"))


__all__ = ["META_KEY", "SearchHit", "Stem", "coverage", "match_exists", "match_subquery", "rebuild", "refresh", "search"]
