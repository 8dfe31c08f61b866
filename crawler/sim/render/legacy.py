"""Family ``legacy``: an old table layout served in windows-1251.

``<td>``/``<font>``/``<br>`` markup, ``<meta http-equiv="Content-Type" ... charset=windows-1251>``,
dates ``dd.mm.yyyy`` (detail «Дата публикации: dd.mm.yyyy HH:MM»); pager ``?page=N``;
a page number past the end is a 404. Items are separated by ``<br>``, not wrapped.
"""

from __future__ import annotations

from .common import MENU, Item, SiteCtx, ddmmyyyy, esc

NAME = "legacy"
ENCODING = "windows-1251"
PAGE_SIZE = 20
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
    menu = "<br>\n".join(f'<a href="/{i}/"><font color="#003366">{esc(m)}</font></a>' for i, m in enumerate(MENU))
    return f"""<HTML><HEAD><META http-equiv="Content-Type" content="text/html; charset=windows-1251">
<TITLE>{esc(ctx.org)} :: {esc(title)}</TITLE></HEAD>
<BODY bgcolor="#FFFFFF" leftmargin=0 topmargin=0>
<table width="100%" border=0 cellpadding=0 cellspacing=0><tr><td bgcolor="#003366" colspan=2 height=60><font color="#FFFFFF" size=4 face="Arial"><b>{esc(ctx.org)}</b></font></td></tr>
<tr><td width=200 valign=top bgcolor="#EEEEEE"><font face="Arial" size=2>{menu}</font></td><td valign=top>
<font face="Arial" size=1><a href="/">Главная</a> &raquo; <a href="/presscenter/">Пресс-центр</a> &raquo; <a href="/presscenter/news/">Новости</a></font><br>
"""


def _foot(ctx: SiteCtx) -> str:
    return f"""</td></tr><tr><td colspan=2 bgcolor="#EEEEEE" align=center><font size=1 face="Arial">© 2008-2026 {esc(ctx.org)}<br>
Разработка и поддержка сайта: ГБУ «Информационный центр»</font></td></tr></table></BODY></HTML>
"""


def render_list(ctx: SiteCtx, items: list[Item], page: int, n_pages: int, list_base: str) -> str:
    """List page HTML (str; encode with :data:`ENCODING`)."""
    rows = []
    for it in items:
        rows.append(f'<font class="date" size=1 color="#666666">{ddmmyyyy(it.published_at)}</font><br>\n'
                    f'<a href="{it.path}"><font size=2><b>{esc(it.title)}</b></font></a><br><br>')
    pages = " | ".join(f"<b>{n}</b>" if n == page else f'<a href="{pager_href(list_base, n)}">{n}</a>' for n in range(1, n_pages + 1))
    nxt = f' | <a href="{pager_href(list_base, page + 1)}">далее &gt;&gt;</a>' if page < n_pages else ""
    return (_head(ctx, "Новости") + '<table width="95%" cellpadding=4><tr><td><font face="Arial" size=3><b>НОВОСТИ</b></font><br><br>\n'
            + "\n".join(rows) + f'\n<br><font size=2>Страницы: {pages}{nxt}</font></td></tr></table>\n' + _foot(ctx))


def render_detail(ctx: SiteCtx, it: Item, related: list[Item]) -> str:
    """Detail page HTML (str; encode with :data:`ENCODING`)."""
    url = ctx.base + it.path
    img = f'<img src="{it.image}" width=300 align=left hspace=8 vspace=4 border=0>' if it.image else ""
    body = "<br><br>\n".join(esc(p) for p in it.paragraphs)
    rel = "<br>\n".join(f'&bull; <a href="{r.path}">{esc(r.title)}</a> ({ddmmyyyy(r.published_at)})' for r in related)
    return (_head(ctx, it.title) + '<table width="95%" cellpadding=4><tr><td>\n'
            f'<font face="Arial" size=3><b>{esc(it.title)}</b></font><br>\n'
            f'<font size=1 color="#666666">Дата публикации: {it.published_at:%d.%m.%Y %H:%M}</font><br><br>\n'
            f'<font face="Arial" size=2>{img}{body}</font><br><br>\n'
            f'<font size=1>Адрес страницы: {esc(url)}<br>{esc(ctx.org)}</font><br>\n'
            f'<font size=1><a href="javascript:window.print()">Версия для печати</a> | <a href="mailto:?body={esc(url)}">Отправить другу</a></font>\n'
            f'</td></tr><tr><td><hr size=1><font size=2><b>Другие новости:</b><br>{rel}</font></td></tr></table>\n' + _foot(ctx))
