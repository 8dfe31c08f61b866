"""Shared helpers for end-to-end tests against the simulated network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crawler.config import Settings, settings_from_dict


def sim_settings(db: Path, sources: list[dict[str, Any]], since: Any, **over: Any) -> Settings:
    """A config for crawling the simulator fast: no politeness delay, tiny backoff, short deadlines."""
    raw: dict[str, Any] = {
        "database": {"url": f"sqlite:///{db}"},
        "crawl": {"interval": "10s", "since": str(since), "concurrency": 16, "max_pages": 60},
        "fetch": {
            "delay": "0ms", "per_host": 2, "retries": 3, "backoff": "50ms", "max_backoff": "300ms",
            "total_timeout": "4s", "read_timeout": "2s", "connect_timeout": "2s",
        },
        "dedup": {},
        "alerts": {"first_run": "skip", "settle": "0s"},
        "server": {"enabled": False},
        "sources": sources,
    }
    for key, value in over.items():
        section, _, name = key.partition("__")
        if name:
            raw.setdefault(section, {})[name] = value
        else:
            raw[section] = value
    return settings_from_dict(raw, env={})


def write_config(path: Path, settings: Settings) -> Path:
    """Write settings back as YAML (for subprocess tests of the CLI)."""
    data = settings.model_dump(mode="json", by_alias=True, exclude_none=True)  # durations as ISO 8601
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path




def stored_stories(store: Any) -> dict[str, int]:
    """``{article url: story id}`` of every stored article."""
    from sqlalchemy import text

    with store.read_session() as s:
        return {u: sid for u, sid in s.exec(text("SELECT url, story_id FROM articles")).all()}


def pairwise(truth: dict[str, str], got: dict[str, Any]) -> tuple[float, float]:
    """Pairwise precision and recall of clustering ``got`` against ``truth`` (same keys)."""
    import itertools

    tp = fp = fn = 0
    for x, y in itertools.combinations(sorted(truth), 2):
        same_true, same_pred = truth[x] == truth[y], got[x] == got[y]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def partition(got: dict[str, Any]) -> set[frozenset[str]]:
    """A clustering as a set of groups of keys (story ids left out)."""
    groups: dict[Any, set[str]] = {}
    for k, v in got.items():
        groups.setdefault(v, set()).add(k)
    return {frozenset(g) for g in groups.values()}
