"""The dedup *method*: everything that decides which story an article joins.

Two databases built with the same method hold the same stories for the same articles
(whatever order they arrived in), so ``mosnews recluster`` has nothing to do unless the method
changed. :func:`method_of` lists the parts: the extraction revision of the stored features,
the decision rule's revision (:data:`DECISION_REVISION`, bumped with any change to
:mod:`crawler.dedup.detector` or :mod:`crawler.dedup.index` that can change a decision), the
scorer's weights and penalties, and the configured window and thresholds. The pipeline
records it in ``meta`` (key ``dedup_method``) when it starts on an empty database;
``recluster`` compares it with the current one and records the new one after a rebuild.
"""

from __future__ import annotations

import hashlib
import json

from crawler.config import DedupSettings

#: Revision of the decision rule. 2: stories coherent in time, undated articles attach only on
#: strong evidence, the neighbourhood paged in by the article's own date. 3: the support gate of
#: :func:`crawler.dedup.detector.story_score` (two members must pass on their own).
DECISION_REVISION = 3
META_KEY = "dedup_method"


def method_of(settings: DedupSettings) -> dict[str, object]:
    """The method as a flat JSON-able dict (see module doc)."""
    from crawler.dedup import scorer
    from crawler.dedup.features import FEATURE_REVISION

    weights = json.dumps([scorer.W_ENC.tolist(), scorer.W_NOENC.tolist(), sorted(scorer.PENALTIES.items())])
    return {
        "feature_revision": FEATURE_REVISION,
        "decision_revision": DECISION_REVISION,
        "scorer": hashlib.sha256(weights.encode()).hexdigest()[:12],
        "window_days": settings.window.total_seconds() / 86400.0,
        "threshold": settings.threshold,
        "undated_threshold": settings.undated_threshold,
        "encoder": settings.encoder,
    }


def method_changes(recorded: str | None, current: dict[str, object]) -> list[str]:
    """Human-readable differences between a recorded method (JSON text from ``meta``, or
    ``None`` for a database written before methods were recorded) and ``current``; empty when
    they are the same."""
    if recorded is None:
        return ["the method that built these stories was not recorded (written by an older mosnews)"]
    try:
        old = json.loads(recorded)
    except ValueError:
        return ["the recorded method is unreadable"]
    return [f"{k}: {old.get(k)!r} → {v!r}" for k, v in current.items() if old.get(k) != v]
