"""The speed shortcuts in the parse stage give exactly what the plain versions give."""

from __future__ import annotations

import random
import re
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser

from crawler.parse.dom import load_page
from crawler.parse.ru import MOSCOW, normalize_space, parse_ru_datetime
from crawler.parse.selectors import css, css_first
from crawler.parse.textclean import FURNITURE_RE, _DROP_RE, _STOP_RE

_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def test_normalize_space_fast_path_matches_split_join():
    pieces = ["а", "Б", "x", " ", "  ", "\xa0", "\n", "\t", "\u00ad", "\u200b", "\u2028", "\u3000", "\ufeff", "ё", "1"]
    rng = random.Random(11)
    for _ in range(20000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert normalize_space(t) == " ".join(_INVISIBLE_RE.sub("", t).split()), repr(t)


def test_no_whitespace_or_invisible_character_is_printable():
    # normalize_space's fast path relies on this property of str.isprintable()
    assert not [c for c in map(chr, range(0x110000)) if c != " " and c.isspace() and c.isprintable()]
    assert not [c for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff" if c.isprintable()]


def test_ascii_dates_skip_month_names_without_changing_results():
    now = datetime(2024, 5, 1, tzinfo=MOSCOW)
    assert parse_ru_datetime("2024-03-05T13:04:00+03:00", now=now).isoformat() == "2024-03-05T13:04:00+03:00"
    assert parse_ru_datetime("2024-03-05T13:04:00Z", now=now).utcoffset().total_seconds() == 0
    assert parse_ru_datetime("24.02.2015 12:30", now=now) == datetime(2015, 2, 24, 12, 30, tzinfo=MOSCOW)
    assert parse_ru_datetime("Опубликовано 12 марта 2024 года в 10:15", now=now) == datetime(2024, 3, 12, 10, 15, tzinfo=MOSCOW)
    assert parse_ru_datetime("Сегодня, 09:15", now=now) == datetime(2024, 5, 1, 9, 15, tzinfo=MOSCOW)
    assert parse_ru_datetime("без даты", now=now) is None


def test_furniture_regex_is_stop_or_drop():
    for t in ["Адрес страницы: x", "Версия для печати", "Поделиться", "© 2024", "Обычный текст.", "Читайте также"]:
        assert (FURNITURE_RE.match(t) is not None) == (_STOP_RE.match(t) is not None or _DROP_RE.match(t) is not None)


def test_shared_selector_matches_node_css():
    html = "<div class=a><p>1</p><p class=x>2</p></div><div><p class=x>3</p></div>"
    t1, t2 = LexborHTMLParser(html), LexborHTMLParser(html)
    assert [n.text() for n in css(t1, "p.x")] == [n.text() for n in t1.css("p.x")] == ["2", "3"]
    assert css_first(t2, "div.a p").text() == "1"
    assert css_first(t2, "p").parser is t2  # results belong to their own document
    assert css_first(t1, "span") is None


def test_classify_equals_chain_scan():
    page = load_page("<body><div id=a><p>один</p><div id=b><p>два</p><p>три</p></div></div><p>четыре</p></body>")
    segs = page.walk()
    a = page.register(css_first(page.tree, "#a"))
    b = page.register(css_first(page.tree, "#b"))
    got = page.classify([s.block for s in segs], {a}, {b})
    for s in segs:
        want = False
        for x in page.chain(s.block):
            if x == a:
                want = True
                break
            if x == b:
                break
        assert got[s.block] == want
    assert [got[s.block] for s in segs] == [True, False, False, False]
