"""Issue 11 (item 11): a one-sentence reprint is an article; issue 14: chrome lines at the top of
the article container are removed, never used as a place to cut the story."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import pagegen as g
from crawler.parse import parse_article
from crawler.sim.render import FAMILIES
from crawler.sim.render.common import Item, SiteCtx

URL = "https://arbat.mos.ru/presscenter/news/detail/77.html"
SENTENCES = ["Собянин открыл новую станцию метро «Аминьевская».", "Открыт сквер.",
             "В районе отремонтировали поликлинику на Садовой улице"]
CTX = SiteCtx("arbat", "Арбат", "ЦАО", "uprava", "https://arbat.mos.ru")
WHEN = datetime(2024, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def _item(text: str) -> Item:
    return Item("/presscenter/news/detail/77.html", "Мэр открыл движение на новом участке линии метро", WHEN, (text,),
                "Транспорт", None, "s")


RELATED = [Item(f"/presscenter/news/detail/{1000 + i}.html", t, WHEN, ("x",), "Транспорт", None, "s")
           for i, t in enumerate(g.RELATED)]


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("sentence", SENTENCES)
def test_one_sentence_article_in_every_sim_family(family, sentence):
    fam = FAMILIES[family]
    a = parse_article(fam.render_detail(CTX, _item(sentence), RELATED), URL)
    assert a.text == sentence
    assert a.title == "Мэр открыл движение на новом участке линии метро"


@pytest.mark.parametrize("make", [g.bitrix_article, g.divsoup_article, g.table1251_article, g.modern_article])
@pytest.mark.parametrize("sentence", SENTENCES)
def test_one_sentence_article_in_every_test_family(make, sentence):
    date = "2024-03-01T10:00:00+03:00" if make is g.modern_article else "01.03.2024"
    a = parse_article(make(g.TITLES[0], date, [sentence]), URL)
    assert a.text == sentence


CHROME_TOP = ["Мы используем файлы cookie, чтобы сайт работал лучше. Продолжая пользоваться сайтом, вы соглашаетесь с этим.",
              "Подписывайтесь на наш канал в Telegram, чтобы первыми узнавать новости района!",
              "Все новости", "Новые материалы"]


@pytest.mark.parametrize("n_paras", [1, 2, 5])
@pytest.mark.parametrize("wrap", ["p", "div"])
def test_chrome_lines_above_the_story_are_removed_not_a_cut(n_paras, wrap):
    import random

    paras = g.paragraphs(random.Random(n_paras), n_paras)
    chrome = "".join(f"<{wrap}>{c}</{wrap}>" for c in CHROME_TOP[:2]) + \
        f'<{wrap}><a href="/presscenter/news/">{CHROME_TOP[2]}</a></{wrap}><{wrap}>{CHROME_TOP[3]}</{wrap}>'
    html = (f"<html><head><title>{g.TITLES[3]}</title></head><body><div class=top><a href=/>Главная</a></div>"
            f"<h1>{g.TITLES[3]}</h1><div class=t7>{chrome}" + "".join(f"<{wrap}>{p}</{wrap}>" for p in paras)
            + "<p>Адрес страницы: https://arbat.mos.ru/presscenter/news/detail/77.html</p><p>Управа района Арбат</p></div></body></html>")
    a = parse_article(html, URL)
    assert a.text == "\n\n".join(paras)


def test_footer_marker_still_cuts_below_the_story():
    import random

    paras = g.paragraphs(random.Random(8), 3)
    html = (f"<html><body><h1>{g.TITLES[1]}</h1><div class=t7>" + "".join(f"<p>{p}</p>" for p in paras)
            + "<p>Читайте также</p><p>Ярмарка выходного дня откроется в субботу на площади у метро, рассказали в управе.</p>"
            "<p>Жители района выбрали проекты благоустройства на голосовании, итоги подведут в марте.</p></div></body></html>")
    assert parse_article(html, URL).text == "\n\n".join(paras)


def test_short_lead_then_read_also_insert_then_story_keeps_everything():
    import random

    paras = g.paragraphs(random.Random(4), 4)
    lead = "Глава управы провёл встречу с жителями."
    html = (f"<html><body><h1>{g.TITLES[1]}</h1><div class=t7><p>{lead}</p>"
            f"<p>Читайте также: <a href='/presscenter/news/detail/5.html'>{g.RELATED[0]}</a></p>"
            + "".join(f"<p>{p}</p>" for p in paras) + "</div></body></html>")
    assert parse_article(html, URL).text == "\n\n".join([lead] + paras)
