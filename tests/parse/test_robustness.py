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


def test_lead_in_its_own_wrapper_is_part_of_body():
    rng = random.Random(9)
    lead = "Глава управы рассказал жителям о планах на год: ремонт дворов, новые спортивные площадки и реконструкция библиотеки."
    paras = g.paragraphs(rng, 5)
    html = (f"<html><head><title>{g.TITLES[1]}</title></head><body><div class=m>"
            + "".join(f"<a href='/m{i}'>{m}</a>" for i, m in enumerate(g.MENU)) + "</div>"
            f"<div class=k9><h1>{g.TITLES[1]}</h1><div class=z1>{lead}</div><div class=z2>"
            + "".join(f"<p>{p}</p>" for p in paras) + "</div></div>"
            "<div class=q7><p>Район расположен на юге города, здесь живут более ста тысяч человек и работают сорок школ.</p></div>"
            "</body></html>")
    a = parse_article(html, URL)
    assert a.text == "\n\n".join([lead] + paras)


def test_one_sentence_reprint_is_an_article():
    html = g.modern_article(g.TITLES[5], "2024-02-02T09:00:00+03:00", ["На спортивной площадке заменили покрытие."])
    a = parse_article(html, URL)
    assert a.text == "На спортивной площадке заменили покрытие."


def test_doc_title_keeps_inner_dash():
    from crawler.parse.generic import clean_doc_title

    assert clean_doc_title("Управа района Ясенево :: Новости :: Кросс нации — 2026: итоги") == "Кросс нации — 2026: итоги"
    assert clean_doc_title("Ремонт кровли завершён - Управа района Лесное") == "Ремонт кровли завершён"
    assert clean_doc_title("Кросс нации - 2026") == "Кросс нации - 2026"
    title = "Кросс нации — 2026: рекорд по числу участников"
    paras = g.paragraphs(random.Random(2), 3)
    html = g.table1251_article(title, "21.09.2026", paras).replace(
        f"Управа района Южнопортовый :: Новости :: {title}", f"Управа района Ясенево :: Новости :: {title}")
    a = parse_article(html, URL)
    assert a.title == title and a.text == "\n\n".join(paras)
