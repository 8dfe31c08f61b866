"""Templated district news vs district-angled reprints: identifiers, places, ``addr_conf``,
``local_conf``, ``fig_major_conf`` (texts written for these tests)."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from crawler.dedup import Doc, Features
from crawler.dedup import extract
from crawler.dedup.idf import DocFreq, HashedDocFreq
from crawler.dedup.normalize import fold
from crawler.dedup.scorer import probability
from crawler.dedup.signals import char_vector, pair_signals, tfidf_vector
from tests.dedup.common import MSK, legacy_blob

T0 = datetime(2025, 6, 10, 9, 0, tzinfo=MSK)


def _local(i: int, district: str, street: str, house: int, n: int, lib: int) -> Doc:
    return Doc(
        f"loc{i}",
        f"Управа района {district} сообщает о ремонте сквера",
        f"В сквере у дома {house} на {street} в районе {district} завершили ремонт. "
        f"Уложено {n} квадратных метров плитки, установлены скамейки и урны. "
        f"Вопросы о работах жители могут задать в библиотеке № {lib} или по телефону 112.",
        T0 + timedelta(hours=i),
    )


LOCAL_A = _local(1, "Бирюлёво Западное", "улице Медиков", 14, 320, 7)
LOCAL_B = _local(2, "Бирюлёво Восточное", "Липецкой улице", 14, 540, 23)

RELEASE = Doc(
    "rel",
    "Собянин открыл детский технопарк на Нагатинской улице",
    "Мэр Москвы Сергей Собянин открыл детский технопарк «Кванториум» на Нагатинской улице в районе Нагатино-Садовники. "
    "Заниматься в нём смогут 1200 школьников, для них оборудовали 14 лабораторий робототехники и программирования. "
    "Площадь здания составляет 6 300 квадратных метров. "
    "«Ребята смогут собирать роботов и готовиться к олимпиадам», — отметил Сергей Собянин.",
    T0,
)
ANGLED = Doc(
    "angled",
    "Для жителей района Царицыно: открыт детский технопарк на Нагатинской улице",
    "В районе Царицыно многие родители ждали этой новости. "
    "Мэр Москвы Сергей Собянин открыл детский технопарк «Кванториум» на Нагатинской улице. "
    "Заниматься в нём смогут 1200 школьников, для них оборудовали 14 лабораторий робототехники и программирования. "
    "Площадь здания — 6 300 квадратных метров. "
    "Управа района Царицыно приглашает школьников записаться на занятия.",
    T0 + timedelta(hours=3),
)


def test_numbers_after_no_house_and_phone_are_identifiers_not_figures():
    t = fold("В библиотеке № 12 и № 5, 7 собрались 85 читателей. Дом 8, телефон 101 или 112.")
    assert extract.figures(t) == [("читател", 85.0)]
    assert {"12", "5", "7", "8", "101", "112"} <= extract.identifiers(t)
    assert extract.places(t) == {"№12", "№5", "№7"}  # house and phone numbers name no place


def test_places_streets_and_two_word_districts():
    t = fold("Во дворе на улице Маршала Бирюзова и на Рязанском проспекте. Общая площадь 40 кв. м.")
    assert extract.places(t) == {"ул:бирюзов", "ул:рязанск"}
    assert extract.districts(fold("в районе Южное Бутово; школ района Южное Тушино")) == {"южн бутов", "южн тушин"}


def _signals(fz, a: Doc, b: Doc) -> tuple[dict, Features, Features]:
    fa, fb = fz.featurize([a, b])
    df, cdf = DocFreq(), HashedDocFreq()
    for f in (fa, fb):
        df.add(f.terms)
        cdf.add(f.chars)
    s = pair_signals(fa, fb, tfidf_vector(fa, df), tfidf_vector(fb, df), ca=char_vector(fa, cdf), cb=char_vector(fb, cdf))
    return s, fa, fb


def test_templated_local_items_of_two_districts_conflict(featurizer):
    s, _, _ = _signals(featurizer, LOCAL_A, LOCAL_B)
    assert s["char"] > 0.6  # one template
    assert s["place_conf"] == 1.0 and s["addr_conf"] == 1.0 and s["local_conf"] == 1.0
    assert s["fig_agree"] == 0.0  # «дом 14», «112» no longer agree as figures
    assert probability(s, 3.0)[0] < 0.01


def test_release_and_its_district_angled_reprint_agree(featurizer):
    s, _, _ = _signals(featurizer, RELEASE, ANGLED)
    # the reprint adds its own district, but the release's street and figures still agree
    assert s["addr_conf"] == 0.0 and s["local_conf"] == 0.0 and s["place_conf"] == 0.0
    assert s["fig_agree"] > 0.0 and s["fig_major_conf"] == 0.0
    assert probability(s, 3.0)[0] > 0.5


def test_detector_keeps_local_items_apart_and_merges_the_reprint(replay):
    got = replay([RELEASE, LOCAL_A, ANGLED, LOCAL_B])
    assert got["angled"] == got["rel"]
    assert got["loc1"] != got["loc2"]
    assert got["loc1"] != got["rel"] and got["loc2"] != got["rel"]


def test_figures_mostly_disagreeing_is_a_look_alike():
    f = np.zeros(0, np.uint32)

    def feats(units, values):
        return Features(terms=f, tf=np.zeros(0, np.uint16), title_terms=f, shingles=f, vec=np.zeros(0, np.int8),
                        fig_units=np.asarray(units, np.uint32), fig_values=np.asarray(values, np.float32),
                        years=np.zeros(0, np.uint16), dates=np.zeros(0, np.uint16), names=f)  # fmt: skip

    a = feats([0, 1, 2, 3], [14, 380, 45e6, 4e6])
    b = feats([0, 1, 2, 3], [14, 210, 43e6, 5.6e6])
    s = pair_signals(a, b, np.zeros(0, np.float32), np.zeros(0, np.float32))
    assert s["fig_conf"] == 3 and s["fig_major_conf"] == 1.0
    c = feats([0, 1, 2, 3], [14, 380, 45e6, 5.6e6])
    assert pair_signals(a, c, np.zeros(0, np.float32), np.zeros(0, np.float32))["fig_major_conf"] == 0.0


def test_places_round_trip_and_blob_without_places(featurizer):
    f = featurizer.featurize([LOCAL_A])[0]
    assert f.places.size >= 2
    g = Features.from_bytes(f.to_bytes())
    assert np.array_equal(g.places, f.places)
    old = legacy_blob(f, 15)  # a v2 blob written before ``places``
    assert Features.from_bytes(old).places.size == 0
    with pytest.raises(ValueError):
        Features.from_bytes(f.to_bytes()[:-2])
