"""Read queries of the web interface: filtered release pages, one story, source health.

Every list is «newest first» by ``coalesce(published_at, first_seen_at)`` then id, read
through the ``ix_stories_when`` index (migration ``0005_i13``) with keyset pagination (a
page ends at a cursor ``(time, id)``; the next page starts strictly before it), so the
cost of a page does not grow with the archive or with the page number. Filters on the
story row (dates, minimum reprints, Mayor's releases) are checked while walking the index;
okrug / source filters are ``EXISTS`` probes on ``ix_articles_story_source``; full-text
search is the ``story_fts`` index of ``mosnews search`` (:func:`storage.fts.match_subquery`).

Columns added by other migrations are used when present: with
``stories.original_article_id`` (the Mayor's own item, when known) the list shows the
original's link, time and headline instead of the canonical reprint's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Integer, String, and_, exists, false, func, inspect, literal, literal_column, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from crawler.alert.filters import MAYOR_MIN_SOURCES
from storage.models import AlertDelivery, AlertOutbox, Article, Source, Story
from storage.types import UTCDateTime, iso_utc, parse_utc

_S, _A, _SRC = Story.__table__, Article.__table__, Source.__table__  # type: ignore[attr-defined]
_O, _D = AlertOutbox.__table__, AlertDelivery.__table__  # type: ignore[attr-defined]
WHEN = func.coalesce(_S.c.published_at, _S.c.first_seen_at, type_=UTCDateTime)
#: Title fragments that mark a Mayor's release (case-proof on SQLite, whose LIKE folds only ASCII):
#: Собянин, «мэр(а/у/ом/е) Москвы/столицы», градоначальник — :data:`crawler.alert.filters.MAYOR_RE` in SQL.
MAYOR_LIKE = ["%обянин%", "%радоначальник%"] + [f"%эр{end} {city}%" for end in ("", "а", "у", "ом", "е") for city in ("Москвы", "столицы")]
PAGE_SIZE = 50
#: A search / source / okrug filter matching at most SMALL stories is applied as an id list.
SMALL = 2000
#: Cost of one per-story probe in set entries read (measured on SQLite, 200,000 stories):
#: a full-text probe seeks in every term's doclist; an okrug/source probe is two B-tree seeks.
FTS_PROBE_COST, INDEX_PROBE_COST = 400.0, 30.0
MAX_PAGE_SIZE = 200
_CURSOR = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)_(\d+)$")


def moscow() -> Any:
    """Europe/Moscow (fixed UTC+3 when the tz database is missing)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Moscow")
    except Exception:
        return timezone(timedelta(hours=3), "MSK")


MSK = moscow()


@dataclass(frozen=True)
class Filters:
    """One filter state of the releases list (and of the Atom feed and ``/api/releases``).

    Every field maps to one query parameter (:meth:`params`), so a filter state is a plain URL.
    Dates are Moscow calendar days, both ends included.
    """

    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    okrugs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_reprints: int = 0
    mayor: bool = False
    #: Keyset cursor: only stories strictly older than ``(time, story id)``.
    before: tuple[datetime, int] | None = None
    limit: int = PAGE_SIZE

    @classmethod
    def from_params(cls, params: Any) -> tuple[Filters, list[str]]:
        """Parse query parameters (a starlette ``QueryParams`` or any multi-dict with ``getlist``).

        Returns the filters and a list of Russian messages about values that were ignored.
        """
        errors: list[str] = []

        def one(name: str) -> str:
            vals = [v.strip() for v in params.getlist(name) if v.strip()]
            return vals[-1] if vals else ""

        def day(name: str, label: str) -> date | None:
            v = one(name)
            if not v:
                return None
            try:
                return date.fromisoformat(v)
            except ValueError:
                errors.append(f"{label}: ожидается дата ГГГГ-ММ-ДД, получено «{v[:40]}»")
                return None

        def integer(name: str, label: str, lo: int, hi: int, default: int) -> int:
            v = one(name)
            if not v:
                return default
            try:
                n = int(v)
            except ValueError:
                errors.append(f"{label}: ожидается число, получено «{v[:40]}»")
                return default
            if not lo <= n <= hi:
                errors.append(f"{label}: ожидается число от {lo} до {hi}, получено {n}")
            return max(lo, min(hi, n))

        before = None
        cur = one("before")
        if cur:
            m = _CURSOR.match(cur)
            if m:
                before = (parse_utc(m.group(1)), int(m.group(2)))
            else:
                errors.append("before: неверная позиция страницы")
        f = cls(
            q=one("q")[:300],
            date_from=day("from", "с"),
            date_to=day("to", "по"),
            okrugs=tuple(dict.fromkeys(v.strip() for v in params.getlist("okrug") if v.strip())),
            sources=tuple(dict.fromkeys(v.strip() for v in params.getlist("source") if v.strip())),
            min_reprints=integer("min", "минимум перепечаток", 0, 10_000, 0),
            mayor=one("mayor").lower() in ("1", "true", "on", "yes", "да"),
            before=before,
            limit=integer("limit", "limit", 1, MAX_PAGE_SIZE, PAGE_SIZE),
        )
        return f, errors

    def params(self, *, page: bool = False) -> list[tuple[str, str]]:
        """The query parameters of this state, in a fixed order, empty ones left out.

        ``page``: include the cursor and a non-default page size.
        """
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        if self.date_from:
            out.append(("from", self.date_from.isoformat()))
        if self.date_to:
            out.append(("to", self.date_to.isoformat()))
        out += [("okrug", o) for o in self.okrugs]
        out += [("source", s) for s in self.sources]
        if self.min_reprints:
            out.append(("min", str(self.min_reprints)))
        if self.mayor:
            out.append(("mayor", "1"))
        if page and self.before:
            out.append(("before", cursor(*self.before)))
        if page and self.limit != PAGE_SIZE:
            out.append(("limit", str(self.limit)))
        return out

    def query_string(self, *, page: bool = False, **changes: Any) -> str:
        """``?a=b&…`` of this state with ``changes`` applied (``""`` when nothing is set)."""
        f = replace(self, **changes) if changes else self
        qs = urlencode(f.params(page=page))
        return f"?{qs}" if qs else ""

    @property
    def active(self) -> bool:
        """True when any filter (not the cursor) is set."""
        return bool(self.params())


def cursor(when: datetime, story_id: int) -> str:
    """The ``before`` parameter that starts a page after the story at ``(when, story_id)``."""
    return f"{iso_utc(when)}_{story_id}"


def msk_midnight(d: date) -> datetime:
    """Midnight of Moscow day ``d`` as an aware UTC datetime."""
    return datetime.combine(d, time(0), tzinfo=MSK).astimezone(timezone.utc)


@dataclass
class Row:
    """One story of a releases page."""

    story_id: int
    title: str
    when: datetime | None
    published_at: datetime | None
    first_seen_at: datetime | None
    updated_at: datetime | None
    reprint_count: int
    canonical_url: str | None = None
    #: The Mayor's own item when known (``stories.original_article_id``), else ``None``.
    original_url: str | None = None
    original_published_at: datetime | None = None
    okrugs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    reprint_urls: list[str] = field(default_factory=list)
    #: Lead and body of the canonical article (read for search snippets and feeds only).
    lead: str = ""
    text: str = ""

    @property
    def link(self) -> str | None:
        """The original item when known, else the canonical reprint."""
        return self.original_url or self.canonical_url

    def to_json(self) -> dict[str, Any]:
        """The object of ``mosnews releases --format json`` (format version 1), plus
        ``original_url`` / ``original_published_at`` (``null`` when unknown):
        :func:`storage.queries.release_json`."""
        from storage.queries import release_json

        return release_json(self)


@dataclass
class Page:
    """A page of releases and the cursor of the next one (``None`` on the last page)."""

    rows: list[Row]
    next_before: tuple[datetime, int] | None


class Explain(Executable, ClauseElement):
    """``EXPLAIN QUERY PLAN <stmt>`` on SQLite, ``EXPLAIN [(FORMAT JSON)] <stmt>`` on PostgreSQL."""

    inherit_cache = False

    def __init__(self, stmt: Any, *, json: bool = False) -> None:
        self.stmt = stmt
        self.json = json


@compiles(Explain)
def _compile_explain(element: Explain, compiler: Any, **kw: Any) -> str:
    if compiler.dialect.name == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN (FORMAT JSON) " if element.json else "EXPLAIN "
    return prefix + compiler.process(element.stmt, **kw)


def estimate(conn: Any, stmt: Any) -> float:
    """PostgreSQL's planner estimate of the rows ``stmt`` returns (no rows are read)."""
    plan = conn.execute(Explain(stmt, json=True)).scalar()
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


class WebQueries:
    """The web interface's queries over one :class:`storage.Store` (schema features detected once)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        cols = {c["name"] for c in inspect(store.read_engine).get_columns("stories")}
        #: ``stories.original_article_id`` exists (the Mayor's original item is known for some stories).
        self.has_original = "original_article_id" in cols
        self._original = (_S.c.original_article_id if "original_article_id" in _S.c
                          else literal_column("stories.original_article_id", Integer))

    # --- releases -----------------------------------------------------------------

    def _where(self, conn: Any, f: Filters, stem: Any) -> tuple[list[Any], bool]:
        """The WHERE conditions of filter state ``f``, and whether they name a short list of ids.

        Membership filters (search, source, okrug) are planned by their size: at most
        :data:`SMALL` stories become a list of ids (the page is then a few primary-key lookups,
        sorted in Python: ``True`` is returned); a common one a probe per story while walking
        ``ix_stories_when`` newest first (a page fills after a few hundred probes at most);
        on SQLite, one in between a set read once and tested while walking that index.
        SQLite counts the size on the filter's own index (cheap there); PostgreSQL asks its
        planner's estimate (``EXPLAIN``: its statistics know word and source frequencies), as
        counting would read heap rows.
        """
        from storage import fts

        conds: list[Any] = []
        if f.date_from:
            conds.append(WHEN >= msk_midnight(f.date_from))
        if f.date_to:
            conds.append(WHEN < msk_midnight(f.date_to + timedelta(days=1)))
        if f.min_reprints > 1:
            conds.append(_S.c.reprint_count >= f.min_reprints)
        if f.mayor:
            alts = [_S.c.reprint_count >= MAYOR_MIN_SOURCES] + [_S.c.title.like(p) for p in MAYOR_LIKE]
            if self.has_original:
                alts.append(self._original.isnot(None))
            conds.append(or_(*alts))
        if f.before:
            t, sid = f.before
            conds.append(or_(WHEN < t, and_(WHEN == t, _S.c.id < sid)))
        small: set[int] | None = None
        pg = self.store.dialect == "postgresql"
        stories = conn.execute(select(func.max(_S.c.id))).scalar() or 1  # ~ the number of stories, O(1)

        def member(ids_q: Any, probe: Any, probe_cost: float) -> None:
            """Plan one membership filter by its size ``n``.

            A probe per story walked costs ~``probe_cost`` set entries, and a page needs about
            ``PAGE_SIZE * stories / n`` of them; reading the set once costs ``n``: probe when
            ``n² > probe_cost * PAGE_SIZE * stories``.
            """
            nonlocal small
            probe_from = int(math.sqrt(probe_cost * PAGE_SIZE * stories))
            if pg:
                n = estimate(conn, ids_q)
                if n <= SMALL:
                    ids = {int(r[0]) for r in conn.execute(ids_q.limit(10 * SMALL + 1))}
                    if len(ids) <= 10 * SMALL:  # the estimate may be off: keep the list short
                        small = ids if small is None else small & ids
                        return
                # reading a full-text set reads heap rows on PostgreSQL: probe instead
                conds.append(probe if n > probe_from or probe_cost == FTS_PROBE_COST else (_S.c.id + 0).in_(ids_q))
                return
            n = conn.execute(select(func.count()).select_from(ids_q.limit(max(SMALL, probe_from) + 1).subquery())).scalar() or 0
            if n <= SMALL:
                ids = {int(r[0]) for r in conn.execute(ids_q)}
                small = ids if small is None else small & ids
            elif n > probe_from:
                conds.append(probe)
            else:  # read the set once, test each story walked (``id + 0``: no lookups driven by the set)
                conds.append((_S.c.id + 0).in_(ids_q))

        if f.q:
            sub = fts.match_subquery(self.store, f.q, stem)
            if sub is None:  # no word to look for: nothing matches (as in `mosnews search`)
                return [false()], True
            member(select(sub.subquery().c.story_id), fts.match_exists(self.store, f.q, stem, _S.c.id), FTS_PROBE_COST)
        if f.sources:
            member(select(_A.c.story_id).where(_A.c.source_id.in_(list(f.sources)), _A.c.story_id.isnot(None)),
                   exists(select(_A.c.id).where(_A.c.story_id == _S.c.id, _A.c.source_id.in_(list(f.sources)))),
                   INDEX_PROBE_COST)
        if f.okrugs:
            in_okrug = select(_SRC.c.id).where(_SRC.c.okrug.in_(list(f.okrugs)))
            member(select(_A.c.story_id).where(_A.c.source_id.in_(in_okrug), _A.c.story_id.isnot(None)),
                   exists(select(_A.c.id).select_from(_A.join(_SRC, _SRC.c.id == _A.c.source_id))
                          .where(_A.c.story_id == _S.c.id, _SRC.c.okrug.in_(list(f.okrugs)))),
                   INDEX_PROBE_COST)
        if small is not None:
            conds.append(_S.c.id.in_(sorted(small)) if small else false())
        return conds, small is not None

    def page_query(self, conn: Any, f: Filters, stem: Any) -> tuple[Any, bool]:
        """The SQL of one page (ids, times, title, counts), for :meth:`page` and the benchmark's plans.

        Returns the statement and whether it is an unordered short list (at most :data:`SMALL`
        stories by primary key) to be sorted and cut by the caller; ``(None, True)`` when
        nothing can match.
        """
        conds, short = self._where(conn, f, stem)
        if short and any(c is false() for c in conds):
            return None, True  # nothing can match: no query at all
        if short:  # ids and times only: the page's rows are read after sorting
            when = type_coerce(WHEN, String) if self.store.dialect == "sqlite" else WHEN  # ISO text sorts as time
            return select(_S.c.id, when.label("when")).where(*conds), True
        return select(*self._columns()).where(*conds).order_by(WHEN.desc(), _S.c.id.desc()).limit(f.limit + 1), False

    def _columns(self) -> list[Any]:
        cols = [_S.c.id, WHEN.label("when"), _S.c.title, _S.c.published_at, _S.c.first_seen_at, _S.c.updated_at,
                _S.c.reprint_count, _S.c.canonical_article_id]
        if self.has_original:
            cols.append(self._original.label("original_article_id"))
        return cols

    def page(self, f: Filters, stem: Any, *, lead: bool = False, text: bool = False, urls: bool = False) -> Page:
        """One page of releases for filter state ``f``: newest first, at most ``f.limit``.

        Args:
            stem: the full-text stemmer (:func:`crawler.textsearch.stem_text`).
            lead, text: also read each story's canonical lead / body (feeds, search snippets).
            urls: also read every reprint URL (``reprint_urls``, for JSON); without it only the
                okrugs and sources are read, from the index alone.
        """
        with self.store.read_session() as s:
            conn = s.connection()
            if self.store.dialect == "postgresql":  # a page is a few milliseconds of work: no worker processes
                conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
            q, short = self.page_query(conn, f, stem)
            raw = list(conn.execute(q)) if q is not None else []
            if short:  # newest first, as the index would give them; then the rows of the page
                low = "" if self.store.dialect == "sqlite" else datetime(1970, 1, 1, tzinfo=timezone.utc)
                top = sorted(raw, key=lambda r: (r.when or low, r.id), reverse=True)[: f.limit + 1]
                order = {int(r.id): k for k, r in enumerate(top)}
                raw = sorted(conn.execute(select(*self._columns()).where(_S.c.id.in_(list(order)))) if order else [],
                             key=lambda r: order[int(r.id)])
            more = len(raw) > f.limit
            raw = raw[: f.limit]
            rows = [
                Row(story_id=int(r.id), title=r.title or "", when=r.when, published_at=r.published_at,
                    first_seen_at=r.first_seen_at, updated_at=r.updated_at, reprint_count=int(r.reprint_count or 0))
                for r in raw
            ]
            if rows:
                self._fill(conn, rows, {int(r.id): r for r in raw}, lead=lead, text=text, urls=urls)
        nxt = (rows[-1].when, rows[-1].story_id) if more and rows and rows[-1].when else None
        return Page(rows, nxt)

    def _fill(self, conn: Any, rows: list[Row], raw: dict[int, Any], *, lead: bool, text: bool, urls: bool) -> None:
        """Canonical/original links, okrugs, sources (and reprint URLs, lead, text) of a page's stories."""
        ids = [r.story_id for r in rows]
        art_ids = {raw[i].canonical_article_id for i in ids if raw[i].canonical_article_id}
        if self.has_original:
            art_ids |= {raw[i].original_article_id for i in ids if raw[i].original_article_id}
        cols = [_A.c.id, _A.c.url, _A.c.published_at, _A.c.title] + ([_A.c.lead] if lead or text else []) + ([_A.c.text] if text else [])
        arts = {int(a.id): a for a in conn.execute(select(*cols).where(_A.c.id.in_(list(art_ids))))} if art_ids else {}
        members: dict[int, list[Any]] = {}
        if urls:
            q = (select(_A.c.story_id, _A.c.id, _A.c.url, _A.c.source_id, _A.c.published_at, _SRC.c.okrug)
                 .join(_SRC, _SRC.c.id == _A.c.source_id).where(_A.c.story_id.in_(ids)))
        else:  # one row per story, from ix_articles_story_source alone (no article row is read)
            if self.store.dialect == "postgresql":
                agg = lambda c: func.string_agg(c.distinct(), literal(","))  # noqa: E731
            else:
                agg = lambda c: func.group_concat(c.distinct())  # noqa: E731
            q = (select(_A.c.story_id, agg(_A.c.source_id).label("srcs"), agg(_SRC.c.okrug).label("okrugs"))
                 .join(_SRC, _SRC.c.id == _A.c.source_id).where(_A.c.story_id.in_(ids)).group_by(_A.c.story_id))
        for m in conn.execute(q):
            members.setdefault(int(m.story_id), []).append(m)
        epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
        for r in rows:
            ms = members.get(r.story_id, [])
            if urls:
                ms = sorted(ms, key=lambda m: (m.published_at is None, m.published_at or epoch, m.id))
                r.reprint_urls = [m.url for m in ms]
                r.okrugs = sorted({m.okrug for m in ms if m.okrug})
                r.sources = sorted({m.source_id for m in ms})
            elif ms:
                r.okrugs = sorted(o for o in (ms[0].okrugs or "").split(",") if o)
                r.sources = sorted(x for x in (ms[0].srcs or "").split(",") if x)
            canon = arts.get(raw[r.story_id].canonical_article_id or -1)
            if canon is not None:
                r.canonical_url = canon.url
                if lead or text:
                    r.lead = canon.lead or ""
                if text:
                    r.text = canon.text or ""
            if self.has_original:
                orig = arts.get(raw[r.story_id].original_article_id or -1)
                if orig is not None:
                    r.original_url, r.original_published_at = orig.url, orig.published_at
                    r.title = orig.title or r.title

    # --- one story ----------------------------------------------------------------

    def story(self, story_id: int) -> dict[str, Any] | None:
        """Story ``story_id`` for its page: ``{"story", "release", "reprints", "text", "alerts"}``, or ``None``.

        ``reprints`` is :func:`storage.stories.story_detail`'s list (publication order);
        ``text`` is ``{"title", "lead", "text", "url", "original"}`` of the original item when
        known, else of the canonical reprint; ``alerts`` lists the story's outbox events,
        each with its deliveries.
        """
        from storage.stories import story_detail

        detail = story_detail(self.store, story_id)
        if detail is None:
            return None
        st = detail["story"]
        with self.store.read_session() as s:
            conn = s.connection()
            raw = conn.execute(select(*self._columns()).where(_S.c.id == story_id)).first()
            row = Row(story_id=story_id, title=st.get("title") or "", when=raw.when if raw else None,
                      published_at=st.get("published_at"), first_seen_at=st.get("first_seen_at"),
                      updated_at=st.get("updated_at"), reprint_count=int(st.get("reprint_count") or 0))
            if raw is not None:
                self._fill(conn, [row], {story_id: raw}, lead=False, text=False, urls=True)
            text_id = None
            original = False
            if self.has_original and raw is not None and raw.original_article_id:
                text_id, original = raw.original_article_id, True
            elif st.get("canonical_article_id"):
                text_id = st["canonical_article_id"]
            body = None
            if text_id:
                body = conn.execute(select(_A.c.title, _A.c.lead, _A.c.text, _A.c.url).where(_A.c.id == text_id)).first()
            alerts = self._alerts(conn, story_id)
        text = {"title": body.title, "lead": body.lead or "", "text": body.text or "", "url": body.url, "original": original} if body else None
        return {"story": st, "release": row, "reprints": detail["reprints"], "text": text, "alerts": alerts}

    @staticmethod
    def _alerts(conn: Any, story_id: int) -> list[dict[str, Any]]:
        events = list(conn.execute(select(_O.c.id, _O.c.event, _O.c.status, _O.c.created_at, _O.c.due_at)
                                   .where(_O.c.story_id == story_id).order_by(_O.c.id)))
        if not events:
            return []
        dels: dict[int, list[dict[str, Any]]] = {}
        q = (select(_D.c.outbox_id, _D.c.channel, _D.c.status, _D.c.attempts, _D.c.delivered_at, _D.c.last_error)
             .where(_D.c.outbox_id.in_([e.id for e in events])).order_by(_D.c.id))
        for d in conn.execute(q):
            dels.setdefault(int(d.outbox_id), []).append(
                {"channel": d.channel, "status": d.status, "attempts": int(d.attempts or 0),
                 "delivered_at": d.delivered_at, "last_error": d.last_error})
        return [{"id": int(e.id), "event": e.event, "status": e.status, "created_at": e.created_at,
                 "due_at": e.due_at, "deliveries": dels.get(int(e.id), [])} for e in events]

    # --- sources ------------------------------------------------------------------

    def sources(self, now: datetime) -> list[dict[str, Any]]:
        """Every stored source with its crawl health and ``items_last_day`` (articles published in
        the 24 hours before ``now``) and ``last_item_at``; each an index probe per source."""
        day_ago = now - timedelta(days=1)
        recent = (select(func.count()).select_from(_A)
                  .where(_A.c.source_id == _SRC.c.id, _A.c.published_at >= day_ago).scalar_subquery())
        last = select(func.max(_A.c.published_at)).where(_A.c.source_id == _SRC.c.id).scalar_subquery()
        q = select(_SRC, recent.label("items_last_day"), last.label("last_item_at"))
        out = []
        with self.store.read_session() as s:
            for r in s.connection().execute(q):
                d = dict(r._mapping)
                li = d["last_item_at"]
                d["last_item_at"] = parse_utc(li) if isinstance(li, str) else li
                d["items_last_day"] = int(d["items_last_day"] or 0)
                out.append(d)
        return out

    def filter_choices(self) -> tuple[list[str], list[dict[str, Any]]]:
        """Okrugs (sorted) and sources (``{"id", "name", "okrug"}`` by okrug, name) for the filter form."""
        with self.store.read_session() as s:
            rows = list(s.connection().execute(select(_SRC.c.id, _SRC.c.name, _SRC.c.okrug).order_by(_SRC.c.okrug, _SRC.c.name)))
        okrugs = sorted({r.okrug for r in rows if r.okrug})
        return okrugs, [{"id": r.id, "name": r.name, "okrug": r.okrug} for r in rows]


__all__ = ["Filters", "MAYOR_LIKE", "PAGE_SIZE", "Page", "Row", "WebQueries", "cursor", "msk_midnight"]
