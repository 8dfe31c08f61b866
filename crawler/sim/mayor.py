"""A www.mos.ru replica: the Mayor's originals as RSS 2.0 and as the JSON news API.

Enabled with ``SimNetwork(..., mayor=True)``; served on its own loopback host like a site,
under the id :data:`MAYOR_ID` (``net.set_fault("mayor", "429", count=5)`` works as for any site).

Every release of the timeline gets its original, published at the release's own time (minutes
to hours before the district reprints), except, decided per release from the seed:

- a share ``no_original_share`` (default 0.15) has **no original** (district-only news);
- a share ``late_original_share`` (default 0.05) is published **after its first reprint**
  (5–90 minutes after it).

Paths: ``/rss`` and ``/rss/news/`` (the newest 50), ``/api/newsfeed/v4/frontend/json/ru/press/news``
(``page``, ``per-page`` ≤ 50, ``sort=-date``, ``fields=``, ``filter={"date":{">=":"…"}}``;
``items`` + ``_links.next.href``), ``…/press/news/<id>`` (one item: ``title``, ``preview``,
``text`` HTML, ``date``, ``tags``, ``spheres``, ``image``), ``/mayor/themes/<theme>/<id>/`` and
``/news/item/<id>/`` (a browser-rendered shell: no text in the HTML). Item ids end in ``050``.

Faults (besides ``429``/``500``/``503``/``reset``/``delay``): ``not_xml`` (the feed answers an
HTML page), ``block_page`` (the API answers a 200 HTML block page), ``json_shape`` (the API
answers JSON of another shape), ``rename`` (``frm``→``to``: the API renames an item field, e.g.
``text``→``full_text``), ``naive_date`` (dates without UTC offset), ``no_text`` (items without
text or preview). :meth:`MayorReplica.edit` changes an original's text under the same id.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from .routes import Reply, transport_fault_reply
from .timeline import MSK

if TYPE_CHECKING:
    from .network import SimNetwork

MAYOR_ID = "mayor"
API_BASE = "/api/newsfeed/v4/frontend/json/ru/"
COLLECTION = API_BASE + "press/news"
_THEMES = {"schools": 10299, "clinics": 10300, "roads": 10301, "metro": 10302, "parks": 10303}
ROBOTS = "User-agent: *\nDisallow: /search/\n"
SHELL = ('<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Мэр Москвы — Официальный сайт</title>'
         '<script src="/static/app.js" defer></script></head><body><div id="root"></div>'
         '<noscript>Для работы сайта включите JavaScript</noscript></body></html>')


@dataclass
class Original:
    """One original on the replica (ground truth)."""

    item_id: int
    rid: str
    theme: int
    published_at: datetime
    title: str
    paragraphs: list[str]
    #: True when published after the release's first district reprint.
    late: bool = False

    @property
    def path(self) -> str:
        """The Mayor's page (browser-rendered): ``/mayor/themes/<theme>/<id>/``."""
        return f"/mayor/themes/{self.theme}/{self.item_id}/"


class MayorReplica:
    """The originals of ``net``'s timeline and the request → reply logic of the replica."""

    def __init__(self, net: "SimNetwork", *, no_original_share: float = 0.15, late_original_share: float = 0.05) -> None:
        self.net = net
        self.no_share = no_original_share
        self.late_share = late_original_share
        self._ids: dict[str, int] = {}
        self._plans: dict[str, Original | None] = {}
        self._first: dict[str, datetime] = {}
        self._scanned = 0
        self._edits: dict[str, list[str]] = {}

    # -- ground truth -------------------------------------------------------------
    def _item_id(self, rid: str) -> int:
        if rid not in self._ids:
            def key(r: str) -> tuple[str, int]:
                return r[1:9], int(r.split("-")[1])
            for r in sorted((r for r in self.net.timeline.releases if r not in self._ids), key=key):
                self._ids[r] = (9017 + len(self._ids)) * 1000 + 50
        return self._ids[rid]

    def _first_reprint(self, rid: str) -> datetime | None:
        tl = self.net.timeline
        pages = list(tl.by_id.values())
        for p in pages[self._scanned:]:
            if p.release is not None and (p.story not in self._first or p.published_at < self._first[p.story]):
                self._first[p.story] = p.published_at
        self._scanned = len(pages)
        return self._first.get(rid)

    def plan(self, rid: str) -> Original | None:
        """The original of release ``rid`` (``None``: district-only news)."""
        if rid in self._plans:
            return self._plans[rid]
        rel = self.net.timeline.releases[rid]
        rng = random.Random(f"mayor:{self.net.seed}:{rid}")
        r = rng.random()
        orig: Original | None
        if r < self.no_share:
            orig = None
        else:
            when, late = rel.published_at, False
            if r < self.no_share + self.late_share:
                day = rel.published_at.date() + timedelta(days=1)
                self.net.timeline.ensure(datetime.combine(day, time(23, 59), MSK))
                first = self._first_reprint(rid)
                if first is not None:
                    when, late = first + timedelta(minutes=rng.randint(5, 90)), True
            orig = Original(self._item_id(rid), rid, _THEMES.get(rel.topic, 10299 + sum(map(ord, rel.topic)) % 200),
                            when, rel.title, rel.original_paragraphs(), late)
        self._plans[rid] = orig
        return orig

    def originals(self, *, upto: datetime | None = None) -> list[Original]:
        """Originals published by ``upto`` (default: the network's now), oldest first."""
        upto = upto or self.net.now
        self.net.timeline.ensure(upto)
        out = []
        for rid, rel in list(self.net.timeline.releases.items()):
            if rel.published_at > upto:
                continue
            o = self.plan(rid)
            if o is not None and o.published_at <= upto:
                out.append(o)
        return sorted(out, key=lambda o: (o.published_at, o.item_id))

    def edit(self, rid: str, paragraph: str) -> Original:
        """Append ``paragraph`` to the original of ``rid`` (same id, new text: an edit). Raises ``KeyError``."""
        o = self.plan(rid)
        if o is None:
            raise KeyError(f"release {rid} has no original")
        self._edits.setdefault(rid, []).append(paragraph)
        return o

    def paragraphs(self, o: Original) -> list[str]:
        """The original's current paragraphs (edits included)."""
        return o.paragraphs + self._edits.get(o.rid, [])

    # -- serving --------------------------------------------------------------------
    def _fault(self, path: str):
        return self.net._take_fault(MAYOR_ID, path)

    def _date(self, dt: datetime, naive: bool, rfc: bool) -> str:
        local = dt.astimezone(MSK)
        if rfc:
            s = format_datetime(local)
            return s.rsplit(" ", 1)[0] if naive else s
        return local.strftime("%Y-%m-%d %H:%M:%S") if naive else local.isoformat()

    def _item(self, o: Original, base: str, active: set, rename: dict[str, str]) -> dict:
        paras = self.paragraphs(o)
        no_text = "no_text" in active
        obj = {
            "id": o.item_id,
            "title": o.title,
            "preview": "" if no_text else paras[0],
            "text": "" if no_text else "".join(f"<p>{escape(p)}</p>" for p in paras),
            "date": self._date(o.published_at, "naive_date" in active, rfc=False),
            "tags": [{"id": o.theme, "title": "Мэр Москвы"}],
            "spheres": [{"id": 1, "title": "Город"}],
            "image": {"src": f"/upload/newsfeed/news/{o.item_id}.jpg"},
        }
        for frm, to in rename.items():
            if frm in obj:
                obj[to] = obj.pop(frm)
        return obj

    def respond(self, method: str, path: str, query: str, headers_in: dict[str, str]) -> Reply:
        """Build the reply for one request to the replica (call with ``net._lock`` held)."""
        fault = self._fault(path)
        active = {f.kind for f in self.net.faults(MAYOR_ID)} & {"naive_date", "no_text"}
        rename = {f.params["frm"]: f.params["to"] for f in self.net.faults(MAYOR_ID) if f.kind == "rename"}
        if fault is not None:
            k, p = fault.kind, fault.params
            common = transport_fault_reply(k, p)
            if common is not None:
                return common
            if k == "delay":
                reply = self._route(path, query, active, rename)
                reply.action, reply.params = "delay", {"seconds": float(p["seconds"])}
                return reply
            if k == "not_xml" and path.startswith("/rss"):
                return Reply(200, [("Content-Type", "text/html; charset=utf-8")], SHELL.encode())
            if k == "block_page" and path.startswith(API_BASE):
                body = "<html><body><h1>Доступ ограничен</h1><p>Запрос отклонён системой защиты.</p></body></html>"
                return Reply(200, [("Content-Type", "text/html; charset=utf-8")], body.encode())
            if k == "json_shape" and path.startswith(API_BASE):
                return self._json({"status": "ok", "result": {"list": "moved"}})
        return self._route(path, query, active, rename)

    def _json(self, obj) -> Reply:
        return Reply(200, [("Content-Type", "application/json; charset=utf-8")],
                     json.dumps(obj, ensure_ascii=False).encode())

    def _route(self, path: str, query: str, active: set, rename: dict[str, str]) -> Reply:
        base = self.net.base_url(MAYOR_ID)
        if path == "/robots.txt":
            return Reply(200, [("Content-Type", "text/plain; charset=utf-8")], ROBOTS.encode())
        if path in ("/rss", "/rss/", "/rss/news/", "/rss/news"):
            return self._rss(base, active)
        if path.rstrip("/") == COLLECTION:
            return self._list(base, query, active, rename)
        if path.startswith(COLLECTION + "/"):
            rest = path[len(COLLECTION) + 1:].strip("/")
            for o in self.originals():
                if str(o.item_id) == rest:
                    return self._json(self._item(o, base, active, rename))
            return Reply(404, [("Content-Type", "application/json")], b'{"error":"not found"}')
        if path.startswith(("/mayor/themes/", "/news/item/")):
            return Reply(200, [("Content-Type", "text/html; charset=utf-8")], SHELL.encode())
        return Reply(404, [("Content-Type", "text/html; charset=utf-8")], b"<html><body>404</body></html>")

    def _rss(self, base: str, active: set) -> Reply:
        items = []
        for o in reversed(self.originals()[-50:]):
            paras = self.paragraphs(o)
            desc = "" if "no_text" in active else f"<p>{escape(paras[0])}</p>"
            items.append(
                f"<item><title>{escape(o.title)}</title><link>{base}{o.path}</link>"
                f"<guid isPermaLink=\"true\">{base}{o.path}</guid>"
                f"<pubDate>{self._date(o.published_at, 'naive_date' in active, rfc=True)}</pubDate>"
                f"<description><![CDATA[{desc}]]></description>"
                f"<enclosure url=\"{base}/upload/newsfeed/news/{o.item_id}.jpg\" type=\"image/jpeg\" length=\"0\"/></item>"
            )
        xml = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Новости mos.ru</title>'
               f"<link>{base}/</link><description>Официальный сайт Мэра Москвы</description>" + "".join(items)
               + "</channel></rss>")
        return Reply(200, [("Content-Type", "application/rss+xml; charset=utf-8")], xml.encode())

    def _list(self, base: str, query: str, active: set, rename: dict[str, str]) -> Reply:
        q = dict(parse_qsl(query))
        try:
            page = max(1, int(q.get("page", 1)))
            per = min(50, max(1, int(q.get("per-page", 20))))
        except ValueError:
            return Reply(400, [("Content-Type", "application/json")], b'{"error":"bad page"}')
        allowed = self.originals()
        if "filter" in q:
            try:
                flt = json.loads(q["filter"])
                since = flt.get("date", {}).get(">=")
            except (ValueError, AttributeError):
                return Reply(400, [("Content-Type", "application/json")], b'{"error":"bad filter"}')
            if since:
                lo = datetime.strptime(since, "%Y-%m-%d %H:%M:%S").replace(tzinfo=MSK)
                allowed = [o for o in allowed if o.published_at >= lo]
        newest = allowed[::-1]
        chunk = newest[(page - 1) * per: page * per]
        fields = [f for f in q.get("fields", "").split(",") if f]
        items = []
        for o in chunk:
            obj = self._item(o, base, active, rename)
            if fields:
                keep = set(fields) | {rename.get(f, f) for f in fields}
                obj = {k: v for k, v in obj.items() if k in keep}
            items.append(obj)
        n_pages = max(1, -(-len(newest) // per))
        links = {"self": {"href": f"{COLLECTION}?{query}"}}
        if page < n_pages:
            links["next"] = {"href": f"{COLLECTION}?{urlencode({**q, 'page': page + 1})}"}
        return self._json({"items": items, "_links": links,
                           "_meta": {"totalCount": len(newest), "pageCount": n_pages, "currentPage": page, "perPage": per}})


__all__ = ["API_BASE", "COLLECTION", "MAYOR_ID", "MayorReplica", "Original"]
