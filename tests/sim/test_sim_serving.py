"""Serving: families and their chrome, pagination, conditional GET, clock, truth, loopback."""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import timedelta

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from crawler.sim import FAMILIES
from crawler.sim.server import _listen


DETAIL_RE = re.compile(r"/presscenter/news/detail/(\d+)\.html")


def _text(resp: httpx.Response) -> str:
    return resp.content.decode(resp.encoding or "utf-8")


def test_sources_and_loopback(served):
    net, h = served
    assert len(h.sources) == 8
    for src in h.sources:
        assert set(src) == {"id", "name", "okrug", "kind", "url"}
        assert src["url"].endswith("/presscenter/news/")
        host = httpx.URL(src["url"]).host
        assert ipaddress.ip_address(host).is_loopback
    hosts = {a[0] for a in h.addresses.values()}
    ports = {a[1] for a in h.addresses.values()}
    assert len(hosts) == 8 and len(ports) == 1
    assert {net.family(s.id) for s in net.sites} == set(FAMILIES)
    with pytest.raises(AssertionError):
        _listen("0.0.0.0", 0)


def test_ports_layout(make_net):
    net = make_net(sites=3)
    with net.start_in_thread(layout="ports") as h:
        addrs = list(h.addresses.values())
        assert {a[0] for a in addrs} == {"127.0.0.1"} and len({a[1] for a in addrs}) == 3
        with httpx.Client(trust_env=False) as c:
            for src in h.sources:
                assert c.get(src["url"]).status_code == 200


def test_families_render_chrome(served, client, site_of):
    net, h = served
    for family in FAMILIES:
        sid = site_of(net, family)
        lst = client.get(h.url(sid))
        assert lst.status_code == 200
        page = net.pages(sid)[-1]
        det = client.get(page.url)
        assert det.status_code == 200
        ltext, dtext = _text(lst), _text(det)
        org = f"Управа района {net.site(sid).name}" if net.site(sid).kind == "uprava" else net.site(sid).name
        for t in (ltext, dtext):
            assert "Главная" in t and "Пресс-центр" in t and "Новости" in t and "©" in t and org in t
        assert f"Адрес страницы: {page.url}" in re.sub(r"<[^>]+>", "", dtext)
        assert page.title in dtext.replace("&quot;", '"').replace("&#x27;", "'")
        lt, dt = HTMLParser(ltext), HTMLParser(dtext)
        if family == "bitrix":
            lis = lt.css("ul.newslist > li > p")
            assert lis and all(li.css_first("strong > a") and li.css_first("a.rubr") for li in lis)
            assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4}", li.css_first("span.date").text()) for li in lis)
            assert dt.css_first("div.primary_content h1").text() == page.title
            assert re.match(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", dt.css_first("div.b-text-content div.news_date").text())
            assert page.text.split("\n\n")[0][:40] in dt.css_first("div.primary_content article").text()
            assert "→" in ltext and dt.css_first("div.share a")
        elif family == "modern":
            assert dt.css_first('meta[property="og:title"]').attributes["content"] == page.title
            assert dt.css_first('meta[property="article:published_time"]').attributes["content"] == page.published_at.isoformat()
            ld = json.loads(dt.css_first('script[type="application/ld+json"]').text())
            assert ld["@type"] == "NewsArticle" and ld["headline"] == page.title
            assert dt.css_first("time[datetime]") and re.search(r"\d{1,2} [а-я]+ \d{4}, \d\d:\d\d", dtext)
        elif family == "legacy":
            assert lst.headers["content-type"] == "text/html; charset=windows-1251"
            assert b'charset=windows-1251' in lst.content and "Новости".encode("cp1251") in det.content
            with pytest.raises(UnicodeDecodeError):
                det.content.decode("utf-8")
            assert "<td" in dtext and "<font" in dtext and "<br>" in dtext
        else:
            assert re.search(r"\d{1,2} [а-я]+ \d{4} г\.", ltext) and "Следующая" in ltext


def _crawl(client, h, net, sid):
    """Follow the family's pager links from page 1; return detail URLs in order."""
    fam = FAMILIES[net.family(sid)]
    url, n, found = h.url(sid), 1, []
    while True:
        r = client.get(url)
        assert r.status_code == 200
        text = _text(r)
        found += [h.url(sid, m.group(0)) for m in DETAIL_RE.finditer(text.split("Другие новости")[0])]
        nxt = fam.pager_href("/presscenter/news/", n + 1)
        if f'href="{nxt}"' not in text and f'href="{h.url(sid, nxt)}"' not in text:
            return found
        url, n = h.url(sid, nxt), n + 1


def test_pagination_covers_backlog(served, client):
    net, h = served
    for s in net.sites:
        urls = _crawl(client, h, net, s.id)
        ids = [int(DETAIL_RE.search(u).group(1)) for u in urls]
        assert ids == sorted(ids, reverse=True), "newest first"
        assert len(set(urls)) == len(urls)
        assert set(urls) == {p.url for p in net.pages(s.id)}
        assert len(urls) > FAMILIES[net.family(s.id)].PAGE_SIZE, "backlog needs several pages"


def test_out_of_range_pages(served, client, site_of):
    net, h = served
    b, m = site_of(net, "bitrix"), site_of(net, "modern")
    assert client.get(h.url(b, "/presscenter/news/?PAGEN_1=999")).status_code == 200  # Bitrix shows the last page
    assert client.get(h.url(m, "/presscenter/news/page/999/")).status_code == 404
    assert client.get(h.url(b, "/presscenter/news/detail/1.html")).status_code == 404
    other = net.pages(m)[0]
    assert client.get(h.url(b, f"/presscenter/news/detail/{other.id}.html")).status_code == 404


def test_robots(served, client):
    net, h = served
    sid = net.sites[0].id
    r = client.get(h.url(sid, "/robots.txt"))
    assert "Disallow: /search/" in r.text and "Disallow: /\n" not in r.text
    net.set_robots(sid, True)
    try:
        assert "Disallow: /\n" in client.get(h.url(sid, "/robots.txt")).text
    finally:
        net.set_robots(sid, False)


def test_conditional_get_and_clock(make_net):
    net = make_net(sites=4, seed=11)
    with net.start_in_thread() as h, httpx.Client(trust_env=False) as c:
        sid = net.sites[0].id
        r1 = c.get(h.url(sid))
        etag, lm = r1.headers["etag"], r1.headers["last-modified"]
        assert c.get(h.url(sid), headers={"If-None-Match": etag}).status_code == 304
        assert c.get(h.url(sid), headers={"If-Modified-Since": lm}).status_code == 304
        assert net.stats.not_modified[sid] == 2 and net.stats.conditional[sid] == 2
        before = {p.url for p in net.pages(sid)}
        max_id = max(p.id for p in net.pages())
        for _ in range(40):
            if {p.url for p in net.pages(sid)} != before:
                break
            net.advance(timedelta(hours=6))
        new = {p.url for p in net.pages(sid)} - before
        assert all(int(DETAIL_RE.search(u).group(1)) > max_id for u in new)
        r2 = c.get(h.url(sid), headers={"If-None-Match": etag})
        assert r2.status_code == 200 and r2.headers["etag"] != etag
        assert any(DETAIL_RE.search(u).group(0) in _text(r2) for u in new)
        assert c.get(h.url(sid), headers={"If-None-Match": r2.headers["etag"]}).status_code == 304


def test_truth_covers_every_detail_url(served, client):
    net, h = served
    truth, meta = net.truth(), net.truth_meta()
    assert set(truth) == {p.url for p in net.pages()} == set(meta)
    sample = sorted(truth)[:: max(1, len(truth) // 40)]
    for url in sample:
        assert client.get(url).status_code == 200
        assert meta[url]["story"] == truth[url]
        assert truth[url].startswith(("r", "local-"))


async def test_async_serve_and_stats(make_net):
    net = make_net(sites=5, seed=3)
    async with net.serve() as running:
        assert [s["id"] for s in running.sources] == [s.id for s in net.sites]
        async with httpx.AsyncClient(trust_env=False) as c:
            for src in running.sources:
                assert (await c.get(src["url"])).status_code == 200
            sid = running.sources[0]["id"]
            await c.get(running.url(sid, "/presscenter/news/"))
        assert net.stats.requests[sid] == 2 and net.stats.paths[(sid, "/presscenter/news/")] == 2
        assert net.stats.total == 6 and net.stats.bytes[sid] > 0 and net.stats.statuses[(sid, 200)] == 2
