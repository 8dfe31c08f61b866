"""Mangled pages must give an article or ParseError — never another exception or a crash."""

import random
from pathlib import Path

import pytest

import pagegen as g
from crawler.errors import ParseError
from crawler.parse import decode_html, parse_article, parse_list, probe_layers

FIX = Path(__file__).parent / "fixtures"


def _sources():
    rng = random.Random(11)
    out = [decode_html(p.read_bytes(), None)[0] for p in sorted(FIX.glob("*.html"))]
    out += [g.bitrix_article(g.TITLES[0], "01.01.2024", g.paragraphs(rng, 4)),
            g.modern_article(g.TITLES[1], "2024-01-01T10:00:00+03:00", g.paragraphs(rng, 4)),
            g.divsoup_article(g.TITLES[2], "2 мая 2024", g.paragraphs(rng, 4)),
            g.bitrix_list(), g.generic_list()]
    return out


JUNK = ["<", ">", "</div>", "<div>", "<p>", "</p>", "<!--", "-->", "<script>", "</table>", "<td>", "&", "&#", "\x00",
        "<a href='", "\"", "<br>", "<h1>", "</h1>", "<time datetime='x'>", "<script type='application/ld+json'>{",
        "]]>", "\ufffd", "<meta content", "<svg><g>"]


@pytest.mark.parametrize("seed", range(40))
def test_mangled(seed):
    rng = random.Random(seed)
    src = rng.choice(_sources())
    ops = rng.randint(1, 8)
    for _ in range(ops):
        i = rng.randrange(len(src) + 1)
        kind = rng.random()
        if kind < 0.3:
            src = src[:i]
        elif kind < 0.7:
            src = src[:i] + rng.choice(JUNK) + src[i:]
        else:
            j = min(len(src), i + rng.randint(1, 400))
            src = src[:i] + src[j:]
        if not src:
            src = "<"
    url = "https://a.mos.ru/presscenter/news/detail/1.html"
    try:
        a = parse_article(src, url)
        assert a.title and a.text
    except ParseError:
        pass
    parse_list(src, "https://a.mos.ru/presscenter/news/")
    probe_layers(src, url)


@pytest.mark.parametrize("blob", [b"\x00" * 100, bytes(range(256)) * 20, "Ѐ".encode("utf-16") * 50])
def test_binary_garbage(blob):
    text, _ = decode_html(blob, "text/html")
    with pytest.raises(ParseError):
        parse_article(text, "https://a.mos.ru/x.html")
