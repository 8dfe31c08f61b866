import json
import math
import random
from datetime import datetime, timedelta

from crawler.dedup import Detector, Doc, Features, cluster_jsonl
from crawler.dedup.synth import RELEASES, rewrite
from tests.dedup.common import MSK, replay_docs

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=MSK)


def test_reprints_join_and_unrelated_stay_apart(featurizer, settings):
    rng = random.Random(5)
    det = Detector(settings)
    docs = []
    for i, (title, body) in enumerate(RELEASES):
        docs.append(Doc(id=f"o{i}", title=title, text=body, published_at=T0 + timedelta(minutes=i)))
    for i, (title, body) in enumerate(RELEASES):
        for kind in ("verbatim", "trimmed", "retitled"):
            t, b = rewrite(title, body, kind, rng)
            docs.append(Doc(id=f"r{i}{kind}", title=t, text=b, published_at=T0 + timedelta(hours=2)))
    assigned, _, decisions = replay_docs(det, featurizer, docs)
    assert all("candidate_stories" in dec.explanation for dec in decisions)
    for i in range(len(RELEASES)):
        for kind in ("verbatim", "trimmed", "retitled"):
            assert assigned[f"r{i}{kind}"] == assigned[f"o{i}"], (i, kind)
    assert len({assigned[f"o{i}"] for i in range(len(RELEASES))}) == len(RELEASES)
    assert len(det) == len(docs)
    sid = assigned["o0"]
    assert det.story_members(sid)[0] == "o0"
    det.move("r0trimmed", 999)
    assert det.story_members(999) == ["r0trimmed"]
    det.merge(sid, 999)
    assert "r0trimmed" in det.story_members(sid) and det.story_members(999) == []
    det.remove("r0trimmed")
    assert "r0trimmed" not in det.story_members(sid)


def test_no_chaining(featurizer, settings):
    # A (canonical: fullest) and C share nothing; B is half A, half C. C must not join A's story via B.
    a = Doc("A", "В Люблине построят бассейн", "На улице Краснодонской в районе Люблино построят бассейн на 6 дорожек. Комплекс рассчитан на 450 посетителей в смену. Строительство завершат в 2026 году. В здании также разместят зал для единоборств, тренажерный зал, раздевалки и кафе, а на крыше сделают открытую площадку для йоги и воркаута.", T0)
    b = Doc("B", "В Люблине построят бассейн", "На улице Краснодонской в районе Люблино построят бассейн на 6 дорожек. Комплекс рассчитан на 450 посетителей в смену. Рядом с комплексом разобьют сквер с фонтаном и яблоневым садом, высадят 300 деревьев и кустарников.", T0)
    c = Doc("C", "Рядом с комплексом разобьют сквер", "Рядом с комплексом разобьют сквер с фонтаном и яблоневым садом, высадят 300 деревьев и кустарников. Жители выбрали проект сквера на голосовании.", T0)
    fa, fb, fc = featurizer.featurize([a, b, c])
    det = Detector(settings)
    det.add(1, "A", fa)
    det.add(1, "B", fb)
    dec = det.decide(fc)
    assert dec.story_id != 1
    assert dec.explanation["best"]["p_canonical"] < dec.explanation["best"]["member_p"]["B"]


def test_hot_tier_is_bounded_and_pages_days_back_in(featurizer, settings):
    # The store is the truth: a loader serves stored articles by publication day. With room
    # for two hot articles, older days are evicted; a reprint of an evicted day's release is
    # still matched, because its own day is paged back in (the backfill / late-site case).
    stored: dict[str, tuple[int, Features]] = {}
    calls: list[tuple[int, int]] = []

    def loader(first: int, last: int):
        calls.append((first, last))
        for doc, (sid, f) in stored.items():
            if first <= math.floor(f.day) <= last:
                yield sid, doc, f

    det = Detector(settings.model_copy(update={"hot_articles": 2}), loader=loader)
    docs = [Doc(f"o{i}", t, b, T0 + timedelta(days=20 * i)) for i, (t, b) in enumerate(RELEASES[:4])]
    for i, (d, f) in enumerate(zip(docs, featurizer.featurize(docs))):
        stored[d.id] = (i + 1, f)
        det.add(i + 1, d.id, f)
    assert len(det.hot) <= 2 and det.hot.get("o0") is None
    assert det.story_members(1) == ["o0"]  # the registry keeps every article
    title, body = RELEASES[0]
    late = featurizer.featurize([Doc("late", title, body, T0 + timedelta(hours=5))])[0]
    dec = det.decide(late)
    assert dec.story_id == 1
    assert any(a <= math.floor(late.day) <= b for a, b in calls)
    assert len(det.hot) <= 3


def test_story_never_spans_more_than_the_window(featurizer, settings):
    # The same text published 2 days after a story's first member joins; 5 days after, it may
    # not: the story would stretch over more than the 3-day window.
    title, body = RELEASES[1]
    det = Detector(settings)
    f0, f2, f5 = featurizer.featurize([Doc(k, title, body, T0 + timedelta(days=n)) for k, n in (("d0", 0), ("d2", 2), ("d5", 5))])
    det.add(1, "d0", f0)
    assert det.decide(f2).story_id == 1
    det.add(1, "d2", f2)
    dec = det.decide(f5)
    assert dec.story_id is None  # within 3 days of d2, but 5 days from d0
    assert dec.explanation.get("out_of_window_stories") == 1


def test_cluster_jsonl(tmp_path, settings):
    rng = random.Random(9)
    recs = []
    for i, (title, body) in enumerate(RELEASES[:3]):
        recs.append({"id": f"o{i}", "url": "", "title": title, "text": body, "published_at": "2025-03-04", "source": "s"})
        t, b = rewrite(title, body, "trimmed", rng)
        recs.append({"id": f"t{i}", "url": "", "title": t, "text": b, "published_at": None, "source": "s"})
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs), encoding="utf-8")
    assert cluster_jsonl(inp, out, settings) == 6
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in recs]
    sid = {r["id"]: r["story_id"] for r in rows}
    for i in range(3):
        assert sid[f"o{i}"] == sid[f"t{i}"]
    assert len({sid["o0"], sid["o1"], sid["o2"]}) == 3


def test_cluster_writes_ids_back_as_given(settings):
    from crawler.dedup import cluster_records

    title, body = RELEASES[0]
    out = cluster_records([{"id": 4, "title": title, "text": body, "published_at": "2025-03-04"}, {"id": "4a", "title": title, "text": body}], settings)
    assert [o["id"] for o in out] == [4, "4a"] and out[0]["story_id"] == out[1]["story_id"]


def test_cluster_jsonl_keeps_id_types_like_the_cli(tmp_path, settings):
    """The library function and ``mosnews cluster`` read ids the same way (crawler.dedup.offline.read_jsonl)."""
    title, body = RELEASES[0]
    recs = [{"id": 7, "title": title, "text": body, "published_at": "2025-03-04"},
            {"id": "7", "title": title, "text": body, "published_at": "2025-03-04"}]
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs), encoding="utf-8")
    assert cluster_jsonl(inp, out, settings) == 2
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [7, "7"]
    assert rows[0]["story_id"] == rows[1]["story_id"]  # the same text, two documents
