"""Fault descriptions and request statistics.

Fault kinds and their parameters (defaults in :data:`FAULT_KINDS`):

- ``"500"`` – plain 500. ``"503"`` – 503, ``retry_after`` seconds (int or None).
  ``"429"`` – 429 with ``Retry-After: retry_after`` (default 2).
- ``"reset"`` – TCP reset (RST, SO_LINGER 0) before any response byte.
- ``"drip"`` – the body is trickled in ``chunk`` bytes over ``seconds`` (wall clock).
- ``"delay"`` – wait ``seconds`` (wall clock) before the response starts.
- ``"hold"`` – the response waits until ``gate`` (a ``threading.Event``, required) is set, at
  most ``timeout`` seconds; ``arrived`` (an optional ``threading.Event``) is set when a request
  reaches the gate. For tests that must act while a request is in flight, without sleeps.
- ``"truncate"`` – body cut at ``fraction``; ``mode="html"`` sends a shorter but complete
  HTTP response, ``mode="transport"`` promises the full Content-Length and closes early.
- ``"wrong_charset"`` – header says ``charset=utf-8``, body is windows-1251.
- ``"no_charset"`` – header ``text/html`` without charset; ``strip_meta=True`` also drops the
  ``<meta>`` charset declarations.
- ``"redirect"`` – 301 (``status``) from ``frm`` (default ``/presscenter/news/``) to ``to``
  (default ``/presscenter/novosti/``), same rest of path and query; ``to`` then serves the section.
- ``"redirect_loop"`` – every matching path redirects to itself with ``?loop=1`` toggled.
- ``"family"`` – markup change: the site now renders with ``family`` (required).
- ``"down"`` – the site's listening socket is closed (connection refused); open connections are
  aborted. Needs a running server to take effect; ``count`` is not allowed.

Replica of www.mos.ru only (site id ``"mayor"``, :mod:`crawler.sim.mayor`): ``"not_xml"`` (the
feed answers HTML), ``"block_page"`` (the API answers a 200 HTML block page), ``"json_shape"``
(JSON of another shape), ``"rename"`` (an API item field ``frm`` is served as ``to``),
``"naive_date"`` (dates without offset), ``"no_text"`` (items without text or preview).

Common options: ``count`` (the fault serves the next N matching requests then disappears),
``until`` (aware datetime on the virtual clock; the fault ends when the clock reaches it),
``paths`` (tuple of path prefixes the fault applies to; default all paths).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime

FAULT_KINDS: dict[str, dict] = {
    "500": {}, "503": {"retry_after": None}, "429": {"retry_after": 2}, "reset": {},
    "drip": {"seconds": 3.0, "chunk": 512}, "delay": {"seconds": 2.0},
    "hold": {"gate": None, "arrived": None, "timeout": 300.0},
    "truncate": {"fraction": 0.5, "mode": "html"}, "wrong_charset": {}, "no_charset": {"strip_meta": False},
    "redirect": {"frm": "/presscenter/news/", "to": "/presscenter/novosti/", "status": 301},
    "redirect_loop": {}, "family": {"family": None}, "down": {},
    # www.mos.ru replica only (crawler/sim/mayor.py):
    "not_xml": {}, "block_page": {}, "json_shape": {}, "rename": {"frm": "text", "to": "full_text"},
    "naive_date": {}, "no_text": {},
}
#: Kinds that change site state rather than individual responses.
STATE_KINDS = ("family", "down")


@dataclass
class Fault:
    """An active fault on one site (see module docstring for kinds and params)."""

    kind: str
    params: dict
    count: int | None = None
    until: datetime | None = None
    paths: tuple[str, ...] | None = None

    def matches(self, path: str) -> bool:
        """True if the fault applies to a request for ``path`` (query excluded)."""
        return self.paths is None or any(path.startswith(p) for p in self.paths)

    def expired(self, now: datetime) -> bool:
        """True once ``count`` is used up or the virtual clock reached ``until``."""
        return (self.count is not None and self.count <= 0) or (self.until is not None and now >= self.until)


def make_fault(kind: str, count: int | None, until: datetime | None, paths, params: dict) -> Fault:
    """Validate and build a :class:`Fault`. Raises ``ValueError`` for an unknown kind/param or a bad combination."""
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
    unknown = set(params) - set(FAULT_KINDS[kind])
    if unknown:
        raise ValueError(f"unknown params for {kind}: {sorted(unknown)}")
    if kind in STATE_KINDS and (count is not None or paths is not None):
        raise ValueError(f"{kind} fault takes no count/paths")
    if kind == "family" and not params.get("family"):
        raise ValueError("family fault needs family=")
    if kind == "hold" and params.get("gate") is None:
        raise ValueError("hold fault needs gate= (a threading.Event)")
    if until is not None and until.tzinfo is None:
        raise ValueError("until must be timezone-aware")
    if isinstance(paths, str):
        paths = (paths,)
    return Fault(kind, {**FAULT_KINDS[kind], **params}, count, until, tuple(paths) if paths is not None else None)


@dataclass
class Stats:
    """Request counters, keyed by site id.

    ``requests[site]``: all requests; ``paths[(site, path_with_query)]``; ``statuses[(site, code)]``
    (``0`` for reset/refused-mid-way); ``conditional[site]``: requests carrying If-None-Match or
    If-Modified-Since; ``not_modified[site]``: 304 answers; ``bytes[site]``: body bytes sent;
    ``log``: last 10 000 ``(site, method, path_with_query, status)``.
    """

    requests: Counter = field(default_factory=Counter)
    paths: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    conditional: Counter = field(default_factory=Counter)
    not_modified: Counter = field(default_factory=Counter)
    bytes: Counter = field(default_factory=Counter)
    log: deque = field(default_factory=lambda: deque(maxlen=10000))

    def reset(self) -> None:
        """Zero every counter."""
        for c in (self.requests, self.paths, self.statuses, self.conditional, self.not_modified, self.bytes):
            c.clear()
        self.log.clear()

    @property
    def total(self) -> int:
        """All requests on all sites."""
        return sum(self.requests.values())
