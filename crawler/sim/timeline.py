"""Deterministic release/reprint timeline, generated day by day from a seed.

Day ``D`` is generated from ``Random(f"{seed}:{D}")`` plus carried state (staged
objects and yearly events scheduled for later days), always in day order, so the
same seed gives the same pages whatever the polling pattern. Detail ids come from
one global sequence increasing with publication time.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .render.common import RUBRICS, Item, image_path
from .rewrite import reprint
from .sites import SimSite
from .texts import Release, make_local, make_release
from .topics import GENERATORS, STAGED, YEARLY

MSK = ZoneInfo("Europe/Moscow")
_KIND_WEIGHTS = (("verbatim", 25), ("trimmed", 15), ("retitled", 20), ("angled", 15), ("rewritten", 25))


@dataclass
class Page:
    """One detail page on one site.

    ``story`` is the release id (``r20260101-1``) or ``local-<site>-<n>``; ``kind``
    one of the reprint kinds or ``"local"``; ``confusable_with`` the release ids
    that look alike (hard negatives). Title and paragraphs are built lazily.
    """

    id: int
    site_id: str
    published_at: datetime
    story: str
    kind: str
    topic: str
    release: Release | None
    seed: str
    site_name: str
    site_kind: str
    _content: tuple[str, tuple[str, ...]] | None = field(default=None, repr=False)

    @property
    def confusable_with(self) -> tuple[str, ...]:
        """Release ids that look like this page's release but are other news (empty for local news)."""
        return tuple(self.release.confusable_with) if self.release is not None else ()

    @property
    def path(self) -> str:
        """Root-relative detail path ``/presscenter/news/detail/<id>.html``."""
        return f"/presscenter/news/detail/{self.id}.html"

    def _build(self) -> tuple[str, tuple[str, ...]]:
        if self._content is None:
            rng = random.Random(self.seed)
            if self.release is None:
                title, text = make_local(rng, self.site_name, self.site_kind)
                self._content = (title, tuple(text.split("\n\n")))
            else:
                title, paras = reprint(self.release, self.kind, self.site_name, self.site_kind, rng)
                self._content = (title, tuple(paras))
        return self._content

    @property
    def title(self) -> str:
        """Headline as shown on the page."""
        return self._build()[0]

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Body paragraphs (first = lead)."""
        return self._build()[1]

    @property
    def text(self) -> str:
        """Body, paragraphs joined by a blank line."""
        return "\n\n".join(self.paragraphs)

    def item(self) -> Item:
        """The template view of this page."""
        img = None if (self.release is None and self.id % 3) else image_path(self.id, self.topic, self.id % 2 == 0)
        return Item(path=self.path, title=self.title, published_at=self.published_at, paragraphs=self.paragraphs,
                    rubric=RUBRICS[self.topic], image=img, story=self.story)


class Timeline:
    """Generates releases and pages for ``sites`` from day ``origin`` on.

    Args: ``sites`` (list of :class:`SimSite`), ``seed`` (int), ``origin`` (first
    simulated date), ``releases_per_day`` (mean, int ≥ 0), ``reprint_share``
    (probability 0..1 that a site reprints a release), ``local_rate`` (probability
    per site per day of a local item), ``hard_negatives`` (probability 0..1 per day
    of each look-alike pattern).
    """

    def __init__(self, sites: list[SimSite], seed: int, origin: date, releases_per_day: int = 4,
                 reprint_share: float = 0.3, local_rate: float = 0.4, hard_negatives: float = 0.35) -> None:
        self.sites = sites
        self.seed = seed
        self.origin = origin
        self.rpd = releases_per_day
        self.share = reprint_share
        self.local_rate = local_rate
        self.neg = hard_negatives
        self.releases: dict[str, Release] = {}
        self.by_site: dict[str, list[Page]] = {s.id: [] for s in sites}
        self._times: dict[str, list[datetime]] = {s.id: [] for s in sites}
        self.by_id: dict[int, Page] = {}
        self._next_day = origin
        self._buckets: dict[date, list[Page]] = {}
        self._scheduled: dict[date, list[dict]] = {}
        self._next_id = 9_000_000 + random.Random(f"id:{seed}").randrange(0, 500_000)
        self._local_n = 0
        districts = [s.name for s in sites if s.kind == "uprava"] or ["Арбат", "Марьино", "Митино"]
        self._districts = districts

    def ensure(self, until: datetime) -> None:
        """Generate and number every page published up to ``until`` (aware)."""
        last = until.astimezone(MSK).date()
        while self._next_day <= last:
            self._gen_day(self._next_day)
            self._finalize(self._next_day)
            self._next_day += timedelta(days=1)

    def visible(self, site_id: str, now: datetime) -> list[Page]:
        """Pages of ``site_id`` published at or before ``now``, oldest first. Raises KeyError for an unknown site."""
        self.ensure(now)
        k = bisect_right(self._times[site_id], now)
        return self.by_site[site_id][:k]

    # -- generation ---------------------------------------------------------
    def _at(self, rng: random.Random, d: date, h0: float, h1: float) -> datetime:
        secs = int(rng.uniform(h0, h1) * 60) * 60
        return datetime.combine(d, time(0), MSK) + timedelta(seconds=secs)

    def _new_release(self, rng, d, n, topic, facts, negative=None) -> Release:
        rid = f"r{d:%Y%m%d}-{n}"
        rel = make_release(rng, rid, topic, facts, self._at(rng, d, 9, 19.5))
        rel.negative = negative
        self.releases[rid] = rel
        return rel

    def _gen_day(self, d: date) -> None:
        rng = random.Random(f"{self.seed}:{d.isoformat()}")
        day_rel: list[Release] = []
        n = 0
        for sch in self._scheduled.pop(d, []):
            n += 1
            rel = self._new_release(rng, d, n, sch["topic"], sch["facts"], sch["negative"])
            other = self.releases[sch["twin"]]
            rel.confusable_with.append(other.rid)
            other.confusable_with.append(rel.rid)
            day_rel.append(rel)
        count = max(0, round(rng.gauss(self.rpd, 1))) if self.rpd else 0
        topics = list(GENERATORS)
        for _ in range(count):
            n += 1
            topic = rng.choice(topics)
            facts: dict = {"district": rng.choice(self._districts), "year": d.year}
            if topic in STAGED:
                facts["stage"] = "build" if rng.random() < 0.5 else "open"
            rel = self._new_release(rng, d, n, topic, facts)
            day_rel.append(rel)
            if topic in STAGED and facts["stage"] == "build" and rng.random() < self.neg:
                later = dict(facts, stage="open")
                self._scheduled.setdefault(d + timedelta(days=rng.randint(2, 9)), []).append(
                    {"topic": topic, "facts": later, "negative": "stage", "twin": rel.rid})
            if topic in YEARLY and rng.random() < self.neg:
                keep = {k: facts[k] for k in ("district",)}
                for k in ("program", "event"):
                    if k in rel.facts:
                        keep[k] = rel.facts[k]
                keep["year"] = d.year - 1
                self._scheduled.setdefault(d + timedelta(days=rng.randint(1, 6)), []).append(
                    {"topic": topic, "facts": keep, "negative": "year", "twin": rel.rid})
        if day_rel and rng.random() < self.neg:
            base = rng.choice(day_rel)
            n += 1
            f2: dict = {"district": rng.choice(self._districts), "year": d.year}
            if "stage" in base.facts:
                f2["stage"] = base.facts["stage"]
            twin = self._new_release(rng, d, n, base.topic, f2, "same_day")
            twin.confusable_with.append(base.rid)
            base.confusable_with.append(twin.rid)
            day_rel.append(twin)
        kinds = [k for k, _ in _KIND_WEIGHTS]
        weights = [w for _, w in _KIND_WEIGHTS]
        for rel in day_rel:
            for s in self.sites:
                home = s.kind == "uprava" and s.name == rel.facts.get("district")
                if not (rng.random() < (0.9 if home else self.share)):
                    continue
                kind = "angled" if home and rng.random() < 0.6 else rng.choices(kinds, weights)[0]
                if rng.random() < 0.3 or rel.published_at.hour >= 19:
                    when = self._at(rng, d + timedelta(days=1), 8.5, 14)
                else:
                    when = rel.published_at + timedelta(minutes=rng.randint(15, 360))
                self._add(Page(0, s.id, when, rel.rid, kind, rel.topic, rel, f"{self.seed}:{rel.rid}:{s.id}",
                               s.name, s.kind))
        for s in self.sites:
            if rng.random() < self.local_rate:
                self._local_n += 1
                story = f"local-{s.id}-{self._local_n}"
                self._add(Page(0, s.id, self._at(rng, d, 8, 20), story, "local", "local", None,
                               f"{self.seed}:{story}", s.name, s.kind))

    def _add(self, p: Page) -> None:
        self._buckets.setdefault(p.published_at.date(), []).append(p)

    def _finalize(self, d: date) -> None:
        pages = self._buckets.pop(d, [])
        pages.sort(key=lambda p: (p.published_at, p.site_id, p.story))
        rng = random.Random(f"ids:{self.seed}:{d}")
        for p in pages:
            self._next_id += rng.randint(1, 37)
            p.id = self._next_id
            self.by_id[p.id] = p
            self.by_site[p.site_id].append(p)
            self._times[p.site_id].append(p.published_at)
