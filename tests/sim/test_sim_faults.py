"""Every fault kind, against a served network."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from crawler.sim import FAULT_KINDS



@pytest.fixture()
def sid(served, site_of):
    """A bitrix site with its faults cleared after the test."""
    net, _ = served
    s = site_of(net, "bitrix")
    yield s
    net.clear_fault(s)


def test_status_faults(served, client, sid):
    net, h = served
    for kind, code in (("500", 500), ("503", 503), ("429", 429)):
        net.set_fault(sid, kind)
        r = client.get(h.url(sid))
        assert r.status_code == code
        if kind == "429":
            assert r.headers["retry-after"] == "2"
        net.clear_fault(sid)
    net.set_fault(sid, "503", retry_after=7)
    assert client.get(h.url(sid)).headers["retry-after"] == "7"


def test_fault_for_next_n_requests(served, client, sid):
    net, h = served
    net.set_fault(sid, "503", count=2)
    assert [client.get(h.url(sid)).status_code for _ in range(3)] == [503, 503, 200]
    assert net.faults(sid) == []


def test_fault_paths_and_until(served, client, sid):
    net, h = served
    net.set_fault(sid, "500", paths=("/presscenter/news/detail/",), until=net.now + timedelta(minutes=1))
    assert client.get(h.url(sid)).status_code == 200
    assert client.get(net.pages(sid)[-1].url).status_code == 500
    net.advance(timedelta(minutes=2))
    assert client.get(net.pages(sid)[-1].url).status_code == 200


def test_reset(served, client, sid):
    net, h = served
    net.set_fault(sid, "reset", count=1)
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        client.get(h.url(sid))
    assert client.get(h.url(sid)).status_code == 200


def test_drip_and_delay_deliver_whole_body(served, client, sid):
    net, h = served
    full = client.get(h.url(sid)).content
    net.set_fault(sid, "drip", seconds=0.3, chunk=700, count=1)
    assert client.get(h.url(sid)).content == full
    net.set_fault(sid, "delay", seconds=0.1, count=1)
    assert client.get(h.url(sid)).content == full


def test_truncate(served, client, sid):
    net, h = served
    full = client.get(h.url(sid)).content
    net.set_fault(sid, "truncate", fraction=0.4, count=1)
    r = client.get(h.url(sid))
    assert r.status_code == 200 and full.startswith(r.content) and len(r.content) < len(full) and b"</html>" not in r.content
    net.set_fault(sid, "truncate", mode="transport", count=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(h.url(sid))


def test_charset_faults(served, client, sid, site_of):
    net, h = served
    net.set_fault(sid, "wrong_charset", count=1)
    r = client.get(h.url(sid))
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    assert "Новости" in r.content.decode("cp1251")
    legacy = site_of(net, "legacy")
    net.set_fault(legacy, "no_charset", strip_meta=True, count=1)
    r = client.get(h.url(legacy))
    assert r.headers["content-type"] == "text/html" and b"charset" not in r.content.lower()
    assert "Новости" in r.content.decode("cp1251")


def test_redirects(served, client, sid):
    net, h = served
    net.set_fault(sid, "redirect")
    r = client.get(h.url(sid))
    assert r.status_code == 301 and r.headers["location"] == "/presscenter/novosti/"
    r = client.get(h.url(sid), follow_redirects=True)
    assert r.status_code == 200 and "newslist" in r.text and str(r.url).endswith("/presscenter/novosti/")
    net.clear_fault(sid)
    net.set_fault(sid, "redirect_loop")
    with pytest.raises(httpx.TooManyRedirects):
        client.get(h.url(sid), follow_redirects=True)


def test_markup_change(served, client, sid):
    net, h = served
    assert "ul class=\"newslist\"" in client.get(h.url(sid)).text
    net.set_fault(sid, "family", family="modern")
    r = client.get(h.url(sid))
    assert "newslist" not in r.text and "news-card__title" in r.text
    assert "page/2/" in r.text
    net.clear_fault(sid, "family")
    assert "newslist" in client.get(h.url(sid)).text


def test_site_down_and_back(served, client, sid):
    net, h = served
    other = next(s.id for s in net.sites if s.id != sid)
    net.set_fault(sid, "down", until=net.now + timedelta(hours=1))
    with pytest.raises(httpx.ConnectError):
        client.get(h.url(sid))
    assert client.get(h.url(other)).status_code == 200
    net.advance(timedelta(hours=2))
    assert not net.is_down(sid)
    assert client.get(h.url(sid)).status_code == 200


def test_bad_fault_args(served, sid):
    net, _ = served
    with pytest.raises(ValueError):
        net.set_fault(sid, "teapot")
    with pytest.raises(ValueError):
        net.set_fault(sid, "down", count=2)
    with pytest.raises(ValueError):
        net.set_fault(sid, "500", colour="red")
    assert {"500", "503", "429", "reset", "drip", "truncate", "wrong_charset", "no_charset", "redirect",
            "redirect_loop", "family", "down"} <= set(FAULT_KINDS)
