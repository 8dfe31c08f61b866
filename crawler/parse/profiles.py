"""Selector profiles: the built-in ones and how a configured profile is combined with them.

``bitrix`` is the 1C-Bitrix press-centre template seen on sister mos.ru department sites
(2016–17; see ``shared/mosru/README.md``): list ``ul.newslist > li`` with ``strong > a``,
``span.date`` and ``a.rubr``; detail ``div.primary_content h1``, ``div.b-text-content
div.news_date``, body ``div.primary_content article``.  Whether district sites still use it
is unconfirmed, so it is only one layer among several.
"""

from __future__ import annotations

from crawler.config import SelectorProfile
from crawler.parse.dom import attr_value_re, selector_for

BUILTIN_PROFILES: dict[str, SelectorProfile] = {
    "bitrix": SelectorProfile(
        list_item="ul.newslist > li",
        list_link="strong > a[href]",
        list_date="span.date",
        list_lead="p",
        pager=".modern-page-navigation, .bx-pagination, .pager, .pagination, .nav-pages, font.text",
        title="div.primary_content h1",
        date="div.b-text-content div.news_date, div.primary_content div.news_date",
        lead="div.primary_content .news_anons, div.primary_content .preview_text",
        body="div.primary_content article",
        images="div.primary_content article img",
        tags="div.primary_content a.rubr, div.b-text-content a.rubr",
        drop=["div.news_date", ".b-share", ".ya-share2", ".print", ".news-detail-share"],
    ),
}


#: A built-in profile is only tried on pages whose source contains one of these strings.
BUILTIN_MARKERS: dict[str, tuple[str, ...]] = {"bitrix": ("primary_content", "newslist", "news_date", "b-text-content")}


_MARKER_RES = {name: attr_value_re(markers) for name, markers in BUILTIN_MARKERS.items()}


def layer_profiles(profile: SelectorProfile | None, name: str | None = None,
                   html: str | None = None) -> list[tuple[str, SelectorProfile]]:
    """The profile layers to try, in order: ``profile:<name>`` (configured), then ``profile:bitrix``.

    ``name`` labels the configured profile in ``layers`` (default ``"custom"``).  A configured
    profile identical to a built-in one is not tried twice.  With the page ``html`` given,
    built-in profiles none of whose :data:`BUILTIN_MARKERS` occurs in a class/id value of the
    page are skipped (a cheap pre-check, memoised per class value).
    """
    out: list[tuple[str, SelectorProfile]] = []
    if profile is not None:
        out.append((f"profile:{name or 'custom'}", profile))
    for bname, bprof in BUILTIN_PROFILES.items():
        if profile is not None and bprof == profile:
            continue
        if html is not None and not selector_for(html, _MARKER_RES[bname]):
            continue
        out.append((f"profile:{bname}", bprof))
    return out


def resolve_profile(
    name: str | None, selectors: SelectorProfile | None, profiles: dict[str, SelectorProfile] | None = None
) -> tuple[str | None, SelectorProfile | None]:
    """Turn a source's ``profile``/``selectors`` config into ``(label, profile)`` for the parsers.

    ``name`` is looked up in ``profiles`` (``settings.profiles``), then in
    :data:`BUILTIN_PROFILES`; inline ``selectors`` override the named profile field by field
    (unset fields keep the named profile's value; ``drop`` lists are concatenated).  Returns
    ``(None, None)`` when the source configures neither (the built-in layers still run).
    The label is ``name``, ``"<name>+inline"`` or ``"inline"``.

    Raises:
        ConfigError: ``name`` is neither a configured nor a built-in profile.
    """
    from crawler.errors import ConfigError

    base: SelectorProfile | None = None
    if name:
        base = (profiles or {}).get(name) or BUILTIN_PROFILES.get(name)
        if base is None:
            known = sorted(set(profiles or {}) | set(BUILTIN_PROFILES))
            raise ConfigError(f"sources[].profile: unknown profile {name!r} (known: {', '.join(known)})")
    if selectors is None:
        return (name, base) if base is not None else (None, None)
    if base is None:
        return "inline", selectors
    merged = base.model_dump()
    for key, value in selectors.model_dump(exclude_unset=True).items():
        merged[key] = (merged.get("drop") or []) + list(value) if key == "drop" else value
    return f"{name}+inline", SelectorProfile(**merged)
