"""Choice of a story's canonical article (the one shown and compared against first).

Rule (documented in docs/dedup.md):

1. If any member has a publication time, let ``t0`` be the earliest; the eligible
   members are those published within :data:`CANONICAL_HOURS` hours of ``t0``
   (the original release and its same-morning full reprints, not a later digest).
   If no member has a time, all members are eligible.
2. Among the eligible, the longest cleaned text wins (district sites trim; the
   fullest early copy is closest to the release).
3. Ties: earliest publication time (unknown last), then smallest id.

The Mayor's original, when a story has one, overrides this rule: it is the canonical item and
gives the title (``storage/originals.py`` applies it on every story refresh;
:func:`choose_canonical` takes ``originals=`` for in-memory callers; docs/originals.md).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from fractions import Fraction

#: Hours after the earliest reprint within which a member may be canonical.
CANONICAL_HOURS = 24


def choose_canonical(members: list[tuple[str, datetime | None, int]], *, originals: frozenset[str] | set[str] = frozenset()) -> str:
    """Canonical doc id among ``(doc id, published_at or None, text length in chars)``.

    Args:
        originals: doc ids that are the Mayor's originals; when a member is one, the earliest
            such member is the canonical (docs/originals.md).

    Raises:
        ValueError: when ``members`` is empty.
    """
    orig = [m for m in members if m[0] in originals]
    if orig:
        return min(orig, key=lambda m: (m[1] is None, m[1].timestamp() if m[1] is not None else 0.0, m[0]))[0]
    return choose_canonical_ts([(i, t.timestamp() if t is not None else math.nan, n) for i, t, n in members])


def canonical_rule(rows: list[tuple[int, datetime | None, int]]) -> int:
    """:func:`choose_canonical` over storage's integer article ids: the ``canonical`` rule that
    :class:`storage.Store` and :mod:`storage.stories` take (``(id, published_at, text length)``
    rows → the canonical id)."""
    return int(choose_canonical([(str(i), d, n) for i, d, n in rows]))


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


#: A title re-angled to one district or written by an uprava or a prefecture («…района Арбат…»,
#: «Управа …», «Префектура …», «В Останкинском районе …»).
DISTRICT_ANGLE = re.compile(r"(?i)\bрайон(а|е|ов)?\b|\bуправ[аеуы]\w*|\bпрефектур\w*|\bв\s+[А-ЯЁ]\w+ском\s+районе")


#: A district's re-angling prefix: «Для жителей района Арбат: …», «Для жителей округа: …»,
#: «Жителей района Куркино касается: …», «Жителям округа: …». Group 1 is the release's wording.
ANGLE_PREFIX = re.compile(r"(?is)^\s*(?:для\s+жителей|жителей|жителям)\b[^:«»]{0,80}?:\s*(.+)$")

#: A title that leads with the Mayor («Собянин: …», «Сергей Собянин открыл …», «Мэр Москвы …»):
#: the release's own headline style, even when it names a district («Собянин: в районе Куркино
#: открылась школа»), so :data:`DISTRICT_ANGLE` does not set it aside, and :func:`story_title`
#: prefers it to other wordings of the same angle.
MAYOR_LEAD = re.compile(r"(?i)^\s*(?:мэр(?:\s+москвы)?\s+)?(?:сергей\s+)?собянин\b|^\s*мэр\s+москвы\b")

#: Revision of :func:`story_title` (``meta.story_title_revision``: the pipeline re-chooses every
#: stored story's title once when it changes, ``storage.stories.retitle_stories``). 1: a member's
#: title quoted by a prefixed title won before titles naming a district were set aside. 2: the
#: least angled wordings first (:func:`title_angle`), then those leading with the Mayor, quoted
#: wordings recovered, exact medoid scores (ties no longer decided by the order the members
#: arrived in).
TITLE_REVISION = 2

#: A quoted wording shorter than this (characters) is not taken for the release's.
_MIN_TAIL = 12


def _fold(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").casefold().split())


def title_angle(title: str) -> int:
    """How far ``title`` is re-angled to a district: ``0`` not at all (the Mayor's own headline
    counts as not angled even when it names a district, :data:`MAYOR_LEAD`), ``1`` it names a
    district, an uprava or a prefecture (:data:`DISTRICT_ANGLE`: «В районе Останкинский открыли
    …», «Управа района Капотня напоминает …»), ``2`` it carries a re-angling prefix
    (:data:`ANGLE_PREFIX`: «Для жителей района Арбат: …»)."""
    if ANGLE_PREFIX.match(title):
        return 2
    if DISTRICT_ANGLE.search(title) and not MAYOR_LEAD.match(title):
        return 1
    return 0


def _quoted(title: str) -> str | None:
    """The wording an angled title quotes after its prefix (first letter capitalised), or ``None``."""
    m = ANGLE_PREFIX.match(title)
    if not m:
        return None
    tail = " ".join(m.group(1).split())
    if len(tail) < _MIN_TAIL:
        return None
    return tail[:1].upper() + tail[1:]


def release_wording(titles: list[str], *, among: list[str] | None = None) -> str | None:
    """The title carried by some member that a district re-angled title quotes (``ANGLE_PREFIX``):
    «Жителей района Куркино касается: X» next to «Собянин: X» or «X» → that member's title (the
    release's own wording). ``None`` when no angled title quotes another member's title.

    Args:
        titles: every member's title (repeats count: the most carried quoted title wins, then the
            shorter, then alphabetical order).
        among: only these titles may be returned (:func:`story_title` passes the least angled
            ones, so a quoted title naming a district never beats an un-angled member's).
    """
    every = [t for t in dict.fromkeys(t.strip() for t in titles) if t]
    tails = [_fold(q) for q in (_quoted(t) for t in every) if q is not None]
    if not tails:
        return None
    allowed = None if among is None else {t.strip() for t in among}
    counts = {t: sum(1 for x in titles if x.strip() == t) for t in every}
    quoted = [
        t for t in every
        if not ANGLE_PREFIX.match(t) and (allowed is None or t in allowed) and any(_fold(t).endswith(tail) for tail in tails)
    ]  # fmt: skip
    if not quoted:
        return None
    return min(quoted, key=lambda t: (-counts[t], len(t), t))


def story_title(titles: list[str]) -> str:
    """The title a story is shown under: the release's own wording, never a district's re-angling
    while a less angled wording exists. A function of the multiset of titles only (not of their
    order), so a story's title does not depend on which reprint arrived first.

    District sites re-title reprints («Жителей района Арбат касается: …», «Для жителей
    района …: …», «Для жителей округа: …», «В районе Останкинский открыли …»). The rule:

    1. The wordings in the running are every member's title and the wording each prefixed
       title quotes after its prefix (:data:`ANGLE_PREFIX`; «Для жителей округа: в Москве
       откроют …» → «В Москве откроют …»).
    2. Only the least angled of them stay (:func:`title_angle`): titles naming a district or an
       uprava are set aside while a wording that names none exists (a title leading with the
       Mayor, «Собянин: в районе Куркино …», is the release's own headline and names none for
       this rule), prefixed titles while any other wording exists. At the same angle a wording
       leading with the Mayor (:data:`MAYOR_LEAD`: the release's headline style) is preferred
       to others, then a member's own title to a quoted wording.
    3. A member's title quoted by a prefixed title (:func:`release_wording`) is the release's
       own wording and wins (a district quoting a re-titling does not outweigh the Mayor's
       headline: step 2 has set the re-titling aside when a member carries that headline).
    4. Otherwise the medoid wins: the highest mean Jaccard similarity of its content-stem set to
       every member's title (weighted by how often each occurs; computed exactly, so equal
       scores tie whatever the order of ``titles``); ties go to the shorter, then alphabetical
       order.

    A single title (however often repeated) is the story's title as it is. Empty titles are
    ignored; returns ``""`` when none is left.
    """
    from crawler.dedup.normalize import content_stems, words

    every = [t for t in dict.fromkeys(t.strip() for t in titles) if t]
    if len(every) <= 1:
        return every[0] if every else ""
    carried = set(every)
    forms = list(every) + [q for q in dict.fromkeys(_quoted(t) for t in every) if q is not None and q not in carried]
    rank = {t: (title_angle(t), not MAYOR_LEAD.match(t), t not in carried) for t in forms}
    best = min(rank.values())
    cands = [t for t in forms if rank[t] == best]
    own = release_wording(titles, among=[t for t in cands if t in carried])
    if own is not None:
        return own
    counts = {t: sum(1 for x in titles if x.strip() == t) for t in every}
    sets = {t: set(content_stems(words(t))) for t in forms}

    def score(t: str) -> Fraction:
        # Exact: float sums depend on the order of the terms, and so did ties (which reprint
        # arrived first decided between two titles of equal score).
        total = Fraction(0)
        n = 0
        for u in every:
            a, b = sets[t], sets[u]
            sim = Fraction(1) if u == t else (Fraction(len(a & b), len(a | b)) if a | b else Fraction(0))
            total += sim * counts[u]
            n += counts[u]
        return total / n

    return min(cands, key=lambda t: (-score(t), len(t), t))
