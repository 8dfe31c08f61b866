"""Family ``modern``: og:* meta, ``article:published_time``, JSON-LD ``NewsArticle``,
``<time datetime>``, dates like «24 февраля 2015, 12:30»; pager ``/presscenter/news/page/N/``.
Absolute links. UTF-8. A page number past the end is a 404.
"""

from __future__ import annotations

import json
import re

from .common import MENU, Item, SiteCtx, esc, ru_date, share_links

NAME = "modern"
ENCODING = "utf-8"
PAGE_SIZE = 12
CLAMP_PAGES = False
_PAGE_RE = re.compile(r"^page/(\d+)/?$")


def pager_href(list_base: str, n: int) -> str:
    """Root-relative URL of list page ``n`` (1-based)."""
    return list_base if n == 1 else f"{list_base}page/{n}/"


def page_number(rest: str, query: dict[str, str]) -> int | None:
    """Page number from ``page/N/`` after the list base, or None if not a list URL."""
    if not rest:
        return 1
    m = _PAGE_RE.match(rest)
    return int(m.group(1)) if m and int(m.group(1)) >= 1 else None


def _head(ctx: SiteCtx, title: str, extra: str = "") -> str:
    nav = "".join(f'<a class="nav__link" href="{ctx.base}/{i}/">{esc(m)}</a>' for i, m in enumerate(MENU))
    return f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} — {esc(ctx.org)}</title>
<meta property="og:site_name" content="{esc(ctx.org)}">{extra}
<link rel="stylesheet" href="/static/css/app.3f9a1c.css"></head>
<body class="page"><header class="site-header"><div class="site-header__brand"><a href="{ctx.base}/">{esc(ctx.org)}</a><span>{esc(ctx.okrug)}</span></div>
<nav class="nav">{nav}</nav><button class="burger" aria-label="Меню"></button></header>
<main class="main">
"""


def _crumbs(ctx: SiteCtx, last: str | None) -> str:
    tail = f' <li><span>{esc(last)}</span></li>' if last else ""
    return (f'<ol class="breadcrumbs" itemscope itemtype="https://schema.org/BreadcrumbList"><li><a href="{ctx.base}/">Главная</a></li> '
            f'<li><a href="{ctx.base}/presscenter/">Пресс-центр</a></li> <li><a href="{ctx.base}/presscenter/news/">Новости</a></li>{tail}</ol>')


def _foot(ctx: SiteCtx) -> str:
    return f"""</main><footer class="site-footer"><div class="site-footer__contacts">{esc(ctx.org)} · Телефон справочной: +7 (495) 777-77-77</div>
<div class="site-footer__social"><a href="https://vk.com/">ВКонтакте</a> <a href="https://t.me/">Telegram</a></div>
<div class="site-footer__copy">© 2026 {esc(ctx.org)}. При использовании материалов ссылка на сайт обязательна.</div></footer>
<script src="/static/js/app.8d21e0.js" defer></script></body></html>
"""


def render_list(ctx: SiteCtx, items: list[Item], page: int, n_pages: int, list_base: str) -> str:
    """List page HTML (str)."""
    cards = []
    for it in items:
        lead = esc(it.paragraphs[0][:160] + "…") if it.paragraphs else ""
        img = f'<img class="card__img" src="{ctx.base}{it.image}" alt="" loading="lazy">' if it.image else ""
        cards.append(f'<div class="news-card">{img}<div class="news-card__body"><span class="news-card__tag">{esc(it.rubric)}</span>'
                     f'<a class="news-card__title" href="{ctx.base}{it.path}">{esc(it.title)}</a>'
                     f'<p class="news-card__lead">{lead}</p>'
                     f'<time class="news-card__date" datetime="{it.published_at.isoformat()}">{ru_date(it.published_at)}</time></div></div>')
    pages = " ".join(f'<span class="pagination__item pagination__item--active">{n}</span>' if n == page else
                     f'<a class="pagination__item" href="{ctx.base}{pager_href(list_base, n)}">{n}</a>' for n in range(1, n_pages + 1))
    nxt = f' <a class="pagination__next" rel="next" href="{ctx.base}{pager_href(list_base, page + 1)}">Далее →</a>' if page < n_pages else ""
    prv = f'<a class="pagination__prev" rel="prev" href="{ctx.base}{pager_href(list_base, page - 1)}">← Назад</a> ' if page > 1 else ""
    return (_head(ctx, "Новости") + _crumbs(ctx, None) + '<h1 class="title">Новости</h1>\n<div class="news-grid">\n' + "\n".join(cards) +
            f'\n</div>\n<nav class="pagination">{prv}{pages}{nxt}</nav>\n' + _foot(ctx))


def render_detail(ctx: SiteCtx, it: Item, related: list[Item]) -> str:
    """Detail page HTML (str)."""
    url = ctx.base + it.path
    iso = it.published_at.isoformat()
    lead = it.paragraphs[0] if it.paragraphs else ""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": it.title, "datePublished": iso,
          "dateModified": iso, "mainEntityOfPage": url, "articleSection": it.rubric,
          "publisher": {"@type": "Organization", "name": ctx.org}}
    if it.image:
        ld["image"] = [ctx.base + it.image]
    extra = (f'\n<meta property="og:type" content="article"><meta property="og:title" content="{esc(it.title)}">'
             f'\n<meta property="og:url" content="{esc(url)}"><meta property="og:description" content="{esc(lead[:200])}">'
             + (f'\n<meta property="og:image" content="{esc(ctx.base + it.image)}">' if it.image else "")
             + f'\n<meta property="article:published_time" content="{iso}"><meta property="article:section" content="{esc(it.rubric)}">'
             f'\n<link rel="canonical" href="{esc(url)}">'
             f'\n<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>')
    fig = f'<figure class="article__figure"><img src="{ctx.base}{it.image}" alt="{esc(it.title)}"><figcaption>Фото: пресс-служба</figcaption></figure>' if it.image else ""
    body = "\n".join(f"<p>{esc(p)}</p>" for p in it.paragraphs)
    share = "".join(f'<a class="share__btn" href="{esc(h)}" target="_blank">{esc(lbl)}</a>' for lbl, h in share_links(url))
    rel = "".join(f'<li class="related__item"><a href="{ctx.base}{r.path}">{esc(r.title)}</a> <time datetime="{r.published_at.isoformat()}">{ru_date(r.published_at)}</time></li>' for r in related)
    return (_head(ctx, it.title, extra) + _crumbs(ctx, it.title) +
            f'<article class="article"><h1 class="article__title">{esc(it.title)}</h1>\n'
            f'<div class="article__meta"><span class="article__tag">{esc(it.rubric)}</span> <time datetime="{iso}">{ru_date(it.published_at)}</time></div>\n'
            f'{fig}\n<div class="article__body">\n{body}\n</div>\n'
            f'<div class="share"><span>Поделиться</span>{share}</div>\n'
            f'<p class="article__address">Адрес страницы: {esc(url)}</p><p class="article__org">{esc(ctx.org)}</p></article>\n'
            f'<aside class="related"><h2>Читайте также</h2><ul>{rel}</ul></aside>\n' + _foot(ctx))
