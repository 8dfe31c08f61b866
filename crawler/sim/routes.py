"""Request → reply logic of one simulated site (no I/O; the server sends the :class:`Reply`)."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from .render import FAMILIES, not_found_html
from .render.common import SiteCtx

if TYPE_CHECKING:
    from .network import SimNetwork

LIST_BASE = "/presscenter/news/"
_DETAIL_RE = re.compile(r"^detail/(\d+)\.html$")
_META_CHARSET = re.compile(rb"<meta[^>]*charset=[^>]*>", re.I)
ROBOTS = "User-agent: *\nDisallow: /search/\nDisallow: /bitrix/\nDisallow: /upload/tmp/\n\nUser-agent: Yandex\nDisallow: /search/\n"
ROBOTS_ALL = "User-agent: *\nDisallow: /\n"


@dataclass
class Reply:
    """What to send. ``action``: None (plain), ``"reset"``, ``"drip"``, ``"delay"``, ``"hold"`` or ``"cut"``
    (send ``body`` then abort while promising ``content_length``); ``params`` for the action."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    action: str | None = None
    params: dict = field(default_factory=dict)
    content_length: int | None = None


def _http_date(dt) -> str:
    return format_datetime(dt.astimezone(__import__("datetime").timezone.utc), usegmt=True)


def _rendered(net: "SimNetwork", site_id: str, family: str, key: tuple, build) -> tuple[bytes, str]:
    ck = (site_id, family, net.base_url(site_id)) + key
    hit = net._cache.get(ck)
    if hit is None:
        fam = FAMILIES[family]
        html = build(fam)
        body = html.encode(fam.ENCODING, errors="xmlcharrefreplace")
        hit = (body, '"' + hashlib.sha1(body).hexdigest()[:20] + '"')
        net._cache[ck] = hit
        if len(net._cache) > net.cache_size:
            net._cache.popitem(last=False)
    else:
        net._cache.move_to_end(ck)
    return hit


def _ctx(net: "SimNetwork", site) -> SiteCtx:
    return SiteCtx(site.id, site.name, site.okrug, site.kind, net.base_url(site.id))


def _html_reply(net, site_id, family, key, build, last_mod, headers_in) -> Reply:
    body, etag = _rendered(net, site_id, family, key, build)
    enc = FAMILIES[family].ENCODING
    hdrs = [("ETag", etag), ("Last-Modified", _http_date(last_mod)), ("Cache-Control", "no-cache")]
    inm = headers_in.get("if-none-match")
    ims = headers_in.get("if-modified-since")
    if inm is not None or ims is not None:
        net.stats.conditional[site_id] += 1
    fresh = False
    if inm is not None:
        fresh = etag in [t.strip().removeprefix("W/") for t in inm.split(",")] or inm.strip() == "*"
    elif ims is not None:
        try:
            fresh = parsedate_to_datetime(ims) >= last_mod.replace(microsecond=0)
        except (TypeError, ValueError):
            fresh = False
    if fresh:
        net.stats.not_modified[site_id] += 1
        return Reply(304, hdrs)
    return Reply(200, [("Content-Type", f"text/html; charset={enc}")] + hdrs, body)


def transport_fault_reply(kind: str, params: dict) -> Reply | None:
    """The reply for a fault every simulated host answers alike: an error status (``500``,
    ``503``, ``429``; ``params["retry_after"]`` → a ``Retry-After`` header) or a connection
    ``reset``. ``None`` for any other fault kind (the caller's own)."""
    if kind in ("500", "503", "429"):
        hdrs = [("Content-Type", "text/html; charset=utf-8")]
        if params.get("retry_after") is not None:
            hdrs.append(("Retry-After", str(params["retry_after"])))
        return Reply(int(kind), hdrs, f"<html><body><h1>{kind}</h1></body></html>".encode())
    if kind == "reset":
        return Reply(0, action="reset")
    return None


def respond(net: "SimNetwork", site_id: str, method: str, path: str, query: str, headers_in: dict[str, str]) -> Reply:
    """Build the reply for one request (call with ``net._lock`` held). ``headers_in`` keys lower-case."""
    site = net.site(site_id)
    fault = net._take_fault(site_id, path)
    if fault is not None:
        k, p = fault.kind, fault.params
        common = transport_fault_reply(k, p)
        if common is not None:
            return common
        if k == "redirect_loop":
            target = path if "loop=1" in query else f"{path}?loop=1"
            return Reply(302, [("Location", target)])
        if k == "redirect" and path.startswith(p["frm"]):
            net._aliases[site_id][p["to"]] = p["frm"]
            target = p["to"] + path[len(p["frm"]):] + (f"?{query}" if query else "")
            return Reply(int(p["status"]), [("Location", target)])
    reply = _route(net, site, method, path, query, headers_in)
    if fault is None or reply.status != 200:
        return reply
    k, p = fault.kind, fault.params
    if k == "drip":
        reply.action, reply.params = "drip", {"seconds": float(p["seconds"]), "chunk": int(p["chunk"])}
    elif k == "delay":
        reply.action, reply.params = "delay", {"seconds": float(p["seconds"])}
    elif k == "hold":
        reply.action, reply.params = "hold", {"gate": p["gate"], "arrived": p["arrived"], "timeout": float(p["timeout"])}
    elif k == "truncate":
        cut = reply.body[: max(1, int(len(reply.body) * float(p["fraction"])))]
        if p["mode"] == "transport":
            reply.action, reply.content_length = "cut", len(reply.body)
        reply.body = cut
    elif k in ("wrong_charset", "no_charset"):
        fam = FAMILIES[net.family(site_id)]
        if k == "wrong_charset":
            if fam.ENCODING == "utf-8":
                reply.body = reply.body.decode("utf-8").encode("windows-1251", errors="xmlcharrefreplace")
            ctype = "text/html; charset=utf-8"
        else:
            ctype = "text/html"
            if p.get("strip_meta"):
                reply.body = _META_CHARSET.sub(b"", reply.body)
        reply.headers = [(h, ctype if h == "Content-Type" else v) for h, v in reply.headers]
    return reply


def _route(net: "SimNetwork", site, method: str, path: str, query: str, headers_in: dict[str, str]) -> Reply:
    if path == "/robots.txt":
        txt = ROBOTS_ALL if site.id in net._robots_disallow else ROBOTS
        return Reply(200, [("Content-Type", "text/plain; charset=utf-8")], txt.encode())
    base = None
    for alias, orig in net._aliases[site.id].items():
        if path.startswith(alias):
            base, rest = alias, path[len(alias):]
    if base is None and path.startswith(LIST_BASE):
        base, rest = LIST_BASE, path[len(LIST_BASE):]
    family = net.family(site.id)
    fam = FAMILIES[family]
    if base is not None:
        m = _DETAIL_RE.match(rest)
        if m:
            page = net.timeline.by_id.get(int(m.group(1)))
            if page is not None and page.site_id == site.id and page.published_at <= net.now:
                related = [p.item() for p in net._related(page)]
                return _html_reply(net, site.id, family, ("d", page.id),
                                   lambda f: f.render_detail(_ctx(net, site), page.item(), related),
                                   page.published_at, headers_in)
        else:
            q = dict(parse_qsl(query))
            n = fam.page_number(rest, q)
            if n is not None:
                vis = net.timeline.visible(site.id, net.now)
                size = net.page_size or fam.PAGE_SIZE
                n_pages = max(1, math.ceil(len(vis) / size))
                if n > n_pages and fam.CLAMP_PAGES:
                    n = n_pages
                if 1 <= n <= n_pages:
                    newest = vis[::-1][(n - 1) * size: n * size]
                    last_mod = vis[-1].published_at if vis else net.timeline_origin
                    key = ("l", n, base, len(vis), size)
                    return _html_reply(net, site.id, family, key,
                                       lambda f: f.render_list(_ctx(net, site), [p.item() for p in newest], n, n_pages, base),
                                       last_mod, headers_in)
    return Reply(404, [("Content-Type", "text/html; charset=utf-8")], not_found_html(site.name).encode())
