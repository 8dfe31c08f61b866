"""Parsing stage: bytes → text, list pages → items, detail pages → articles.

Public API (the pipeline depends on exactly these names)::

    decode_html(content, content_type, override=None) -> (text, encoding)
    canonical_url(href, base=None) -> str
    parse_list(html, base_url, profile=None) -> ListPage
    parse_article(html, url, profile=None) -> ParsedArticle
    probe_layers(html, url, profile=None) -> dict[str, dict]
    parse_ru_datetime(text) -> datetime | None      (also in crawler.parse.ru)
    normalize_space(text) -> str
    BUILTIN_PROFILES: dict[str, SelectorProfile]

Per-source selectors: ``crawler.parse.profiles.resolve_profile(source.profile, source.selectors,
settings.profiles)`` → ``(label, SelectorProfile | None)``; pass the profile positionally and
the label as ``profile_name=`` to get ``layers`` entries like ``profile:<label>``.

Errors: :class:`~crawler.errors.ParseError` (empty body in ``decode_html``; no headline or
no body in ``parse_article``) and its subclass :class:`~crawler.errors.HostilePageError`
(``parse_list``/``parse_article``: a page over the size, tag or nesting caps of
:mod:`crawler.parse.limits`).  Otherwise ``parse_list`` returns an empty ``ListPage`` instead of
raising, and a bad item costs that item (``ListPage.rejected``).  Nothing else is raised on bad
markup (fuzz-tested: ``tests/parse/test_fuzz.py``, ``tests/test_fuzz_crawl.py``); bad user
selectors are ignored (the next layer takes over).

The crawl parses through :class:`crawler.parse.pool.ParsePool` (worker processes, a time limit
per page); the functions here are the in-process parsers it runs.
"""

from crawler.parse.article import parse_article
from crawler.parse.charset import decode_html
from crawler.parse.listing import parse_list
from crawler.parse.probe import probe_layers
from crawler.parse.profiles import BUILTIN_PROFILES
from crawler.parse.ru import normalize_space, parse_ru_datetime
from crawler.parse.urls import canonical_url

__all__ = [
    "BUILTIN_PROFILES", "canonical_url", "decode_html", "normalize_space", "parse_article", "parse_list",
    "parse_ru_datetime", "probe_layers",
]
