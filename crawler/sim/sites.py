"""Site list (copied from the project's research into ``data/sites.tsv``) and family assignment."""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

from .render import FAMILIES


@dataclass(frozen=True)
class SimSite:
    """One simulated district site.

    ``id`` is the real host's first label (``arbat``), ``kind`` ``"uprava"`` or
    ``"prefecture"``, ``family`` a key of :data:`crawler.sim.render.FAMILIES`.
    """

    id: str
    name: str
    okrug: str
    kind: str
    family: str = "bitrix"


def default_sites() -> list[SimSite]:
    """All 135 sites of ``data/sites.tsv`` (11 prefectures, 124 upravas), family unset (bitrix)."""
    text = resources.files("crawler.sim").joinpath("data/sites.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines()[1:]:
        if line.strip():
            sid, okrug, kind, name = line.split("\t")
            out.append(SimSite(id=sid, name=name, okrug=okrug, kind=kind))
    return out


def choose_sites(sites, seed: int) -> list[SimSite]:
    """Resolve the ``sites=`` argument of :class:`SimNetwork` and assign families.

    ``sites`` may be ``None`` (all default sites), an ``int`` n (a seeded sample of n
    default sites, prefectures included), a list of ids, or a list of :class:`SimSite`
    (their ``family`` kept if not ``"auto"``). Families are dealt round-robin over a
    seeded shuffle, so with ≥4 sites every family is present. Raises ``KeyError`` for
    an unknown id, ``ValueError`` for n out of range or duplicate ids.
    """
    rng = random.Random(f"sites:{seed}")
    base = default_sites()
    keep_family: set[str] = set()
    if sites is None:
        chosen = base
    elif isinstance(sites, int):
        if not 1 <= sites <= len(base):
            raise ValueError(f"sites must be 1..{len(base)}")
        chosen = sorted(rng.sample(base, sites), key=lambda s: base.index(s))
    else:
        by_id = {s.id: s for s in base}
        chosen = []
        for s in sites:
            if isinstance(s, SimSite):
                chosen.append(s)
                if s.family != "auto":
                    keep_family.add(s.id)
            else:
                chosen.append(by_id[s])
    ids = [s.id for s in chosen]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate site ids")
    order = list(range(len(chosen)))
    rng.shuffle(order)
    fams = list(FAMILIES)
    out = list(chosen)
    for k, i in enumerate(order):
        s = chosen[i]
        fam = s.family if s.id in keep_family else fams[k % len(fams)]
        if fam not in FAMILIES:
            raise ValueError(f"unknown family {fam!r}")
        out[i] = SimSite(id=s.id, name=s.name, okrug=s.okrug, kind=s.kind, family=fam)
    return out
