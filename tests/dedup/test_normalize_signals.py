import math
import random
from datetime import datetime, timedelta

import numpy as np

from crawler.dedup import Doc, Features, choose_canonical
from crawler.dedup import extract
from crawler.dedup.idf import DocFreq
from crawler.dedup.normalize import clean_text, fold
from crawler.dedup.scorer import probability, vetoes
from crawler.dedup.signals import containment, pair_signals, tfidf_vector
from crawler.dedup.synth import RELEASES, hard_negative, rewrite
from tests.dedup.common import MSK

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=MSK)


def test_fold_and_boilerplate():
    assert fold("«Ёлка» — 5\u00a0км") == '"Елка" - 5 км'
    raw = (
        "Новый сквер открыли на улице Садовой.\n\nОб этом сообщил Мэр Москвы Сергей Собянин.\n"
        "Адрес страницы: http://x.mos.ru/a.html\n\n[Управа района Тестовое](#)\nМетки: сквер, парк\n"
        "Подробнее – в эфире телеканала Москва 24."
    )
    out = clean_text(raw)
    assert out == "Новый сквер открыли на улице Садовой."


def test_extract_figures_years_dates_names():
    t = fold("В 2025 году благоустроят 3,5 тысячи объектов и 420 дворов; 7 сентября откроют парк «Сокольники» на улице Русаковской.")
    figs = dict((u, v) for u, v in extract.figures(t))
    assert figs["объект"] == 3500.0 and figs["двор"] == 420.0
    assert extract.years(t) == {2025}
    assert extract.dates(t) == {907}
    assert "сокольник" in extract.names(t)
    assert ("летие", 76.0) in extract.figures(fold("с 76-летием Победы"))


def _f(featurizer, title, text, when=T0, id="x"):
    return featurizer.featurize([Doc(id=id, title=title, text=text, published_at=when)])[0]


def _p(featurizer, a, b):
    df = DocFreq()
    for f in (a, b):
        df.add(f.terms)
    s = pair_signals(a, b, tfidf_vector(a, df), tfidf_vector(b, df))
    return s, probability(s, 3.0)


def test_each_rewrite_kind_scores_above_unrelated(featurizer):
    rng = random.Random(1)
    pool = [w for _, b in RELEASES for w in b.split() if w.isalpha()]
    title, body = RELEASES[0]
    orig = _f(featurizer, title, body)
    other = _f(featurizer, *RELEASES[2])
    _, (p_neg, _) = _p(featurizer, orig, other)
    for kind in ("verbatim", "trimmed", "retitled", "angle", "paraphrase"):
        r = _f(featurizer, *rewrite(title, body, kind, rng, pool))
        s, (p, v) = _p(featurizer, orig, r)
        assert not v, kind
        assert p > p_neg, (kind, p, p_neg)
        assert s["tfidf"] > 0.2, kind


def test_containment_for_cut_copy(featurizer):
    title, body = RELEASES[3]
    full = _f(featurizer, title, body)
    cut = _f(featurizer, title, " ".join(body.split(". ")[:2]) + ".")
    assert containment(full.shingles, cut.shingles) > 0.9


def test_vetoes_window_year_figures(featurizer):
    rng = random.Random(3)
    title, body = RELEASES[4]
    a = _f(featurizer, title, body)
    late = _f(featurizer, title, body, when=T0 + timedelta(days=10))
    s, (p, v) = _p(featurizer, a, late)
    assert "window" in v and p == 0.0
    y1 = _f(featurizer, "Планы благоустройства на 2025 год", "В 2025 году благоустроят 420 дворов и 16 парков.")
    y2 = _f(featurizer, "Планы благоустройства на 2026 год", "В 2026 году благоустроят 510 дворов и 18 парков.")
    s, (p, v) = _p(featurizer, y1, y2)
    assert "year" in v
    assert "figures" in vetoes({**s, "year_conf": 0.0, "title_year_conf": 0.0}, 3.0)
    # "stage" (same object, a later stage) is a known weakness, see docs/dedup.md
    for kind in ("year", "figures"):
        hn = _f(featurizer, *hard_negative(title, body, kind, rng))
        s, (p, v) = _p(featurizer, a, hn)
        assert v or p < 0.5, (kind, p, s)


def test_features_round_trip(featurizer):
    f = _f(featurizer, *RELEASES[1])
    g = Features.from_bytes(f.to_bytes())
    for name in ("terms", "tf", "title_terms", "shingles", "vec", "fig_units", "fig_values", "years", "dates", "names"):
        assert np.array_equal(getattr(f, name), getattr(g, name)), name
    assert g.published_at == f.published_at and g.text_len == f.text_len and g.has_title == f.has_title
    u = _f(featurizer, "t", "текст", when=None)
    assert math.isnan(Features.from_bytes(u.to_bytes()).published_at)
    import pytest

    with pytest.raises(ValueError):
        Features.from_bytes(b"XXX\x01")


def test_choose_canonical_rule():
    t = T0
    members = [("a", t, 500), ("b", t + timedelta(hours=2), 1500), ("c", t + timedelta(days=2), 9000), ("d", None, 9999)]
    assert choose_canonical(members) == "b"
    assert choose_canonical([("x", None, 10), ("y", None, 10)]) == "x"
    assert choose_canonical([("y", t, 10), ("x", t, 10)]) == "x"
