"""The simulated network: sites, virtual clock, ground truth, faults, stats."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from .faults import Fault, Stats, make_fault
from .render import FAMILIES
from .sites import SimSite, choose_sites
from .timeline import MSK, Page, Timeline
from .texts import Release


@dataclass(frozen=True)
class PageRecord:
    """A published detail page as ground truth sees it.

    ``url``: absolute (current base URL of the site); ``story``: release id or ``local-…``;
    ``kind``: ``verbatim|trimmed|retitled|angled|rewritten|local``; ``confusable_with``: release
    ids of look-alike releases; ``text``: paragraphs joined by blank lines (lead first).
    """

    url: str
    site_id: str
    id: int
    title: str
    text: str
    published_at: datetime
    story: str
    kind: str
    topic: str
    confusable_with: tuple[str, ...]


class SimNetwork:
    """A deterministic network of simulated mos.ru district press centres.

    Args:
        sites: ``None`` (all 135 known sites), an ``int`` (seeded sample), a list of ids,
            or a list of :class:`SimSite` (``family="auto"`` to have one assigned).
        seed: int; same seed and arguments → same pages, ids, texts, families.
        start: aware datetime of the virtual "now" (default 2026-03-02 10:00 Europe/Moscow).
            Raises ``ValueError`` if naive.
        backlog_days: days of history published before ``start`` (pages exist from
            ``start.date() - backlog_days`` 00:00 Moscow).
        releases_per_day: mean Mayor's releases per day. reprint_share: probability (0..1)
            each site reprints a release. local_rate: probability per site per day of a
            local item. hard_negatives: probability (0..1) of each look-alike pattern.
        page_size: items per list page for every family (default: the family's own, 10/12/20/15).
        robots_disallow: site ids whose robots.txt disallows everything.
        cache_size: rendered pages kept (LRU; ~5 KB each).
        mayor: also serve a www.mos.ru replica with the Mayor's originals (RSS + JSON API) under
            site id ``"mayor"`` (:mod:`crawler.sim.mayor`); ``no_original_share`` of the releases
            have no original, ``late_original_share`` are published after their first reprint.

    Thread-safe: serving threads and the test thread share ``_lock``.
    """

    def __init__(self, sites=None, seed: int = 0, start: datetime | None = None, *, backlog_days: int = 30,
                 releases_per_day: int = 4, reprint_share: float = 0.3, local_rate: float = 0.4,
                 hard_negatives: float = 0.35, page_size: int | None = None, robots_disallow=(),
                 cache_size: int = 12000, mayor: bool = False, no_original_share: float = 0.15,
                 late_original_share: float = 0.05) -> None:
        if start is None:
            start = datetime(2026, 3, 2, 10, 0, tzinfo=MSK)
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.seed = seed
        self.sites: list[SimSite] = choose_sites(sites, seed)
        self._by_id = {s.id: s for s in self.sites}
        self.now: datetime = start.astimezone(MSK)
        self.timeline_origin = datetime.combine((self.now - timedelta(days=backlog_days)).date(), datetime.min.time(), MSK)
        self.timeline = Timeline(self.sites, seed, self.timeline_origin.date(), releases_per_day, reprint_share,
                                 local_rate, hard_negatives)
        self.page_size = page_size
        self.cache_size = cache_size
        self.stats = Stats()
        self._lock = threading.RLock()
        self._cache: OrderedDict = OrderedDict()
        self._faults: dict[str, list[Fault]] = {s.id: [] for s in self.sites}
        self._family_override: dict[str, str] = {}
        self._aliases: dict[str, dict[str, str]] = {s.id: {} for s in self.sites}
        self._robots_disallow: set[str] = set(robots_disallow)
        self._bases: dict[str, str] = {}
        self._controller = None  # set by server while running
        self._ctl_pending: list[tuple[str, str]] = []
        self.mayor = None
        if mayor:
            from .mayor import MAYOR_ID, MayorReplica

            self.mayor = MayorReplica(self, no_original_share=no_original_share, late_original_share=late_original_share)
            self._faults[MAYOR_ID] = []
        #: Seconds (wall clock) added before every response of every site, whatever its status
        #: (200, 304, robots.txt, errors): a network round trip for benchmarks.
        self.latency: float = 0.0
        with self._lock:
            self.timeline.ensure(self.now)

    # -- sites ----------------------------------------------------------------
    def site(self, site_id: str) -> SimSite:
        """The :class:`SimSite` with this id. Raises ``KeyError``."""
        return self._by_id[site_id]

    def family(self, site_id: str) -> str:
        """Markup family currently served by the site (after any ``family`` fault)."""
        return self._family_override.get(site_id, self._by_id[site_id].family)

    def base_url(self, site_id: str) -> str:
        """Origin of the site: ``http://127.0.0.5:43123`` while/after serving, else ``https://<id>.mos.ru``."""
        if site_id == "mayor" and self.mayor is not None:
            return self._bases.get(site_id) or "https://www.mos.ru"
        return self._bases.get(site_id) or f"https://{site_id}.mos.ru"

    def list_url(self, site_id: str) -> str:
        """Absolute URL of the site's news list."""
        return self.base_url(site_id) + "/presscenter/news/"

    def set_robots(self, site_id: str, disallow_all: bool) -> None:
        """Make robots.txt of ``site_id`` disallow everything (or go back to the normal one)."""
        self.site(site_id)
        with self._lock:
            (self._robots_disallow.add if disallow_all else self._robots_disallow.discard)(site_id)

    # -- clock ------------------------------------------------------------------
    def advance(self, delta: timedelta) -> datetime:
        """Move the virtual clock forward by ``delta`` (≥ 0); returns the new now. Raises ``ValueError`` if negative."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        return self.advance_to(self.now + delta)

    def advance_to(self, when: datetime) -> datetime:
        """Move the virtual clock to aware ``when`` (not earlier than now). Raises ``ValueError``."""
        if when.tzinfo is None or when < self.now:
            raise ValueError("advance_to needs an aware datetime not before now")
        with self._lock:
            self.now = when.astimezone(MSK)
            self.timeline.ensure(self.now)
            for sid, faults in self._faults.items():
                for f in [f for f in faults if f.expired(self.now)]:
                    self._remove_fault(sid, f)
        self._flush_ctl()
        return self.now

    # -- ground truth -----------------------------------------------------------
    def published(self, site_id: str | None = None) -> list[Page]:
        """Raw :class:`~crawler.sim.timeline.Page` objects published by now (oldest first)."""
        with self._lock:
            ids = [site_id] if site_id else [s.id for s in self.sites]
            out = [p for sid in ids for p in self.timeline.visible(sid, self.now)]
        return sorted(out, key=lambda p: p.id)

    def pages(self, site_id: str | None = None) -> list[PageRecord]:
        """Every published detail page (optionally of one site) as :class:`PageRecord`, by id."""
        return [PageRecord(self.base_url(p.site_id) + p.path, p.site_id, p.id, p.title, p.text, p.published_at,
                           p.story, p.kind, p.topic, p.confusable_with) for p in self.published(site_id)]

    def truth(self) -> dict[str, str]:
        """``{absolute detail URL: story key}`` for every published page (story = release id or ``local-…``);
        with the www.mos.ru replica, also every original's page (``/mayor/themes/…/<id>/``)."""
        out = {self.base_url(p.site_id) + p.path: p.story for p in self.published()}
        if self.mayor is not None:
            from .mayor import MAYOR_ID

            with self._lock:
                out.update({self.base_url(MAYOR_ID) + o.path: o.rid for o in self.mayor.originals()})
        return out

    def originals(self):
        """The Mayor's originals published by now (:class:`crawler.sim.mayor.Original`, oldest first);
        ``[]`` without the replica."""
        if self.mayor is None:
            return []
        with self._lock:
            return self.mayor.originals()

    def truth_meta(self) -> dict[str, dict]:
        """``{url: {"site_id", "story", "kind", "topic", "published_at", "confusable_with"}}`` for every published page."""
        return {self.base_url(p.site_id) + p.path: {"site_id": p.site_id, "story": p.story, "kind": p.kind,
                                                     "topic": p.topic, "published_at": p.published_at,
                                                     "confusable_with": p.confusable_with}
                for p in self.published()}

    def releases(self) -> list[Release]:
        """The Mayor's releases published (on the Mayor's site) by now, oldest first."""
        with self._lock:
            return sorted((r for r in self.timeline.releases.values() if r.published_at <= self.now),
                          key=lambda r: r.published_at)

    def _related(self, page: Page) -> list[Page]:
        pages = self.timeline.by_site[page.site_id]
        i = pages.index(page)
        return pages[max(0, i - 5):i][::-1]

    # -- faults -----------------------------------------------------------------
    def set_fault(self, site_id: str, kind: str, *, count: int | None = None, until: datetime | None = None,
                  paths=None, **params) -> Fault:
        """Start a fault on ``site_id`` (kinds and params: :mod:`crawler.sim.faults`). Replaces an
        active fault of the same kind. Returns the :class:`Fault`. Raises ``KeyError``/``ValueError``."""
        self._check_site(site_id)
        fault = make_fault(kind, count, until, paths, params)
        with self._lock:
            for old in [f for f in self._faults[site_id] if f.kind == kind]:
                self._remove_fault(site_id, old)
            self._faults[site_id].append(fault)
            if kind == "family":
                if fault.params["family"] not in FAMILIES:
                    self._faults[site_id].remove(fault)
                    raise ValueError(f"unknown family {fault.params['family']!r}")
                self._family_override[site_id] = fault.params["family"]
            elif kind == "redirect":
                self._aliases[site_id][fault.params["to"]] = fault.params["frm"]
            elif kind == "down":
                self._ctl_pending.append(("down", site_id))
        self._flush_ctl()
        return fault

    def _check_site(self, site_id: str) -> None:
        if site_id not in self._faults:
            self.site(site_id)  # raises KeyError

    def clear_fault(self, site_id: str, kind: str | None = None) -> None:
        """End the site's faults (all, or those of ``kind``). Brings a ``down`` site back up."""
        with self._lock:
            for f in [f for f in self._faults[site_id] if kind is None or f.kind == kind]:
                self._remove_fault(site_id, f)
        self._flush_ctl()

    def faults(self, site_id: str) -> list[Fault]:
        """Active faults of the site."""
        return list(self._faults[site_id])

    def is_down(self, site_id: str) -> bool:
        """True while a ``down`` fault is active on the site."""
        return any(f.kind == "down" for f in self._faults[site_id])

    def _remove_fault(self, site_id: str, f: Fault) -> None:
        self._faults[site_id].remove(f)
        if f.kind == "family":
            self._family_override.pop(site_id, None)
        elif f.kind == "down":
            self._ctl_pending.append(("up", site_id))

    def _flush_ctl(self) -> None:
        # Listener changes run outside _lock: the serving thread may need the lock meanwhile.
        with self._lock:
            todo, self._ctl_pending = self._ctl_pending, []
            ctl = self._controller
        if ctl is not None:
            for action, sid in todo:
                (ctl.site_down if action == "down" else ctl.site_up)(sid)

    def _take_fault(self, site_id: str, path: str) -> Fault | None:
        for f in list(self._faults[site_id]):
            if f.kind in ("family", "down"):
                continue
            if f.expired(self.now):
                self._remove_fault(site_id, f)
                continue
            if f.matches(path):
                if f.count is not None:
                    f.count -= 1
                    if f.count <= 0:
                        self._remove_fault(site_id, f)
                return f
        return None

    # -- serving ------------------------------------------------------------------
    def serve(self, layout: str = "addresses"):
        """Async context manager binding every site on loopback and serving it.

        ``layout="addresses"``: site i on 127.0.0.(i+2), one shared ephemeral port;
        ``layout="ports"``: every site on 127.0.0.1 with its own ephemeral port.
        Yields a :class:`crawler.sim.server.Running` (``.sources``, ``.url(site_id)``).
        """
        from .server import serve
        return serve(self, layout)

    def start_in_thread(self, layout: str = "addresses"):
        """Serve from a background thread; returns a :class:`crawler.sim.server.ThreadHandle`
        (``.sources``, ``.stop()``; also a context manager)."""
        from .server import ThreadHandle
        return ThreadHandle(self, layout)
