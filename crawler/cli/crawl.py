"""Crawl commands: ``crawl`` (one pass), ``run`` (the daemon), ``sources``, ``probe``, ``reparse``."""

from __future__ import annotations

import asyncio
import json
from enum import Enum
from datetime import datetime
from typing import Annotated, Optional

import typer

from crawler.cli.app import app
from crawler.cli.common import DEFAULT_CONFIG, EXIT_CONFIG, ConfigOption, WideOption, database, fail, fit, get_settings, missing_sqlite, table_width
from crawler.config import Settings
from crawler.errors import ConfigError, FetchError, ParseError


class SourcesFormat(str, Enum):
    table = "table"
    json = "json"


def setup_logging(settings: Settings, *, verbose: bool = False) -> None:
    """Configure logging from ``settings.logging`` (text or JSON lines)."""
    from crawler.observe import setup_logging as _setup

    _setup(settings.logging, level="DEBUG" if verbose else None)


@app.command()
def crawl(
    config: ConfigOption = DEFAULT_CONFIG,
    since: Annotated[Optional[str], typer.Option(help="How far back a first crawl goes (overrides crawl.since): a date (2025-01-01) or a duration (7d).")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Crawl only this source id (repeatable).")] = None,
    no_alerts: Annotated[bool, typer.Option("--no-alerts", help="Do not deliver due alerts after the crawl.")] = False,
    wait: Annotated[Optional[str], typer.Option("--wait", help="After the crawl, keep delivering alerts that become due within this time (settle, retries); overrides alerts.crawl_wait; 0 = only what is due now.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """One pass over the enabled sources; prints a per-source summary.

    Exits 0 even when some sources failed (they are listed); 2 for a bad config, 3 for a database error.
    """
    settings = get_settings(config)
    setup_logging(settings, verbose=verbose)
    from crawler.cli.query import moscow, parse_since
    from crawler.config import now_utc
    from crawler.pipeline import crawl_once

    since_date = parse_since(since, now_utc()).astimezone(moscow()).date() if since else None
    wait_for = None
    if wait is not None:
        from crawler.config import parse_duration

        try:
            wait_for = parse_duration(wait)
        except ValueError:
            raise typer.BadParameter(f"expected a duration like 0, 90s or 15m, got {wait!r}", param_hint="--wait") from None

    try:
        settings.enabled_sources(source)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    total = len(settings.enabled_sources(source))
    done = 0
    back_to = since_date or settings.crawl.since
    typer.echo(f"crawling {total} source(s) (a first crawl follows each list back to {back_to}; later crawls stop at known items) …")

    def backfill(source_id: str, pages: int, found: int) -> None:
        if pages < 0:
            typer.echo(f"  {source_id}: fetching {found} article(s) …")
        else:
            typer.echo(f"  {source_id}: list page {pages}, {found} new item(s) so far")

    def progress(rep) -> None:  # type: ignore[no-untyped-def]
        nonlocal done
        done += 1
        if not rep.ok:  # the source itself failed: its counts would only say "0"
            typer.echo(f"[{done}/{total}] {rep.source_id:<24} FAILED after {rep.seconds:.1f}s: {rep.error}")
            return
        extra = " (not modified)" if rep.not_modified else ""
        typer.echo(
            f"[{done}/{total}] {rep.source_id:<24} ok     pages={rep.pages} new={rep.new} updated={rep.updated} "
            f"stories+={rep.stories_created} articles-skipped={rep.failed} {rep.seconds:.1f}s{extra}"
        )

    with database(settings) as store:
        try:
            reports, dispatched = asyncio.run(
                crawl_once(settings, store, source_ids=source, since=since_date, deliver=not no_alerts, progress=progress,
                           wait=wait_for, notify=lambda line: typer.echo(line, err=True), backfill_progress=backfill)
            )
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
    failed = [r for r in reports if not r.ok]
    typer.echo(
        f"crawled {len(reports)} sources: {sum(r.new for r in reports)} new articles, "
        f"{sum(r.updated for r in reports)} updated, {sum(r.stories_created for r in reports)} new stories, "
        f"{len(failed)} sources failed"
    )
    unalerted = sum(r.stories_unalerted for r in reports)
    if unalerted:
        # every source whose first crawl this was (not only those whose pages founded a story:
        # a first crawl may find only reprints of stories other sources founded)
        first = [r for r in reports if r.first_crawl and (r.ok or r.stories_unalerted)]
        typer.echo(
            f"no alerts for {unalerted} of the new stories: found by the first crawl of "
            f"{len(first)} source(s), recorded without alerts (alerts.first_run: skip: a first crawl reads the archive; later crawls alert)"
        )
    if dispatched is not None:
        typer.echo(alerts_line(dispatched, settings.alerts.crawl_wait if wait_for is None else wait_for))
    for r in failed:
        typer.echo(f"  failed: {r.source_id}: {r.error}", err=True)


def alerts_line(d, wait) -> str:  # type: ignore[no-untyped-def]
    """``mosnews crawl``'s alert summary: what was sent, and what was left undelivered and why.

    ``d``: a :class:`crawler.pipeline.DeliveryReport`; ``wait``: the delivery time limit (timedelta).
    """
    from crawler.cli.query import msk_time

    line = f"alerts: {d.sent} sent, {d.failed} failed attempt(s) to retry, {d.dead} dead"
    if d.waited >= 1:
        line += f" (waited {d.waited:.0f}s for alerts to become due)"
    left = d.left or {}
    n = d.left_count()
    if not n:
        return line + "; nothing left undelivered"
    why = []
    if left.get("settling"):
        why.append(f"{left['settling']} not due before the {int(wait.total_seconds())}s limit (alerts.settle; due by {msk_time(left.get('settling_until'))} MSK; raise --wait or alerts.crawl_wait)")
    if left.get("retrying"):
        why.append(f"{left['retrying']} retrying after a failed attempt (next by {msk_time(left.get('retry_at'))} MSK)")
    if left.get("held"):
        why.append(f"{left['held']} held by min_reprints/mayor_only filters (waiting for reprints)")
    if left.get("digest"):
        why.append(f"{left['digest']} waiting for their channel's digest")
    return line + f"\nalerts left for the next run or the daemon: {n}: " + "; ".join(why)


@app.command()
def run(
    config: ConfigOption = DEFAULT_CONFIG,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the daemon: poll every enabled source on its schedule and deliver alerts, until SIGTERM/SIGINT."""
    settings = get_settings(config)
    setup_logging(settings, verbose=verbose)
    from crawler.alert.channels import build_channels
    from crawler.daemon import Daemon

    try:
        build_channels(settings)  # a channel that cannot work stops the start (exit 2), not the dispatcher later
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)

    with database(settings) as store:
        try:
            asyncio.run(Daemon(settings, store).run())
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)


@app.command()
def sources(
    config: ConfigOption = DEFAULT_CONFIG,
    fmt: Annotated[SourcesFormat, typer.Option("--format", "-f", help="table or json (one array).")] = SourcesFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Same as --format json.")] = False,
    wide: WideOption = False,
) -> None:
    """List the configured sources with their crawl status (reads the database, never writes it; times in Moscow time)."""
    from storage.types import iso_utc

    settings = get_settings(config, database_only=True)
    health = {}
    if missing_sqlite(settings.database.url) is None:  # before the first crawl: the configured list only
        with database(settings) as store:
            health = {r.id: r for r in store.list_sources()}
    rows = []
    # Without a config (only $MOSNEWS_DATABASE_URL) the sources stored in the database are listed.
    for s in settings.sources or list(health.values()):
        h = health.get(s.id)
        rows.append({
            "id": s.id, "name": s.name, "okrug": s.okrug, "kind": s.kind, "url": s.url, "enabled": s.enabled,
            "last_success_at": iso_utc(h.last_success_at) if h else None,  # UTC with Z, as every JSON time of mosnews
            "last_error": h.last_error if h else None,
            "consecutive_failures": h.consecutive_failures if h else 0,
            "markup_changed": bool(h and h.markup_changed),
        })
    if as_json or fmt is SourcesFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from crawler.cli.query import msk_time

    width = table_width(wide)
    typer.echo(fit(f"{'id':<22} {'okrug':<7} {'on':<3} {'last success (MSK)':<18} {'fails':>5}  last error", width))
    for r in rows:
        h = health.get(r["id"])
        last = msk_time(h.last_success_at) if h and h.last_success_at else "never"
        err = (r["last_error"] or "") if r["consecutive_failures"] else ""
        flag = " [markup changed?]" if r["markup_changed"] else ""
        typer.echo(fit(f"{r['id']:<22} {r['okrug']:<7} {'y' if r['enabled'] else 'n':<3} {last:<18} {r['consecutive_failures']:>5}  {err}{flag}", width))
    on = sum(r["enabled"] for r in rows)
    typer.echo(f"{len(rows)} sources configured, {on} enabled")


@app.command()
def probe(
    url: Annotated[str, typer.Argument(help="A list or detail page URL.")],
    config: ConfigOption = DEFAULT_CONFIG,
    encoding: Annotated[Optional[str], typer.Option(help="Force the page charset.")] = None,
    profile: Annotated[Optional[str], typer.Option(help="Selector profile name to try first.")] = None,
) -> None:
    """Fetch one page and show what each extraction layer found (check a live site before adding it)."""
    from crawler.fetch import Fetcher
    from crawler.parse import decode_html, parse_list, probe_layers
    from crawler.parse.profiles import resolve_profile

    settings = get_settings(config) if config.exists() else Settings()
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(f"not a web page URL: {url!r} (expected http:// or https://, e.g. https://arbat.mos.ru/presscenter/news/)", EXIT_CONFIG)
    try:
        label, prof = resolve_profile(profile, None, settings.profiles)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)

    async def go() -> tuple[str, str, str, bytes, str | None]:
        async with Fetcher(settings.fetch) as f:
            res = await f.fetch(url)
        html, enc = decode_html(res.content, res.content_type, encoding)
        return html, enc, res.final_url, res.content, res.content_type

    try:
        html, enc, final, raw, ctype = asyncio.run(go())
    except FetchError as exc:
        fail(str(exc), 1)
    if _probe_originals(raw, ctype, final):  # an RSS/Atom feed or the www.mos.ru JSON API (docs/originals.md)
        return
    typer.echo(f"url: {final}\nencoding: {enc}")
    try:
        listing = parse_list(html, final, prof, profile_name=label)
    except ParseError as exc:  # a page over the hostile-page limits (docs/security.md)
        fail(f"page refused: {exc}", 1)
    typer.echo(f"\n== as a list page (layer {listing.layer or '-'}): {len(listing.items)} items, next: {listing.next_url}")
    for it in listing.items[:10]:
        typer.echo(f"  {it.published_at.isoformat() if it.published_at else '-':<25} {it.url}  {it.title or ''}")
    typer.echo("\n== as a detail page, by layer:")
    typer.echo(json.dumps(probe_layers(html, final, prof, profile_name=label), ensure_ascii=False, indent=2, default=str))


def _probe_originals(raw: bytes, ctype: str | None, url: str) -> bool:
    """Show what the originals reader finds in a feed or an API answer; ``False`` for anything else (an HTML page)."""
    from crawler.parse.mayor import looks_like_html, parse_api_item, parse_api_page, parse_feed

    head = raw[:600].lstrip()
    kind = None
    if (ctype and ("json" in ctype.lower())) or head[:1] in (b"{", b"["):
        kind = "json"
    elif (ctype and any(k in ctype.lower() for k in ("rss", "atom", "xml"))) or b"<rss" in head or b"<feed" in head:
        kind = "feed"
    if kind is None or (kind == "feed" and looks_like_html(raw, ctype)):
        return False
    typer.echo(f"url: {url}\ncontent-type: {ctype or '-'}")
    try:
        if kind == "feed":
            feed = parse_feed(raw, url)
            typer.echo(f"\n== as an RSS/Atom feed ({feed.version or '?'}): {len(feed.items)} items; flags: {', '.join(sorted(feed.flags)) or '-'}")
            items, nxt = feed.items, None
        else:
            try:
                page = parse_api_page(raw, ctype, url)
                what = "an API collection page"
            except ParseError:
                page = parse_api_item(raw, ctype, url)
                what = "one API item"
            renamed = ", ".join(f"{k} → {v}" for k, v in sorted(page.renamed.items()))
            typer.echo(f"\n== as {what}: {len(page.items)} items; next: {page.next_url or '-'}; flags: {', '.join(sorted(page.flags)) or '-'}"
                       + (f"; fields read under other names: {renamed}" if renamed else ""))
            items, nxt = page.items, page.next_url
    except ParseError as exc:
        typer.echo(f"\n== not readable as the originals source expects: {exc}")
        return True
    for it in items[:15]:
        when = it.published_at.isoformat() if it.published_at else "-"
        typer.echo(f"  id {it.item_id or '-':<10} {when:<25} text {len(it.text):>5} chars  {it.title[:70]}")
        if it.url:
            typer.echo(f"  {'':<13} {it.url}")
    del nxt
    return True


@app.command()
def reparse(
    config: ConfigOption = DEFAULT_CONFIG,
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only this source id (repeatable).")] = None,
) -> None:
    """Re-parse every kept raw page without the network and update edited articles in place."""
    from crawler.dedup import canonical_rule, story_title
    from crawler.parse import decode_html, parse_article
    from crawler.pipeline import profile_for
    from storage.intents import ArticleWrite

    settings = get_settings(config)
    by_id = {s.id: s for s in settings.sources}
    counts = {"updated": 0, "unchanged": 0, "new": 0, "failed": 0}
    now = datetime.now().astimezone()
    with database(settings, must_exist=True) as store:
        for url, sid, ctype, body in store.iter_raw_pages(source):
            src = by_id.get(sid)
            try:
                label, prof = profile_for(settings, src) if src else (None, None)
                html, _ = decode_html(body, ctype, src.encoding if src else None)
                art = parse_article(html, url, prof, profile_name=label)
            except (ParseError, ConfigError) as exc:
                counts["failed"] += 1
                typer.echo(f"  {url}: {exc}", err=True)
                continue
            res = store.save_article(ArticleWrite(source_id=sid, article=art, at=now, alert=False), canonical=canonical_rule, title=story_title)
            counts[res.status] += 1
    typer.echo(", ".join(f"{v} {k}" for k, v in counts.items()))


