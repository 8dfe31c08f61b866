"""Story commands: show, merge, split, recluster (fixes stick), and offline cluster on JSONL."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crawler.cli import app
from crawler.pipeline import crawl_once
from crawler.sim import SimNetwork
from storage import open_store
from tests.simhelp import sim_settings, write_config

runner = CliRunner()


@pytest.fixture
def crawled(tmp_path: Path):  # type: ignore[no-untyped-def]
    net = SimNetwork(sites=12, seed=31, backlog_days=2, reprint_share=0.5)
    since = net.now.date() - timedelta(days=2)
    with net.start_in_thread() as running:
        settings = sim_settings(tmp_path / "s.db", running.sources, since)
        store = open_store(settings.database.url)
        asyncio.run(crawl_once(settings, store, deliver=False))
        cfg = write_config(tmp_path / "config.yaml", settings)
        yield store, cfg, settings
        store.close()


def q(store, sql: str):  # type: ignore[no-untyped-def]
    with store.read_session() as s:
        return s.exec(text(sql)).all()


def test_story_shows_every_reprint_and_why(crawled) -> None:  # type: ignore[no-untyped-def]
    store, cfg, _ = crawled
    sid, n = q(store, "SELECT id, reprint_count FROM stories ORDER BY reprint_count DESC LIMIT 1")[0]
    assert n >= 2
    res = runner.invoke(app, ["story", str(sid), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    urls = [r[0] for r in q(store, f"SELECT url FROM articles WHERE story_id={sid}")]
    assert all(u in res.output for u in urls)
    assert "why:" in res.output
    js = runner.invoke(app, ["story", str(sid), "--config", str(cfg), "--json"])
    detail = json.loads(js.output)
    assert len(detail["reprints"]) == n and sum(r["canonical"] for r in detail["reprints"]) == 1
    missing = runner.invoke(app, ["story", "999999", "--config", str(cfg)])
    assert missing.exit_code == 1 and "no story" in missing.output


def test_split_and_merge_survive_recluster(crawled) -> None:  # type: ignore[no-untyped-def]
    store, cfg, _ = crawled
    big = q(store, "SELECT id FROM stories WHERE reprint_count >= 2 ORDER BY reprint_count DESC LIMIT 1")[0][0]
    victim = q(store, f"SELECT id FROM articles WHERE story_id={big} ORDER BY id DESC LIMIT 1")[0][0]
    res = runner.invoke(app, ["split", str(victim), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    alone = q(store, f"SELECT story_id FROM articles WHERE id={victim}")[0][0]
    assert alone != big and q(store, f"SELECT count(*) FROM articles WHERE story_id={alone}")[0][0] == 1

    a, b = [r[0] for r in q(store, "SELECT id FROM stories WHERE reprint_count = 1 ORDER BY id LIMIT 2")]
    res = runner.invoke(app, ["merge", str(a), str(b), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    merged = {r[0] for r in q(store, f"SELECT id FROM articles WHERE story_id={a}")}
    assert len(merged) >= 2 and not q(store, f"SELECT id FROM stories WHERE id={b}")

    res = runner.invoke(app, ["recluster", "--config", str(cfg), "--force"])
    assert res.exit_code == 0, res.output
    assert "method: unchanged (rebuilt because of --force)" in res.output and "stories (" in res.output
    # The split article is still alone; the merged articles are still together.
    sid = q(store, f"SELECT story_id FROM articles WHERE id={victim}")[0][0]
    assert q(store, f"SELECT count(*) FROM articles WHERE story_id={sid}")[0][0] == 1
    stories = {r[0] for r in q(store, f"SELECT story_id FROM articles WHERE id IN ({','.join(map(str, merged))})")}
    assert len(stories) == 1
    # Every article still has a story and every story its canonical article and count.
    assert q(store, "SELECT count(*) FROM articles WHERE story_id IS NULL")[0][0] == 0
    bad = q(store, "SELECT count(*) FROM stories s WHERE reprint_count != (SELECT count(*) FROM articles a WHERE a.story_id = s.id)")
    assert bad[0][0] == 0


def test_merge_errors(crawled) -> None:  # type: ignore[no-untyped-def]
    _store, cfg, _ = crawled
    res = runner.invoke(app, ["merge", "1", "1", "--config", str(cfg)])
    assert res.exit_code == 1 and "itself" in res.output  # a user mistake, not a database error (3)
    res = runner.invoke(app, ["merge", "1", "999999", "--config", str(cfg)])
    assert res.exit_code == 1 and "no story 999999" in res.output
    res = runner.invoke(app, ["split", "999999", "--config", str(cfg)])
    assert res.exit_code == 1 and "no article 999999" in res.output


def test_cluster_jsonl_offline(tmp_path: Path) -> None:
    base = (
        "Мэр Москвы Сергей Собянин открыл после капитального ремонта поликлинику на улице Лесной. "
        "В здании заменили инженерные сети, установили новое оборудование, в том числе два томографа. "
        "Поликлиника будет обслуживать около 80 тысяч жителей Тверского района."
    )
    rewrite = (
        "Около 80 тысяч жителей Тверского района получат помощь в обновлённой поликлинике на Лесной улице, "
        "которую после капремонта открыл Сергей Собянин. В здании поменяли инженерные коммуникации и поставили "
        "современную технику, включая два томографа."
    )
    other = (
        "В Зеленограде завершилось строительство новой школы на 1100 учеников. Здание оснащено бассейном, "
        "двумя спортивными залами и лабораториями для занятий робототехникой. Учебный год школа начнёт 1 сентября."
    )
    rows = [
        {"id": "a", "url": "u1", "title": "Собянин открыл поликлинику на Лесной после ремонта", "text": base, "published_at": "2025-03-02T10:00:00+03:00", "source": "tver"},
        {"id": "b", "url": "u2", "title": "Поликлинику на Лесной открыли после капремонта", "text": rewrite, "published_at": "2025-03-02", "source": "arbat"},
        {"id": "c", "url": "u3", "title": "В Зеленограде построили школу на 1100 мест", "text": other, "published_at": None, "source": "zel"},
    ]
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["cluster", "--input", str(inp), "--output", str(out)])
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == ["a", "b", "c"]
    assert got[0]["story_id"] == got[1]["story_id"] != got[2]["story_id"]
    bad = runner.invoke(app, ["cluster", "--input", str(tmp_path / "nope.jsonl"), "--output", str(out)])
    assert bad.exit_code == 2


def test_cluster_jsonl_names_the_bad_line(tmp_path: Path) -> None:
    """Duplicate ids and unreadable dates are refused with the file and line, before any work."""
    good = {"id": "a", "url": "u1", "title": "Заголовок", "text": "Текст новости.", "published_at": "2025-03-02", "source": "s"}
    out = tmp_path / "out.jsonl"
    for bad_row, expect in (
        ({**good, "url": "u2"}, "line 1"),  # the same id again
        ({**good, "id": "b", "published_at": "2 марта 2025"}, "bad published_at"),
    ):
        inp = tmp_path / "in.jsonl"
        inp.write_text(json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(bad_row, ensure_ascii=False) + "\n", encoding="utf-8")
        res = runner.invoke(app, ["cluster", "--input", str(inp), "--output", str(out)])
        assert res.exit_code != 0
        assert f"{inp}:2" in res.output and expect in res.output, res.output
        assert res.output.count(str(inp)) == 1  # the path once, with its line


def test_recluster_recomputes_features_of_an_older_revision(crawled) -> None:  # type: ignore[no-untyped-def]
    """Features written before the current extraction revision are recomputed (and stored)."""
    from crawler.dedup import Features
    from crawler.dedup.features import FEATURE_REVISION

    store, cfg, _ = crawled
    rows = q(store, "SELECT article_id, data FROM article_features")
    assert rows and all(Features.from_bytes(d).revision == FEATURE_REVISION for _, d in rows)
    old = {aid: bytearray(d) for aid, d in rows[:3]}
    for aid, blob in old.items():  # as written before revisions existed: flag bits 4-7 clear
        blob[4] &= 0x0F
        with store.session() as s:
            s.exec(text("UPDATE article_features SET data = :d WHERE article_id = :a").bindparams(d=bytes(blob), a=aid))
    assert {Features.from_bytes(d).revision for a, d in q(store, "SELECT article_id, data FROM article_features") if a in old} == {0}
    # an upgrade: the database was built by an older extraction revision
    recorded = json.loads(store.get_meta("dedup_method"))
    store.set_meta("dedup_method", json.dumps(recorded | {"feature_revision": 0}))
    res = runner.invoke(app, ["recluster", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert f"method: feature_revision: 0 → {FEATURE_REVISION}" in res.output
    after = dict(q(store, "SELECT article_id, data FROM article_features"))
    assert all(Features.from_bytes(after[a]).revision == FEATURE_REVISION for a in old)


def test_recluster_is_a_no_op_on_a_database_the_pipeline_built(crawled) -> None:  # type: ignore[no-untyped-def]
    """The stories depend on the articles and the method only: with the method that built
    them, recluster changes nothing and says so."""
    store, cfg, _ = crawled
    before = q(store, "SELECT id, story_id, story_score FROM articles ORDER BY id")
    res = runner.invoke(app, ["recluster", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "up to date" in res.output
    assert q(store, "SELECT id, story_id, story_score FROM articles ORDER BY id") == before


def test_every_story_has_one_founder_after_recluster_and_merge(crawled) -> None:  # type: ignore[no-untyped-def]
    store, cfg, _ = crawled

    def founders() -> dict[int, list[str]]:
        from storage.stories import story_detail

        out = {}
        for (sid,) in q(store, "SELECT id FROM stories"):
            detail = story_detail(store, sid)
            out[sid] = [r["role"] for r in detail["reprints"]]
        return out

    for roles in founders().values():
        assert roles.count("founded") == 1, roles
    res = runner.invoke(app, ["recluster", "--config", str(cfg), "--force"])
    assert res.exit_code == 0, res.output
    after = founders()
    for sid, roles in after.items():
        assert roles.count("founded") == 1, (sid, roles)
    big = max(after, key=lambda k: len(after[k]))
    out = runner.invoke(app, ["story", str(big), "--config", str(cfg)]).output
    assert out.count("why: founded the story") == 1 and "why: story_score=" in out
    a, b = sorted(after)[:2]
    assert runner.invoke(app, ["merge", str(a), str(b), "--config", str(cfg)]).exit_code == 0
    roles = founders()[a]
    assert roles.count("founded") == 1 and "manual" in roles


def test_cluster_keeps_the_json_type_of_ids(tmp_path: Path) -> None:
    """The number 1 and the string "1" are two documents; every id is written back as given."""
    text = "В Зеленограде завершилось строительство новой школы на 1100 учеников."
    rows = [
        {"id": 1, "title": "Школа", "text": text, "published_at": "2025-03-02"},
        {"id": "1", "title": "Поликлиника", "text": "Открыли поликлинику на Лесной после ремонта.", "published_at": "2025-03-02"},
        {"id": 4, "title": "Школа", "text": text, "published_at": "2025-03-02"},
        {"id": "x", "title": "Парк", "text": "В парке Горького открылся каток.", "published_at": None},
    ]
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["cluster", "--input", str(inp), "--output", str(out)])
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == [1, "1", 4, "x"]
    assert [type(g["id"]) for g in got] == [int, str, int, str]
    assert got[0]["story_id"] == got[2]["story_id"]  # the same text: one story
    assert len({got[0]["story_id"], got[1]["story_id"], got[3]["story_id"]}) == 3  # "1" is not the number 1
    # the same type and value twice is still a duplicate; a non-scalar id is refused
    for extra, expect in (({"id": 4, "title": "t"}, "duplicate id 4"), ({"id": [1], "title": "t"}, "must be a string or a number")):
        bad = tmp_path / "bad.jsonl"
        bad.write_text(inp.read_text(encoding="utf-8") + json.dumps(extra) + "\n", encoding="utf-8")
        r = runner.invoke(app, ["cluster", "--input", str(bad), "--output", str(tmp_path / "o2.jsonl")])
        assert r.exit_code == 2 and f"{bad}:5" in r.output and expect in r.output, r.output
    assert "different documents" in " ".join(runner.invoke(app, ["cluster", "--help"]).output.split())
