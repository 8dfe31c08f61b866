import random

import pytest

import pagegen as g
from crawler.errors import ParseError
from crawler.parse import decode_html, parse_article, parse_list

URL = "https://arbat.mos.ru/presscenter/news/detail/77.html"


def test_utf8_page_labelled_cp1251():
    html = "<html><head><meta charset=windows-1251></head><body><p>Жители района обсудили ремонт</p></body></html>"
    text, enc = decode_html(html.encode("utf-8"), "text/html; charset=windows-1251")
    assert enc == "utf-8" and "Жители" in text


def test_override_wins():
    raw = "<p>Текст новости</p>".encode("cp1251")
    assert decode_html(raw, "text/html; charset=utf-8", override="windows-1251") == ("<p>Текст новости</p>", "cp1251")


def test_deeply_nested_unclosed_tags_do_not_crash():
    paras = g.paragraphs(random.Random(3), 3)
    html = "<html><head><title>Итоги недели в районе</title></head><body><h1>Итоги недели в районе</h1>" + "<font><div>" * 1500 + "".join(
        f"<p>{p}" for p in paras)
    a = parse_article(html, URL)
    assert a.title == "Итоги недели в районе" and paras[0] in a.text


@pytest.mark.parametrize("cut", [200, 900, 2500])
def test_truncated_anywhere_is_article_or_parse_error(cut):
    html = g.modern_article(g.TITLES[0], "2024-01-01T10:00:00+03:00", g.paragraphs(random.Random(4), 6))
    try:
        a = parse_article(html[:cut], URL)
    except ParseError:
        return
    assert a.title and a.text


def test_list_page_is_not_an_article():
    with pytest.raises(ParseError):
        parse_article(g.bitrix_list(), "https://arbat.mos.ru/presscenter/news/")


def test_related_block_above_text_is_skipped():
    paras = g.paragraphs(random.Random(5), 3)
    html = (f"<html><body><h1>{g.TITLES[2]}</h1><div class=x><p>Читайте также</p>"
            f"<p><a href='/presscenter/news/detail/1.html'>{g.RELATED[1]}</a></p>"
            + "".join(f"<p>{p}</p>" for p in paras) + "</div></body></html>")
    a = parse_article(html, URL)
    assert a.text == "\n\n".join(paras)


def test_read_more_links_are_not_a_pager():
    items = "".join(
        f'<div class="n"><a href="/news/{i}/">Новость номер {i} о жизни района</a> 0{i}.02.2024 '
        f'<a href="/news/{i}/">Далее</a></div>' for i in range(1, 6))
    lp = parse_list(f"<html><body><div class=l>{items}</div></body></html>", "https://a.example.ru/news/")
    assert lp.next_url is None
    assert len(lp.items) == 5 and lp.items[0].title == "Новость номер 1 о жизни района"


def test_list_prefers_main_list_over_sidebar():
    html = g.bitrix_list().replace('class="newslist"', 'class="items"')  # defeat the profile
    lp = parse_list(html, "https://arbat.mos.ru/presscenter/news/")
    assert lp.layer == "generic" and len(lp.items) == 10
    assert not any(it.title in g.RELATED for it in lp.items)


def test_bitrix_list_next_not_previous():
    lp = parse_list(g.bitrix_list(page=2), "https://arbat.mos.ru/presscenter/news/?PAGEN_1=2")
    assert lp.next_url.endswith("PAGEN_1=3")
