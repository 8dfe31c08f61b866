"""Hand-written pages of markup families the parser has no profile for."""

from datetime import datetime
from pathlib import Path

import pytest

from crawler.parse import decode_html, parse_article, parse_list, probe_layers
from crawler.parse.ru import MOSCOW

FIX = Path(__file__).parent / "fixtures"
FURNITURE = ["Главная", "Пресс-центр →", "Поделиться", "Адрес страницы", "Версия для печати", "©", "Просмотров",
             "Другие новости", "Новости по теме", "Последние новости", "Категория", "Опубликовано", "Фото:",
             "Управа района", "Контакты", "ВКонтакте", "Опрос"]


def _clean(text):
    for w in FURNITURE:
        assert w not in text, w


def test_joomla_like():
    a = parse_article((FIX / "unseen_joomla.html").read_text("utf-8"), "https://lesnoe.example.ru/press/novosti/1198-remont")
    assert a.title == "Капитальный ремонт в домах на Лесной улице идёт по графику"
    assert a.published_at == datetime(2023, 4, 12, tzinfo=MOSCOW)
    paras = a.text.split("\n\n")
    assert len(paras) == 4 and paras[0].startswith("Специалисты фонда") and paras[-1].startswith("Напомним")
    _clean(a.text)
    assert a.lead == ""  # the meta description is the site's, not the article's


def test_br_text_divsoup():
    a = parse_article((FIX / "unseen_brtext.html").read_text("utf-8"), "https://sosnovka.example.ru/news/detail/5530.html")
    assert a.title == "Волонтёры района собрали подарки для воспитанников социального центра"
    assert a.published_at == datetime(2023, 12, 18, 15, 40, tzinfo=MOSCOW)
    paras = a.text.split("\n\n")
    assert len(paras) == 3 and paras[2].startswith("Вручение подарков состоится")
    _clean(a.text)
    assert all("yandex" not in u for u in a.images)


def test_mosru_like_with_mega_menu():
    a = parse_article((FIX / "mosru_like_detail.html").read_text("utf-8"),
                      "https://cheremushki.mos.ru/presscenter/news/detail/8934877.html?utm_source=tg")
    assert a.url == "https://cheremushki.mos.ru/presscenter/news/detail/8934877.html"
    assert a.title == "В сквере на улице Гарибальди появились новые фонари и скамейки"  # og:title is the site name
    assert a.published_at == datetime(2020, 6, 5, 13, 4, tzinfo=MOSCOW)
    assert len(a.text.split("\n\n")) == 4
    _clean(a.text)
    assert a.images[0] == ("https://cheremushki.mos.ru/upload/medialibrary/3f1/"
                           "%D1%81%D0%BA%D0%B2%D0%B5%D1%80%20%D0%BB%D0%B5%D1%82%D0%BE%D0%BC.jpg")
    assert "https://cheremushki.mos.ru/upload/medialibrary/3f1/%D1%81%D0%BA%D0%B2%D0%B5%D1%80.jpg" in a.images
    assert a.tags == ("Благоустройство",)


@pytest.mark.parametrize("header", ["text/html; charset=UTF-8", "text/html", None])
def test_table_cp1251_file(header):
    text, enc = decode_html((FIX / "table_cp1251.html").read_bytes(), header)
    assert enc == "cp1251"
    a = parse_article(text, "http://uao.example.ru/news/detail/123.html")
    assert a.title == "В Нагатинском затоне откроют лыжную трассу"
    assert a.published_at == datetime(2009, 1, 15, tzinfo=MOSCOW)
    paras = a.text.split("\n\n")
    assert len(paras) == 3 and paras[0].startswith("В ближайшие выходные")
    _clean(a.text)


def test_probe_on_fixture_shows_layers():
    rep = probe_layers((FIX / "mosru_like_detail.html").read_text("utf-8"), "https://cheremushki.mos.ru/x.html")
    assert rep["profile:bitrix"]["body_chars"] == 0
    assert rep["metadata"]["title"] == ""
    assert rep["generic"]["paragraphs"] == 4


def test_list_dl_dt_dd():
    lp = parse_list((FIX / "list_dl.html").read_text("utf-8"), "https://a.mos.ru/presscenter/news/")
    assert lp.layer == "generic"
    assert [i.url.rsplit("/", 1)[1] for i in lp.items] == ["13000123.html", "13000101.html", "13000088.html", "13000042.html"]
    assert lp.items[0].published_at == datetime(2024, 4, 5, tzinfo=MOSCOW)
    assert lp.next_url == "https://a.mos.ru/presscenter/news/?page=2"


def test_bitrix_default_news_detail_template():
    """bitrix:news.detail .default: text straight in div.news-detail with <br>, date span, h3 headline."""
    a = parse_article((FIX / "bitrix_default_detail.html").read_text("utf-8"),
                      "https://marfino.mos.ru/presscenter/news/detail/9500003.html")
    assert a.title == "В районе Марфино откроется новый центр досуга"
    assert a.published_at == datetime(2021, 9, 3, tzinfo=MOSCOW)
    paras = a.text.split("\n\n")
    assert len(paras) == 3 and paras[0].startswith("В сентябре") and paras[2].startswith("Открытие центра")
    assert "Новости" not in a.text and "Возврат" not in a.text
    assert a.images == ("https://marfino.mos.ru/upload/iblock/5d2/%D1%86%D0%B5%D0%BD%D1%82%D1%80.jpg",)


def test_bitrix_default_news_list_template():
    lp = parse_list((FIX / "bitrix_default_list.html").read_text("utf-8"), "https://marfino.mos.ru/presscenter/news/")
    assert lp.layer == "generic"
    assert [i.url for i in lp.items] == [f"https://marfino.mos.ru/presscenter/news/detail/{n}.html"
                                         for n in (9500003, 9499950, 9499901)]
    assert lp.items[1].title == "Жители обсудили ремонт подъездов"
    assert lp.items[1].published_at == datetime(2021, 9, 2, tzinfo=MOSCOW)
    assert lp.items[1].lead == "На встрече с главой управы обсудили график ремонта подъездов."
    assert lp.next_url == "https://marfino.mos.ru/presscenter/news/?PAGEN_1=2"
    later = parse_list((FIX / "bitrix_default_list.html").read_text("utf-8"),
                       "https://marfino.mos.ru/presscenter/news/?PAGEN_1=104")
    assert later.next_url is None
