"""Story commands: ``story``, ``merge``, ``split``, ``recluster``, and the offline ``cluster``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any

import typer

from crawler.cli.app import app
from crawler.cli.query import msk_time
from crawler.cli.common import DEFAULT_CONFIG, EXIT_ATTENTION, EXIT_CONFIG, ConfigOption, WideOption, database, fail, fit, get_settings, table_width
from crawler.errors import StoryEditError


def _json_default(v: Any) -> Any:
    """JSON for datetimes as everywhere in mosnews (``YYYY-MM-DDTHH:MM:SSZ``); ``str`` otherwise."""
    from datetime import datetime

    from storage.types import iso_utc

    return iso_utc(v) if isinstance(v, datetime) else str(v)


def _reasons(expl: dict[str, Any] | None, role: str = "joined", promoted: bool = False) -> str:
    """A one-line summary of the detector's explanation for an article with ``role``
    (:func:`storage.stories.article_role`: ``founded`` / ``joined`` / ``manual``).

    Attached reprints: ``Detector.decide``'s ``best`` story score, p against the canonical,
    the main signals against it (``char``/``tfidf`` cosines, ``enc`` title-encoder cosine,
    ``title`` overlap, ``names`` overlap of capitalised and quoted names, ``contain`` shared
    3-word shingles, ``fig_agree`` = ln(1 + shared figures)) and the conflicts that fired.
    The article that founded the story: the closest *other* story it was compared with.
    ``late`` for an article moved by late attachment, ``manual`` for a hand fix.
    """
    expl = expl or {}
    if "manual" in expl:
        return f"manual: {expl['manual']}"
    best = expl.get("best") if isinstance(expl.get("best"), dict) else None
    if role == "founded":
        if promoted:
            return "first member (the article that founded the story was split off)"
        if best is None or best.get("story") is None:
            return "founded the story (no earlier story shared its content)"
        return f"founded the story (closest other story {best.get('story')} scored {best.get('score', 0):.2f}, below the threshold {expl.get('threshold', 'in force')})"
    if best is None:
        return ""
    parts = []
    for k, label in (("score", "story_score"), ("p_canonical", "p_vs_canonical")):
        v = best.get(k)
        if isinstance(v, (int, float)):
            parts.append(f"{label}={v:.2f}")
    sig = best.get("signals_vs_canonical") or {}
    if isinstance(sig, dict):
        for k in ("char", "tfidf", "enc", "title", "names", "contain"):
            v = sig.get(k)
            if isinstance(v, (int, float)):
                parts.append(f"{k}={v:.2f}")
        v = sig.get("fig_agree")
        if isinstance(v, (int, float)):  # stored as ln(1 + shared figures): show the count
            parts.append(f"shared_figures={round(math.expm1(v))}")
        fired = [k for k, v in sig.items() if k.endswith("_conf") and isinstance(v, (int, float)) and v > 0]
        if fired:
            parts.append("conflicts=" + ",".join(fired))
    if best.get("vetoes"):
        parts.append(f"vetoes={best['vetoes']}")
    if expl.get("late"):
        parts.append(f"late: {expl['late']}")
    return " ".join(parts) or json.dumps(expl, ensure_ascii=False, default=str)[:160]


@app.command()
def story(
    story_id: Annotated[int, typer.Argument(help="Story id (see `mosnews releases`).")],
    config: ConfigOption = DEFAULT_CONFIG,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, or json: the story and every reprint with the full explanation.")] = "table",
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    wide: WideOption = False,
) -> None:
    """Show a story with every reprint and why each one was attached (rows fit the terminal; --wide: whole rows)."""
    if fmt not in ("table", "json"):
        fail(f"--format: expected table or json, got {fmt!r}", EXIT_CONFIG)
    as_json = as_json or fmt == "json"
    from storage.stories import story_detail

    from storage.queries import story_moved_to

    settings = get_settings(config, database_only=True)
    with database(settings, must_exist=True) as store:
        detail = story_detail(store, story_id)
        moved = story_moved_to(store, story_id) if detail is None else None
    if detail is None:
        if moved is not None:
            how = "merged into" if moved[1] == "merged" else "joined (late attachment)"
            fail(f"no story {story_id}: it was {how} story {moved[0]} (mosnews story {moved[0]})", EXIT_ATTENTION)
        fail(f"no story {story_id}", EXIT_ATTENTION)
    if as_json:
        typer.echo(json.dumps(detail, ensure_ascii=False, indent=2, default=_json_default))
        return
    import textwrap

    width = table_width(wide)

    def row(line: str) -> None:  # a table row: cut to the terminal's width, ending in «…»
        typer.echo(fit(line, width))

    def text(line: str, indent: str) -> None:  # prose (reasons, the legend): wrapped, never cut
        typer.echo(line if width is None else textwrap.fill(line, width, subsequent_indent=indent, break_on_hyphens=False))

    st = detail["story"]
    row(f"story {st['id']}: {st['title']}")
    typer.echo(f"  published {msk_time(st['published_at'])} MSK  first seen {msk_time(st['first_seen_at'])} MSK  reprints {st['reprint_count']}")
    orig = next((r for r in detail["reprints"] if r.get("original")), None)
    if orig is not None:
        typer.echo(f"  the Mayor's original: {orig['url']} ({msk_time(orig['published_at'])} MSK)")
    else:
        typer.echo("  no Mayor's original (district news, or the original is not found yet)")
    src_w = max([len("source")] + [len(r["source_id"]) for r in detail["reprints"]])
    row(f"   {'article':<8} {'published (MSK)':<16} {'source':<{src_w}} {'p':<6} url")
    for r in detail["reprints"]:
        mark = "M" if r.get("original") else "*" if r["canonical"] else " "
        score = f"{r['score']:.2f}" if r["score"] is not None else "-"
        row(f" {mark} {r['article_id']:<8} {msk_time(r['published_at']):<16} {r['source_id']:<{src_w}} {score:<6} {r['url']}")
        row(f"      {r['title']}")
        why = _reasons(r["explanation"], r["role"], r.get("promoted", False))
        if why:
            text(f"      why: {why}", " " * 11)
    legend = ["(M: the Mayor's original, which is then the canonical item; * canonical: the fullest text among the reprints published within 24 h of the earliest;",
              " p: the article's story score when it was attached, 1.00 for the one that founded the story;",
              " reasons: story_score = the detector's probability that the article reprints the story, p_vs_canonical = the",
              " same against the canonical article alone, char/tfidf/enc/title/names/contain = similarities 0..1 (text",
              " characters, weighted words, sentence encoder, title words, names and quoted names, shared 3-word phrases),",
              " shared_figures = numbers found in both, conflicts = penalties that fired; docs/dedup.md)"]
    if width is None:
        for line in legend:
            typer.echo(line)
    else:
        for part in (legend[0], legend[1], "".join(legend[2:])):
            text(part, "  ")


def _edit_stories(config: Path, edit: Callable[..., Any]) -> Any:
    """Open the database, apply one manual story fix with the production rules, close.

    Exits 1 for a user mistake (:class:`StoryEditError`), 3 for a database failure.
    """
    from crawler.dedup import canonical_rule, story_title

    with database(get_settings(config, database_only=True), must_exist=True) as store:
        try:
            return edit(store, canonical=canonical_rule, title=story_title)
        except StoryEditError as exc:
            fail(str(exc), EXIT_ATTENTION)


@app.command()
def merge(
    keep: Annotated[int, typer.Argument(help="Story id to keep.")],
    absorb: Annotated[int, typer.Argument(help="Story id whose reprints move into KEEP.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Merge story ABSORB into story KEEP (the fix survives `mosnews recluster`)."""
    from storage.stories import merge_stories

    n = _edit_stories(config, lambda store, **rules: merge_stories(store, keep, absorb, **rules))
    typer.echo(f"moved {n} reprints from story {absorb} into story {keep}")


@app.command()
def split(
    article_id: Annotated[int, typer.Argument(help="Article id (see `mosnews story ID`).")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Take an article out of its story into a story of its own (the fix survives `mosnews recluster`)."""
    from storage.stories import split_article

    sid = _edit_stories(config, lambda store, **rules: split_article(store, article_id, **rules))
    typer.echo(f"article {article_id} is now story {sid}")


@app.command()
def recluster(
    config: ConfigOption = DEFAULT_CONFIG,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even though the method did not change.")] = False,
) -> None:
    """Rebuild all stories from the stored articles when the dedup method changed, keeping manual fixes.

    The stories depend only on the articles and the method (features, decision rule, scorer,
    window, thresholds): with the method that built them there is nothing to change, and the
    command says so."""
    from crawler.recluster import recluster as run

    settings = get_settings(config)

    def progress(done: int, total: int) -> None:
        typer.echo(f"  {done}/{total} articles", err=True)

    with database(settings, must_exist=True) as store:
        stats = run(store, settings, progress=progress, force=force)
    if not stats["rebuilt"]:
        typer.echo("stories are up to date: built with the current method; nothing to change (--force rebuilds anyway)")
        return
    for line in stats["changes"] or ["unchanged (rebuilt because of --force)"]:
        typer.echo(f"method: {line}")
    typer.echo(
        f"{stats['stories']} stories ({stats['reused']} kept their id, {stats['created']} new, "
        f"{stats['deleted']} removed); {stats['moved']} articles changed story"
    )


@app.command()
def cluster(
    input: Annotated[Path, typer.Option("--input", "-i", help="JSONL: {id, url, title, text, published_at, source} per line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL written: {id, story_id} per input line, same order.")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Optional config.yaml for the dedup settings.")] = None,
) -> None:
    """Run the syndication detector offline on any JSONL of news (no database).

    Ids keep their JSON type: the number 1 and the string "1" are different documents, and every id
    is written back exactly as given (a number stays a number)."""
    from crawler.config import DedupSettings
    from crawler.dedup import cluster_records
    from crawler.dedup.offline import read_jsonl, write_jsonl

    dedup = get_settings(config).dedup if config else DedupSettings()
    if not input.exists():
        fail(f"{input}: no such file", 2)
    if not output.parent.exists():
        fail(f"{output}: directory {output.parent} does not exist", 2)
    if output.resolve() == input.resolve():
        fail(f"{output}: the output would overwrite the input", 2)
    try:
        recs, keys = read_jsonl(input)
    except (ValueError, KeyError) as exc:
        msg = str(exc)
        fail(msg if msg.startswith(str(input)) else f"{input}: {msg}", 2)
    except OSError as exc:
        fail(f"{input}: {exc.strerror or exc}", 2)
    out = cluster_records([{**r, "id": k} for r, k in zip(recs, keys)], dedup)
    write_jsonl(output, recs, out)
    typer.echo(f"clustered {len(out)} documents into {output}")
