"""The read-only web interface and Atom feeds (Starlette + Jinja2, server-rendered, no JavaScript).

Public paths: ``/`` (releases), ``/stories/<id>``, ``/sources``, ``/feed.atom``,
``/api/releases``, ``/api/stories/<id>``; static files under ``/static``. Every filter state
is a plain query string (:class:`crawler.web.queries.Filters`). Only GET/HEAD; every page is
autoescaped Jinja2 under a strict Content-Security-Policy (no scripts at all, styles from
``/static`` only). With ``server.auth`` set every path but ``/healthz`` and ``/metrics``
asks for HTTP Basic credentials.

Served by the daemon beside /healthz and /metrics when ``server.web: true``
(:func:`crawler.observe.serve_http`), or alone by ``mosnews web`` (:func:`serve_web`).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import functools
import binascii
import contextlib
import hashlib
import logging
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable

from markupsafe import Markup, escape

from crawler.config import ServerSettings, host_is_loopback
from crawler.russian import plural_form as plural
from crawler.web.explain import explain
from crawler.web.queries import MSK, Filters, Row, WebQueries, cursor

log = logging.getLogger("mosnews.web")
HERE = Path(__file__).parent
#: Every HTML/JSON/Atom response carries these.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
#: Paths left open when credentials are configured (monitoring scrapes them).
OPEN_PATHS = ("/healthz", "/metrics")
#: The ``tag:`` URI prefix of feed and entry ids (RFC 4151): stable across hosts and restarts.
TAG = "tag:mosnews,2025:"
MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"]
WEEKDAYS = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Seconds the filter form's lists of okrugs and sources are cached.
CHOICES_TTL = 60.0
#: Alert statuses and events in Russian (the raw value stays in the cell's title).
STATUS_RU = {
    "delivered": "доставлено", "pending": "в очереди", "dead": "не доставлено", "filtered": "отфильтровано",
    "held": "ожидает условий", "digest": "ждёт дайджеста", "digested": "в дайджесте", "cancelled": "отменено",
    "dispatched": "разослано", "skipped": "пропущено (первый запуск)",
}
EVENT_RU = {"story.created": "новый релиз", "story.updated": "обновление", "source.failing": "сбой источника", "test": "проверка"}
#: How often ``mosnews web`` refreshes the search index (the daemon does it in its housekeeping).
FTS_REFRESH_EVERY = timedelta(minutes=5)


# --- formatting helpers (Jinja filters) ---------------------------------------------


def msk(dt: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """An aware time in Moscow time (``—`` when unknown)."""
    return dt.astimezone(MSK).strftime(fmt) if dt else "—"


def msk_day(dt: datetime | None) -> str:
    """«понедельник, 10 марта 2025» (Moscow calendar day)."""
    if dt is None:
        return "без даты"
    d = dt.astimezone(MSK)
    return f"{WEEKDAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}"


def highlight(text: str, stems: frozenset[str]) -> Markup:
    """``text`` escaped, with every word whose Russian stem is one of ``stems`` wrapped in ``<mark>``.

    Snowball stems are prefixes of the lower-cased word: only words that start with one of the
    stems are stemmed to confirm.
    """
    if not stems or not text:
        return Markup(escape(text))
    from crawler.textsearch import stem_text

    folded = text.lower().replace("ё", "е")
    if len(folded) != len(text):  # exotic case mappings change lengths: no positions to trust
        return Markup(escape(text))
    out: list[str] = []
    pos = 0
    for m in _candidates_re(stems).finditer(folded):
        word = text[m.start() : m.end()]
        if stem_text(word) in stems:
            out.append(str(escape(text[pos : m.start()])))
            out.append(f"<mark>{escape(word)}</mark>")
            pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


@functools.lru_cache(maxsize=256)
def _candidates_re(stems: frozenset[str]) -> re.Pattern[str]:
    """Whole words (folded text) starting with one of ``stems``."""
    alts = "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True))
    return re.compile(r"(?<![0-9a-zа-я])(?:" + alts + r")[0-9a-zа-я]*")


def snippet(text: str, stems: frozenset[str], width: int = 260) -> str:
    """A piece of ``text`` around the first word starting with one of ``stems`` (or its start),
    at most ``width`` characters, cut at word bounds."""
    start = 0
    if stems:
        m = _candidates_re(stems).search(text.lower().replace("ё", "е"))
        if m and m.start() > width // 3:
            start = m.start() - width // 3
            start = text.find(" ", start, m.start()) + 1 or start  # begin at a word
    window = text[start : start + width + 200]
    piece = " ".join(window.split())[:width]
    cut = start + len(window) < len(text) or len(" ".join(window.split())) > width
    if cut and " " in piece:
        piece = piece.rsplit(" ", 1)[0]  # end at a word
    return ("…" if start else "") + piece + ("…" if cut else "")


def paragraphs(text: str) -> list[str]:
    """Body text split into paragraphs (blank-line separated, as stored)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def host_of(url: str | None) -> str:
    """The host of ``url`` (for «arbat.mos.ru ↗» links)."""
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or "" if url else ""


def xml_text(text: str | None) -> str:
    """``text`` without the characters XML 1.0 forbids (control characters from third-party pages)."""
    return _XML_BAD.sub("", text or "")


# --- the app --------------------------------------------------------------------------


class _Guard:
    """ASGI middleware: security headers on every response; HTTP Basic when credentials are set."""

    def __init__(self, app: Any, settings: ServerSettings) -> None:
        self.app = app
        auth = settings.auth
        self.expected = (
            base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode() if auth is not None else None
        )

    def _authorized(self, scope: dict[str, Any]) -> bool:
        if self.expected is None or scope["path"] in OPEN_PATHS:
            return True
        for k, v in scope.get("headers", []):
            if k == b"authorization":
                scheme, _, token = v.decode("latin-1").partition(" ")
                if scheme.lower() == "basic":
                    try:
                        token = base64.b64encode(base64.b64decode(token.strip(), validate=True)).decode()
                    except (binascii.Error, ValueError):
                        return False
                    return secrets.compare_digest(token, self.expected)
        return False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        if not self._authorized(scope):
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"www-authenticate", b'Basic realm="mosnews", charset="UTF-8"'), *extra]})
            await send({"type": "http.response.body", "body": "Нужен вход (HTTP Basic).\n".encode()})
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip() for t in header.split(",")]
    bare = etag.removeprefix("W/")
    return "*" in tags or any(t.removeprefix("W/") == bare for t in tags)


def not_modified(request: Any, etag: str, last_modified: datetime | None) -> bool:
    """Conditional GET (RFC 9110 §13.2.2): ``If-None-Match`` decides when present, else ``If-Modified-Since``."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return _etag_matches(inm, etag)
    ims = request.headers.get("if-modified-since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return last_modified.replace(microsecond=0) <= since
    return False


def create_app(
    store: Any, settings: ServerSettings | None = None, *, ready: Callable[[], bool] | None = None, problems: Callable[[], dict[str, str]] | None = None
) -> Any:
    """The Starlette app of the web interface over ``store``.

    Args:
        settings: ``server.*`` (credentials); defaults to no credentials.
        ready: when given, ``/healthz`` and ``/metrics`` (:func:`crawler.observe.make_app`) are served too;
            ``problems`` as there (background tasks that died fail ``/healthz``).
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from crawler.textsearch import stem_text

    settings = settings or ServerSettings()
    wq = WebQueries(store)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True, default_for_string=True),
                      auto_reload=False)
    env.filters.update(msk=msk, msk_day=msk_day, host=host_of, paragraphs=paragraphs)
    env.globals.update(status_ru=STATUS_RU, event_ru=EVENT_RU, plural=plural, highlight=highlight, snippet=snippet, explain=explain, cursor=cursor)

    cached: dict[str, Any] = {}

    def choices() -> tuple[list[str], list[dict[str, Any]]]:
        """The filter form's okrugs and sources, re-read at most every :data:`CHOICES_TTL` seconds."""
        now = time.monotonic()
        if cached.get("at") is None or now - cached["at"] > CHOICES_TTL:
            cached["value"], cached["at"] = wq.filter_choices(), now
        return cached["value"]

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        """Render a template of ``templates/`` (autoescaped) into an HTML response."""
        html = env.get_template(name).render(request=request, nav=name.split(".")[0], **ctx)
        return HTMLResponse(html, status_code=status)

    def base_url(request: Request) -> str:
        """The server's base URL as the client addressed it (for feed links)."""
        return str(request.base_url).rstrip("/")

    def filters_of(request: Request) -> tuple[Filters, list[str]]:
        """The filter state of the query string, and the values that were ignored (Russian
        messages): malformed values, and okrugs or sources this database does not know (okrugs
        match in any case, as in the CLI)."""
        f, errors = Filters.from_params(request.query_params)
        if not f.okrugs and not f.sources:
            return f, errors
        okrugs, sources = choices()
        known = {o.casefold(): o for o in okrugs}
        kept = []
        for o in f.okrugs:
            if o.casefold() in known:
                kept.append(known[o.casefold()])
            else:
                errors.append(f"округ «{o[:40]}» неизвестен; известные: {', '.join(okrugs)}")
        ids = {src["id"] for src in sources}
        unknown = [x for x in f.sources if x not in ids]
        errors.extend(f"источник «{x[:40]}» неизвестен (список — на странице «Источники»)" for x in unknown)
        return dataclasses.replace(f, okrugs=tuple(dict.fromkeys(kept)), sources=tuple(x for x in f.sources if x in ids)), errors

    # --- pages -----------------------------------------------------------------

    def releases_page(request: Request) -> Response:
        """``/``: one page of releases for the filter state in the query string."""
        f, errors = filters_of(request)
        if not errors and list(request.query_params.multi_items()) != f.params(page=True):
            # drop empty form fields (and normalise values): one clean URL per filter state
            return RedirectResponse("/" + f.query_string(page=True), status_code=302)
        page = wq.page(f, stem_text, text=bool(f.q))
        okrugs, sources = choices()
        stems = frozenset(stem_text(f.q).split()) if f.q else frozenset()
        days: list[tuple[str, list[Row]]] = []
        for r in page.rows:
            label = msk_day(r.when)
            if not days or days[-1][0] != label:
                days.append((label, []))
            days[-1][1].append(r)
        return render(request, "releases.html", f=f, page=page, days=days, errors=errors, okrugs=okrugs,
                      sources=sources, stems=stems,
                      next_url=("/" + f.query_string(page=True, before=page.next_before)) if page.next_before else None,
                      first_url=("/" + f.query_string()) if f.before else None,
                      feed_url="/feed.atom" + f.query_string())

    def story_page(request: Request) -> Response:
        """``/stories/<id>``: the story, its text, every reprint and why, the alerts."""
        data = wq.story(request.path_params["story_id"])
        if data is None:
            raise HTTPException(404)
        return render(request, "story.html", d=data, st=data["story"], rel=data["release"])

    SOURCE_SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
        "status": lambda s: (-_severity(s), -s["consecutive_failures"], s["okrug"], s["name"]),
        "name": lambda s: (s["name"].casefold(),),
        "okrug": lambda s: (s["okrug"], s["name"].casefold()),
        "success": lambda s: (s["last_success_at"] is None, s["last_success_at"] or datetime.min.replace(tzinfo=timezone.utc)),
        "error": lambda s: (s["last_error_at"] is None, s["last_error_at"] or datetime.min.replace(tzinfo=timezone.utc)),
        "failures": lambda s: (s["consecutive_failures"], s["name"].casefold()),
        "items": lambda s: (s["items_last_day"], s["name"].casefold()),
    }

    def sources_page(request: Request) -> Response:
        """``/sources``: every press centre's health, failing first (``?sort=…&dir=asc|desc``)."""
        now = datetime.now(timezone.utc)
        rows = wq.sources(now)
        sort = request.query_params.get("sort", "status")
        if sort not in SOURCE_SORTS:
            sort = "status"
        desc = request.query_params.get("dir", "desc" if sort in ("success", "error", "failures", "items") else "asc") == "desc"
        if sort in ("success", "error"):  # never-seen last in both directions
            dated = sorted((s for s in rows if s[f"last_{sort}_at"] is not None), key=SOURCE_SORTS[sort], reverse=desc)
            rows = dated + [s for s in rows if s[f"last_{sort}_at"] is None]
        else:
            rows = sorted(rows, key=SOURCE_SORTS[sort], reverse=desc)
        for s in rows:
            s["state"] = _state(s)
        counts = {k: sum(1 for s in rows if s["state"][0] == k) for k in ("bad", "warn", "ok", "off")}
        return render(request, "sources.html", rows=rows, sort=sort, desc=desc, counts=counts, now=now)

    # --- feed and JSON ---------------------------------------------------------

    def feed(request: Request) -> Response:
        """``/feed.atom``: the newest stories of a filter state as Atom 1.0, with conditional GET."""
        f, _errors = filters_of(request)
        f = dataclasses.replace(f, before=None)
        page = wq.page(f, stem_text, lead=True)
        qs = f.query_string()
        newest = max((r.updated_at or r.when for r in page.rows if (r.updated_at or r.when)), default=None)
        digest = hashlib.sha256(qs.encode())
        for r in page.rows:
            digest.update(f"|{r.story_id}:{r.updated_at and r.updated_at.isoformat()}:{r.reprint_count}:{r.title}".encode())
        etag = f'W/"{digest.hexdigest()[:32]}"'
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if newest is not None:
            headers["Last-Modified"] = format_datetime(newest.astimezone(timezone.utc), usegmt=True)
        if not_modified(request, etag, newest):
            return Response(status_code=304, headers=headers)
        body = _atom(page.rows, f, base_url(request), newest)
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)

    def api_releases(request: Request) -> Response:
        """``/api/releases``: a page of releases as the JSON of ``mosnews releases --format json``."""
        f, errors = filters_of(request)
        if errors:
            return JSONResponse({"errors": errors}, status_code=400)
        page = wq.page(f, stem_text, urls=True)
        headers = {}
        if page.next_before:
            headers["Link"] = f'<{base_url(request)}/api/releases{f.query_string(page=True, before=page.next_before)}>; rel="next"'
        return JSONResponse([r.to_json() for r in page.rows], headers=headers)

    def api_story(request: Request) -> Response:
        """``/api/stories/<id>``: one story with every reprint and its alerts, as JSON."""
        data = wq.story(request.path_params["story_id"])
        if data is None:
            return JSONResponse({"error": "no such story"}, status_code=404)
        from storage.types import iso_utc

        sid = data["story"]["id"]
        obj = data["release"].to_json()
        obj["updated_at"] = iso_utc(data["story"].get("updated_at"))
        obj["reprints"] = [
            {"article_id": r["article_id"], "url": r["url"], "source_id": r["source_id"], "source_name": r["source_name"],
             "okrug": r["okrug"] or "", "title": r["title"], "published_at": iso_utc(r["published_at"]),
             "score": r["score"], "canonical": r["canonical"], "why": explain(r["explanation"], sid),
             "explanation": r["explanation"]}
            for r in data["reprints"]
        ]
        obj["alerts"] = [
            {"event": a["event"], "status": a["status"], "created_at": iso_utc(a["created_at"]),
             "deliveries": [{"channel": d["channel"], "status": d["status"], "attempts": d["attempts"],
                             "delivered_at": iso_utc(d["delivered_at"])} for d in a["deliveries"]]}
            for a in data["alerts"]
        ]
        return JSONResponse(obj)

    async def http_error(request: Request, exc: Exception) -> Response:
        code = getattr(exc, "status_code", 500)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": getattr(exc, "detail", "error")}, status_code=code)
        msg = {404: "Такой страницы нет.", 405: "Этот адрес только для чтения."}.get(code, "Ошибка.")
        return render(request, "error.html", status=code, code=code, message=msg)

    routes = [
        Route("/", releases_page, methods=["GET", "HEAD"]),
        Route("/stories/{story_id:int}", story_page, methods=["GET", "HEAD"]),
        Route("/sources", sources_page, methods=["GET", "HEAD"]),
        Route("/feed.atom", feed, methods=["GET", "HEAD"]),
        Route("/api/releases", api_releases, methods=["GET", "HEAD"]),
        Route("/api/stories/{story_id:int}", api_story, methods=["GET", "HEAD"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    if ready is not None:
        from crawler.observe import make_app

        routes = list(make_app(store, ready, problems).routes) + routes
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    return _Guard(app, settings)


def _severity(s: dict[str, Any]) -> int:
    return {"bad": 3, "warn": 2, "ok": 1, "off": 0}[_state(s)[0]]


def _state(s: dict[str, Any]) -> tuple[str, str]:
    """(css class, Russian label) of a source's health."""
    if not s["enabled"]:
        return "off", "отключён"
    if s["consecutive_failures"]:
        return "bad", f"ошибка ×{s['consecutive_failures']}"
    if s["markup_changed"]:
        return "warn", "разметка изменилась"
    if s["last_crawl_at"] is None:
        return "warn", "ещё не опрашивался"
    return "ok", "в порядке"


def _atom(rows: list[Row], f: Filters, base: str, newest: datetime | None) -> bytes:
    """The Atom 1.0 document (feedgen) for one page of releases."""
    from feedgen.feed import FeedGenerator

    qs = f.query_string()
    fg = FeedGenerator()
    fg.id(TAG + "releases" + qs)
    fg.title(xml_text("mosnews: релизы" + (" — " + describe(f) if f.active else "")))
    fg.subtitle("Пресс-релизы мэра и их перепечатки на сайтах управ и префектур Москвы")
    fg.author({"name": "mosnews"})
    fg.link(href=base + "/feed.atom" + qs, rel="self", type="application/atom+xml")
    fg.link(href=base + "/" + qs, rel="alternate", type="text/html")
    fg.language("ru")
    fg.updated(newest or datetime(2015, 1, 1, tzinfo=timezone.utc))
    for r in rows:
        fe = fg.add_entry(order="append")
        fe.id(f"{TAG}story:{r.story_id}")
        fe.title(xml_text(r.title) or f"Сюжет {r.story_id}")
        fe.updated(r.updated_at or r.when or newest)
        if r.when:
            fe.published(r.when)
        if r.link:
            fe.link(href=xml_text(r.link), rel="alternate", type="text/html")
        fe.link(href=f"{base}/stories/{r.story_id}", rel="related", type="text/html")
        n = r.reprint_count
        summary = (f"<p>{msk(r.when)} МСК · {n} {plural(n, 'перепечатка', 'перепечатки', 'перепечаток')}"
                   f"{' · ' + ', '.join(str(escape(o)) for o in r.okrugs) if r.okrugs else ''}</p>")
        if r.lead:
            summary += f"<p>{escape(xml_text(r.lead))}</p>"
        summary += f'<p><a href="{base}/stories/{r.story_id}">Все перепечатки</a></p>'
        fe.content(summary, type="html")
    return fg.atom_str(pretty=True)


def describe(f: Filters) -> str:
    """A short Russian description of a filter state («ЦАО · «школа» · с 2025-03-01»)."""
    parts: list[str] = []
    if f.q:
        parts.append(f"«{f.q}»")
    parts += list(f.okrugs) + list(f.sources)
    if f.date_from:
        parts.append(f"с {f.date_from:%d.%m.%Y}")
    if f.date_to:
        parts.append(f"по {f.date_to:%d.%m.%Y}")
    if f.min_reprints:
        parts.append(f"от {f.min_reprints} перепечаток")
    if f.mayor:
        parts.append("релизы мэра")
    return " · ".join(parts)


# --- serving ------------------------------------------------------------------------


def refresh_search_index(store: Any, *, always_log: bool = False) -> int:
    """Bring the search index up to date (:func:`storage.fts.refresh`) and, when it changed (or
    ``always_log``), log one line saying what a search covers now: the stories indexed by this
    refresh (new or changed since the last one, by whichever command made it), those already
    indexed and unchanged (skipped), and any story the index lacks. Returns the count indexed now.

    Raises:
        StorageError: on database errors.
    """
    from crawler.textsearch import stem_text
    from storage import fts

    n = fts.refresh(store, stem_text)
    if n or always_log:
        indexed, total = fts.coverage(store)
        kept = max(0, indexed - n)
        line = (f"search index: {indexed} of {total} stories searchable; {n} indexed now (new or changed since the last "
                f"refresh), {kept} skipped (indexed before and unchanged)")
        if indexed < total:
            line += f"; {total - indexed} not indexed yet (written meanwhile: the next refresh takes them)"
        log.info(line, extra={"indexed_now": n, "searchable": indexed, "stories_total": total})
    return n


async def _refresh_fts_forever(store: Any, stop: asyncio.Event) -> None:
    first = True
    while not stop.is_set():
        try:
            await asyncio.to_thread(refresh_search_index, store, always_log=first)
            first = False
        except Exception as exc:  # e.g. a read-only database: search what is indexed
            log.warning("search index not refreshed: %s", exc)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), FTS_REFRESH_EVERY.total_seconds())


async def serve_web(
    store: Any, settings: ServerSettings, *, stop: asyncio.Event | None = None,
    bound: Callable[[str, int], None] | None = None,
) -> None:
    """Serve the web interface alone (``mosnews web``) on ``settings.host:settings.port`` until
    ``stop`` is set or SIGINT/SIGTERM; refreshes the search index at start and every 5 minutes.

    Raises:
        ConfigError: the address cannot be bound, or a non-loopback address has no credentials.
    """
    from crawler.errors import ConfigError
    from crawler.observe import bind_socket, run_asgi

    if not host_is_loopback(settings.host):
        if settings.auth is None:
            raise ConfigError(f"web: listening on {settings.host} needs server.auth credentials (see docs/web.md)")
        log.warning("web interface listens on a non-loopback address: put a TLS reverse proxy in front (HTTP Basic "
                    "sends the password in clear)", extra={"host": settings.host})
    sock = bind_socket(settings.host, settings.port)
    stop = stop or asyncio.Event()
    fts_task = asyncio.create_task(_refresh_fts_forever(store, stop))
    try:
        # uvicorn handles SIGINT/SIGTERM here: this command owns the process
        await run_asgi(create_app(store, settings), sock, stop, bound=bound, what="web interface", quiet=False)
    finally:
        stop.set()
        fts_task.cancel()
        with contextlib.suppress(BaseException):
            await fts_task


__all__ = ["create_app", "describe", "highlight", "not_modified", "serve_web"]
