"""Per-channel story filters (pure).

A channel's ``filters:`` mapping (see docs/alerts.md) is compiled once by
:func:`compile_filters`; :meth:`StoryFilter.check` then decides for one story.
Every listed condition must hold (AND); inside a list, any item may match (OR).

Keys:
    ``keywords``: words or phrases; case-insensitive substring, ``ё`` = ``е``, NBSP = space.
    ``regex``: Python regular expressions (``re.search``, case-insensitive).
    ``exclude_keywords`` / ``exclude_regex``: the story is dropped if any matches.
    ``fields``: where keywords/regex look: ``[title, text]`` (default both).
    ``okrugs``: at least one reprint comes from a source in one of these okrugs (``ЦАО``, …).
    ``sources``: at least one reprint comes from one of these source ids.
    ``min_reprints``: the story has at least this many reprints (articles).
    ``mayor_only``: the story looks like a Mayor's release (see :func:`looks_like_mayor_release`).

Errors: :func:`compile_filters` raises :class:`~crawler.errors.ConfigError` for an
unknown key, a wrong type or a regex that does not compile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crawler.errors import ConfigError

#: Mentions that mark a Mayor's release (Sobyanin by name, "мэр Москвы/столицы" in any case form).
MAYOR_RE = re.compile(
    r"собянин|мэр(?:а|у|ом|е)?\s+(?:москвы|столицы)|градоначальник|mos\.ru/mayor",
    re.IGNORECASE,
)
#: A story reprinted by at least this many distinct sources is taken as a Mayor's release
#: (district sites syndicate the Mayor's news; their own news is rarely reprinted by others).
MAYOR_MIN_SOURCES = 3

_KNOWN = {"keywords", "regex", "exclude_keywords", "exclude_regex", "fields", "okrugs", "sources", "min_reprints", "mayor_only"}


def normalize(text: str) -> str:
    """Casefold, ``ё``→``е``, NBSP and runs of whitespace → one space."""
    text = text.replace("\u00a0", " ").casefold().replace("ё", "е")
    return " ".join(text.split())


@dataclass(frozen=True)
class FilterInput:
    """What filters look at for one story.

    Attributes:
        title: the story's title; ``text``: its canonical article's lead and body.
        reprint_count: articles in the story; ``source_ids`` / ``okrugs``: of its reprints.
    """

    title: str
    text: str
    reprint_count: int
    source_ids: frozenset[str] = field(default_factory=frozenset)
    okrugs: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FilterResult:
    """A filter decision.

    Attributes:
        ok: the story passes.
        reason: why not (empty when ``ok``).
        may_change: the story failed only on reprint-based conditions (``min_reprints``,
            ``mayor_only`` by source count), so it may pass later as reprints arrive.
    """

    ok: bool
    reason: str = ""
    may_change: bool = False


def looks_like_mayor_release(item: FilterInput) -> bool:
    """True if the title or text mentions the Mayor (:data:`MAYOR_RE`) or at least
    :data:`MAYOR_MIN_SOURCES` distinct sources reprinted the story."""
    return bool(MAYOR_RE.search(item.title) or MAYOR_RE.search(item.text)) or len(item.source_ids) >= MAYOR_MIN_SOURCES


def _strings(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"filters.{key}: expected a list of non-empty strings")
    return list(value)


def _regexes(key: str, value: Any) -> list[re.Pattern[str]]:
    out = []
    for pat in _strings(key, value):
        try:
            out.append(re.compile(pat, re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"filters.{key}: bad regular expression {pat!r}: {exc}") from None
    return out


@dataclass(frozen=True)
class StoryFilter:
    """A compiled ``filters:`` mapping. Build with :func:`compile_filters`; empty = pass everything."""

    keywords: tuple[str, ...] = ()
    regex: tuple[re.Pattern[str], ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    exclude_regex: tuple[re.Pattern[str], ...] = ()
    fields: tuple[str, ...] = ("title", "text")
    okrugs: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    min_reprints: int = 0
    mayor_only: bool = False

    def _haystack(self, item: FilterInput) -> str:
        parts = [item.title if "title" in self.fields else "", item.text if "text" in self.fields else ""]
        return "\n".join(parts)

    def check(self, item: FilterInput) -> FilterResult:
        """Decide whether ``item`` passes; see :class:`FilterResult`."""
        raw = self._haystack(item)
        norm = normalize(raw)
        if self.keywords and not any(k in norm for k in self.keywords):
            return FilterResult(False, "no keyword matched")
        if self.regex and not any(r.search(raw) for r in self.regex):
            return FilterResult(False, "no regex matched")
        if any(k in norm for k in self.exclude_keywords):
            return FilterResult(False, "excluded keyword matched")
        if any(r.search(raw) for r in self.exclude_regex):
            return FilterResult(False, "excluded regex matched")
        if self.okrugs and not ({normalize(o) for o in item.okrugs} & self.okrugs):
            return FilterResult(False, "okrug not selected")
        if self.sources and not (item.source_ids & self.sources):
            return FilterResult(False, "source not selected")
        if item.reprint_count < self.min_reprints:
            return FilterResult(False, f"{item.reprint_count} reprint(s) < min_reprints {self.min_reprints}", may_change=True)
        if self.mayor_only and not looks_like_mayor_release(item):
            return FilterResult(False, "does not look like a Mayor's release", may_change=True)
        return FilterResult(True)


def compile_filters(spec: Mapping[str, Any] | None) -> StoryFilter:
    """Validate and compile a channel's ``filters:`` mapping.

    Raises:
        ConfigError: unknown key, wrong type, bad regex.
    """
    spec = dict(spec or {})
    unknown = sorted(set(spec) - _KNOWN)
    if unknown:
        raise ConfigError(f"filters: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_KNOWN))})")
    kw: dict[str, Any] = {}
    for key in ("keywords", "exclude_keywords"):
        if key in spec:
            kw[key] = tuple(normalize(k) for k in _strings(key, spec[key]))
    for key in ("regex", "exclude_regex"):
        if key in spec:
            kw[key] = tuple(_regexes(key, spec[key]))
    if "fields" in spec:
        fields = _strings("fields", spec["fields"])
        if not set(fields) <= {"title", "text"}:
            raise ConfigError("filters.fields: expected a subset of [title, text]")
        kw["fields"] = tuple(fields)
    if "okrugs" in spec:
        kw["okrugs"] = frozenset(normalize(o) for o in _strings("okrugs", spec["okrugs"]))
    if "sources" in spec:
        kw["sources"] = frozenset(_strings("sources", spec["sources"]))
    if "min_reprints" in spec:
        v = spec["min_reprints"]
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ConfigError("filters.min_reprints: expected a non-negative integer")
        kw["min_reprints"] = v
    if "mayor_only" in spec:
        if not isinstance(spec["mayor_only"], bool):
            raise ConfigError("filters.mayor_only: expected true or false")
        kw["mayor_only"] = spec["mayor_only"]
    return StoryFilter(**kw)


def filter_input(title: str, text: str, reprints: Iterable[tuple[str, str]], reprint_count: int) -> FilterInput:
    """Build a :class:`FilterInput` from ``(source_id, okrug)`` pairs of the reprints."""
    pairs = list(reprints)
    return FilterInput(
        title=title,
        text=text,
        reprint_count=reprint_count,
        source_ids=frozenset(s for s, _ in pairs),
        okrugs=frozenset(o for _, o in pairs if o),
    )
