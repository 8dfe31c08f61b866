"""``mosnews status``: crawl health per source and the alert backlog; exit 1 when something needs attention.

A source needs attention when it is *failing* (its last crawl failed and either
``--failures`` crawls in a row failed or nothing succeeded for
``alerts.operator.failing_after``), its markup *seems changed* (pages stopped
yielding items), or it is *silent* (crawls succeed but its newest article is
older than ``alerts.operator.silent_after``), or *stale* (not crawled for three
poll intervals plus an hour: the daemon is probably not running), or *never crawled*
(configured, but no crawl of it is recorded: a source the running daemon has not reached yet,
less than its poll interval plus an hour after the daemon started, is only *first-crawl-pending*;
``crawler.health.first_crawl_overdue``). Dead-lettered alert deliveries and detail pages given up after ``crawl.detail_retry_for``
also need attention. Exit codes: 0 all good, 1 attention, 2 bad config, 3 database error.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any

import typer

from crawler.cli.app import app
from crawler.cli.common import DEFAULT_CONFIG, EXIT_ATTENTION, ConfigOption, WideOption, database, fit, get_settings, table_width
from crawler.config import Settings, now_utc


class StatusFormat(str, Enum):
    table = "table"
    json = "json"


def outbox_summary(store: Any) -> dict[str, Any]:
    """``storage.outbox.summary(store)`` (keys ``pending``, ``dead``, ``delivered``, …), or the same three counts
    computed here when that module is unavailable."""
    try:
        from storage.outbox import summary
    except ImportError:
        summary = None
    if summary is not None:
        return dict(summary(store))
    from sqlalchemy import func, select

    from storage.models import AlertDelivery

    with store.read_session() as s:
        counts = dict(s.connection().execute(select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)).all())  # type: ignore[arg-type]
    return {k: int(counts.get(k, 0)) for k in ("pending", "dead", "delivered")}


def source_flags(st: Any, settings: Settings, now: datetime, *, failures: int, interval: timedelta | None = None,
                 due: dict[str, datetime] | None = None) -> list[str]:
    """Flags of one source: ``failing``, ``error`` (a recent failure, not yet failing), ``markup-changed``,
    ``silent``, ``stale`` (not crawled for 3 intervals + 1 hour: is the daemon running?), ``never-crawled``
    (no crawl recorded, and no running daemon's first crawl of it is still to come), ``first-crawl-pending``
    (no crawl yet, but the daemon started less than the source's interval + 1 hour ago; ``due``:
    :func:`crawler.health.first_crawls_due`), ``never-succeeded`` (crawled, failed, and no crawl of it ever
    succeeded: a wrong URL, a blocked host). Those in :data:`ATTENTION` need attention."""
    from crawler.health import first_crawl_overdue

    op = settings.alerts.operator
    flags: list[str] = []
    if st.last_crawl_at is None:
        flags.append("never-crawled" if first_crawl_overdue(st.id, due or {}, now) else "first-crawl-pending")
    elif now - st.last_crawl_at > 3 * (interval or settings.crawl.interval) + timedelta(hours=1):
        flags.append("stale")
    if st.consecutive_failures > 0:
        long_failing = st.last_success_at is not None and now - st.last_success_at >= op.failing_after
        flags.append("failing" if st.consecutive_failures >= failures or long_failing else "error")
        if st.last_success_at is None:
            flags.append("never-succeeded")
    if st.markup_changed:
        flags.append("markup-changed")
    if st.consecutive_failures == 0 and st.last_success_at is not None:
        if st.last_item_at is None or now - st.last_item_at >= op.silent_after:
            flags.append("silent")
    return flags


ATTENTION = {"failing", "never-succeeded", "never-crawled", "markup-changed", "silent", "stale"}
#: Flags of a source with no crawl recorded.
UNCRAWLED = {"never-crawled", "first-crawl-pending"}


def _iso(dt: datetime | None) -> str | None:
    from storage.types import iso_utc

    return iso_utc(dt)


def _ago(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return "never"
    secs = int((now - dt).total_seconds())
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= n:
            return f"{secs // n}{unit} ago"
    return f"{max(secs, 0)}s ago"


@app.command()
def status(
    config: ConfigOption = DEFAULT_CONFIG,
    fmt: Annotated[StatusFormat, typer.Option("--format", "-f", help="table or json (one object).")] = StatusFormat.table,
    failures: Annotated[int, typer.Option("--failures", min=1, help="Consecutive failed crawls that make a source 'failing'.")] = 3,
    wide: WideOption = False,
) -> None:
    """Per-source crawl health and the alert backlog. Exit 1 when something needs attention (for cron/monitoring)."""
    from crawler.health import first_crawls_due
    from storage.queries import source_status

    settings = get_settings(config, database_only=True)
    now = now_utc()
    with database(settings, must_exist=True) as store:
        rows = source_status(store, now)
        due = first_crawls_due(store)
        alerts = outbox_summary(store)
        from storage import pending

        waiting = pending.summary(store)
    configured = {s.id: s for s in settings.sources}
    if configured:  # the config decides which sources count; removed ones linger in the database
        rows = [r for r in rows if r.id in configured and configured[r.id].enabled]
    else:
        rows = [r for r in rows if r.enabled]
    known = {r.id for r in rows}
    missing = [s for s in settings.enabled_sources() if s.id not in known]
    report: list[dict[str, Any]] = []
    for r in rows:
        cfg = configured.get(r.id)
        flags = source_flags(r, settings, now, failures=failures, interval=settings.source_interval(cfg) if cfg else None, due=due)
        report.append({
            "id": r.id, "name": r.name, "okrug": r.okrug, "last_success_at": _iso(r.last_success_at),
            "last_error": r.last_error if r.consecutive_failures else None, "last_error_at": _iso(r.last_error_at),
            "consecutive_failures": r.consecutive_failures, "items_last_day": r.items_last_day,
            "last_item_at": _iso(r.last_item_at), "markup_changed": r.markup_changed, "flags": flags,
            "pending_details": waiting.get(r.id, {}).get("pending", 0), "given_up_details": waiting.get(r.id, {}).get("given_up", 0),
            "health_flags": list(r.health_flags),
        })
    from crawler.health import first_crawl_overdue

    for s in missing:
        flag = "never-crawled" if first_crawl_overdue(s.id, due, now) else "first-crawl-pending"
        report.append({"id": s.id, "name": s.name, "okrug": s.okrug, "last_success_at": None, "last_error": None,
                       "last_error_at": None, "consecutive_failures": 0, "items_last_day": 0, "last_item_at": None,
                       "markup_changed": False, "flags": [flag], "pending_details": 0, "given_up_details": 0})
    problems = _problems(report, alerts)
    if fmt is StatusFormat.json:
        typer.echo(json.dumps({"ok": not problems, "checked_at": _iso(now), "problems": problems, "sources": report, "alerts": alerts},
                              ensure_ascii=False, indent=2, default=str))
    else:
        _print(report, alerts, problems, now, rows, table_width(wide))
    if problems:
        raise typer.Exit(EXIT_ATTENTION)


def _problems(report: list[dict[str, Any]], alerts: dict[str, Any]) -> list[str]:
    out = []
    crawled = [r for r in report if not UNCRAWLED & set(r["flags"])]
    if crawled and all(r["consecutive_failures"] > 0 for r in crawled):
        out.append(f"all {len(crawled)} crawled source(s) are failing: is the network (or a proxy, or the parser) broken?")
    labels = (("failing", "failing"), ("never-succeeded", "never crawled successfully"),
              ("never-crawled", "never crawled (is the daemon running? `mosnews crawl` crawls them once)"),
              ("markup-changed", "markup seems changed"), ("silent", "silent (no new items)"),
              ("stale", "not crawled recently (is the daemon running?)"))
    for flag, label in labels:
        ids = [r["id"] for r in report if flag in r["flags"]]
        if ids:
            out.append(f"{len(ids)} source(s) {label}: {', '.join(ids)}")
    given_up = {r["id"]: r["given_up_details"] for r in report if r.get("given_up_details")}
    if given_up:
        out.append(f"{sum(given_up.values())} detail page(s) given up after crawl.detail_retry_for: "
                   + ", ".join(f"{k} ({v})" for k, v in given_up.items()))
    if int(alerts.get("dead", 0)):
        out.append(f"{alerts['dead']} alert delivery(ies) dead-lettered (see: mosnews alerts)")
    return out


def _print(report: list[dict[str, Any]], alerts: dict[str, Any], problems: list[str], now: datetime, rows: list[Any], width: int | None = None) -> None:
    by_id = {r.id: r for r in rows}
    typer.echo(fit(f"{'source':<22} {'okrug':<6} {'last success':<12} {'fails':>5} {'24h':>4}  flags / last error", width))
    for r in report:
        st = by_id.get(r["id"])
        last = _ago(st.last_success_at if st else None, now)
        tail = " ".join(r["flags"])
        if r.get("pending_details"):
            tail += f" retrying:{r['pending_details']}"
        if r.get("given_up_details"):
            tail += f" given-up:{r['given_up_details']}"
        if r.get("health_flags"):  # warnings of the last crawl (originals source: docs/originals.md)
            tail += f" [{' '.join(r['health_flags'])}]"
        if r["last_error"]:
            tail += f"  {r['last_error'] if width is None else r['last_error'][:300]}"
        typer.echo(fit(f"{r['id'][:22]:<22} {r['okrug'][:6]:<6} {last:<12} {r['consecutive_failures']:>5} {r['items_last_day']:>4}  {tail}".rstrip(), width))
    typer.echo(
        f"\nalerts: {alerts.get('pending', 0)} pending, {alerts.get('delivered', 0)} delivered, {alerts.get('dead', 0)} dead"
        + (f"; {alerts['outbox_pending']} event(s) not yet fanned out" if alerts.get("outbox_pending") else "")
    )
    if problems:
        typer.echo("\nneeds attention:")
        import textwrap

        for p in problems:  # wrapped, not cut, to the terminal's width: every source id stays readable
            typer.echo(f"  - {p}" if width is None else textwrap.fill(p, width, initial_indent="  - ", subsequent_indent="    ",
                                                                     break_on_hyphens=False))
    else:
        waiting = [r["id"] for r in report if "first-crawl-pending" in r["flags"]]
        typer.echo("\nall good" + (f" ({len(waiting)} source(s) waiting for the daemon's first crawl)" if waiting else ""))
