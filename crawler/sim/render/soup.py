"""Family ``soup``: unseen div-soup markup (no semantic classes, dates like «24 февраля 2015 г.»
with no time on list pages, inline styles, titles in ``div > b``); pager ``?page=N``
exposed only as a «Следующая» link plus numbers; UTF-8. Past the end → 404.
"""

from __future__ import annotations

from .common import MENU, Item, SiteCtx, esc, ru_date, share_links

NAME = "soup"
ENCODING = "utf-8"
PAGE_SIZE = 15
CLAMP_PAGES = False


def pager_href(list_base: str, n: int) -> str:
    """Root-relative URL of list page ``n`` (1-based)."""
    return list_base if n == 1 else f"{list_base}?page={n}"


def page_number(rest: str, query: dict[str, str]) -> int | None:
    """Page number from ``?page=N``, or None if not a list URL."""
    if rest:
        return None
    try:
        return int(query.get("page", "1"))
    except ValueError:
        return None


def _head(ctx: SiteCtx, title: str) -> str:
    menu = "".join(f'<div class="m{i}"><a href="/{i}/">{esc(m)}</a></div>' for i, m in enumerate(MENU))
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>{esc(title)}</title></head>
<body><div id="w"><div id="t"><div style="float:left"><a href="/"><b>{esc(ctx.org)}</b></a></div><div style="float:right"><a href="/search/">Поиск</a></div></div>
<div id="m">{menu}</div><div id="c"><div class="bc"><a href="/">Главная</a> / <a href="/presscenter/">Пресс-центр</a> / <a href="/presscenter/news/">Новости</a></div>
"""


def _foot(ctx: SiteCtx) -> str:
    return f"""</div><div id="f"><div>{esc(ctx.org)}</div><div>© 2026. Все права защищены.</div><div><a href="/sitemap/">Карта сайта</a></div></div></div></body></html>
"""


def render_list(ctx: SiteCtx, items: list[Item], page: int, n_pages: int, list_base: str) -> str:
    """List page HTML (str)."""
    blocks = []
    for it in items:
        blocks.append(f'<div class="i"><div style="color:#888">{ru_date(it.published_at, with_time=False)} г.</div>'
                      f'<div><b><a href="{it.path}">{esc(it.title)}</a></b></div>'
                      f'<div>{esc(it.paragraphs[0][:120]) if it.paragraphs else ""}…</div></div>')
    nums = " ".join(f"<span>{n}</span>" if n == page else f'<a href="{pager_href(list_base, n)}">{n}</a>' for n in range(1, n_pages + 1))
    nxt = f' <a href="{pager_href(list_base, page + 1)}">Следующая</a>' if page < n_pages else ""
    return _head(ctx, "Новости") + "<div>" + "\n".join(blocks) + f'</div><div class="p">{nums}{nxt}</div>\n' + _foot(ctx)


def render_detail(ctx: SiteCtx, it: Item, related: list[Item]) -> str:
    """Detail page HTML (str)."""
    url = ctx.base + it.path
    img = f'<div><img src="{it.image}" style="max-width:100%"></div>' if it.image else ""
    body = "".join(f"<div>{esc(p)}</div><div>&nbsp;</div>" for p in it.paragraphs)
    share = " ".join(f'<a href="{esc(h)}">{esc(lbl)}</a>' for lbl, h in share_links(url))
    rel = "".join(f'<div><a href="{r.path}">{esc(r.title)}</a></div>' for r in related)
    return (_head(ctx, it.title) +
            f'<div><div style="font-size:20px"><b>{esc(it.title)}</b></div><div style="color:#888">{ru_date(it.published_at)}</div>'
            f'{img}<div>{body}</div><div>Поделиться: {share}</div>'
            f'<div>Адрес страницы: {esc(url)}</div><div>{esc(ctx.org)}</div></div>'
            f'<div><div><b>Последние новости</b></div>{rel}</div>\n' + _foot(ctx))
