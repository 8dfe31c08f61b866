"""Choice of a story's canonical article (the one shown and compared against first).

Rule (documented in docs/dedup.md):

1. If any member has a publication time, let ``t0`` be the earliest; the eligible
   members are those published within :data:`CANONICAL_HOURS` hours of ``t0``
   (the original release and its same-morning full reprints, not a later digest).
   If no member has a time, all members are eligible.
2. Among the eligible, the longest cleaned text wins (district sites trim; the
   fullest early copy is closest to the release).
3. Ties: earliest publication time (unknown last), then smallest id.
"""

from __future__ import annotations

import math
from datetime import datetime

#: Hours after the earliest reprint within which a member may be canonical.
CANONICAL_HOURS = 24


def choose_canonical(members: list[tuple[str, datetime | None, int]]) -> str:
    """Canonical doc id among ``(doc id, published_at or None, text length in chars)``.

    Raises:
        ValueError: when ``members`` is empty.
    """
    return choose_canonical_ts([(i, t.timestamp() if t is not None else math.nan, n) for i, t, n in members])


def choose_canonical_ts(members: list[tuple[str, float, int]]) -> str:
    """As :func:`choose_canonical` with POSIX-second floats (NaN = unknown)."""
    if not members:
        raise ValueError("choose_canonical: no members")
    dated = [m for m in members if not math.isnan(m[1])]
    if dated:
        t0 = min(m[1] for m in dated)
        eligible = [m for m in dated if m[1] <= t0 + CANONICAL_HOURS * 3600]
    else:
        eligible = list(members)
    return min(eligible, key=lambda m: (-m[2], m[1] if not math.isnan(m[1]) else math.inf, m[0]))[0]
