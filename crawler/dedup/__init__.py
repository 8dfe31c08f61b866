"""Syndication detector: assigns each new article to a story (see docs/dedup.md).

Pure and in-memory (no storage or other stage imports). Public API:
:class:`Doc`, :class:`Features`, :class:`Featurizer`, :class:`Detector`,
:func:`choose_canonical` (:func:`canonical_rule` for storage ids), :func:`story_title`, :func:`cluster_records`, :func:`cluster_jsonl`.
"""

from crawler.dedup.canonical import canonical_rule, choose_canonical, story_title
from crawler.dedup.detector import Detector
from crawler.dedup.features import Doc, Features, Featurizer
from crawler.dedup.offline import cluster_jsonl, cluster_records

__all__ = ["Doc", "Features", "Featurizer", "Detector", "canonical_rule", "choose_canonical", "story_title", "cluster_records", "cluster_jsonl"]
