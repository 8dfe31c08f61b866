"""The Mayor's originals: which member of a story is the release itself (docs/originals.md).

An *original* is an article of a source of kind ``mayor`` (the Mayor's own text on
www.mos.ru). A story holding one is a **release**: ``stories.original_article_id`` points at
it, it is the story's canonical article, and its title is the story's title. A story without
one is district-only news. :func:`choose_original` is applied by ``storage.store`` every time a
story's canonical article is recomputed (new member, edit, merge, split, recluster, late
attachment), so the column is never stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from storage.models import Article, ArticleFeatures, Source, Story

if TYPE_CHECKING:
    from storage.store import Store

#: Source kinds whose articles are originals (``sources.kind``).
ORIGINAL_KINDS: tuple[str, ...] = ("mayor",)


def is_original_kind(kind: str | None) -> bool:
    """True when articles of a source of this ``kind`` are the Mayor's originals."""
    return kind in ORIGINAL_KINDS


def choose_original(rows: Sequence[tuple[int, datetime | None, str | None]]) -> int | None:
    """The original among a story's members, or ``None``.

    Args:
        rows: ``(article_id, published_at or None, source kind)`` of every member.

    Rule: among the members from an originals source, the earliest published (undated last),
    then the lowest id. Two originals in one story happen when the Mayor publishes a follow-up
    that the detector folds in; the first one is the release.
    """
    cands = [r for r in rows if is_original_kind(r[2])]
    if not cands:
        return None
    return min(cands, key=lambda r: (r[1] is None, r[1].timestamp() if r[1] is not None else 0.0, r[0]))[0]


def original_source_ids(s: Session) -> list[str]:
    """Ids of every stored source whose articles are originals."""
    return list(s.exec(select(Source.id).where(col(Source.kind).in_(list(ORIGINAL_KINDS)))))


def second_original(s: Session, source_id: str, story_id: int) -> bool:
    """True when an article of ``source_id`` is an original and story ``story_id`` already has one.

    The Mayor publishes one text per release, so a second original is another release (the same
    yearly event, the same object at another stage, a template of the same week): it founds its
    own story instead of joining (``Store.save_article``), and late attachment does not move it
    into a story that has an original (``storage.stories.attach_lone_article``).
    """
    src = s.get(Source, source_id)
    if src is None or not is_original_kind(src.kind):
        return False
    story = s.get(Story, story_id)
    return story is not None and story.original_article_id is not None


def originals_of(s: Session, story_ids: Sequence[int]) -> dict[int, int]:
    """``{story id: its original's article id}`` for those of ``story_ids`` that have one."""
    ids = [int(x) for x in story_ids]
    if not ids:
        return {}
    q = select(Story.id, Story.original_article_id).where(col(Story.id).in_(ids), col(Story.original_article_id).is_not(None))
    return {int(sid): int(oid) for sid, oid in s.exec(q)}


def original_features(s: Session, article_id: int) -> bytes | None:
    """The stored dedup features (``article_features.data``) of an original, or ``None``."""
    row = s.get(ArticleFeatures, article_id)
    return None if row is None else row.data


def story_original(s: Session, story_id: int) -> Article | None:
    """The story's original article (by ``stories.original_article_id``), or ``None``."""
    story = s.get(Story, story_id)
    if story is None or story.original_article_id is None:
        return None
    return s.get(Article, story.original_article_id)


def find_by_item_id(s: Session, source_id: str, item_id: str) -> Article | None:
    """An originals source's article whose URL ends in ``/<item_id>/`` (or ``/<item_id>``).

    The feed links ``/mayor/themes/<theme>/<id>/`` while the API alone knows only the id, so
    the same release is matched by its id whichever way it was first found.
    """
    q = select(Article).where(
        Article.source_id == source_id,
        (col(Article.url).like(f"%/{item_id}/")) | (col(Article.url).like(f"%/{item_id}")),
    )
    return s.exec(q.limit(1)).first()


def known_originals(store: "Store", source_id: str) -> dict[str, tuple[str, str]]:
    """``{item id: (url, content_hash)}`` of every stored article of an originals source.

    The item id is the number at the end of the URL (``…/9017050/``); articles whose URL ends
    in no number are keyed by their URL.
    """
    import re

    out: dict[str, tuple[str, str]] = {}
    with store.read_session() as s:
        for url, h in s.exec(select(Article.url, Article.content_hash).where(Article.source_id == source_id)):
            m = re.search(r"/(\d{4,})/?$", url)
            out[m.group(1) if m else url] = (url, h)
    return out


__all__ = [
    "ORIGINAL_KINDS", "choose_original", "find_by_item_id", "is_original_kind", "known_originals", "original_features",
    "original_source_ids", "originals_of", "second_original", "story_original",
]  # fmt: skip
