"""Issue 11, items 1–3: a bad item costs that item; deep nesting is refused in linear time and
memory; every pattern that sees page text is linear (no timed assertions: the hostile inputs
below took minutes or gigabytes before the fix; ``bench/fuzz_crawl.py`` prints the figures)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

import pagegen as g
from crawler.errors import HostilePageError, ParseError
from crawler.parse import canonical_url, parse_article, parse_list, parse_ru_datetime
from crawler.parse.limits import MAX_DEPTH, nesting_depth
from crawler.parse.urls import check_url, is_detail_like

BASE = "https://arbat.mos.ru/presscenter/news/"
URL = "https://arbat.mos.ru/presscenter/news/detail/77.html"
BAD_HREFS = {
    "port": "https://arbat.mos.ru:80a/presscenter/news/detail/9003.html",
    "port_range": "https://arbat.mos.ru:99999/presscenter/news/detail/9003.html",
    "negative_port": "https://arbat.mos.ru:-1/presscenter/news/detail/9003.html",
    "ipv6": "http://[::1/presscenter/news/detail/9003.html",
    "space_host": "http://arbat mos.ru/presscenter/news/detail/9003.html",
    "too_long": "/presscenter/news/" + "%D0%B0" * 2000 + "/9003.html",
}


@pytest.mark.parametrize("kind", sorted(BAD_HREFS))
@pytest.mark.parametrize("layer", ["bitrix", "generic"])
def test_a_bad_link_costs_that_item_only(kind, layer):
    html = g.bitrix_list().replace('"/presscenter/news/detail/8997.html?utm_source=rss"', f'"{BAD_HREFS[kind]}"')
    if layer == "generic":
        html = html.replace('class="newslist"', 'class="items"')
    lp = parse_list(html, BASE)
    urls = [i.url for i in lp.items]
    assert len(urls) == 9 and "https://arbat.mos.ru/presscenter/news/detail/8997.html" not in urls
    assert lp.layer == ("profile:bitrix" if layer == "bitrix" else "generic")
    assert lp.next_url and lp.next_url.endswith("PAGEN_1=2")
    assert [r for h, r in lp.rejected if h == BAD_HREFS[kind][:300] and r.startswith("bad URL")]


def test_canonical_url_never_raises_and_check_url_says_why():
    for href in BAD_HREFS.values():
        assert isinstance(canonical_url(href, BASE), str)
        url, why = check_url(href, BASE)
        assert url is None and why and why.startswith("bad URL")
    assert check_url("mailto:uprava@mos.ru", BASE) == (None, None)
    assert check_url("/presscenter/news/detail/1.html?utm_source=x", BASE) == ("https://arbat.mos.ru/presscenter/news/detail/1.html", None)


@pytest.mark.parametrize("text", ["2024-01-01T10:00:00+24:00", "2024-01-01T10:00:00-25:30", "2024-01-01T10:00:00+05:75",
                                  "31.02.2024", "29.02.2023 25:61", "0000-00-00"])
def test_impossible_dates_are_no_date(text):
    assert parse_ru_datetime(text) is None


def test_a_bad_date_keeps_the_item():
    html = g.bitrix_list().replace("<span class=\"date\">04.03.2024</span>", "<span class=\"date\">2024-03-04T10:00:00+24:00</span>")
    assert "+24:00" in html
    lp = parse_list(html, BASE)
    assert len(lp.items) == 10
    assert sum(1 for i in lp.items if i.published_at is None) == 1


def test_bad_offset_in_article_metadata_is_ignored():
    html = g.modern_article(g.TITLES[0], "2024-01-01T10:00:00+24:00", g.paragraphs(__import__("random").Random(1), 3))
    a = parse_article(html, URL)
    assert a.text and (a.published_at is None or a.published_at.year == 2020 or a.published_at.utcoffset() is not None)


def test_jsonld_nested_past_the_recursion_limit_is_ignored():
    html = g.bitrix_article(g.TITLES[0], "01.03.2024", ["Жители района обсудили ремонт дворов и благоустройство улиц."])
    html = html.replace("</head>", '<script type="application/ld+json">' + "[" * 50_000 + "]" * 50_000 + "</script></head>")
    assert parse_article(html, URL).text == "Жители района обсудили ремонт дворов и благоустройство улиц."


# --- item 2: nesting -----------------------------------------------------------------------

@pytest.mark.parametrize("tag", ["<div>", "<ul><li>", "<span>", "<table><tr><td>", "<font><div>"])
def test_nesting_past_the_cap_is_refused_as_malformed(tag):
    html = "<html><head><title>Итоги недели</title></head><body><h1>Итоги недели в районе</h1>" + tag * 30_000 + \
        "<p>Жители района обсудили ремонт дворов.</p>"
    with pytest.raises(HostilePageError) as e:
        parse_article(html, URL)
    assert e.value.reason == "depth" and URL in str(e.value)
    with pytest.raises(HostilePageError):
        parse_list(html, BASE)


@pytest.mark.parametrize("tag", ["<div>", "<span>", "<b>", "<ul><li>"])
def test_nesting_under_the_cap_still_parses(tag):
    depth = (MAX_DEPTH - 50) // tag.count("<")
    text = "Жители района обсудили ремонт дворов и благоустройство улиц."
    html = "<html><head><title>Итоги недели в районе</title></head><body><h1>Итоги недели в районе</h1>" + tag * depth + f"<p>{text}</p>"
    assert parse_article(html, URL).text == text


def test_deep_nesting_stays_within_modest_memory():
    """100,000 unclosed divs needed 22.7 GB before the fix: run under a 600 MB address-space limit."""
    code = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (600 * 2**20, resource.RLIM_INFINITY))
        from crawler.errors import HostilePageError
        from crawler.parse import parse_article, parse_list
        for n in (4_900, 35_000, 100_000):
            html = "<html><body><h1>Итоги недели в районе</h1>" + "<div>" * n + "<p>Жители района обсудили ремонт дворов.</p>"
            try:
                a = parse_article(html, "https://a.mos.ru/news/detail/1.html")
                assert n < 5000 and a.text == "Жители района обсудили ремонт дворов."
            except HostilePageError as e:
                assert n > 5000 and e.reason == "depth"
            parse_list(html, "https://a.mos.ru/news/") if n < 5000 else None
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_nesting_depth_models_implied_end_tags():
    assert nesting_depth("<ul>" + "<li>x" * 20_000 + "</ul>", 100) <= 3
    assert nesting_depth("<table>" + "<tr><td>x" * 20_000 + "</table>", 100) <= 4
    assert nesting_depth("<svg>" + "<path d='M0'/>" * 20_000 + "</svg>", 100) <= 2
    assert nesting_depth("<script>" + "<div>" * 20_000 + "</script>", 100) <= 1
    assert nesting_depth("<!--" + "<div>" * 20_000 + "-->", 100) == 0
    assert nesting_depth("<ul><li>" * 200, 100) > 100
    assert nesting_depth("<div/>" * 200, 100) > 100  # «/>» does not close an HTML div


# --- item 3: patterns that see page text ---------------------------------------------------

def test_long_percent_encoded_link_in_a_list_page():
    """A 240 KB list page with a long percent-encoded link took 120 s in is_detail_like."""
    link = "/presscenter/news/" + "%D0%B0%D0%B1" * 20_000
    html = g.bitrix_list().replace('"/presscenter/news/detail/8999.html?utm_source=rss"', f'"{link}x.html"')
    html = html.replace('class="newslist"', 'class="items"') + f'<a href="{link}1.html">{"ссылка " * 100}</a>'
    lp = parse_list(html, BASE)
    assert len(lp.items) == 9
    assert not is_detail_like("https://arbat.mos.ru" + link + "x.html")


@pytest.mark.parametrize("junk", ["<" * 200_000, "1." * 100_000, "1 " * 100_000 + "x", "в" * 100_000, "%" * 200_000,
                                  "01.01.2024" + "в" * 100_000, "вчера" + " в" * 50_000, ",\n" * 100_000])
def test_hostile_text_everywhere(junk):
    """The same junk as a title, a date line, body text, an href, a class, JSON-LD text."""
    html = (f'<html><head><title>{junk}</title><script type="application/ld+json">{{"@type":"NewsArticle","articleBody":"{junk}",'
            f'"headline":"{junk[:1000]}"}}</script></head><body class="{junk[:5000]}"><h1>Заголовок новости района</h1>'
            f'<div class=date>{junk}</div><p>{junk}</p><a href="/presscenter/news/{junk[:3000]}">{junk[:3000]}</a>'
            "<p>Жители района обсудили ремонт дворов и благоустройство улиц.</p></body></html>")
    try:
        parse_article(html, URL)
    except ParseError:
        pass
    try:
        parse_list(html, BASE)
    except HostilePageError as e:  # a page over the tag limit is refused, nothing else
        assert e.reason == "nodes"
    parse_ru_datetime(junk)


def test_no_nested_quantifiers_in_parse_patterns():
    """A cheap static guard for item 3: no group that is itself repeated contains an unbounded
    quantifier over a class that also follows it (the shape of the old detail-URL pattern)."""
    import crawler.parse as cp
    import pkgutil
    import importlib

    nested = re.compile(r"\((?:\?:)?\[[^\]]*\][+*]/?\)[*+]")
    for mod in pkgutil.iter_modules(cp.__path__):
        m = importlib.import_module(f"crawler.parse.{mod.name}")
        for name, value in vars(m).items():
            if isinstance(value, re.Pattern):
                pat = value.pattern if isinstance(value.pattern, str) else value.pattern.decode("latin-1")
                assert not nested.search(pat), (mod.name, name, pat[:120])
    old_detail = r"/(?:news)/(?:[^/?#]+/)*(?:\d{3,}[^/]*)/?$"  # the pattern that took 120 s
    assert nested.search(old_detail)
