"""Manual story fixes (merge, split) and the bulk rewrite used by ``mosnews recluster``.

Fixes are recorded in ``story_overrides`` so they survive reclustering, and every change
bumps ``meta.stories_version`` so a running daemon reloads its in-memory index.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, col, select

from crawler.errors import StoryEditError
from storage.originals import second_original
from storage.models import AlertDelivery, AlertOutbox, Article, Meta, Source, Story, StoryOverride
from storage.store import CanonicalRule, Store, TitleRule, default_canonical, refresh_story

log = logging.getLogger("mosnews.stories")

STORIES_VERSION_KEY = "stories_version"
#: Delivery statuses not sent yet (cancelled when their story is merged away).
UNSENT = ("pending", "held", "digest")


def _bump(s: Session, at: datetime) -> None:
    s.merge(Meta(key=STORIES_VERSION_KEY, value=at.isoformat()))


def stories_version(store: Store) -> str | None:
    """An opaque token that changes whenever stories were edited outside the pipeline."""
    return store.get_meta(STORIES_VERSION_KEY)


def story_detail(store: Store, story_id: int) -> dict[str, Any] | None:
    """A story with every reprint, its source and the detector's reasons.

    Returns ``None`` when there is no such story; else ``{"story": {...}, "reprints": [{...}]}``
    with reprints ordered by publication time.
    """
    with store.read_session() as s:
        story = s.get(Story, story_id)
        if story is None:
            return None
        rows = s.exec(
            select(Article, Source.name, Source.okrug)
            .join(Source, Source.id == Article.source_id)  # type: ignore[arg-type]
            .where(Article.story_id == story_id)
            .order_by(Article.published_at, Article.id)  # type: ignore[arg-type]
        ).all()
        overrides = {o.article_id: o.action for o in s.exec(select(StoryOverride).where(StoryOverride.article_id.in_([a.id for a, _, _ in rows])))}  # type: ignore[attr-defined]
    reprints = [
            {
                "article_id": a.id,
                "url": a.url,
                "source_id": a.source_id,
                "source_name": name,
                "okrug": okrug,
                "title": a.title,
                "published_at": a.published_at,
                "text_length": len(a.text),
                "score": a.story_score,
                "explanation": a.story_explanation,
                "canonical": a.id == story.canonical_article_id,
                "original": story.original_article_id is not None and a.id == story.original_article_id,
                "override": overrides.get(a.id or -1),
                "role": article_role(a.story_explanation, story_id),
            }
            for a, name, okrug in rows
        ]
    _one_founder(reprints)
    return {"story": story.model_dump(), "reprints": reprints}


def article_role(expl: dict[str, Any] | None, story_id: int | None) -> str:
    """How an article came to be in its story: ``founded`` (no earlier story matched it),
    ``joined`` (attached by the detector, late attachment included) or ``manual`` (merge,
    split). Explanations written before roles were stored are read by their shape."""
    if not expl:
        return "founded"
    role = expl.get("role")
    if role in ("founded", "joined", "manual"):
        return role
    if "manual" in expl:
        return "manual"
    if expl.get("late"):
        return "joined"
    best = expl.get("best") if isinstance(expl.get("best"), dict) else None
    return "joined" if best is not None and best.get("story") == story_id else "founded"


def _one_founder(reprints: list[dict[str, Any]]) -> None:
    """Make exactly one reprint the founder (``role``): the earliest published of those that
    founded it; if none did (the founder was split off), the earliest member is shown as
    founder (``promoted``), its join reason kept."""
    if not reprints:
        return
    founders = [r for r in reprints if r["role"] == "founded"]
    keep = founders[0] if founders else reprints[0]  # reprints are ordered by publication time
    for r in founders[1:]:
        r["role"] = "joined"  # founded a story of its own that was folded into this one
    if not founders:
        keep["promoted"] = True
    keep["role"] = "founded"


def merge_stories(
    store: Store, keep: int, absorb: int, *, canonical: CanonicalRule = default_canonical, title: TitleRule | None = None
) -> int:
    """Move every article of story ``absorb`` into story ``keep`` and delete ``absorb``.

    The moved articles are pinned to ``keep`` (``story_overrides.action='merge'``); alerts of
    ``absorb`` not sent yet are cancelled (the kept story has its own). Returns articles moved.

    Raises:
        StoryEditError: either story does not exist, or they are the same.
    """
    if keep == absorb:
        raise StoryEditError("cannot merge a story with itself")
    now = datetime.now(timezone.utc)
    with store.session() as s:
        a, b = s.get(Story, keep), s.get(Story, absorb)
        if a is None or b is None:
            raise StoryEditError(f"no story {keep if a is None else absorb}")
        anchor = a.canonical_article_id
        moved = list(s.exec(select(Article).where(Article.story_id == absorb)))
        for art in moved:
            art.story_explanation = {"manual": f"merged from story {absorb}", "role": "manual"}
            s.merge(StoryOverride(article_id=art.id, action="merge", anchor_article_id=anchor, created_at=now))
        _absorb(s, keep, b, moved, now, canonical, title)
        _bump(s, now)
        return len(moved)


def attach_lone_article(
    store: Store,
    article_id: int,
    story_id: int,
    score: float,
    explanation: dict[str, Any] | None,
    *,
    canonical: CanonicalRule = default_canonical,
    title: TitleRule | None = None,
    check: Callable[[Session, Article], str | None] | None = None,
) -> bool:
    """Late attachment (``Detector.revisit``): move an article that is alone in its story
    into ``story_id`` and delete its old story, in one transaction.

    Refused (returns ``False``, nothing written) when the article is unknown, already in
    ``story_id``, no longer alone, pinned by a manual fix (``story_overrides``), or
    ``story_id`` does not exist, or the article is a Mayor's original and ``story_id`` already has
    one (one original per release, :func:`storage.originals.second_original`), or ``check``
    (called with the session and the article) names a reason (the pipeline's: it contradicts the
    story's original, ``crawler.originals.late_attach_check``). The old story's alerts not sent yet (a pending
    ``story.created`` row, deliveries still pending or held) are cancelled — it was a reprint,
    not a new release; sent alerts stay as history, re-pointed to ``story_id``. Not a manual fix: nothing is pinned and ``stories_version`` is not
    bumped (the daemon's index already holds the move).
    """
    now = datetime.now(timezone.utc)
    with store.session() as s:
        art = s.get(Article, article_id)
        if art is None or art.story_id is None or art.story_id == story_id or s.get(Story, story_id) is None:
            return False
        old = s.get(Story, art.story_id)
        members = list(s.exec(select(Article.id).where(Article.story_id == art.story_id)))
        if old is None or len(members) != 1 or s.get(StoryOverride, article_id) is not None:
            return False
        if second_original(s, art.source_id, story_id):
            return False  # one original per release (storage/originals.py)
        if check is not None and (why := check(s, art)) is not None:
            log.info("late attachment of article %s to story %d refused: %s", article_id, story_id, why)
            return False  # it contradicts the story's original (crawler.originals.late_attach_check)
        art.story_score = float(score)
        art.story_explanation = dict(explanation or {}) | {"late": f"moved from story {old.id} when story {story_id} grew", "role": "joined"}
        _absorb(s, story_id, old, [art], now, canonical, title)
        return True


def _absorb(
    s: Session, keep: int, old: Story, arts: list[Article], now: datetime, canonical: CanonicalRule, title: TitleRule | None
) -> None:
    """Move ``arts`` (all of ``old``'s articles) into ``keep``, cancel ``old``'s alerts not sent
    yet (outbox rows still pending, deliveries pending / held / waiting for a digest), keep the
    sent ones as history re-pointed to ``keep``, delete ``old``."""
    for art in arts:
        art.story_id = keep
        s.add(art)
    for row in s.exec(select(AlertOutbox).where(AlertOutbox.story_id == old.id)):
        if row.status == "pending":
            row.status = "cancelled"
        for d in s.exec(select(AlertDelivery).where(AlertDelivery.outbox_id == row.id, col(AlertDelivery.status).in_(UNSENT))):
            d.status = "cancelled"  # not sent yet: the kept story has (or had) its own alert
            s.add(d)
        row.story_id = keep
        s.add(row)
    s.flush()
    s.delete(old)
    refresh_story(s, keep, now, canonical, title)


def split_article(
    store: Store, article_id: int, *, canonical: CanonicalRule = default_canonical, title: TitleRule | None = None
) -> int:
    """Take an article out of its story into a story of its own, and keep it alone on recluster.

    Returns the new story's id. No alert is sent for it (a manual fix is not news). An
    article already alone keeps its story (and that story's alerts); it is only pinned.

    Raises:
        StoryEditError: no such article.
    """
    now = datetime.now(timezone.utc)
    with store.session() as s:
        art = s.get(Article, article_id)
        if art is None:
            raise StoryEditError(f"no article {article_id}")
        old = art.story_id
        alone = old is not None and len(list(s.exec(select(Article.id).where(Article.story_id == old)))) == 1
        if alone:  # already a story of its own: keep it (and its alerts), only pin the article
            s.merge(StoryOverride(article_id=art.id, action="split", anchor_article_id=None, created_at=now))
            _bump(s, now)
            assert old is not None
            return old
        story = Story(title=art.title, canonical_article_id=art.id, first_seen_at=now, updated_at=now)
        s.add(story)
        s.flush()
        art.story_id, art.story_score = story.id, 1.0
        art.story_explanation = {"manual": f"split from story {old}", "role": "manual"}
        s.add(art)
        s.merge(StoryOverride(article_id=art.id, action="split", anchor_article_id=None, created_at=now))
        s.flush()
        assert story.id is not None
        refresh_story(s, story.id, now, canonical, title)
        if old is not None:
            refresh_story(s, old, now, canonical, title)
        _bump(s, now)
        return story.id


def overrides(store: Store) -> dict[int, tuple[str, int | None]]:
    """``{article_id: (action, anchor_article_id)}`` of every manual fix."""
    with store.read_session() as s:
        return {o.article_id: (o.action, o.anchor_article_id) for o in s.exec(select(StoryOverride))}


def _relabel(expl: dict[str, Any] | None, label_story: dict[int, int]) -> dict[str, Any] | None:
    """The explanation with the replay's story labels (``best.story``, ``ranking[].story``)
    turned into the stored story ids; a label that no longer exists (its story was emptied by
    late attachment) becomes ``None``."""
    if not expl:
        return expl
    out = dict(expl)
    if isinstance(out.get("best"), dict):
        out["best"] = dict(out["best"], story=label_story.get(out["best"].get("story")))
    if isinstance(out.get("ranking"), list):
        out["ranking"] = [dict(r, story=label_story.get(r.get("story"))) for r in out["ranking"] if isinstance(r, dict)]
    return out


def rewrite_stories(
    store: Store,
    assignment: Iterable[tuple[int, int, float, dict[str, Any] | None]],
    *,
    canonical: CanonicalRule = default_canonical,
    title: TitleRule | None = None,
    progress: Callable[[int], None] | None = None,
    fixed_labels: set[int] | frozenset[int] = frozenset(),
) -> dict[str, int]:
    """Apply a reclustering of some or all articles in one transaction.

    Args:
        assignment: ``(article_id, label, score, explanation)``; articles with the same
            ``label`` form one story. Articles not listed keep their story.
        fixed_labels: labels that are existing story ids (a partial replay attaching to the
            stories around it): their articles go to that very story.

    Other labels reuse an old story id where the new cluster holds most of an old story's
    listed articles, so alert history and links stay valid (largest clusters choose first);
    clusters without one get new stories (no alerts). Stories left empty are deleted, their
    outbox rows re-pointed to the story that now holds their canonical article (unsent ones
    cancelled). Explanations' story labels are turned into story ids.

    Returns:
        ``{"stories": n, "reused": n, "created": n, "deleted": n, "moved": n}`` (``stories`` =
        stories the listed articles are in now).
    """
    now = datetime.now(timezone.utc)
    rows = list(assignment)
    stats = {"stories": 0, "reused": 0, "created": 0, "deleted": 0, "moved": 0}
    with store.session() as s:
        ids = [aid for aid, *_ in rows]
        current: dict[int, int | None] = {}
        for k in range(0, len(ids), 500):
            current.update(s.exec(select(Article.id, Article.story_id).where(col(Article.id).in_(ids[k : k + 500]))).all())
        by_label: dict[int, list[tuple[int, float, dict[str, Any] | None]]] = {}
        for aid, label, score, expl in rows:
            by_label.setdefault(label, []).append((aid, score, expl))
        label_story: dict[int, int] = {label: label for label in by_label if label in fixed_labels}
        used: set[int] = set(fixed_labels)
        # Reuse: largest clusters first claim the old story most of their members had.
        for label, members in sorted(by_label.items(), key=lambda kv: -len(kv[1])):
            if label in label_story:
                continue
            votes = Counter(current.get(aid) for aid, _, _ in members if current.get(aid) is not None)
            for sid, _n in votes.most_common():
                if sid not in used:
                    label_story[label] = sid  # type: ignore[assignment]
                    used.add(sid)  # type: ignore[arg-type]
                    stats["reused"] += 1
                    break
        for label in by_label:
            if label not in label_story:
                st = Story(first_seen_at=now, updated_at=now)
                s.add(st)
                s.flush()
                assert st.id is not None
                label_story[label] = st.id
                stats["created"] += 1
        new_of_article: dict[int, int] = {}
        for i, (label, members) in enumerate(by_label.items()):
            sid = label_story[label]
            for aid, score, expl in members:
                expl = _relabel(expl, label_story)
                new_of_article[aid] = sid
                art = s.get(Article, aid)
                if art is None:
                    continue
                if art.story_id != sid:
                    stats["moved"] += 1
                art.story_id, art.story_score, art.story_explanation = sid, score, expl
                s.add(art)
            if progress is not None:
                progress(i + 1)
        s.flush()
        touched = set(label_story.values()) | {sid for sid in current.values() if sid is not None}
        for sid in sorted(touched):
            if s.exec(select(Article.id).where(Article.story_id == sid).limit(1)).first() is not None:
                refresh_story(s, sid, now, canonical, title)
                continue
            story = s.get(Story, sid)
            if story is None:
                continue
            target = new_of_article.get(story.canonical_article_id or -1)
            for row in s.exec(select(AlertOutbox).where(AlertOutbox.story_id == story.id)):
                row.story_id = target
                if row.status == "pending":
                    row.status = "cancelled"
                s.add(row)
            s.flush()
            s.delete(story)
            stats["deleted"] += 1
        stats["stories"] = len(set(label_story.values()))
        _bump(s, now)
    return stats


#: ``meta`` key holding the revision of the title rule the stored story titles were chosen with.
TITLE_REVISION_KEY = "story_title_revision"


def retitle_stories(store: Store, title: TitleRule, revision: str) -> int | None:
    """Re-choose every story's title with ``title`` when the stored titles were chosen by another
    revision of the rule (``meta.story_title_revision`` differs from ``revision``), in one
    transaction; then record ``revision``.

    A story's title is otherwise re-chosen only when the story is refreshed (a new member, an
    edit, merge, split, recluster), so after an upgrade of the rule the stories nobody touches
    would keep titles the old rule chose. Stories with the Mayor's original keep its title
    (``storage/originals.py``); only the ``title`` (and ``updated_at``, so the search index
    follows) of stories whose title changes is written: members, canonical article and alerts
    are untouched (an alert keeps the title it was sent under).

    Returns the number of stories retitled, or ``None`` when the recorded revision is already
    ``revision`` (nothing read). On an empty database only the revision is recorded.
    """
    if store.get_meta(TITLE_REVISION_KEY) == revision:  # the usual case: a read, no write lock
        return None
    with store.session() as s:
        recorded = s.get(Meta, TITLE_REVISION_KEY)
        if recorded is not None and recorded.value == revision:
            return None
        now = datetime.now(timezone.utc)
        # One pass over the members in story order (the story_id index), a story at a time.
        rows = s.exec(
            select(Article.story_id, Article.title, Story.title)
            .join(Story, col(Story.id) == col(Article.story_id))
            .where(col(Story.original_article_id).is_(None))
            .order_by(col(Article.story_id))
        )
        fixes: dict[int, str] = {}
        for sid, group in itertools.groupby(rows, key=lambda r: r[0]):
            members = list(group)
            new = title([t or "" for _, t, _ in members])
            if new and new != (members[0][2] or ""):
                fixes[sid] = new
        for sid, new in fixes.items():
            story = s.get(Story, sid)
            if story is not None:
                story.title, story.updated_at = new, now
                s.add(story)
        s.merge(Meta(key=TITLE_REVISION_KEY, value=revision))
    return len(fixes)
