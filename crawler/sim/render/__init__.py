"""Markup families. Each module exposes ``NAME``, ``ENCODING``, ``PAGE_SIZE``, ``CLAMP_PAGES``,
``pager_href(list_base, n)``, ``page_number(rest, query)``, ``render_list(ctx, items, page, n_pages, list_base)``
and ``render_detail(ctx, item, related)`` (both return ``str``)."""

from __future__ import annotations

from types import ModuleType

from . import bitrix, legacy, modern, soup

#: Family name → module, in assignment order.
FAMILIES: dict[str, ModuleType] = {m.NAME: m for m in (bitrix, modern, legacy, soup)}


def not_found_html(org: str) -> str:
    """A plain 404 page body."""
    return f"<html><head><title>404 Not Found</title></head><body><h1>Страница не найдена</h1><p>{org}</p></body></html>"
