"""Purely local news of district sites stays apart; a release reprinted by district sites still
folds. ``fact_conf``: the texts' only figures contradict; ``names`` is 0 when the only names two
texts share say where (districts, streets: ``Features.where``). Texts written for these tests in
the shape of district press-centre items."""

from datetime import datetime, timedelta

import numpy as np

from crawler.dedup import Doc, Features, extract
from crawler.dedup.normalize import fold
from crawler.dedup.idf import DocFreq, HashedDocFreq
from crawler.dedup.scorer import PENALTIES, probability
from crawler.dedup.signals import char_vector, pair_signals, sole_facts_conflict, tfidf_vector
from tests.dedup.common import MSK

T0 = datetime(2025, 5, 14, 9, 30, tzinfo=MSK)


def _yard(i: int, street: str, metres: int, hours: int) -> Doc:
    """An uprava's own item: a yard on ``street`` got a new playground of ``metres`` m²."""
    return Doc(
        f"yard{i}",
        f"Во дворе на {street} обновили детскую площадку",
        f"Жилищник района Зябликово закончил работы во дворе на {street}. "
        f"Детям поставили новые качели и песочницу, уложили мягкое покрытие на {metres} квадратных метрах. "
        "Площадку обновили по просьбам жителей окрестных домов.",
        T0 + timedelta(hours=hours),
    )


# two items of one district site, a week apart, same street, another yard and another area
YARD_A = _yard(1, "Ореховом бульваре", 180, 0)
YARD_B = _yard(2, "Ореховом бульваре", 260, 30)
# the same template on another district's site, same street name (streets cross districts)
YARD_C = _yard(3, "Ореховом бульваре", 95, 50)

FOOTBALL = Doc(
    "football",
    "На Ореховом бульваре сыграли в мини-футбол",
    "Турнир района Зябликово по мини-футболу прошёл на стадионе у дома 27 на Ореховом бульваре. "
    "Сыграли 12 команд школьников, победителям вручили кубки и грамоты.",
    T0 + timedelta(hours=6),
)

RELEASE = Doc(
    "release",
    "Собянин: на Ореховом бульваре открыли новую поликлинику",
    "Мэр Москвы Сергей Собянин открыл детско-взрослую поликлинику на Ореховом бульваре в районе Зябликово. "
    "Площадь здания — 12 тысяч квадратных метров, в день поликлиника примет до 750 пациентов. "
    "В ней работают 40 кабинетов врачей и отделение лучевой диагностики, главным врачом назначена Анна Воронцова. "
    "«Новая поликлиника заменит два старых здания», — отметил Сергей Собянин.",
    T0 + timedelta(hours=2),
)
# two district sites reprint it: one nearly verbatim with its own closing line, one as a short rewrite
REPRINT_1 = Doc(
    "reprint1",
    "Новая поликлиника открылась на Ореховом бульваре",
    "Мэр Москвы Сергей Собянин открыл детско-взрослую поликлинику на Ореховом бульваре в районе Зябликово. "
    "Площадь здания составляет 12 тысяч квадратных метров, в день поликлиника сможет принять до 750 пациентов. "
    "В ней работают 40 кабинетов врачей и отделение лучевой диагностики, главный врач — Анна Воронцова. "
    "Управа района Братеево напоминает, что записаться к врачу можно через портал mos.ru.",
    T0 + timedelta(hours=5),
)
REPRINT_2 = Doc(
    "reprint2",
    "В Зябликове заработала поликлиника на 750 посещений",
    "На Ореховом бульваре открылась новая поликлиника для детей и взрослых, сообщил Сергей Собянин. "
    "Здание площадью 12 тысяч квадратных метров заменит два старых, в день здесь смогут принять до 750 пациентов.",
    T0 + timedelta(hours=9),
)


def _signals(a: Doc, b: Doc, featurizer, others=()):
    fs = featurizer.featurize([a, b, *others])
    df, cdf = DocFreq(), HashedDocFreq()
    for f in fs:
        df.add(f.terms)
        cdf.add(f.chars)
    fa, fb = fs[0], fs[1]
    return fa, fb, pair_signals(fa, fb, tfidf_vector(fa, df), tfidf_vector(fb, df), None, None, char_vector(fa, cdf), char_vector(fb, cdf))


def test_one_district_same_street_template_only_figure_differs_fires_fact_conf(featurizer):
    _, _, s = _signals(YARD_A, YARD_B, featurizer, [YARD_C, FOOTBALL, RELEASE])
    assert s["char"] > 0.9  # the same street and district, the same wording
    assert s["names"] == 0.0  # the street and the district are all the names they share
    assert s["fig_conf"] == 1 and s["fig_agree"] == 0.0 and s["fact_conf"] == 1.0
    p, _ = probability(s, 3.0, encoder=True)
    assert p < 0.1


#: A few days of two district sites: the release and its reprints among the sites' own items.
WEEK = [RELEASE, REPRINT_1, YARD_A, FOOTBALL, YARD_B, REPRINT_2, YARD_C]


def test_local_items_of_one_template_sharing_a_street_stay_separate_stories(replay):
    # the playground template on one street, in one district and in another: only the area differs
    got = replay(WEEK)
    yards = [got[d.id] for d in (YARD_A, YARD_B, YARD_C)]
    assert len(set(yards)) == 3 and got["release"] not in yards, got


def test_local_items_of_other_topics_on_one_street_stay_apart(replay):
    # before revision 4 the football item joined the first playground at 0.90 (names 1.0: the
    # street and the district); a shared place alone is no name evidence now
    got = replay(WEEK)
    assert got["football"] not in (got["yard1"], got["yard2"], got["yard3"], got["release"]), got


def test_release_reprinted_by_two_district_sites_still_merges(replay, featurizer):
    got = replay(WEEK)
    assert got["release"] == got["reprint1"] == got["reprint2"], got
    # the shared figures anchor the reprints: fact_conf never fires between them
    for a, b in ((RELEASE, REPRINT_1), (RELEASE, REPRINT_2), (REPRINT_1, REPRINT_2)):
        assert _signals(a, b, featurizer)[2]["fact_conf"] == 0.0


def test_sole_facts_conflict_needs_every_figure_contradicted(featurizer):
    fa, fb, s = _signals(YARD_A, YARD_B, featurizer)
    assert sole_facts_conflict(fa, fb, 0, 1) == 1.0
    assert sole_facts_conflict(fa, fb, 1, 1) == 0.0  # a figure agrees
    assert sole_facts_conflict(fa, fb, 0, 0) == 0.0  # nothing contradicts
    # a unit the other text lacks: something quantitative a reprint may have kept
    extra = Doc("x", YARD_B.title, YARD_B.text + " На работы потратили 3 дня.", YARD_B.published_at)
    fa, fx, s = _signals(YARD_A, extra, featurizer)
    assert s["fig_conf"] == 1 and s["fact_conf"] == 0.0


def test_a_shared_place_alone_is_no_name_evidence(featurizer):
    fa, fb, s = _signals(YARD_A, FOOTBALL, featurizer, [YARD_B, YARD_C, RELEASE])
    assert set(fa.names.tolist()) <= set(fa.where.tolist())  # «Зябликово», «Ореховый бульвар»
    assert s["names"] == 0.0
    # the release's reprint shares its district and street *and* a person: every name counts
    fr, f1, s = _signals(RELEASE, REPRINT_1, featurizer, [REPRINT_2, YARD_A, FOOTBALL])
    assert fr.where.size and s["names"] > 0.5
    # a framing district is the reprinting site's, not the news's: it stays an ordinary name
    assert extract.where_names(fold("Для жителей района Нагорный: парк открыли"),
                               fold("На улице Маршала Катукова в районе Нагатино-Садовники открыли парк.")) == {
        "марша", "катуков", "нагатино-садовник"}  # fmt: skip
    # a blob written before ``where`` existed reads as none: the plain cosine, as before
    old = Features.from_bytes(fa.to_bytes()[: -(4 + 4 * fa.where.size)])
    assert old.where.size == 0 and np.array_equal(old.names, fa.names)


def test_fact_conf_is_a_hand_set_penalty():
    assert PENALTIES["fact_conf"] == -8.0
