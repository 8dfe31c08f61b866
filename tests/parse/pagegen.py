"""Synthetic press-centre pages in several markup families (texts written for these tests).

Used by the tests and by ``bench/parse_bench.py``.  Every family wraps the article in heavy
chrome: menus, breadcrumbs, share buttons, related news, «Адрес страницы:», the uprava's name,
copyright and counters.
"""

from __future__ import annotations

import random

TITLES = [
    "В районе завершили благоустройство сквера на Парковой улице",
    "Жителей приглашают на встречу с главой управы",
    "Во дворах района высадят более двухсот кустарников",
    "Поликлиника на Садовой улице откроется после капитального ремонта",
    "Школьники района победили в городской олимпиаде по информатике",
    "На спортивной площадке у дома 12 заменили покрытие",
]

SENTENCES = [
    "Работы провели в рамках городской программы по комплексному благоустройству дворовых территорий.",
    "Подрядчик заменил асфальтовое покрытие пешеходных дорожек и установил новые скамейки вдоль аллеи.",
    "По словам главы управы, пожелания жителей учитывались на каждом этапе проектирования.",
    "Всего в этом году планируется привести в порядок ещё четырнадцать дворов на территории района.",
    "Для детей появилась игровая площадка с мягким покрытием, качелями и песочницей.",
    "Жители смогут оценить результаты работ на портале «Наш город» и оставить свои замечания.",
    "Кроме того, специалисты обновили наружное освещение и установили дополнительные урны.",
    "В управе напомнили, что вопросы о ходе работ можно задать на ежемесячной встрече с населением.",
    "Ёмкости для раздельного сбора отходов разместили на новых контейнерных площадках.",
    "Встреча пройдёт в актовом зале школы № 1234 по адресу: ул. Садовая, д. 5, начало в 19:00.",
    "Участники обсудят вопросы содержания дворов, работы общественного транспорта и ремонта подъездов.",
    "Ранее в районе уже открылись два новых спортивных комплекса и детская библиотека.",
]

MENU = ["Главная", "Об управе", "Пресс-центр", "Новости", "Объявления", "Документы", "Обращения граждан",
        "Контакты", "Муниципальные услуги", "Противодействие коррупции", "Карта района", "Фотогалерея"]
RELATED = ["Ярмарка выходного дня откроется в субботу", "Подведены итоги конкурса на лучший балкон",
           "В парке пройдёт праздник для всей семьи", "Управа проверила готовность дворов к зиме"]

MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
          "октября", "ноября", "декабря"]


def paragraphs(rng: random.Random, n: int, per: int = 4) -> list[str]:
    """``n`` paragraphs of ``per`` sentences each, drawn from :data:`SENTENCES`."""
    return [" ".join(rng.choice(SENTENCES) for _ in range(per)) for _ in range(n)]


def _menu(cls: str, host: str) -> str:
    return f'<ul class="{cls}">' + "".join(f'<li><a href="https://{host}/m/{i}/">{m}</a></li>' for i, m in enumerate(MENU)) + "</ul>"


def _related(host: str, wrap_cls: str = "other-news") -> str:
    items = "".join(
        f'<li><a href="/presscenter/news/detail/{1000 + i}.html">{t}</a> <span class="date">0{i + 1}.03.2024</span></li>'
        for i, t in enumerate(RELATED)
    )
    return f'<div class="{wrap_cls}"><h3>Другие новости</h3><ul>{items}</ul></div>'


def bitrix_article(title: str, date: str, paras: list[str], host: str = "arbat.mos.ru", img: str | None = None) -> str:
    """Family 1: the Bitrix ``primary_content`` template."""
    body = "".join(f"<p>{p}</p>" for p in paras)
    pic = f'<img src="{img}" alt="">' if img else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} | Управа района Арбат</title>
<script>var dataLayer=[];</script><style>.x{{color:red}}</style></head><body>
<div class="header"><a href="/" class="logo">Управа района Арбат</a>{_menu('top-menu', host)}</div>
<div class="breadcrumbs"><a href="/">Главная</a> → <a href="/presscenter/">Пресс-центр</a> → <a href="/presscenter/news/">Новости</a></div>
<div class="wrapper"><div class="left-col">{_menu('left-menu', host)}</div>
<div class="primary_content"><h1>{title}</h1>
<div class="b-text-content"><div class="news_date">{date}</div>
<article>{pic}{body}
<div class="b-share">Поделиться: <a href="#">ВКонтакте</a> <a href="#">Одноклассники</a></div>
<p class="print"><a href="?print=Y">Версия для печати</a></p></article>
<a class="rubr" href="/presscenter/news/blago/">Благоустройство</a>
</div>
<p>Адрес страницы: https://{host}/presscenter/news/detail/1607651.html</p>
<p>Управа района Арбат</p></div>
<div class="right-col">{_related(host)}</div></div>
<div class="footer">{_menu('bottom-menu', host)}<p>© 2024 Управа района Арбат города Москвы</p><div class="counter">Просмотров: 152</div></div>
</body></html>"""


def modern_article(title: str, iso: str, paras: list[str], host: str = "tverupr.example.ru") -> str:
    """Family 2: og:/JSON-LD metadata and semantic tags, with a sidebar ``<time>`` before the article."""
    body = "".join(f"<p>{p}</p>" for p in paras)
    ld = ('{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Управа"},'
          f'{{"@type":"NewsArticle","headline":"{title}","datePublished":"{iso}",'
          '"image":["https://' + host + '/upload/iblock/a1/фото.jpg"],"articleSection":"Здравоохранение"}]}')
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8">
<title>{title} — Управа Тверского района</title>
<meta property="og:title" content="{title}"><meta property="og:description" content="{paras[0][:150]}">
<meta property="og:image" content="/upload/medialibrary/b2/%D0%B4%D0%B2%D0%BE%D1%80.jpg">
<meta property="article:published_time" content="{iso}">
<script type="application/ld+json">{ld}</script></head><body>
<header class="site-header"><nav>{_menu('nav', host)}</nav></header>
<main><ol class="crumbs"><li><a href="/">Главная</a></li><li><a href="/presscenter/">Пресс-центр</a></li><li><a href="/presscenter/news/">Новости</a></li></ol>
<aside class="col"><h3>Популярное</h3><article class="teaser"><time datetime="2020-01-01T10:00:00+03:00">1 января 2020</time><a href="/n/1">{RELATED[0]}</a></article></aside>
<article class="post"><h1>{title}</h1><time datetime="{iso}">сегодня</time>
<figure><img src="/upload/iblock/c3/главный фото.jpg" width="800"><figcaption>Фото: пресс-служба управы</figcaption></figure>
{body}
<div class="social-buttons"><a href="#">Telegram</a><a href="#">VK</a></div>
<section class="related"><h2>Читайте также</h2><ul>{''.join(f'<li><a href="/n/{i}">{t}</a></li>' for i, t in enumerate(RELATED))}</ul></section>
</article></main>
<footer><p>© 2024 Управа Тверского района. Все права защищены.</p></footer></body></html>"""


def table1251_article(title: str, date: str, paras: list[str]) -> str:
    """Family 3: old table layout with ``<font>``, ``<td>`` and ``<br>`` paragraphs (encode as cp1251)."""
    body = "<br><br>\n".join(f"&nbsp;&nbsp;&nbsp;{p}" for p in paras)
    menu = "".join(f'<tr><td><a href="/m{i}.html"><font size="2">{m}</font></a></td></tr>' for i, m in enumerate(MENU))
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>Управа района Южнопортовый :: Новости :: {title}</title></head>
<body bgcolor="#ffffff"><table width="100%" border=0><tr><td colspan=2><img src="/img/logo.gif" width=300 height=80></td></tr>
<tr><td width=200 valign=top><table>{menu}</table></td>
<td valign=top><font face="Arial" size=2><a href="/">Главная</a> &gt; <a href="/news/">Новости</a></font><br>
<font size=4><b>{title}</b></font><br><font color="#888888" size=1>{date}</font><br><br>
<font face="Arial" size=2>{body}</font><br><br>
<font size=1>Адрес страницы: http://uzhnoport.example.ru/news/detail/1607651.html</font><br>
<a href="/">Управа Южнопортового района</a>
</td></tr><tr><td colspan=2 align=center><font size=1>Copyright © 2008-2015 Управа района. Все права защищены</font></td></tr></table></body></html>"""


def divsoup_article(title: str, date: str, paras: list[str]) -> str:
    """Family 4a ("unseen"): div soup with random class names and no semantic tags."""
    body = "".join(f'<div class="q7x">{p}</div>' for p in paras)
    links = "".join(f'<div class="k1"><a href="/zz/{i}">{m}</a></div>' for i, m in enumerate(MENU))
    rel = "".join(f'<div class="k3"><a href="/d/{i}.html">{t}</a><div class="k4">12.03.2024</div></div>' for i, t in enumerate(RELATED))
    return f"""<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="a9"><div class="b3">{links}</div><div class="b4"><span>Главная</span> / <span>Пресс-центр</span> / <span>Новости</span></div>
<div class="c5"><div class="c6"><div class="t0">{title}</div><div class="d2">Опубликовано {date}</div>
<div class="x1"><div class="x2">{body}</div></div>
<div class="s9"><a href="https://vk.com/share">Поделиться ВКонтакте</a> <a href="https://t.me/share">Telegram</a></div></div>
<div class="r2"><div class="r3">Новости по теме</div>{rel}</div></div>
<div class="f1">Адрес страницы: https://z.example.ru/page/1/<br>Управа района Зюзино<br>© 2024 Все права защищены</div></div></body></html>"""


def contenttext_article(title: str, date: str, paras: list[str]) -> str:
    """Family 4b ("unseen"): no ``<article>``, text in ``div.content-text`` with ``<p>`` and a list."""
    body = "".join(f"<p>{p}</p>" for p in paras[:-1]) + "<ul><li>посадка деревьев и кустарников;</li><li>ремонт детских площадок;</li></ul>" + f"<p>{paras[-1]}</p>"
    return f"""<html><head><meta charset="utf-8"><title>Новости - {title}</title></head><body>
<div id="top"><div class="topmenu">{''.join(f'<a href="/t/{i}">{m}</a> | ' for i, m in enumerate(MENU))}</div></div>
<div id="page"><div class="path"><a href="/">Главная</a> » <a href="/press/">Пресс-центр</a> » Новости</div>
<div class="col-main"><h2 class="news-title">{title}</h2><span class="when">{date}</span>
<div class="content-text">{body}<p>Фото: управа района</p></div>
<div class="pr"><a href="?print">Версия для печати</a></div>
<div class="pages-links"><b>Смотрите также:</b><br>{''.join(f'<a href="/news/{i}.html">{t}</a><br>' for i, t in enumerate(RELATED))}</div>
</div><div class="col-right">{_related('x.example.ru', 'box')}</div></div>
<div id="down">Адрес страницы: http://x.example.ru/news/5.html<br>Управа района Северное Измайлово<br>Copyright 2024</div></body></html>"""


def bitrix_list(host: str = "arbat.mos.ru", page: int = 1, n: int = 10, last: bool = False) -> str:
    """Family 1 list: ``ul.newslist > li > p`` with ``strong > a``, ``a.rubr``, ``span.date`` and a Bitrix pager."""
    lis = []
    for i in range(n):
        nid = 9000 - (page - 1) * n - i
        lis.append(f'<li><p><strong><a href="/presscenter/news/detail/{nid}.html?utm_source=rss">{TITLES[i % len(TITLES)]} ({nid})</a></strong> '
                   f'<a class="rubr" href="/presscenter/news/blago/">Благоустройство</a> <span class="date">{(i % 27) + 1:02d}.03.2024</span><br>'
                   f'{SENTENCES[i % len(SENTENCES)]}</p></li>')
    prev = f'<a href="/presscenter/news/?PAGEN_1={page - 1}">Пред.</a> ' if page > 1 else ""
    nums = " ".join(f"<b>{k}</b>" if k == page else f'<a href="/presscenter/news/?PAGEN_1={k}">{k}</a>' for k in range(1, 6))
    nxt = "" if last else f'<a href="/presscenter/news/?PAGEN_1={page + 1}">След.</a>'
    return f"""<html><head><meta charset="utf-8"><title>Новости</title></head><body>
<div class="header">{_menu('top-menu', host)}</div><div class="primary_content"><h1>Новости</h1>
<ul class="newslist">{''.join(lis)}</ul>
<div class="modern-page-navigation">{prev}{nums} {nxt}</div></div>
<div class="sidebar">{_related(host)}</div><div class="footer">© 2024 Управа района</div></body></html>"""


def generic_list(page_no: int = 1, n: int = 8) -> str:
    """An "unseen" list: cards in divs with random classes, picture + title links, dates as text, ``/page/N/`` pager."""
    cards = []
    for i in range(n):
        nid = 500 - (page_no - 1) * n - i
        cards.append(f'<div class="w2"><a href="/news/{nid}.html"><img src="/i/{nid}.jpg"></a>'
                     f'<div class="w3"><a href="/news/{nid}.html">{TITLES[i % len(TITLES)]}</a></div>'
                     f'<div class="w4">{(i % 27) + 1} {MONTHS[i % 12]} 2024</div><div class="w5">{SENTENCES[i % len(SENTENCES)]}</div></div>')
    return f"""<html><body><div class="m1">{''.join(f'<a href="/s/{i}/">{m}</a>' for i, m in enumerate(MENU))}</div>
<div class="z0">{''.join(cards)}</div>
<div class="z9"><a href="/news/page/{page_no + 1}/">»</a></div>
<div class="z8"><div class="q"><a href="/news/1.html">Самое читаемое: {RELATED[0]}</a></div></div></body></html>"""
