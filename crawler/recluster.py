"""Rebuild every story from the stored articles (``mosnews recluster``).

Articles are replayed in publication order through a fresh :class:`~crawler.dedup.Detector`,
exactly as the pipeline would have seen them, honouring manual fixes:
``split`` articles stay alone (and attract nothing), ``merge`` articles follow their
anchor article. Features whose blob is missing, unreadable, or written by an older extraction
revision (`Features.revision` < `FEATURE_REVISION`) are recomputed from the stored text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from sqlmodel import select

from crawler.config import Settings
from crawler.dedup import Detector, Doc, Featurizer, Features, canonical_rule, story_title
from crawler.dedup.features import FEATURE_REVISION
from storage import Store
from storage.models import Article, ArticleFeatures
from storage.stories import overrides, rewrite_stories

log = logging.getLogger("mosnews.recluster")
_FAR = datetime.max.replace(tzinfo=timezone.utc)


def recluster(store: Store, settings: Settings, *, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Re-assign every article to a story; returns the counts from :func:`storage.stories.rewrite_stories`.

    Raises:
        StorageError: the database failed (nothing is changed: the rewrite is one transaction).
    """
    with store.read_session() as s:
        arts = list(
            s.exec(
                select(Article.id, Article.title, Article.text, Article.lead, Article.published_at, Article.url, Article.source_id, ArticleFeatures.data)
                .join(ArticleFeatures, ArticleFeatures.article_id == Article.id, isouter=True)  # type: ignore[arg-type]
            )
        )
    arts.sort(key=lambda r: (r[4] or _FAR, r[0]))
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
    fixes = overrides(store)
    det = Detector(settings.dedup)
    label_of: dict[int, int] = {}
    out: dict[int, tuple[int, int, float, dict | None]] = {}
    next_label = 1
    deferred: list[tuple[int, int]] = []
    for n, (aid, *_rest) in enumerate(arts, 1):
        f = feats[aid]
        action, anchor = fixes.get(aid, (None, None))
        if action == "split":
            label, score, expl = next_label, 1.0, {"manual": "split"}
            next_label += 1
            label_of[aid] = label
            out[aid] = (aid, label, score, expl)
            continue  # stays alone and attracts nothing
        if action == "merge" and anchor is not None:
            if anchor in label_of:
                label = label_of[anchor]
                label_of[aid] = label
                det.add(label, str(aid), f)
                out[aid] = (aid, label, 1.0, {"manual": f"merged with article {anchor}"})
            else:
                deferred.append((aid, anchor))
            continue
        d = det.decide(f)
        if d.story_id is None:
            label, score = next_label, 1.0
            next_label += 1
        else:
            label, score = d.story_id, d.score
        label_of[aid] = label
        det.add(label, str(aid), f)
        out[aid] = (aid, label, score, dict(d.explanation) or None)
        for doc, old, again in det.revisit(d, label):  # lone articles this one's story now attracts
            if int(doc) in fixes:  # pinned by hand: stays where the fix put it
                det.move(doc, old)
                continue
            label_of[int(doc)] = label
            out[int(doc)] = (int(doc), label, again.score, dict(again.explanation) or None)
        if progress is not None and n % 200 == 0:
            progress(n, len(arts))
    for aid, anchor in deferred:  # anchors published after the article they hold
        label = label_of.get(anchor)
        if label is None:
            label = next_label
            next_label += 1
        label_of[aid] = label
        out[aid] = (aid, label, 1.0, {"manual": f"merged with article {anchor}"})
    if progress is not None:
        progress(len(arts), len(arts))
    return rewrite_stories(store, out.values(), canonical=canonical_rule, title=story_title)
