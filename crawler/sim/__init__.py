"""Simulated mos.ru district press centres on loopback, with ground truth and faults.

Entry points: :class:`SimNetwork` (sites, virtual clock, truth, faults, stats),
``net.serve()`` (async) and ``net.start_in_thread()`` (sync). See ``crawler/sim/README.md``.
"""

from __future__ import annotations

from .faults import FAULT_KINDS, Fault, Stats
from .network import PageRecord, SimNetwork
from .render import FAMILIES
from .rewrite import KINDS as REPRINT_KINDS
from .sites import SimSite, default_sites
from .timeline import MSK

__all__ = ["SimNetwork", "SimSite", "PageRecord", "Fault", "Stats", "FAULT_KINDS", "FAMILIES",
           "REPRINT_KINDS", "MSK", "default_sites"]
