"""Timeline and text content: determinism, reprint kinds, hard negatives (no server needed)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from crawler.sim import REPRINT_KINDS, SimNetwork
from crawler.sim.routes import respond
from crawler.sim.sites import default_sites



def _grams(text: str) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", text.lower())
    return {tuple(w[i:i + 3]) for i in range(len(w) - 2)}


def test_default_sites_data():
    sites = default_sites()
    assert len(sites) == 135 and len({s.id for s in sites}) == 135
    assert {"arbat", "basman", "tveruprava", "cao"} <= {s.id for s in sites}
    assert Counter(s.kind for s in sites)["prefecture"] == 11


def test_determinism(make_net):
    a, b, c = make_net(seed=5), make_net(seed=5), make_net(seed=6)
    pa, pb = a.pages(), b.pages()
    assert [(p.id, p.url, p.title, p.text, p.story) for p in pa] == [(p.id, p.url, p.title, p.text, p.story) for p in pb]
    assert [p.text for p in pa] != [p.text for p in c.pages()]
    sid = a.sites[0].id
    assert respond(a, sid, "GET", "/presscenter/news/", "", {}).body == respond(b, sid, "GET", "/presscenter/news/", "", {}).body
    # polling pattern does not matter
    a.advance(timedelta(hours=5))
    a.advance(timedelta(days=2))
    b.advance(timedelta(days=2, hours=5))
    assert [(p.id, p.text) for p in a.pages()] == [(p.id, p.text) for p in b.pages()]


def test_ids_grow_with_time_and_backlog(make_net, START):
    net = make_net(sites=20)
    pages = net.pages()
    assert [p.published_at for p in pages] == sorted(p.published_at for p in pages)
    assert min(p.published_at for p in pages) < START - timedelta(days=28)
    assert all(p.published_at <= START for p in pages)


def test_reprint_kinds_and_rewrite_strength(START):
    net = SimNetwork(seed=2, start=START)  # all 135 sites
    pages = net.pages()
    assert set(Counter(p.kind for p in pages)) == set(REPRINT_KINDS) | {"local"}
    rel = {r.rid: r for r in net.releases()}
    overlaps, verbatim = [], 0
    for p in pages[:3000]:
        if p.kind == "local":
            assert p.story.startswith("local-") and not p.confusable_with
            continue
        orig = rel[p.story]
        if p.kind == "verbatim":
            assert (p.title, p.text) == (orig.title, orig.text)
            verbatim += 1
        elif p.kind == "rewritten":
            assert "Об этом сообщил Мэр Москвы Сергей Собянин" in p.text and p.title != orig.title
            g = _grams(orig.text)
            overlaps.append(len(_grams(p.text) & g) / len(g))
        elif p.kind == "trimmed":
            assert orig.text.startswith(p.text)
        elif p.kind == "angled":
            assert "район" in p.text.split(".")[0].lower() or "округ" in p.text.split(".")[0].lower()
    assert verbatim and overlaps
    overlaps.sort()
    assert overlaps[len(overlaps) // 2] < 0.35, "rewrites share few 3-word phrases"
    local_sites = Counter(p.story for p in pages if p.kind == "local")
    assert set(local_sites.values()) == {1}


def test_hard_negatives_present(START):
    net = SimNetwork(seed=2, start=START)
    rels = net.releases()
    by = {r.rid: r for r in rels}
    kinds = Counter(r.negative for r in rels if r.negative)
    assert {"same_day", "stage", "year"} <= set(kinds)
    for r in rels:
        for other in r.confusable_with:
            if other in by:
                assert by[other].topic == r.topic and r.rid in by[other].confusable_with
        if r.negative == "stage":
            twin = by[r.confusable_with[0]]
            assert (twin.facts["stage"], r.facts["stage"]) == ("build", "open")
            assert twin.facts["district"] == r.facts["district"]
        if r.negative == "year":
            twin = by[r.confusable_with[0]]
            assert r.facts["year"] == twin.facts["year"] - 1
    texts = [r.text for r in rels]
    assert all(3 <= t.count("\n\n") + 1 <= 8 for t in texts)
