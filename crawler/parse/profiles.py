"""Selector profiles: the built-in ones and how a configured profile is combined with them.

``bitrix`` is the 1C-Bitrix press-centre template seen on sister mos.ru department sites
(2016–17; see ``shared/mosru/README.md``): list ``ul.newslist > li`` with ``strong > a``,
``span.date`` and ``a.rubr``; detail ``div.primary_content h1``, ``div.b-text-content
div.news_date``, body ``div.primary_content article``.  Whether district sites still use it
is unconfirmed, so it is only one layer among several.
"""

from __future__ import annotations

from crawler.config import SelectorProfile

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


def layer_profiles(profile: SelectorProfile | None, name: str | None = None,
                   classes: set[str] | None = None) -> list[tuple[str, SelectorProfile]]:
    """The profile layers to try, in order: ``profile:<name>`` (configured), then ``profile:bitrix``.

    ``name`` labels the configured profile in ``layers`` (default ``"custom"``).  A configured
    profile identical to a built-in one is not tried twice.  With ``classes`` (the class names
    and ids used on the page) given, built-in profiles none of whose :data:`BUILTIN_MARKERS`
    is among them are skipped (a cheap pre-check).
    """
    out: list[tuple[str, SelectorProfile]] = []
    if profile is not None:
        out.append((f"profile:{name or 'custom'}", profile))
    for bname, bprof in BUILTIN_PROFILES.items():
        if profile is not None and bprof == profile:
            continue
        if classes is not None and not any(m in classes for m in BUILTIN_MARKERS.get(bname, ())):
            continue
        out.append((f"profile:{bname}", bprof))
    return out
