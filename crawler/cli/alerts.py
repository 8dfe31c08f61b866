"""``mosnews alerts list|test|retry``: inspect the outbox, test every channel, re-queue dead letters."""

from __future__ import annotations

import asyncio
import json
from enum import Enum
from typing import Annotated, Optional

import typer

from crawler.cli.app import alerts_app
from crawler.cli.common import DEFAULT_CONFIG, EXIT_ATTENTION, EXIT_CONFIG, ConfigOption, WideOption, database, fail, fit, get_settings, table_width
from crawler.errors import ConfigError


class ListFormat(str, Enum):
    table = "table"
    json = "json"


@alerts_app.command("list")
def list_(
    config: ConfigOption = DEFAULT_CONFIG,
    status: Annotated[Optional[str], typer.Option(help="Only alerts with a delivery (or outbox row) in this status: pending, dead, delivered, filtered, held, digest, skipped, …")] = None,
    limit: Annotated[int, typer.Option(help="Newest N outbox rows.")] = 50,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json (JSON lines, one outbox row each).")] = ListFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Same as --format json.")] = False,
    wide: WideOption = False,
) -> None:
    """Show the alert outbox, newest first, with each channel's delivery state.

    The title shown is the one the alert was sent under (``story now: …`` follows when the story
    has been re-titled since); times are Moscow time."""
    from crawler.cli.query import msk_time
    from storage import outbox
    from storage.types import parse_utc

    settings = get_settings(config, database_only=True)
    with database(settings, must_exist=True) as store:
        rows = outbox.list_outbox(store, status=status, limit=limit)
        summ = outbox.summary(store)
    width = table_width(wide)

    def msk(iso: str | None) -> str:
        return msk_time(parse_utc(iso)) if iso else "-"

    if as_json or fmt is ListFormat.json:
        for r in rows:
            typer.echo(json.dumps(r, ensure_ascii=False))
        return
    typer.echo(fit(
        f"deliveries: {summ['pending']} pending, {summ['delivered']} delivered, {summ['dead']} dead, "
        f"{summ['filtered']} filtered, {summ['held']} held, {summ['digest']} waiting for digest", width))
    typer.echo(fit(f"outbox: {summ['outbox_pending']} not yet due, {summ['outbox_skipped']} skipped (first run)", width))
    typer.echo(fit(f"{'#':<7} {'event':<15} {'status':<10} {'due (MSK)':<16} {'story':<12} title (as sent)", width))
    for r in rows:
        sent, now_title = r.get("sent_title"), r["title"] or ""
        title = sent or now_title
        if sent and now_title and now_title not in sent:
            title += f"  (story now: {now_title})"
        story = f"story {r['story_id']}" if r["story_id"] else "-"
        typer.echo(fit(f"#{r['id']:<6} {r['event']:<15} {r['status']:<10} {msk(r['due_at']):<16} {story:<12} {title}", width))
        for d in r["deliveries"]:
            extra = f" next {msk(d['next_attempt_at'])}" if d["status"] == "pending" else ""
            err = f"  {d['last_error']}" if d["last_error"] and d["status"] in ("pending", "dead", "filtered", "held") else ""
            typer.echo(fit(f"        {d['channel']:<24} {d['status']:<10} attempts={d['attempts']}{extra}{err}", width))


@alerts_app.command()
def test(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Send a test message to every configured channel now and report each result (exit 1 if any failed)."""
    from crawler.alert import Dispatcher

    settings = get_settings(config)
    with database(settings) as store:
        try:
            d = Dispatcher(settings, store)
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
        if not d.channels:
            fail("no alert channels configured (alerts.webhooks, alerts.email, alerts.apprise)", EXIT_CONFIG)
        results = asyncio.run(d.send_test())
    labels = {c.key: c.label() for c in d.channels}
    for key, ok, detail in results:
        typer.echo(f"{'ok    ' if ok else 'FAILED'} {labels.get(key, key)}: {detail}")
    if not all(ok for _, ok, _ in results):
        raise typer.Exit(EXIT_ATTENTION)


@alerts_app.command()
def retry(
    config: ConfigOption = DEFAULT_CONFIG,
    delivery: Annotated[Optional[list[int]], typer.Option("--id", help="Re-queue only this delivery id (repeatable).")] = None,
    channel: Annotated[Optional[str], typer.Option(help="Re-queue only this channel's dead letters.")] = None,
    now: Annotated[bool, typer.Option("--now/--no-send", help="Deliver right away (default) or leave it to the daemon / next crawl.")] = True,
) -> None:
    """Re-queue dead-lettered deliveries (same message id, same body), then deliver them."""
    from crawler.alert import Dispatcher
    from crawler.config import now_utc
    from storage import outbox

    settings = get_settings(config)
    with database(settings, must_exist=True) as store:
        n = outbox.requeue(store, now_utc(), delivery, channel=channel)
        typer.echo(f"re-queued {n} dead deliver{'y' if n == 1 else 'ies'}")
        if not (n and now):
            return
        try:
            rep = asyncio.run(Dispatcher(settings, store).dispatch_due())
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
    typer.echo(f"alerts: {rep.sent} sent, {rep.failed} to retry, {rep.dead} dead")
    for key, err in rep.errors:
        typer.echo(f"  {key}: {err}")
    if rep.dead:
        raise typer.Exit(EXIT_ATTENTION)
