"""Query commands: ``releases``, ``search``, ``export`` (read-only, except the lazy search-index refresh).

Machine-readable output formats are stable (format version 1, documented in
``docs/schema.md``): fields may be added, never renamed or removed. Times in JSON/CSV
are UTC ``YYYY-MM-DDTHH:MM:SSZ``; tables show Moscow time.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, Optional

import typer

from crawler.cli.app import app
from crawler.cli.common import DEFAULT_CONFIG, EXIT_CONFIG, ConfigOption, WideOption, database, fail, fit, get_settings, table_width
from crawler.config import now_utc, parse_duration
from crawler.errors import StorageError

RELEASE_FIELDS = ["story_id", "title", "published_at", "first_seen_at", "canonical_url", "reprint_count", "reprint_urls", "okrugs", "sources",
                  "original_url", "original_published_at"]
REPRINT_FIELDS = ["article_id", "url", "source_id", "source_name", "okrug", "title", "published_at", "fetched_at", "score", "canonical", "lead", "text",
                  "original"]
#: ``--originals-only``: the Mayor's releases only (stories with an original; docs/originals.md).
OriginalsOnlyOption = Annotated[
    bool, typer.Option("--originals-only", help="Only the Mayor's releases: stories whose original (www.mos.ru) was found.")
]


class TableFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class SearchFormat(str, Enum):
    table = "table"
    json = "json"


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    json = "json"
    csv = "csv"


def moscow() -> tzinfo:
    """Europe/Moscow (fixed UTC+3 since 2014 when the tz database is missing)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Moscow")
    except Exception:
        return timezone(timedelta(hours=3), "MSK")


def parse_since(value: str, now: datetime, *, param: str = "--since") -> datetime:
    """``--since`` / ``--until``: ``today`` or ``yesterday`` (Moscow midnight), a duration back from
    ``now`` (``24h``, ``7d``, ``90m``) or an ISO date/datetime.

    A date means its midnight in Moscow; a datetime without an offset is Moscow time.

    Raises:
        typer.BadParameter: on anything else.
    """
    v = value.strip()
    day = {"today": 0, "yesterday": 1}.get(v.casefold())
    if day is not None:
        midnight = datetime.combine(now.astimezone(moscow()).date() - timedelta(days=day), time(0), tzinfo=moscow())
        return midnight.astimezone(timezone.utc)
    try:
        d = parse_duration(v)
        if d.total_seconds() >= 0:
            return now - d
    except ValueError:
        pass
    try:
        if len(v) == 10:
            return datetime.combine(date.fromisoformat(v), time(0), tzinfo=moscow()).astimezone(timezone.utc)
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
        return (dt if dt.tzinfo else dt.replace(tzinfo=moscow())).astimezone(timezone.utc)
    except ValueError:
        raise typer.BadParameter(f"expected today, yesterday, a duration like 24h or 7d, or an ISO date/datetime, got {value!r}", param_hint=param) from None


SinceOption = Annotated[Optional[str], typer.Option("--since", help="Only stories published since: today, yesterday, a duration (24h, 7d) or an ISO date/datetime (Moscow time unless an offset is given).")]
UntilOption = Annotated[Optional[str], typer.Option("--until", help="Only stories published before: today, yesterday, a duration back (24h) or an ISO date/datetime (Moscow time).")]
OkrugOption = Annotated[Optional[list[str]], typer.Option("--okrug", help="Only stories reprinted in this okrug, e.g. ЦАО (any case; repeatable).")]
SourceOption = Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only stories reprinted by this source id (repeatable).")]


def resolve_filters(store: Any, okrugs: list[str] | None, sources: list[str] | None) -> tuple[list[str], list[str]]:
    """``--okrug`` / ``--source`` values checked against the sources in the database.

    Okrugs match case-insensitively («цао» is ЦАО) and come back in their stored spelling;
    source ids match exactly, else case-insensitively. An unknown value exits 2 with the known ones
    (a typo would otherwise return nothing, silently).
    """
    rows = store.list_sources()
    known_okrugs = {r.okrug.casefold(): r.okrug for r in rows if r.okrug}
    known_ids = {r.id for r in rows}
    folded_ids = {i.casefold(): i for i in known_ids}
    out_o: list[str] = []
    for o in okrugs or ():
        hit = known_okrugs.get(o.strip().casefold())
        if hit is None:
            fail(f"--okrug: unknown okrug {o!r}; known: {', '.join(sorted(set(known_okrugs.values()))) or 'none (no sources yet)'}", EXIT_CONFIG)
        out_o.append(hit)
    out_s: list[str] = []
    for sid in sources or ():
        hit = sid if sid in known_ids else folded_ids.get(sid.strip().casefold())
        if hit is None:
            shown = sorted(known_ids)
            listing = ", ".join(shown[:40]) + (f", … ({len(shown)} in all; see mosnews sources)" if len(shown) > 40 else "")
            fail(f"--source: unknown source id {sid!r}; known: {listing or 'none (no sources yet)'}", EXIT_CONFIG)
        out_s.append(hit)
    return out_o, out_s


def msk_time(dt: datetime | None) -> str:
    """An aware datetime as ``YYYY-MM-DD HH:MM`` Moscow time (``-`` when unknown)."""
    return dt.astimezone(moscow()).strftime("%Y-%m-%d %H:%M") if dt else "-"


def _clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in «…» when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _okrugs(okrugs: list[str], width: int = 14, first: str | None = None) -> str:
    """Okrugs that fit in ``width`` characters, then ``+N`` for the rest («ЦАО,ВАО +3»);
    ``first`` (the okrug a ``--okrug`` filter matched) leads."""
    if first:
        okrugs = sorted(okrugs, key=lambda o: o.casefold() != first.casefold())
    shown: list[str] = []
    for k, o in enumerate(okrugs):
        rest = len(okrugs) - k - 1
        more = f" +{rest}" if rest else ""
        if len(",".join([*shown, o]) + more) > width:
            if shown:
                return ",".join(shown) + f" +{len(okrugs) - k}"
            return _clip(o, width - len(more)) + more
        shown.append(o)
    return ",".join(shown)


def _print_table(rels: list[Any], *, score: list[float] | None = None, okrug: str | None = None, wide: bool = False) -> None:
    """The releases table, cut to the terminal width (titles and URLs end in «…»; ``wide``: whole rows);
    ``score``: full-text relevance per row (higher is a better match)."""
    if not rels:
        typer.echo("no stories found", err=True)
        return
    width = table_width(wide)
    rel = "  [relevance]" if score is not None else ""
    typer.echo(fit(f"{'story':>6}  {'published (MSK)':<16}  {'reprints':>8}  {'okrugs':<14}  title / canonical URL{rel}", width))
    for i, r in enumerate(rels):
        extra = f"  [{score[i]:.2f}]" if score is not None else ""
        head = f"{r.story_id:>6}  {msk_time(r.published_at or r.first_seen_at):<16}  {r.reprint_count:>8}  {_okrugs(r.okrugs, first=okrug):<14}  "
        title = r.title if width is None else _clip(r.title, max(10, width - len(head) - len(extra)))
        typer.echo(fit(head + title + extra, width))
        original = getattr(r, "original_url", None)
        typer.echo(fit(f"{'':>6}  {'':<16}  {'':>8}  {'':<14}  " + (f"original: {original}" if original else (r.canonical_url or "-")), width))


def _csv_value(v: Any) -> Any:
    if isinstance(v, list):
        return " ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else v


def _search_ids(store: Any, text: str, limit: int) -> list[tuple[int, float]]:
    from crawler.textsearch import stem_text
    from storage import fts

    try:
        fts.refresh(store, stem_text)
    except StorageError as exc:  # e.g. a read-only database: search what is indexed
        typer.echo(f"mosnews: warning: search index not refreshed: {exc}", err=True)
    return [(h.story_id, h.score) for h in fts.search(store, text, stem_text, limit=limit)]


@app.command()
def releases(
    config: ConfigOption = DEFAULT_CONFIG,
    since: SinceOption = None,
    okrug: OkrugOption = None,
    source: SourceOption = None,
    search: Annotated[Optional[str], typer.Option("--search", help="Only stories matching this full-text query (Russian stemming).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="At most this many stories (0: all).")] = 50,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="table, json (one array) or csv.")] = TableFormat.table,
    originals_only: OriginalsOnlyOption = False,
    until: UntilOption = None,
    wide: WideOption = False,
) -> None:
    """New stories (releases), newest first, with canonical URL, the Mayor's original and reprint count."""
    from storage import queries

    settings = get_settings(config, database_only=True)
    since_at = parse_since(since, now_utc()) if since else None
    until_at = parse_since(until, now_utc(), param="--until") if until else None
    with database(settings, must_exist=True) as store:
        okrug, source = resolve_filters(store, okrug, source)
        ids = [sid for sid, _ in _search_ids(store, search, 10_000)] if search else None
        rels = queries.releases(store, since=since_at, until=until_at, okrugs=okrug, sources=source, story_ids=ids, limit=limit or None,
                                originals_only=originals_only)
    rows = [r.to_json() for r in rels]
    if fmt is TableFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt is TableFormat.csv:
        w = csv.DictWriter(sys.stdout, fieldnames=RELEASE_FIELDS, lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({k: _csv_value(v) for k, v in row.items()})
    else:
        _print_table(rels, okrug=okrug[0] if okrug else None, wide=wide)


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to find (every word must match; «школы» finds «школа»).")],
    config: ConfigOption = DEFAULT_CONFIG,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many stories.")] = 20,
    fmt: Annotated[SearchFormat, typer.Option("--format", "-f", help="table or json (one array, best match first).")] = SearchFormat.table,
    wide: WideOption = False,
) -> None:
    """Full-text search over stories (title and canonical text), best match first."""
    from storage import queries

    settings = get_settings(config, database_only=True)
    since_at = parse_since(since, now_utc()) if since else None
    with database(settings, must_exist=True) as store:
        score = dict(_search_ids(store, text, limit if since_at is None else 10_000))
        rels = queries.releases(store, since=since_at, story_ids=list(score))
    rels = sorted(rels, key=lambda r: (-score[r.story_id], -r.story_id))[:limit]
    if fmt is SearchFormat.json:
        typer.echo(json.dumps([{**r.to_json(), "score": round(score[r.story_id], 6)} for r in rels], ensure_ascii=False, indent=2))
    else:
        _print_table(rels, score=[score[r.story_id] for r in rels], wide=wide)


def _export_rows(exports: Iterator[Any]) -> Iterator[dict[str, Any]]:
    from storage.types import iso_utc

    for ex in exports:
        obj = ex.release.to_json()
        obj["reprints"] = [
            {
                "article_id": p.article_id, "url": p.url, "source_id": p.source_id, "source_name": p.source_name,
                "okrug": p.okrug, "title": p.title, "published_at": iso_utc(p.published_at),
                "fetched_at": iso_utc(p.fetched_at), "score": p.score, "canonical": p.canonical,
                "lead": p.lead, "text": p.text, "original": p.original,
            }
            for p in ex.reprints
        ]
        yield obj


def write_export(out: IO[str], objs: Iterator[dict[str, Any]], fmt: ExportFormat, *, with_text: bool = True) -> int:
    """Write stories as JSON Lines (one story with its ``reprints`` per line), JSON (one array of
    the same objects, written as it goes) or CSV (one row per reprint).

    Returns the number of stories written.
    """
    n = 0
    rep_fields = [f for f in REPRINT_FIELDS if with_text or f not in ("lead", "text")]
    writer = None
    if fmt is ExportFormat.csv:
        story_cols = ["story_id", "story_title", "story_published_at", "story_first_seen_at", "canonical_url", "reprint_count"]
        writer = csv.DictWriter(out, fieldnames=story_cols + rep_fields + ["original_url", "original_published_at"], lineterminator="\n")
        writer.writeheader()
    for obj in objs:
        n += 1
        if not with_text:
            for p in obj["reprints"]:
                p.pop("lead", None)
                p.pop("text", None)
        if fmt is ExportFormat.json:
            out.write(("[\n" if n == 1 else ",\n") + json.dumps(obj, ensure_ascii=False))
            continue
        if writer is None:
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            continue
        head = {"story_id": obj["story_id"], "story_title": obj["title"], "story_published_at": obj["published_at"],
                "story_first_seen_at": obj["first_seen_at"], "canonical_url": obj["canonical_url"], "reprint_count": obj["reprint_count"],
                "original_url": obj.get("original_url") or "", "original_published_at": obj.get("original_published_at") or ""}
        for p in obj["reprints"]:
            writer.writerow({**head, **{k: _csv_value(p.get(k)) for k in rep_fields}})
    if fmt is ExportFormat.json:
        out.write("\n]\n" if n else "[]\n")
    return n


@app.command()
def export(
    config: ConfigOption = DEFAULT_CONFIG,
    since: SinceOption = None,
    okrug: OkrugOption = None,
    source: SourceOption = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="jsonl (one story per line), json (one array of the same objects) or csv (one row per reprint).")] = ExportFormat.jsonl,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of standard output.")] = None,
    no_text: Annotated[bool, typer.Option("--no-text", help="Leave out each reprint's lead and body text.")] = False,
    originals_only: OriginalsOnlyOption = False,
    until: UntilOption = None,
) -> None:
    """Export stories with every reprint (newest first)."""
    from storage import queries

    settings = get_settings(config, database_only=True)
    since_at = parse_since(since, now_utc()) if since else None
    until_at = parse_since(until, now_utc(), param="--until") if until else None
    with database(settings, must_exist=True) as store:
        okrug, source = resolve_filters(store, okrug, source)
        try:
            out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        except OSError as exc:
            fail(f"--output: cannot write {output}: {exc.strerror or exc}", EXIT_CONFIG)
        try:
            objs = _export_rows(queries.iter_story_exports(store, since=since_at, until=until_at, okrugs=okrug, sources=source, with_text=not no_text,
                                                          originals_only=originals_only))
            n = write_export(out, objs, fmt, with_text=not no_text)
        finally:
            if output:
                out.close()
    typer.echo(f"exported {n} stories" + (f" to {output}" if output else ""), err=True)
