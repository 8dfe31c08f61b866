"""Offline clustering of a JSONL file, incremental like production.

Input records: ``{"id", "url", "title", "text", "published_at", "source"}`` where
``published_at`` is an ISO date (``2024-04-19``, read as midnight Europe/Moscow), an
ISO datetime (naive = Europe/Moscow) or null. Records are processed in publication
order (unknown dates last, then input order); each is featurised, decided against
the stories so far and registered; lone articles it touched are then revisited
(:meth:`~crawler.dedup.detector.Detector.revisit`: a teaser decided before the fuller
reprints arrived joins their story). Story ids are allocated here (1, 2, …).
Articles are never evicted (an undated article is compared with the whole file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from crawler.config import DedupSettings
from crawler.dedup.detector import Detector
from crawler.dedup.features import Doc, Featurizer

MOSCOW = ZoneInfo("Europe/Moscow")
BATCH = 64


def parse_when(value: object) -> datetime | None:
    """ISO date/datetime string (or None/"") → aware datetime (Europe/Moscow when naive).

    Raises:
        ValueError: a non-empty string that is not ISO 8601.
    """
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=MOSCOW)
    s = str(value).strip()
    if len(s) == 10:
        d = date.fromisoformat(s)
        return datetime(d.year, d.month, d.day, tzinfo=MOSCOW)
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=MOSCOW)


def cluster_records(records: Iterable[dict], settings: DedupSettings) -> list[dict]:
    """``[{"id", "story_id"}]`` in input order (see module doc)."""
    recs = list(records)
    docs = [
        Doc(
            id=str(r["id"]),
            title=r.get("title") or "",
            text=r.get("text") or "",
            published_at=parse_when(r.get("published_at")),
            url=r.get("url") or "",
            source=r.get("source") or "",
        )
        for r in recs
    ]
    order = sorted(range(len(docs)), key=lambda i: (docs[i].published_at is None, docs[i].published_at.timestamp() if docs[i].published_at else 0.0, i))
    fz = Featurizer(settings)
    det = Detector(settings, evict=False)
    story: dict[int, int] = {}
    index = {d.id: i for i, d in enumerate(docs)}
    next_id = 1
    for k in range(0, len(order), BATCH):
        chunk = order[k : k + BATCH]
        for i, f in zip(chunk, fz.featurize([docs[i] for i in chunk])):
            dec = det.decide(f)
            sid = dec.story_id
            if sid is None:
                sid, next_id = next_id, next_id + 1
            det.add(sid, docs[i].id, f)
            story[i] = sid
            for d, _old, _again in det.revisit(dec, sid):
                story[index[d]] = sid
    return [{"id": docs[i].id, "story_id": story[i]} for i in range(len(docs))]


def cluster_jsonl(in_path: str | Path, out_path: str | Path, settings: DedupSettings) -> int:
    """Cluster a JSONL file into ``{"id","story_id"}`` lines; returns the number of records.

    Raises:
        OSError: unreadable input / unwritable output.
        ValueError: a line that is not JSON, lacks ``id``, repeats an earlier ``id``, or has a
            bad ``published_at`` (the message names the file and line).
    """
    recs = []
    seen: dict[str, int] = {}
    with open(in_path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{in_path}:{n}: not JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(r, dict) or "id" not in r:
                raise ValueError(f"{in_path}:{n}: expected an object with an 'id'")
            key = str(r["id"])
            if key in seen:
                raise ValueError(f"{in_path}:{n}: duplicate id {key!r} (first on line {seen[key]})")
            seen[key] = n
            try:
                parse_when(r.get("published_at"))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{in_path}:{n}: bad published_at {r.get('published_at')!r}: {exc}") from None
            recs.append(r)
    out = cluster_records(recs, settings)
    with open(out_path, "w", encoding="utf-8") as fh:
        for o in out:
            fh.write(json.dumps(o, ensure_ascii=False) + "\n")
    return len(out)
