"""Replaying stored articles through the detector in canonical order: ``recluster`` and ``settle``.

The canonical order is publication time, then article id: the order a perfect crawler would
have seen the articles in, and the one ``mosnews cluster`` uses offline. Replaying a set of
articles in that order through a fresh :class:`~crawler.dedup.Detector` makes their stories
depend on the articles alone, not on the order they arrived in. Manual fixes are honoured:
``split`` articles stay alone (and attract nothing), ``merge`` articles follow their anchor.

* :func:`recluster` (``mosnews recluster``) replays every article when the dedup method changed
  (:mod:`crawler.dedup.method`); with the method that built the stories it has nothing to do.
  Features whose blob is missing, unreadable, or written by an older extraction revision are
  recomputed from the stored text.
* :func:`settle` replays one stretch of days after articles arrived out of order (a backfill
  stores each site's history site by site, a site that was down comes back with a week of
  news), and the two windows after it (whose articles were decided with the late ones
  missing). The stories of the two windows before it are the fixed context the replay
  attaches to; the rest of the archive is untouched.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from sqlmodel import select

from crawler.config import Settings
from crawler.dedup import Detector, Doc, Featurizer, Features, canonical_rule, story_title
from crawler.dedup.features import FEATURE_REVISION
from crawler.dedup.method import META_KEY, method_changes, method_of
from crawler.originals import Originals, late_attach_check, vet_decision
from storage import Store
from storage.models import Article, ArticleFeatures
from storage.stories import overrides, rewrite_stories

log = logging.getLogger("mosnews.recluster")
_FAR = datetime.max.replace(tzinfo=timezone.utc)
Row = tuple[int, int, float, dict]


def recluster(
    store: Store, settings: Settings, *, progress: Callable[[int, int], None] | None = None, force: bool = False
) -> dict[str, object]:
    """Re-assign every article to a story when the dedup method changed (or ``force``).

    The stories of a database are a function of its articles and the method
    (:mod:`crawler.dedup.method`): with the method that built them, a rebuild has nothing to
    change. Returns ``{"changes": [what differs in the method], "rebuilt": bool, **counts}``,
    the counts from :func:`storage.stories.rewrite_stories` when rebuilt.

    Raises:
        StorageError: the database failed (nothing is changed: the rewrite is one transaction).
    """
    current = method_of(settings.dedup)
    changes = method_changes(store.get_meta(META_KEY), current)
    if not changes and not force:
        return {"changes": [], "rebuilt": False}
    arts = _articles(store)
    feats = _features(store, settings, arts)
    rows = _replay(Detector(settings.dedup), arts, feats, overrides(store), {}, progress, originals=_originals(store))
    stats = rewrite_stories(store, rows, canonical=canonical_rule, title=story_title)
    store.set_meta(META_KEY, json.dumps(current))
    return {"changes": changes, "rebuilt": True, **stats}


def settle(store: Store, settings: Settings, first_day: int, last_day: int) -> dict[str, int]:
    """Replay the articles published on days ``first_day..last_day + 2 windows`` (days since
    the epoch) in canonical order against the stories of the two windows before, and store
    the result.

    Returns the counts of :func:`storage.stories.rewrite_stories` (``moved`` = articles whose
    story changed). Raises :class:`StorageError` when the database fails (nothing is changed).
    """
    w = math.ceil(settings.dedup.window.total_seconds() / 86400.0)
    region = _articles(store, first_day, last_day + 2 * w)
    if not region:
        return {"stories": 0, "reused": 0, "created": 0, "deleted": 0, "moved": 0}
    context = _articles(store, first_day - 2 * w, first_day - 1)
    feats = _features(store, settings, region + context)
    det = Detector(settings.dedup)
    current = {aid: sid for aid, sid in _story_ids(store, [r[0] for r in context])}
    for r in context:  # the fixed neighbourhood, with its stories as they are
        if current.get(r[0]) is not None:
            det.add(current[r[0]], str(r[0]), feats[r[0]])
    fixed = {sid for sid in current.values() if sid is not None}
    rows = _replay(det, region, feats, overrides(store), {aid: sid for aid, sid in current.items() if sid is not None}, None,
                   first_label=max(fixed, default=0) + 1_000_000_000, originals=_originals(store))  # fmt: skip
    return rewrite_stories(store, rows, canonical=canonical_rule, title=story_title, fixed_labels=fixed)


def _articles(store: Store, first_day: int | None = None, last_day: int | None = None) -> list[tuple]:
    """``(id, title, text, lead, published_at, url, source_id, features blob)`` in canonical
    order; only those published on ``first_day..last_day`` when given."""
    q = select(Article.id, Article.title, Article.text, Article.lead, Article.published_at, Article.url, Article.source_id, ArticleFeatures.data).join(
        ArticleFeatures, ArticleFeatures.article_id == Article.id, isouter=True  # type: ignore[arg-type]
    )
    if first_day is not None and last_day is not None:
        start = datetime.fromtimestamp(first_day * 86400, timezone.utc)
        end = datetime.fromtimestamp((last_day + 1) * 86400, timezone.utc)
        q = q.where(Article.published_at >= start, Article.published_at < end)  # type: ignore[operator]
    with store.read_session() as s:
        arts = list(s.exec(q))
    arts.sort(key=lambda r: (r[4] or _FAR, r[0]))
    return arts


def _originals(store: Store) -> set[int]:
    """Ids of the Mayor's originals (articles of ``kind: mayor`` sources): one per release."""
    from storage.originals import original_source_ids

    with store.read_session() as s:
        srcs = original_source_ids(s)
        if not srcs:
            return set()
        return set(s.exec(select(Article.id).where(Article.source_id.in_(srcs))))  # type: ignore[union-attr]


def _story_ids(store: Store, ids: list[int]) -> Iterable[tuple[int, int | None]]:
    with store.read_session() as s:
        for k in range(0, len(ids), 500):
            yield from s.exec(select(Article.id, Article.story_id).where(Article.id.in_(ids[k : k + 500])))  # type: ignore[union-attr]


def _features(store: Store, settings: Settings, arts: list[tuple]) -> dict[int, Features]:
    """Stored features of ``arts``; missing, unreadable or older-revision ones recomputed and stored."""
    feats: dict[int, Features] = {}
    stale = []
    for aid, title, text, lead, when, url, src, blob in arts:
        try:
            if blob is None:
                raise ValueError("missing")
            f = Features.from_bytes(blob)
            if f.revision < FEATURE_REVISION:
                raise ValueError(f"computed by extraction revision {f.revision}")
            feats[aid] = f
        except ValueError:
            stale.append(Doc(id=str(aid), title=title, text=text, lead=lead, published_at=when, url=url, source=src))
    if stale:
        log.info("recomputing features of %d articles", len(stale))
        fz = Featurizer(settings.dedup)
        for i in range(0, len(stale), 256):
            batch = stale[i : i + 256]
            for doc, f in zip(batch, fz.featurize(batch)):
                feats[int(doc.id)] = f
        with store.session() as s:
            for doc in stale:
                s.merge(ArticleFeatures(article_id=int(doc.id), data=feats[int(doc.id)].to_bytes()))
    return feats


def _replay(
    det: Detector,
    arts: list[tuple],
    feats: dict[int, Features],
    fixes: dict[int, tuple[str, int | None]],
    label_of: dict[int, int],
    progress: Callable[[int, int], None] | None,
    *,
    first_label: int = 1,
    originals: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[Row]:
    """Decide ``arts`` (canonical order) one by one against ``det`` and each other, as the
    pipeline does (late attachment included). ``label_of`` holds the labels (story ids) of the
    articles already in ``det``; new stories get labels from ``first_label`` on.

    One original per release (``originals``: article ids of the Mayor's texts, as
    :func:`storage.originals.second_original` rules in the live path): an original never joins
    or is moved into a story that already holds one.

    Returns ``[(article id, label, score, explanation)]`` for the replayed articles and for any
    article of ``det`` that late attachment moved.
    """
    label_of = dict(label_of)
    with_original = {label_of[a] for a in originals if a in label_of}
    out: dict[int, Row] = {}
    next_label = first_label
    deferred: list[tuple[int, int]] = []
    for n, (aid, *_rest) in enumerate(arts, 1):
        f = feats[aid]
        action, anchor = fixes.get(aid, (None, None))
        if action == "split":
            label_of[aid], next_label = next_label, next_label + 1
            out[aid] = (aid, label_of[aid], 1.0, {"manual": "split", "role": "manual"})
            continue  # stays alone and attracts nothing
        if action == "merge" and anchor is not None:
            if anchor in label_of:
                label_of[aid] = label_of[anchor]
                det.add(label_of[aid], str(aid), f)
                out[aid] = (aid, label_of[aid], 1.0, {"manual": f"merged with article {anchor}", "role": "manual"})
            else:
                deferred.append((aid, anchor))
            continue
        d = det.decide(f)
        if originals:  # the Mayor's originals as anchors, as the live path (crawler.originals.vet_decision)
            d = vet_decision(det, f, d, Originals.in_index(det, originals), is_original=aid in originals)
        expl = dict(d.explanation)
        joined = d.story_id is not None
        if joined and aid in originals and d.story_id in with_original:
            expl["original_conflict"] = f"story {d.story_id} already has the Mayor's original; this original founds its own"
            joined = False
        if not joined:
            label, score = next_label, 1.0
            next_label += 1
        else:
            label, score = d.story_id, d.score
        label_of[aid] = label
        if aid in originals:
            with_original.add(label)
        det.add(label, str(aid), f)
        out[aid] = (aid, label, score, expl | {"role": "joined" if joined else "founded"})
        for doc, old, again in det.revisit(d, label):  # lone articles this one's story now attracts
            if int(doc) in fixes or (int(doc) in originals and label in with_original) or (  # pinned by hand / one original per release
                originals and late_attach_check(det, doc, label, again.score, Originals.in_index(det, originals), is_original=int(doc) in originals)
            ):  # / it contradicts the story's original (crawler.originals.late_attach_check)
                det.move(doc, old)
                continue
            label_of[int(doc)] = label
            out[int(doc)] = (int(doc), label, again.score, dict(again.explanation) | {"role": "joined", "late": f"moved when story {label} grew"})
        if progress is not None and n % 200 == 0:
            progress(n, len(arts))
    for aid, anchor in deferred:  # anchors published after the article they hold
        label = label_of.get(anchor)
        if label is None:
            label, next_label = next_label, next_label + 1
        label_of[aid] = label
        out[aid] = (aid, label, 1.0, {"manual": f"merged with article {anchor}", "role": "manual"})
    if progress is not None:
        progress(len(arts), len(arts))
    return list(out.values())
