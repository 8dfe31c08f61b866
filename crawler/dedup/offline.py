"""Offline clustering of a JSONL file, incremental like production.

Input records: ``{"id", "url", "title", "text", "published_at", "source"}`` where
``published_at`` is an ISO date (``2024-04-19``, read as midnight Europe/Moscow), an
ISO datetime (naive = Europe/Moscow), a coarse period (``2024-11`` or ``2024``: the
document was published within it) or null (the document's own text and URL are read for
time: :mod:`crawler.dedup.when`). Records are processed in a canonical order that does not
depend on the input order — by publication time, then by period start, undated last, ties by
``id`` — so a shuffled file gives the identical partition. Each is featurised, decided against
the stories so far and registered; lone articles it touched are then revisited
(:meth:`~crawler.dedup.detector.Detector.revisit`: a teaser decided before the fuller
reprints arrived joins their story). Story ids are allocated here (1, 2, …) in that order.
Articles are never evicted (an undated article is compared with the whole file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.config import DedupSettings
from crawler.dedup.detector import Detector
from crawler.dedup.features import Doc, Features, Featurizer
from crawler.dedup.when import period_interval

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
    if period_interval(s) is not None:
        d = date(int(s[:4]), int(s[5:7]) if len(s) > 4 else 1, 1)
        return datetime(d.year, d.month, d.day, tzinfo=MOSCOW)
    if len(s) == 10:
        d = date.fromisoformat(s)
        return datetime(d.year, d.month, d.day, tzinfo=MOSCOW)
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=MOSCOW)


def parse_period(value: object) -> tuple[float, float] | None:
    """``"2024"`` / ``"2024-11"`` → ``(lo, hi)`` days since the epoch; anything else → ``None``."""
    return period_interval(value) if isinstance(value, str) else None


def cluster_records(records: Iterable[dict], settings: DedupSettings) -> list[dict]:
    """``[{"id", "story_id"}]`` in input order (see module doc)."""
    recs = list(records)
    docs = [
        Doc(
            id=str(r["id"]),
            title=r.get("title") or "",
            text=r.get("text") or "",
            published_at=None if parse_period(r.get("published_at")) else parse_when(r.get("published_at")),
            url=r.get("url") or "",
            source=r.get("source") or "",
            period=parse_period(r.get("published_at")),
        )
        for r in recs
    ]
    order = publication_order(docs)
    fz = Featurizer(settings)

    def featurised() -> Iterator[tuple[str, Features]]:
        for k in range(0, len(order), BATCH):
            chunk = [docs[i] for i in order[k : k + BATCH]]
            yield from zip((d.id for d in chunk), fz.featurize(chunk))

    story = assign_stories(Detector(settings, evict=False), featurised())
    # ids are compared as strings but written back as given (a numeric id 4 stays 4)
    return [{"id": r["id"], "story_id": story[d.id]} for r, d in zip(recs, docs)]


def publication_order(docs: list[Doc]) -> list[int]:
    """Indices of ``docs`` in the canonical processing order: by publication time, then
    documents with only a period (by its start), then undated ones; ties by ``id`` (numeric ids
    in numeric order, as ``settle``/``recluster`` replay the database's article ids). The order
    depends on the documents only, never on the order they were given in."""

    def key(i: int) -> tuple:
        d = docs[i]
        # numeric ids in numeric order (as the database's article ids replay), then the others
        tie = (0, int(d.id), "") if d.id.isdigit() else (1, 0, d.id)
        if d.published_at is not None:
            return (0, d.published_at.timestamp(), tie)
        if d.period is not None:
            return (1, d.period[0], tie)
        return (2, 0.0, tie)

    return sorted(range(len(docs)), key=key)


def assign_stories(det: Detector, items: Iterable[tuple[str, Features]], *, revisit: bool = True) -> dict[str, int]:
    """Decide and register ``(doc id, features)`` in order, as the pipeline does: a new story
    (ids 1, 2, … allocated here) or the one the detector picks, then late attachment of the
    lone articles it touched (:meth:`Detector.revisit`; ``revisit=False`` skips it).

    Returns:
        ``{doc id: story id}`` after every move.
    """
    story: dict[str, int] = {}
    next_id = 1
    for doc_id, f in items:
        dec = det.decide(f)
        sid = dec.story_id
        if sid is None:
            sid, next_id = next_id, next_id + 1
        det.add(sid, doc_id, f)
        story[doc_id] = sid
        if revisit:
            for d, _old, _again in det.revisit(dec, sid):
                story[d] = sid
    return story


def _id_kind(v: Any) -> str | None:
    """``"number"`` / ``"string"`` for a usable document id; ``None`` for anything else (null, bool, list, object)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return "number"
    return "string" if isinstance(v, str) else None


def read_jsonl(path: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The records of a ``cluster`` input file and, per record, the key the detector knows it by.

    Ids keep their JSON type: the number ``1`` and the string ``"1"`` are two documents, and each is
    written back as given. The key is ``str(id)`` (numeric ids then tie in numeric order, as the
    database's article ids do); a string id whose text is also a number id of the file gets a quoted
    key (``'"1"'``), so the two never meet. Keys depend on the set of ids only, not on their order.

    Raises:
        OSError: the file cannot be read.
        ValueError: a line that is not JSON, has no usable ``id`` (a string or a number), repeats an id
            (same type and value) or has a bad ``published_at``; the message names the file and line.
    """
    recs: list[dict[str, Any]] = []
    seen: dict[tuple[str, Any], int] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(r, dict) or "id" not in r:
                raise ValueError(f"{path}:{n}: expected an object with an 'id'")
            kind = _id_kind(r["id"])
            if kind is None:
                raise ValueError(f"{path}:{n}: 'id' must be a string or a number, got {json.dumps(r['id'])}")
            ident = (kind, r["id"])
            if ident in seen:
                raise ValueError(f"{path}:{n}: duplicate id {json.dumps(r['id'], ensure_ascii=False)} (first on line {seen[ident]})")
            seen[ident] = n
            try:
                parse_when(r.get("published_at"))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{n}: bad published_at {r.get('published_at')!r}: {exc}") from None
            recs.append(r)
    numbers = {str(r["id"]) for r in recs if _id_kind(r["id"]) == "number"}
    taken = numbers | {r["id"] for r in recs if isinstance(r["id"], str)}
    keys = []
    for r in recs:
        key = str(r["id"])
        if isinstance(r["id"], str) and key in numbers:
            while key in taken:
                key = json.dumps(key)
        keys.append(key)
    return recs, keys


def write_jsonl(path: str | Path, recs: list[dict[str, Any]], out: list[dict[str, Any]]) -> None:
    """Write ``{"id", "story_id"}`` per record of :func:`read_jsonl`, in input order, each id as
    given; ``out`` is :func:`cluster_records` on the records keyed as :func:`read_jsonl` says.

    Raises:
        OSError: the file cannot be written.
    """
    with open(path, "w", encoding="utf-8") as fh:
        for r, o in zip(recs, out):
            fh.write(json.dumps({"id": r["id"], "story_id": o["story_id"]}, ensure_ascii=False) + "\n")


def cluster_jsonl(in_path: str | Path, out_path: str | Path, settings: DedupSettings) -> int:
    """Cluster a JSONL file into ``{"id","story_id"}`` lines (ids as given: :func:`read_jsonl`);
    returns the number of records. The ``mosnews cluster`` command.

    Raises:
        OSError: unreadable input / unwritable output.
        ValueError: a line that is not JSON, lacks a usable ``id``, repeats an earlier ``id``, or
            has a bad ``published_at`` (the message names the file and line).
    """
    recs, keys = read_jsonl(in_path)
    out = cluster_records([{**r, "id": k} for r, k in zip(recs, keys)], settings)
    write_jsonl(out_path, recs, out)
    return len(out)
