from datetime import datetime

import pytest

import pagegen as g
from crawler.config import SelectorProfile
from crawler.parse import parse_list
from crawler.parse.ru import MOSCOW


def test_bitrix_list_and_pager():
    lp = parse_list(g.bitrix_list(page=1), "https://arbat.mos.ru/presscenter/news/")
    assert lp.layer == "profile:bitrix"
    assert len(lp.items) == 10
    first = lp.items[0]
    assert first.url == "https://arbat.mos.ru/presscenter/news/detail/9000.html"
    assert first.title.startswith(g.TITLES[0])
    assert first.published_at == datetime(2024, 3, 1, tzinfo=MOSCOW)
    assert first.lead == g.SENTENCES[0]
    assert all("/detail/" in i.url for i in lp.items)
    assert lp.next_url == "https://arbat.mos.ru/presscenter/news/?PAGEN_1=2"


def test_pager_never_goes_back():
    lp = parse_list(g.bitrix_list(page=3), "https://arbat.mos.ru/presscenter/news/?PAGEN_1=3")
    assert lp.next_url == "https://arbat.mos.ru/presscenter/news/?PAGEN_1=4"
    last = parse_list(g.bitrix_list(page=5, last=True), "https://arbat.mos.ru/presscenter/news/?PAGEN_1=5")
    assert last.next_url is None


def test_generic_list_unseen_family():
    lp = parse_list(g.generic_list(page_no=1), "https://x.example.ru/news/")
    assert lp.layer == "generic"
    assert [i.url for i in lp.items] == [f"https://x.example.ru/news/{500 - k}.html" for k in range(8)]
    assert all(i.title and i.published_at for i in lp.items)
    assert lp.items[1].published_at == datetime(2024, 2, 2, tzinfo=MOSCOW)
    assert lp.next_url == "https://x.example.ru/news/page/2/"


def test_rel_next_and_words():
    html = """<html><head><link rel="next" href="/presscenter/news/?page=2"></head><body>
    <ul><li><a href="/presscenter/news/detail/1.html">Первая новость района</a> 01.01.2024</li>
    <li><a href="/presscenter/news/detail/2.html">Вторая новость района</a> 02.01.2024</li></ul></body></html>"""
    lp = parse_list(html, "https://a.mos.ru/presscenter/news/")
    assert lp.next_url == "https://a.mos.ru/presscenter/news/?page=2"
    html2 = html.replace('<link rel="next" href="/presscenter/news/?page=2">', "").replace(
        "</ul>", '</ul><div><a href="/presscenter/news/?PAGEN_1=1">1</a> <a href="/presscenter/news/?PAGEN_1=3">Следующая</a></div>')
    assert parse_list(html2, "https://a.mos.ru/presscenter/news/?PAGEN_1=2").next_url == "https://a.mos.ru/presscenter/news/?PAGEN_1=3"


def test_custom_list_profile():
    html = g.generic_list()
    prof = SelectorProfile(list_item="div.w2", list_link="div.w3 a", list_date="div.w4", list_lead="div.w5")
    lp = parse_list(html, "https://x.example.ru/news/", prof, profile_name="x")
    assert lp.layer == "profile:x" and len(lp.items) == 8 and lp.items[0].lead == g.SENTENCES[0]


def test_empty_list_page():
    lp = parse_list("<html><body><p>Нет новостей</p></body></html>", "https://a.mos.ru/presscenter/news/")
    assert lp.items == () and lp.next_url is None


def test_resolve_profile():
    import pytest

    from crawler.errors import ConfigError
    from crawler.parse.profiles import BUILTIN_PROFILES, resolve_profile

    assert resolve_profile(None, None) == (None, None)
    assert resolve_profile("bitrix", None) == ("bitrix", BUILTIN_PROFILES["bitrix"])
    label, prof = resolve_profile("bitrix", SelectorProfile(body="div.text", drop=[".ad"]))
    assert label == "bitrix+inline" and prof.body == "div.text" and prof.title == BUILTIN_PROFILES["bitrix"].title
    assert prof.drop[-1] == ".ad" and len(prof.drop) == len(BUILTIN_PROFILES["bitrix"].drop) + 1
    custom = {"zhil": SelectorProfile(title="h2.t")}
    assert resolve_profile("zhil", None, custom)[1].title == "h2.t"
    assert resolve_profile(None, SelectorProfile(title="h3"))[0] == "inline"
    with pytest.raises(ConfigError):
        resolve_profile("nope", None, custom)


def test_card_links_wrapping_title_lead_date():
    cards = "".join(
        f'<a class="card" href="/news/{2024}/0{i}/novost-nomer-{i}-o-rajone/"><h3>Заголовок новости номер {i}</h3>'
        f'<p>{g.SENTENCES[i]}</p><span>0{i}.05.2024</span></a>' for i in range(1, 5))
    lp = parse_list(f"<html><body><section class=feed>{cards}</section></body></html>", "https://a.example.ru/news/")
    assert [i.title for i in lp.items] == [f"Заголовок новости номер {i}" for i in range(1, 5)]
    assert lp.items[0].published_at == datetime(2024, 5, 1, tzinfo=MOSCOW)
    assert lp.items[0].lead == g.SENTENCES[1]


# --- issue 14: the pager names the script -----------------------------------------------------

def _bitrix_with_pager(hrefs: list[str]) -> str:
    """A Bitrix list page whose pager holds exactly ``hrefs`` (numbered 2, 3, …)."""
    import re

    pager = '<div class="modern-page-navigation"><b>1</b> ' + " ".join(f'<a href="{h}">{k}</a>' for k, h in enumerate(hrefs, 2)) + "</div>"
    return re.sub(r'<div class="modern-page-navigation">.*?</div>', pager, g.bitrix_list(), flags=re.S)


@pytest.mark.parametrize("base, hrefs, want", [
    ("https://arbat.mos.ru/presscenter/news/", ["/presscenter/news/index.php?PAGEN_1=2", "/presscenter/news/index.php?PAGEN_1=3"],
     "https://arbat.mos.ru/presscenter/news/index.php?PAGEN_1=2"),
    ("https://arbat.mos.ru/presscenter/news/index.php", ["/presscenter/news/?PAGEN_1=2"], "https://arbat.mos.ru/presscenter/news/?PAGEN_1=2"),
    ("https://arbat.mos.ru/presscenter/news", ["https://arbat.mos.ru/presscenter/news/?PAGEN_1=2"], "https://arbat.mos.ru/presscenter/news/?PAGEN_1=2"),
    ("https://arbat.mos.ru/presscenter/news/?SECTION=5", ["index.php?PAGEN_1=2&SECTION=5"], "https://arbat.mos.ru/presscenter/news/index.php?PAGEN_1=2&SECTION=5"),
    ("https://arbat.mos.ru/presscenter/news/index.php?PAGEN_1=2", ["/presscenter/news/?PAGEN_1=2", "/presscenter/news/index.php?PAGEN_1=3"],
     "https://arbat.mos.ru/presscenter/news/index.php?PAGEN_1=3"),
])
def test_pager_naming_the_script_is_the_same_list(base, hrefs, want):
    lp = parse_list(_bitrix_with_pager(hrefs), base)
    assert lp.next_url == want


def test_pager_of_another_list_is_not_followed():
    lp = parse_list(_bitrix_with_pager(["/presscenter/anons/index.php?PAGEN_1=2"]), "https://arbat.mos.ru/presscenter/news/")
    assert lp.next_url is None


def test_list_id_forms():
    from crawler.parse.pager import list_id

    ids = {list_id(u) for u in ("https://arbat.mos.ru/presscenter/news/", "https://arbat.mos.ru/presscenter/news",
                                 "https://www.arbat.mos.ru/presscenter/news/index.php", "https://arbat.mos.ru:443/presscenter/news/?PAGEN_1=4",
                                 "https://arbat.mos.ru/presscenter/news/page/3/")}
    assert len(ids) == 1
    assert list_id("https://a.ru/news/?b=1&a=2") == list_id("https://a.ru/news/index.php?a=2&b=1&PAGEN_2=5")
    assert list_id("https://a.ru/news/?a=1") != list_id("https://a.ru/news/?a=2")
