import random
from datetime import datetime, timedelta

import pytest

import pagegen as g
from crawler.config import SelectorProfile
from crawler.errors import ParseError
from crawler.parse import BUILTIN_PROFILES, decode_html, parse_article, probe_layers
from crawler.parse.ru import MOSCOW

URL = "https://arbat.mos.ru/presscenter/news/detail/1607651.html?utm_source=rss#x"
CHROME_WORDS = ["Главная", "Поделиться", "Адрес страницы", "Версия для печати", "©", "Copyright", "Другие новости",
                "Читайте также", "Просмотров", "Управа района", "Telegram", "ВКонтакте", RELATED0 := g.RELATED[0], "Контакты"]


def _paras(seed=1, n=5):
    return g.paragraphs(random.Random(seed), n)


def _no_chrome(text):
    for w in CHROME_WORDS:
        assert w not in text, w


def test_bitrix_family():
    paras = _paras()
    a = parse_article(g.bitrix_article(g.TITLES[0], "24.02.2015 12:30", paras, img="/upload/medialibrary/a1/Фото.jpg"), URL)
    assert a.url == "https://arbat.mos.ru/presscenter/news/detail/1607651.html"
    assert a.title == g.TITLES[0]
    assert a.published_at == datetime(2015, 2, 24, 12, 30, tzinfo=MOSCOW)
    assert a.text == "\n\n".join(paras)
    assert a.images == ("https://arbat.mos.ru/upload/medialibrary/a1/%D0%A4%D0%BE%D1%82%D0%BE.jpg",)
    assert a.tags == ("Благоустройство",)
    assert a.layers["title"] == a.layers["text"] == a.layers["published_at"] == "profile:bitrix"


def test_modern_family_metadata():
    paras = _paras(2)
    a = parse_article(g.modern_article(g.TITLES[3], "2024-03-05T13:04:00+03:00", paras), URL)
    assert a.title == g.TITLES[3]
    assert a.published_at == datetime(2024, 3, 5, 13, 4, tzinfo=MOSCOW)
    assert a.published_at.utcoffset() == timedelta(hours=3)
    assert a.text == "\n\n".join(paras)
    _no_chrome(a.text)
    assert a.lead.startswith(paras[0][:50])
    assert a.layers["title"] == "metadata" and a.layers["text"] == "generic"
    assert a.images[0].endswith("/upload/iblock/c3/%D0%B3%D0%BB%D0%B0%D0%B2%D0%BD%D1%8B%D0%B9%20%D1%84%D0%BE%D1%82%D0%BE.jpg")
    assert "https://arbat.mos.ru/upload/medialibrary/b2/%D0%B4%D0%B2%D0%BE%D1%80.jpg" in a.images
    assert a.tags == ("Здравоохранение",)


def test_table_cp1251_family():
    paras = _paras(3, 6)
    raw = g.table1251_article(g.TITLES[2], "24 февраля 2015 г.", paras).encode("cp1251")
    html, enc = decode_html(raw, "text/html; charset=utf-8")
    assert enc == "cp1251"
    a = parse_article(html, "http://uzhnoport.example.ru/news/detail/1.html")
    assert a.title == g.TITLES[2]
    assert a.published_at == datetime(2015, 2, 24, tzinfo=MOSCOW)
    assert a.text == "\n\n".join(paras)
    _no_chrome(a.text)


@pytest.mark.parametrize("family", [g.divsoup_article, g.contenttext_article])
def test_unseen_families(family):
    paras = _paras(4, 5)
    a = parse_article(family(g.TITLES[4], "12 марта 2024 года в 10:15", paras), URL)
    assert a.title == g.TITLES[4]
    assert a.published_at == datetime(2024, 3, 12, 10, 15, tzinfo=MOSCOW)
    for p in paras:
        assert p in a.text
    _no_chrome(a.text)
    assert "Фото:" not in a.text
    assert a.layers["text"] == "generic"


def test_contenttext_keeps_list_items():
    a = parse_article(g.contenttext_article(g.TITLES[4], "07.05.2024", _paras(5, 3)), URL)
    assert "ремонт детских площадок;" in a.text.split("\n\n")


def test_configured_profile_wins():
    paras = _paras(6, 3)
    html = g.divsoup_article(g.TITLES[5], "01.04.2024", paras)
    prof = SelectorProfile(title="div.t0", date="div.d2", body="div.x2")
    a = parse_article(html, URL, prof, profile_name="zyuzino")
    assert a.layers["title"] == a.layers["text"] == a.layers["published_at"] == "profile:zyuzino"
    assert a.text == "\n\n".join(paras)


def test_bad_profile_selector_falls_through():
    paras = _paras(7, 3)
    a = parse_article(g.divsoup_article(g.TITLES[5], "01.04.2024", paras), URL, SelectorProfile(body="div[[[", title=":::"))
    assert a.title == g.TITLES[5] and a.layers["text"] == "generic"


def test_jsonld_article_body_and_graph():
    html = """<html><head><script type="application/ld+json">{"@graph":[{"@type":"Organization","name":"x"},
    {"@type":"NewsArticle","headline":"Открыт новый каток","datePublished":"2023-12-01T09:00:00+03:00",
    "articleBody":"Каток площадью тысяча квадратных метров открылся в парке.\\nВход свободный, прокат коньков работает ежедневно."}]}</script>
    </head><body><div>меню</div></body></html>"""
    a = parse_article(html, URL)
    assert a.title == "Открыт новый каток"
    assert a.text.split("\n\n")[1].startswith("Вход свободный")
    assert a.layers["text"] == "metadata"


def test_malformed_truncated_still_parses():
    paras = _paras(8, 5)
    html = g.bitrix_article(g.TITLES[1], "01.02.2024", paras)
    cut = html[: html.index("<p>" + paras[3]) + 40]
    a = parse_article(cut + "<p><b>незакрытый <i>тег", URL)
    assert a.title == g.TITLES[1] and paras[0] in a.text


@pytest.mark.parametrize(
    "html",
    ["<html><head><title></title></head><body></body></html>", "\x00\x01garbage<<<>>>", "<html><body><h1>Заголовок</h1>",
     "<div><a href='/a'>ссылка</a><a href='/b'>ещё</a></div>"],
)
def test_garbage_raises_parse_error(html):
    with pytest.raises(ParseError):
        parse_article(html, URL)


def test_empty_raises():
    with pytest.raises(ParseError):
        parse_article("", URL)


def test_probe_reports_each_layer():
    rep = probe_layers(g.bitrix_article(g.TITLES[0], "24.02.2015", _paras()), URL)
    assert set(rep) == {"profile:bitrix", "metadata", "generic"}
    assert rep["profile:bitrix"]["title"] == g.TITLES[0]
    assert rep["generic"]["body_chars"] > 500
    assert rep["profile:bitrix"]["published_at"].startswith("2015-02-24")


def test_builtin_profiles():
    assert "bitrix" in BUILTIN_PROFILES and BUILTIN_PROFILES["bitrix"].list_item == "ul.newslist > li"
