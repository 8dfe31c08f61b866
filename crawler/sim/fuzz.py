"""Hostile press centres on loopback: seeded, mutated list and detail pages for fuzzing the crawl.

``FuzzNet(sources=55, lists=80, items=5, seed=1)`` describes ``sources`` press centres, each
on its own loopback address (127.0.0.x, one shared port), each with ``lists`` overlapping list
pages of ``items`` items rendered by the simulator's markup families (:mod:`crawler.sim.render`;
one new item every ``every`` = 8 pages), so a crawl fetches ``sources × (lists + items +
(lists - 1) // every)`` pages: 5,170 by default, 4,400 list and 770 detail pages (list pages
cost no storage, which keeps the crawl within a CI budget).  Pages are rebuilt from the seed on
every request (same seed, same bytes) and mutated:

* **one bad item per list page** (about 60 % of list pages): a link with a port like
  ``:80a``/``:99999``, a broken IPv6 literal, a date with offset ``+24:00``, a link of tens of
  thousands of percent-encoded characters (the item is lost, its neighbours must not be);
* **hostile detail pages** (about 70 %; 40 % nested past the depth cap): unclosed ``<div>``/``<li>``/``<span>`` nested 6,000 to
  60,000 deep, JSON-LD nested past the recursion limit, a run of ``<`` in ``articleBody``,
  an impossible ``article:published_time``, NUL and stray bytes, random insertions and cuts
  (the junk of ``tests/parse/test_fuzz.py``), a page truncated anywhere;
* **good but unusual detail pages**: a one-sentence body, a body that starts with a cookie
  notice, «Подписывайтесь…», «Все новости» and «Новые материалы».

:meth:`FuzzNet.good_urls` lists the detail URLs that a correct crawler must store: items with
a clean link and a clean (or good-but-unusual) detail page.  :func:`run` crawls the network
through the real :class:`~crawler.pipeline.Pipeline` into a fresh SQLite file and returns the
figures (``python -m crawler.sim.fuzz --help``; ``bench/fuzz_crawl.py`` prints them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import resource
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .render import FAMILIES
from .render.common import Item, SiteCtx

MOSCOW = ZoneInfo("Europe/Moscow")
_FAMILY_NAMES = ("bitrix", "modern", "legacy", "soup")
_SENTENCES = (
    "В районе завершили благоустройство сквера на Парковой улице.",
    "Подрядчик заменил покрытие пешеходных дорожек и установил новые скамейки вдоль аллеи.",
    "По словам главы управы, пожелания жителей учитывались на каждом этапе работ.",
    "Для детей появилась игровая площадка с мягким покрытием, качелями и песочницей.",
    "Ёмкости для раздельного сбора отходов разместили на новых контейнерных площадках.",
    "Встреча с жителями пройдёт в актовом зале школы № 1234, начало в 19:00.",
    "Участники обсудят содержание дворов, работу транспорта и ремонт подъездов.",
    "Ранее в районе открылись два спортивных комплекса и детская библиотека.",
    "Специалисты обновили наружное освещение и высадили более двухсот кустарников.",
    "Жители смогут оценить результаты на портале «Наш город» и оставить замечания.",
)
_SYLLABLES = ("ка", "ло", "ми", "ре", "ту", "вы", "зо", "на", "пе", "ри", "со", "да", "ле", "ку", "мо", "ни", "ва", "ше", "го", "бу")


def _name(r: random.Random) -> str:
    """A made-up proper name («Кломире»): every article gets words no other article has, so the
    dedup stage sees distinct stories (identical texts would all be candidates of each other)."""
    return "".join(r.choice(_SYLLABLES) for _ in range(r.randint(3, 5))).capitalize()


def _sentence(r: random.Random) -> str:
    s = r.choice(_SENTENCES)
    return f"{s[:-1]} у дома {r.randint(1, 200)} на улице {_name(r)}, сообщил {_name(r)} {_name(r)}."


_TITLE_WORDS = ("сквер", "поликлиника", "школа", "площадка", "библиотека", "двор", "парк", "остановка", "аллея", "каток")
_CHROME_TOP = ("Мы используем файлы cookie, чтобы сайт работал удобнее. Продолжая пользоваться сайтом, вы соглашаетесь с этим.",
               "Подписывайтесь на наш канал в Telegram, чтобы первыми узнавать новости района!")
_JUNK = ("<", ">", "</div>", "<div>", "<p>", "</p>", "<!--", "-->", "<script>", "</table>", "<td>", "&", "&#", "\x00",
         "<a href='", '"', "<br>", "<h1>", "</h1>", "<time datetime='x'>", "<script type='application/ld+json'>{",
         "]]>", "\ufffd", "<meta content", "<svg><g>")
#: Bad-item kinds for list pages and hostile kinds for detail pages (``None``: clean).
LIST_BAD = ("port", "port_range", "ipv6", "offset", "long_link")
DETAIL_BAD = ("deep_div", "deep_li", "deep_span", "ld_deep", "ld_lt", "bad_offset", "nul", "junk", "truncate")
DETAIL_ODD_GOOD = ("one_sentence", "chrome_top")


@dataclass(frozen=True)
class Site:
    """One fuzzed press centre: id, family, loopback host (filled in when served)."""

    id: str
    family: str
    index: int


class FuzzNet:
    """The seeded description of the hostile network (see the module docstring).

    Args:
        sources: press centres; lists: list pages each; items: items per list page; every: one
            new item every ``every`` list pages (list page p shows items ``(p-1)//every`` …
            ``(p-1)//every + items - 1``: list pages overlap, each detail page is fetched once, and
            most pages of the crawl are list pages, which cost no storage);
        seed: everything derives from it; deep_max: deepest nesting of a hostile page (keep it
            moderate when crawling old code that is quadratic in the depth); bad_rate: share of
            list pages with one bad item.
    """

    def __init__(self, sources: int = 55, lists: int = 80, items: int = 5, seed: int = 1, *, every: int = 8,
                 deep_max: int = 8_000, bad_rate: float = 0.6) -> None:
        self.bad_rate = bad_rate
        self.n_sources, self.lists, self.items, self.seed, self.deep_max = sources, lists, items, seed, deep_max
        self.every = every
        self.sites = [Site(f"fz{k:03d}", _FAMILY_NAMES[k % 4], k) for k in range(sources)]
        self.base: dict[str, str] = {}  # site id -> http://127.0.0.x:port
        self.served = {"list": 0, "detail": 0, "other": 0}
        self._items: dict[tuple[str, int], Item] = {}
        self._lock = threading.Lock()
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=MOSCOW)

    # -- what each page is ----------------------------------------------------------------
    def _rng(self, *key: object) -> random.Random:
        return random.Random(f"{self.seed}|" + "|".join(map(str, key)))

    def list_bad(self, site: Site, page: int) -> tuple[int, str] | None:
        """``(item index, kind)`` of the bad item of list page ``page`` (1-based), or ``None``."""
        r = self._rng("listbad", site.id, page)
        if r.random() < self.bad_rate:
            return r.randrange(self.items), r.choice(LIST_BAD)
        return None

    def detail_kind(self, site: Site, nid: int) -> str | None:
        """The mutation of detail page ``nid``: a hostile kind, an odd-but-good kind, or ``None``."""
        r = self._rng("detail", site.id, nid)
        x = r.random()
        if x < 0.40:
            return r.choice(("deep_div", "deep_li", "deep_span"))
        if x < 0.70:
            return r.choice(DETAIL_BAD)
        if x < 0.78:
            return r.choice(DETAIL_ODD_GOOD)
        return None

    def item(self, site: Site, page: int, i: int) -> Item:
        """The ``i``-th item of list page ``page`` (newest first)."""
        return self.item_at(site, (page - 1) // self.every + i)

    def item_at(self, site: Site, index: int) -> Item:
        """The source's ``index``-th item, newest first (detail id ``100000 + 1000·site + index``; memoised)."""
        key = (site.id, index)
        hit = self._items.get(key)
        if hit is None:
            hit = self._items[key] = self._make_item(site, index)
        return hit

    def _make_item(self, site: Site, index: int) -> Item:
        nid = 100_000 + site.index * 1000 + index
        r = self._rng("item", site.id, nid)
        kind = self.detail_kind(site, nid)
        place = _name(r)
        if kind == "one_sentence":
            paras: tuple[str, ...] = (f"На улице {place} открыли {r.choice(_TITLE_WORDS)} № {r.randint(1, 999)}.",)
        else:
            paras = tuple(" ".join(_sentence(r) for _ in range(3)) for _ in range(r.randint(2, 5)))
        title = f"{r.choice(_TITLE_WORDS).capitalize()} на улице {place}: {_name(r)} и {_name(r)}"
        when = self.now - timedelta(hours=index + 1)
        return Item(f"/{site.id}/presscenter/news/detail/{nid}.html", title, when, paras, "Благоустройство", None, "s")

    def good_urls(self) -> set[str]:
        """Detail URLs a correct crawl must store (clean link, clean or odd-but-good detail page)."""
        out = set()
        for site in self.sites:
            for page in range(1, self.lists + 1):
                bad = self.list_bad(site, page)
                for i in range(self.items):
                    if bad is not None and bad[0] == i:
                        continue  # (listed cleanly on a neighbouring page, it is still good there)
                    it = self.item(site, page, i)
                    if self.detail_kind(site, int(it.path.rsplit("/", 1)[1][:-5])) in (None,) + DETAIL_ODD_GOOD:
                        out.add(self.base[site.id] + it.path)
        return out

    def detail_count(self) -> int:
        """Distinct detail pages listed over all sources."""
        return self.n_sources * (self.items + (self.lists - 1) // self.every)

    # -- rendering ------------------------------------------------------------------------
    def _ctx(self, site: Site) -> SiteCtx:
        return SiteCtx(site.id, f"Фаззово-{site.index}", "ЦАО", "uprava", self.base[site.id])

    def render_list(self, site: Site, page: int) -> bytes:
        """List page ``page`` with its bad item (if any) mutated."""
        fam = FAMILIES[site.family]
        items = [self.item(site, page, i) for i in range(self.items)]
        html = fam.render_list(self._ctx(site), items, page, self.lists, f"/{site.id}/presscenter/news/")
        bad = self.list_bad(site, page)
        if bad is not None:
            idx, kind = bad
            it = items[idx]
            host = self.base[site.id].split("//", 1)[1].split(":")[0]
            if kind == "offset":  # the item's date is impossible; its link stays as it is
                html = _replace_date(html, it, fam.NAME)
            else:
                bad_href = {
                    "port": f"http://{host}:80a{it.path}",
                    "port_range": f"http://{host}:99999{it.path}",
                    "ipv6": f"http://[::1{it.path}",
                    "long_link": f"/{site.id}/presscenter/news/" + "%D0%B0%D0%B1" * self._rng("ll", site.id, page).randint(3000, 7000) + "x.html",
                }[kind]
                html = html.replace(f'"{self.base[site.id]}{it.path}"', f'"{bad_href}"').replace(f'"{it.path}"', f'"{bad_href}"')
        return html.encode(fam.ENCODING, errors="xmlcharrefreplace")

    def render_detail(self, site: Site, nid: int) -> bytes:
        """Detail page ``nid`` with its mutation applied."""
        fam = FAMILIES[site.family]
        it = self.item_at(site, nid - 100_000 - site.index * 1000)
        related = [self.item_at(site, k) for k in range(3)]
        html = fam.render_detail(self._ctx(site), it, related)
        kind = self.detail_kind(site, nid)
        r = self._rng("mut", site.id, nid)
        if kind == "chrome_top":
            first = _first_para(html, it)
            chrome = "".join(f"<p>{c}</p>" for c in _CHROME_TOP) + \
                f'<p><a href="/{site.id}/presscenter/news/">Все новости</a></p><p>Новые материалы</p>'
            html = html.replace(first, chrome + first, 1)
        elif kind in ("deep_div", "deep_li", "deep_span"):
            tag = {"deep_div": "<div>", "deep_li": "<ul><li>", "deep_span": "<span>"}[kind]
            depth = r.randint(5_100, max(5_101, self.deep_max))
            html = html.replace("<body", tag * depth + "<body", 1) if r.random() < 0.3 else _insert_before_body_text(html, tag * depth)
        elif kind == "ld_deep":
            html = html.replace("</head>", '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script></head>", 1)
        elif kind == "ld_lt":
            body = "<" * r.randint(10_000, 20_000)
            html = html.replace("</head>", '<script type="application/ld+json">{"@type":"NewsArticle","articleBody":"' + body + '"}</script></head>', 1)
        elif kind == "bad_offset":
            html = html.replace("</head>", '<meta property="article:published_time" content="2026-02-01T10:00:00+24:00"></head>', 1)
        elif kind == "nul":
            cut = r.randrange(len(html))
            html = html[:cut] + "\x00" * r.randint(1, 50) + "\udcff" + html[cut:]
        elif kind == "junk":
            for _ in range(r.randint(1, 12)):
                k = r.randrange(len(html) + 1)
                html = html[:k] + r.choice(_JUNK) * r.randint(1, 30) + html[k:]
        elif kind == "truncate":
            html = html[: r.randrange(1, len(html))]
        if kind == "nul":  # NULs and a stray 0xFF byte, whatever the charset says
            return html.encode("utf-8", errors="surrogateescape")
        return html.encode(fam.ENCODING, errors="xmlcharrefreplace")

    # -- HTTP -----------------------------------------------------------------------------
    def respond(self, site: Site, path: str, query: str) -> tuple[int, bytes, str]:
        """``(status, body, content type)`` for a GET of ``path?query`` on ``site``."""
        prefix = f"/{site.id}/presscenter/news/"
        fam = FAMILIES[site.family]
        ctype = f"text/html; charset={fam.ENCODING}"
        if path.startswith(prefix + "detail/") and path.endswith(".html"):
            try:
                nid = int(path[len(prefix) + 7:-5])
            except ValueError:
                return 404, b"not found", "text/plain"
            self._count("detail")
            return 200, self.render_detail(site, nid), ctype
        if path.startswith(prefix):
            q = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            n = fam.page_number(path[len(prefix):], q)
            if n is None:
                return 404, b"not found", "text/plain"
            if n > self.lists:
                n = self.lists
            self._count("list")
            return 200, self.render_list(site, n), ctype
        self._count("other")
        return 404, b"not found", "text/plain"

    def _count(self, what: str) -> None:
        with self._lock:
            self.served[what] += 1

    def sources(self) -> list[dict]:
        """Config entries for every site (``id``, ``name``, ``okrug``, ``url``)."""
        return [{"id": s.id, "name": f"Фаззово-{s.index}", "okrug": "ЦАО", "url": f"{self.base[s.id]}/{s.id}/presscenter/news/"}
                for s in self.sites]


def _replace_date(html: str, it: Item, family: str) -> str:
    """Put an impossible ISO date (offset +24:00) where the list shows ``it``'s date (before its
    link in ``bitrix``/``legacy``/``soup``, after it in ``modern``)."""
    from .render.common import ddmmyyyy, ru_date

    bad = "2026-02-01T10:00:00+24:00"
    at = html.find(f'{it.path}"')
    for shown in (ru_date(it.published_at), ddmmyyyy(it.published_at), ru_date(it.published_at, False)):
        k = html.find(shown, at) if family == "modern" else html.rfind(shown, 0, at)
        if k >= 0:
            return html[:k] + bad + html[k + len(shown):]
    return html


def _first_para(html: str, it: Item) -> str:
    from .render.common import esc

    p = esc(it.paragraphs[0])
    k = html.rfind("<", 0, html.find(p))
    return html[k: html.find(p) + len(p)] if k >= 0 else p


def _insert_before_body_text(html: str, junk: str) -> str:
    k = html.find("<h1")
    return html[:k] + junk + html[k:] if k >= 0 else junk + html


# -- serving ------------------------------------------------------------------------------

class Served:
    """A :class:`FuzzNet` served by uvicorn on loopback addresses (context manager)."""

    def __init__(self, net: FuzzNet) -> None:
        self.net = net

    def __enter__(self) -> "Served":
        import uvicorn

        from .server import _QuietServer, bind_sites

        socks = bind_sites([s.id for s in self.net.sites], "addresses")
        by_addr: dict[tuple, Site] = {}
        for site in self.net.sites:
            host, port = socks[site.id].getsockname()[:2]
            self.net.base[site.id] = f"http://{host}:{port}"
            by_addr[(host, port)] = site
        net = self.net

        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            site = by_addr.get(tuple(scope["server"][:2]))
            if site is None:
                status, body, ctype = 421, b"", "text/plain"
            else:
                status, body, ctype = net.respond(site, scope["path"], scope["query_string"].decode("latin-1"))
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        config = uvicorn.Config(app, log_level="error", lifespan="off", timeout_keep_alive=3600, access_log=False)
        self.server = _QuietServer(config)
        self.socks = list(socks.values())
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": self.socks}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fuzz server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        for s in self.socks:
            s.close()


# -- the crawl ------------------------------------------------------------------------------

class _RssSampler(threading.Thread):
    """Peak resident memory of this process plus its children (parse workers), from /proc."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _tree(self, pid: int) -> list[int]:
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            try:
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as f:
                        todo += [int(x) for x in f.read().split()]
            except OSError:
                pass
        return out

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, sum(self._rss(p) for p in self._tree(os.getpid())))
            self.stop.wait(0.1)


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(f"{record.getMessage()}: {record.exc_info[1]!r}")


def run(sources: int = 55, lists: int = 80, items: int = 5, seed: int = 1, *, every: int = 8, deep_max: int = 8_000,
        bad_rate: float = 0.6, workdir: str | None = None, encoder: bool = False) -> dict:
    """Serve a :class:`FuzzNet` and crawl it once through the real pipeline into SQLite.

    Returns a dict: ``pages`` (list + detail pages served), ``list_pages``, ``detail_pages``,
    ``crashes`` (exceptions that escaped a stage: logged with a traceback by the pipeline's
    catch-all, or raised out of the crawl), ``failed_sources`` (report not ok), ``good`` / ``good_stored`` /
    ``missing`` (good detail URLs, of them stored, up to 20 missing), ``stored``,
    ``slowest_parse_s`` (longest single page decode+parse), ``parse_timeouts``,
    ``peak_rss_mb`` (this process and its children, sampled every 0.1 s), ``seconds``.
    """
    from sqlalchemy import text

    from crawler import pipeline as pl
    from crawler.config import settings_from_dict
    from storage import open_store

    net = FuzzNet(sources, lists, items, seed, every=every, deep_max=deep_max, bad_rate=bad_rate)
    assert items + (lists - 1) // net.every < 1000, "detail ids must stay within a source's block of 1000"
    tmp = tempfile.TemporaryDirectory(dir=workdir)
    timing = {"slowest": 0.0}
    legacy = hasattr(pl, "parse_article")  # code from before the parse pool: time the inline calls
    if legacy:
        for name in ("parse_article", "parse_list"):
            orig = getattr(pl, name)

            def timed(*a, _orig=orig, **k):
                t0 = time.perf_counter()
                try:
                    return _orig(*a, **k)
                finally:
                    timing["slowest"] = max(timing["slowest"], time.perf_counter() - t0)
            setattr(pl, name, timed)
    errors = _ErrorCounter()
    mlog = logging.getLogger("mosnews")
    mlog.addHandler(errors)
    old_level = mlog.level
    if mlog.getEffectiveLevel() > logging.ERROR:  # tracebacks must reach the counter
        mlog.setLevel(logging.ERROR)
    sampler = _RssSampler()
    sampler.start()
    started = time.monotonic()
    with Served(net):
        settings = settings_from_dict({
            "database": {"url": f"sqlite:///{Path(tmp.name) / 'fuzz.db'}"},
            "crawl": {"since": "2020-01-01", "concurrency": 16, "max_pages": lists + 1},
            "fetch": {"delay": "0ms", "per_host": 2, "retries": 1, "total_timeout": "30s", "read_timeout": "30s",
                      "max_bytes": 20_000_000},
            "alerts": {"first_run": "skip", "settle": "0s"},
            # the sentence encoder is not under test here and costs most of the store phase
            "dedup": {"encoder": encoder},
            "server": {"enabled": False},
            "sources": net.sources(),
        }, env={})
        store = open_store(settings.database.url)
        crashes = 0

        async def crawl():
            pipe = pl.Pipeline(settings, store)
            try:
                await pipe.open()
                return await pipe.crawl(settings.enabled_sources()), pipe
            finally:
                await pipe.aclose()

        try:
            reports, pipe = asyncio.run(crawl())
        except Exception as exc:  # noqa: BLE001 - counted, not hidden
            errors.records.append(repr(exc))
            reports, pipe = [], None
            crashes += 1
        with store.read_session() as s:
            stored = {u for (u,) in s.exec(text("SELECT url FROM articles")).all()}
        store.close()
    sampler.stop.set()
    sampler.join()
    mlog.removeHandler(errors)
    mlog.setLevel(old_level)
    parser = getattr(pipe, "parser", None)
    slowest = max(timing["slowest"], getattr(parser, "slowest", 0.0))
    good = net.good_urls()
    missing = sorted(good - stored)
    failed = [r for r in reports if not r.ok]
    tmp.cleanup()
    return {
        "pages": net.served["list"] + net.served["detail"], "list_pages": net.served["list"], "detail_pages": net.served["detail"],
        "crashes": crashes + len(errors.records), "crash_samples": errors.records[:5],
        "failed_sources": len(failed), "failed_samples": [f"{r.source_id}: {r.error}" for r in failed[:5]],
        "good": len(good), "good_stored": len(good & stored), "missing": missing[:20], "stored": len(stored),
        "slowest_parse_s": round(slowest, 3), "parse_timeouts": getattr(parser, "timeouts", None),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
        "max_rss_self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "max_rss_child_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m crawler.sim.fuzz [--sources N] [--lists N] [--items N] [--seed S] [--json]``."""
    ap = argparse.ArgumentParser(description="Crawl a seeded hostile network on loopback; print the figures.")
    ap.add_argument("--sources", type=int, default=55)
    ap.add_argument("--lists", type=int, default=80)
    ap.add_argument("--items", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=int, default=8)
    ap.add_argument("--bad-rate", type=float, default=0.6, help="share of list pages with one bad item")
    ap.add_argument("--deep-max", type=int, default=8_000)
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)
    res = run(a.sources, a.lists, a.items, a.seed, every=a.every, deep_max=a.deep_max, bad_rate=a.bad_rate)
    if a.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        for k, v in res.items():
            print(f"{k:>18}: {v}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
