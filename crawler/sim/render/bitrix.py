"""Family ``bitrix``: the 1C-Bitrix template seen on sister mos.ru sites.

List: ``ul.newslist > li > p`` with ``strong > a`` (root-relative href),
``a.rubr`` and ``span.date`` (dd.mm.yyyy); pager ``?PAGEN_1=N``. Detail:
``div.primary_content h1``, ``div.b-text-content div.news_date`` (dd.mm.yyyy HH:MM),
body in ``article``. UTF-8. A page number past the end shows the last page (Bitrix habit).
"""

from __future__ import annotations

from .common import MENU, RUBRIC_SLUG, Item, SiteCtx, ddmmyyyy, esc, share_links

NAME = "bitrix"
ENCODING = "utf-8"
PAGE_SIZE = 10
CLAMP_PAGES = True


def pager_href(list_base: str, n: int) -> str:
    """Root-relative URL of list page ``n`` (1-based)."""
    return list_base if n == 1 else f"{list_base}?PAGEN_1={n}"


def page_number(rest: str, query: dict[str, str]) -> int | None:
    """Page number for a list request (``rest`` = path after the list base), or None if not a list URL."""
    if rest:
        return None
    try:
        return max(1, int(query.get("PAGEN_1", "1")))
    except ValueError:
        return 1


def _head(ctx: SiteCtx, title: str) -> str:
    menu = "".join(f'<li><a href="/{i}/">{esc(m)}</a></li>' for i, m in enumerate(MENU))
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="UTF-8"><title>{esc(title)} | {esc(ctx.org)}</title>
<link rel="stylesheet" href="/bitrix/templates/uprava/styles.css?1581">
<script src="/bitrix/js/main/core/core.js?16"></script></head>
<body><div class="wrapper"><div class="header"><a class="logo" href="/"><img src="/bitrix/templates/uprava/images/logo.png" alt="">{esc(ctx.org)}</a>
<form class="search" action="/search/"><input name="q" placeholder="Поиск по сайту"></form>
<ul class="top-menu">{menu}</ul></div>
"""


def _foot(ctx: SiteCtx) -> str:
    return f"""<div class="footer"><div class="footer-menu"><a href="/about/">Об управе</a> <a href="/presscenter/">Пресс-центр</a> <a href="/contacts/">Контакты</a></div>
<p class="copy">© {esc(ctx.org)}, 2011–2026. Все права защищены.</p><p>{esc(ctx.okrug)}, г. Москва</p></div></div></body></html>
"""


def render_list(ctx: SiteCtx, items: list[Item], page: int, n_pages: int, list_base: str) -> str:
    """List page HTML (str)."""
    lis = []
    for it in items:
        rub = it.rubric
        lis.append(f'<li><p><span class="date">{ddmmyyyy(it.published_at)}</span> '
                   f'<a class="rubr" href="/presscenter/news/{RUBRIC_SLUG[rub]}/">{esc(rub)}</a><br>'
                   f'<strong><a href="{it.path}">{esc(it.title)}</a></strong></p></li>')
    pager = []
    if page > 1:
        pager.append(f'<a class="modern-page-previous" href="{pager_href(list_base, page - 1)}">Пред.</a>')
    for n in range(1, n_pages + 1):
        pager.append(f'<b class="modern-page-current">{n}</b>' if n == page else f'<a href="{pager_href(list_base, n)}">{n}</a>')
    if page < n_pages:
        pager.append(f'<a class="modern-page-next" href="{pager_href(list_base, page + 1)}">След.</a>')
    return (_head(ctx, "Новости") +
            '<div class="breadcrumbs"><a href="/">Главная</a> → <a href="/presscenter/">Пресс-центр</a> → <span>Новости</span></div>'
            '<div class="primary_content"><h1>Новости</h1>\n<ul class="newslist">\n' + "\n".join(lis) +
            '\n</ul>\n<div class="modern-page-navigation"><span class="modern-page-title">Страницы:</span> ' + " ".join(pager) +
            "</div></div>\n" + _foot(ctx))


def render_detail(ctx: SiteCtx, it: Item, related: list[Item]) -> str:
    """Detail page HTML (str)."""
    url = ctx.base + it.path
    img = f'<p><img src="{it.image}" alt="{esc(it.title)}" width="600"></p>' if it.image else ""
    body = "".join(f"<p>{esc(p)}</p>\n" for p in it.paragraphs)
    share = " ".join(f'<a class="share-{i}" href="{esc(h)}">{esc(lbl)}</a>' for i, (lbl, h) in enumerate(share_links(url)))
    rel = "".join(f'<li><span class="date">{ddmmyyyy(r.published_at)}</span> <a href="{r.path}">{esc(r.title)}</a></li>' for r in related)
    return (_head(ctx, it.title) +
            f'<div class="breadcrumbs"><a href="/">Главная</a> → <a href="/presscenter/">Пресс-центр</a> → '
            f'<a href="/presscenter/news/">Новости</a> → <a href="/presscenter/news/{RUBRIC_SLUG[it.rubric]}/">{esc(it.rubric)}</a> → <span>{esc(it.title)}</span></div>\n'
            f'<div class="primary_content"><h1>{esc(it.title)}</h1>\n<div class="b-text-content">'
            f'<div class="news_date">{it.published_at:%d.%m.%Y %H:%M}</div>\n'
            f'<article>{img}\n{body}</article>\n'
            f'<div class="share"><span>Поделиться:</span> {share}</div>\n'
            f'<div class="page-address">Адрес страницы: <a href="{esc(url)}">{esc(url)}</a></div>\n'
            f'<div class="org-name">{esc(ctx.org)}</div></div>\n'
            f'<div class="related"><h3>Другие новости</h3><ul>{rel}</ul></div></div>\n' + _foot(ctx))
