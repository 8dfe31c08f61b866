"""Observability: structured logging, progress display, and the daemon's /healthz + /metrics endpoint.

Logging (stdlib ``logging``): :func:`setup_logging` installs one handler on the
root logger that writes ONE LINE PER EVENT to stderr, either ``text``::

    2025-03-10T12:00:00Z INFO mosnews.crawl crawl done source=arbat new=3

or ``json`` (``logging.format: json``)::

    {"ts": "2025-03-10T12:00:00Z", "level": "INFO", "logger": "mosnews.crawl", "event": "crawl done", "source": "arbat", "new": 3}

Fields given as ``extra={...}`` become ``key=value`` pairs / JSON keys. Lines
about a source carry ``source``: use :func:`source_logger` (a LoggerAdapter) or
wrap the work in :func:`source_context` (a contextvar, so every log call inside,
in any module or asyncio task started inside, gets the field).

HTTP (starlette + uvicorn, in the daemon's event loop): :func:`serve_http`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from datetime import datetime, timezone
from typing import IO, Any, TypeVar

from crawler.config import LoggingSettings, ServerSettings, host_is_loopback
from crawler.errors import ConfigError

_SOURCE: contextvars.ContextVar[str | None] = contextvars.ContextVar("mosnews_source", default=None)
#: LogRecord attributes that are not user fields.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName", "color_message"}
log = logging.getLogger("mosnews.observe")
T = TypeVar("T")


# --- logging -----------------------------------------------------------------------


class _SourceFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "source", None) is None:
            src = _SOURCE.get()
            if src is not None:
                record.source = src
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")}


def _ts(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``event``, user fields, ``exc`` (traceback text)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": _ts(record), "level": record.levelname, "logger": record.name, "event": record.getMessage()}
        out.update(_fields(record))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already formatted (and redacted) by crawler.redact
            out["exc"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``<ts> <LEVEL> <logger> <message> key=value …`` on one line (newlines escaped as ``\\n``)."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_ts(record), record.levelname, record.name, record.getMessage()]
        for k, v in _fields(record).items():
            sv = str(v)
            parts.append(f"{k}={json.dumps(sv, ensure_ascii=False) if (not sv or ' ' in sv or '=' in sv) else sv}")
        if record.exc_info:
            parts.append("exc=" + json.dumps(self.formatException(record.exc_info), ensure_ascii=False))
        elif record.exc_text:  # already formatted (and redacted) by crawler.redact
            parts.append("exc=" + json.dumps(record.exc_text, ensure_ascii=False))
        return " ".join(parts).replace("\r", "\\r").replace("\n", "\\n")


def setup_logging(settings: LoggingSettings, *, level: str | None = None, stream: IO[str] | None = None) -> logging.Handler:
    """Route every log record (root logger) to one single-line handler; idempotent.

    Args:
        settings: ``logging.level`` and ``logging.format`` (``text`` or ``json``).
        level: overrides ``settings.level`` (e.g. ``"DEBUG"`` for ``--verbose``).
        stream: where to write (default ``sys.stderr``).

    Returns:
        The installed handler (tests may remove it).

    Uvicorn's own loggers are routed through the same handler; httpx, alembic and APScheduler
    are kept at WARNING unless the level is DEBUG. Every root handler gets
    :data:`crawler.redact.REDACTOR` (configured secrets and target URLs are masked).
    """
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_mosnews", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._mosnews = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if settings.format == "json" else TextFormatter())
    handler.addFilter(_SourceFilter())
    root.addHandler(handler)
    # Secrets are masked for every logger's records, ours and the libraries' (crawler/redact.py).
    from crawler.redact import install

    install(root.handlers)
    root.setLevel(level or settings.level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # Chatty libraries: per-request / per-job / per-plugin lines only with DEBUG.
    for name in ("httpx", "httpcore", "alembic", "apscheduler.executors", "apscheduler.scheduler"):
        logging.getLogger(name).setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)
    return handler


class SourceAdapter(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger adapter adding ``source=<id>`` to every record (merging any ``extra`` given per call)."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **(kwargs.get("extra") or {})}
        return msg, kwargs


def source_logger(source_id: str, logger: logging.Logger | str = "mosnews") -> SourceAdapter:
    """A logger whose lines all carry ``source=<source_id>``; e.g. ``source_logger("arbat").warning("list page empty")``."""
    lg = logging.getLogger(logger) if isinstance(logger, str) else logger
    return SourceAdapter(lg, {"source": source_id})


@contextlib.contextmanager
def source_context(source_id: str) -> Iterator[None]:
    """Within the block (and asyncio tasks created inside it), every log line carries ``source=<source_id>``."""
    token = _SOURCE.set(source_id)
    try:
        yield
    finally:
        _SOURCE.reset(token)


def progress(items: Iterable[T], *, total: int | None, description: str, logger: logging.Logger | None = None) -> Iterator[T]:
    """Yield ``items`` while showing progress: a rich bar on an interactive stderr, else a log line every 10 %.

    For long commands (backfill, reclustering); ``total`` may be ``None`` (then only counts are shown).
    """
    lg = logger or logging.getLogger("mosnews.progress")
    if sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(description, total=total)
            for item in items:
                yield item
                bar.advance(task)
        return
    done, step, last = 0, max(1, (total or 0) // 10), time.monotonic()
    for item in items:
        yield item
        done += 1
        if (total and (done % step == 0 or done == total)) or (not total and time.monotonic() - last >= 10):
            last = time.monotonic()
            lg.info(description, extra={"done": done, "total": total})


# --- HTTP --------------------------------------------------------------------------


def make_app(store: Any, ready: Callable[[], bool], problems: Callable[[], dict[str, str]] | None = None) -> Any:
    """The starlette app: ``GET /healthz`` and ``GET /metrics``.

    ``/healthz``: 200 ``{"status": "ok", "scheduler": true, "database": true, "sources": true}`` when
    ``ready()`` is true, ``SELECT 1`` succeeds on ``store.read_engine`` and some enabled source works
    (``"sources"`` is false when at least one enabled source was crawled and every crawled one failed
    its last crawl: the network, a proxy or the parser is broken; or when none was ever crawled and
    every first crawl is overdue, :func:`crawler.health.first_crawl_overdue`: is the scheduler
    running?); else 503 with ``"status": "unavailable"`` and the failing part ``false`` (plus
    ``"error"``). Sources ``mosnews status`` flags ``never-crawled`` are counted in ``"never_crawled"``
    (present when not 0), as its ``never-succeeded`` ones in ``"never_succeeded"``.
    ``/metrics``: Prometheus text format of :data:`crawler.metrics.REGISTRY`.
    ``problems``: ``() -> {task: error}`` of dead background tasks (the daemon's alert
    dispatcher); any entry makes ``/healthz`` 503 with ``"tasks": {…}``.
    """
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
    from sqlalchemy import text
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from crawler.metrics import REGISTRY

    def _db_ok() -> tuple[int, int, int, list[str]]:
        """``(crawled enabled sources, of those failing, of those never succeeded, never-crawled ids)``
        — the query also proves the database answers."""
        with store.read_engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, last_crawl_at IS NOT NULL, consecutive_failures, last_success_at IS NULL FROM sources WHERE enabled"
            )).all()
        crawled = [r for r in rows if r[1]]
        failing = [r for r in crawled if r[2] > 0]
        return len(crawled), len(failing), sum(1 for r in failing if r[3]), [r[0] for r in rows if not r[1]]

    async def healthz(_request: Request) -> JSONResponse:
        body: dict[str, Any] = {"status": "ok", "scheduler": False, "database": False, "sources": False}
        try:
            body["scheduler"] = bool(ready())
        except Exception as exc:  # a broken ready() is "not ready", never a 500
            body["error"] = f"ready(): {exc}"
        try:
            from crawler.health import first_crawls_due, never_crawled

            crawled, failing, never_ok, uncrawled = await asyncio.wait_for(asyncio.to_thread(_db_ok), timeout=5)
            overdue, waiting = never_crawled(uncrawled, await asyncio.to_thread(first_crawls_due, store) if uncrawled else {},
                                             datetime.now(timezone.utc))
            body["database"] = True
            body["sources"] = not (crawled and failing == crawled) and not (overdue and not crawled and not waiting)
            if overdue:
                body["never_crawled"] = len(overdue)
            if never_ok:
                body["never_succeeded"] = never_ok
            if crawled and failing == crawled:
                body["error"] = f"all {crawled} crawled source(s) are failing (see mosnews status)"
            elif not body["sources"]:
                body["error"] = f"none of the {len(overdue)} enabled source(s) was ever crawled: is the daemon's scheduler running? (see mosnews status)"
        except Exception as exc:
            body["error"] = f"database: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}"
        ok = body["scheduler"] and body["database"] and body["sources"]
        if problems is not None:
            try:
                dead = dict(problems())
            except Exception as exc:
                dead = {"problems()": str(exc)}
            if dead:
                body["tasks"] = dead
                ok = False
        if not ok:
            body["status"] = "unavailable"
        return JSONResponse(body, status_code=200 if ok else 503)

    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[Route("/healthz", healthz), Route("/metrics", metrics)])


#: True for ``localhost`` and 127.0.0.0/8 / ``::1`` addresses (the config's own check).
is_loopback = host_is_loopback


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0: ephemeral).

    Raises:
        ConfigError: the address cannot be bound (in use, not local, …), naming ``server.host``/``server.port``.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, _t, _p, _c, addr = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(64)
        sock.setblocking(False)
        return sock
    except OSError as exc:
        raise ConfigError(f"server: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


async def serve_http(
    settings: ServerSettings,
    store: Any,
    ready: Callable[[], bool],
    stop: asyncio.Event,
    *,
    bound: Callable[[str, int], None] | None = None,
    problems: Callable[[], dict[str, str]] | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve ``/healthz`` and ``/metrics`` on ``settings.host:settings.port`` until ``stop`` is set.

    Runs uvicorn inside the current event loop without touching signal handlers
    (the daemon owns SIGINT/SIGTERM). With ``settings.web`` the read-only web interface
    (:func:`crawler.web.app.create_app`) is served on the same address. Returns at once when
    ``settings.enabled`` is false. A non-loopback host is allowed (e.g. ``0.0.0.0`` in a container) but
    logged as a warning: the endpoint has no authentication.

    Args:
        ready: true while the scheduler runs (called per ``/healthz`` request).
        bound: called with ``(host, port)`` once listening (useful with ``port: 0``).
        problems: dead background tasks, see :func:`make_app`.
        sock: a socket already bound by :func:`bind_socket` (the daemon binds it before it starts,
            so a taken port is a start-up failure); bound here when omitted.

    Raises:
        ConfigError: the address cannot be bound.
    """
    if not settings.enabled:
        return
    if not is_loopback(settings.host):
        log.warning("health/metrics endpoint listens on a non-loopback address", extra={"host": settings.host})
    if sock is None:
        sock = bind_socket(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    if settings.web:  # the read-only web interface beside /healthz and /metrics (crawler.web)
        from crawler.web.app import create_app

        asgi = create_app(store, settings, ready=ready, problems=problems)
        log.info("web interface enabled", extra={"url": f"http://{host}:{port}/"})
        if not is_loopback(settings.host):  # credentials are configured (the config refuses it otherwise)
            log.warning("web interface on a non-loopback address: HTTP Basic sends the password in clear, "
                        "put a TLS reverse proxy in front (docs/web.md)", extra={"host": settings.host})
    else:
        asgi = make_app(store, ready, problems)
    await run_asgi(asgi, sock, stop, bound=bound, what="health/metrics endpoint", path="/healthz")


async def run_asgi(
    asgi: Any, sock: socket.socket, stop: asyncio.Event, *, bound: Callable[[str, int], None] | None = None,
    what: str, path: str = "/", quiet: bool = True,
) -> None:
    """Serve ``asgi`` with uvicorn on the bound ``sock`` inside the current event loop until
    ``stop`` is set (or the server ends), then close the socket.

    Logs ``"<what> listening"`` with the URL of ``path`` and calls ``bound(host, port)`` once the
    server accepts connections. ``quiet``: leave the process's signal handlers alone (the daemon
    owns SIGINT/SIGTERM); otherwise uvicorn handles them. Raises what the server raised at start.
    """
    import uvicorn

    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(asgi, log_config=None, access_log=False, lifespan="off", host=host, port=port)
    server = _QuietServer(config) if quiet else uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="mosnews-http")
    try:
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if task.done():
            task.result()
        log.info(f"{what} listening", extra={"url": f"http://{host}:{port}{path}"})
        if bound is not None:
            bound(host, port)
        stop_wait = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task
        sock.close()


def _quiet_server_class() -> type:
    import uvicorn

    class QuietServer(uvicorn.Server):
        """uvicorn.Server that leaves the process's signal handlers alone."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return QuietServer


def _QuietServer(config: Any) -> Any:  # noqa: N802 (factory named like the class it builds)
    return _quiet_server_class()(config)


__all__ = [
    "JsonFormatter", "SourceAdapter", "TextFormatter", "bind_socket", "is_loopback", "make_app", "progress", "run_asgi",
    "serve_http", "setup_logging", "source_context", "source_logger",
]
