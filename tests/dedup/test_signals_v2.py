"""Character n-grams, speaker / release-date conflicts, the hashed DF table, the attach rule."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from crawler.dedup import Detector, Doc, Features
from crawler.dedup.chargrams import char_ngrams
from crawler.dedup.detector import story_score
from crawler.dedup.extract import release_dates, speakers
from crawler.dedup.idf import HashedDocFreq
from crawler.dedup.normalize import clean_text, fold
from crawler.dedup.scorer import PENALTIES, probability
from crawler.dedup.signals import rdate_conflict, sparse_cos
from tests.dedup.common import MSK

T0 = datetime(2025, 6, 17, 11, 0, tzinfo=MSK)

# A release and an independent paraphrase of it, written for this test.
ORIGINAL = Doc(
    "orig",
    "Собянин: в Марьине откроется семейный центр с библиотекой и коворкингом",
    "Сергей Собянин сообщил, что в районе Марьино завершают строительство семейного центра на Люблинской улице. "
    "В четырехэтажном здании площадью 5,2 тысячи квадратных метров разместятся библиотека на 40 тысяч книг, "
    "коворкинг, кружки для детей и зал для лекций на 180 мест. Центр примет первых посетителей в сентябре. "
    "\"Мы хотим, чтобы у каждой семьи рядом с домом было место для учебы и отдыха\", - отметил мэр. "
    "Здание построено по городской программе, подрядчик закончил фасадные работы досрочно.",
    T0,
)
PARAPHRASE = Doc(
    "para",
    "В Марьине достраивают семейный центр: библиотека, коворкинг и лекторий",
    "На Люблинской улице в Марьине заканчивают возводить семейный центр, рассказал мэр Москвы Сергей Собянин. "
    "Четыре этажа, 5,2 тысячи \"квадратов\": внутри будут библиотека с фондом в 40 тысяч книг, детские кружки, "
    "коворкинг и лекционный зал, рассчитанный на 180 слушателей. Открыть центр для жителей планируют в сентябре. "
    "Фасады подрядчик успел отделать раньше срока.",
    T0 + timedelta(hours=5),
)
OTHER = Doc(
    "other",
    "В Марьине отремонтируют поликлинику на Люблинской улице",
    "Капитальный ремонт детской поликлиники на Люблинской улице в Марьине начнется в июле. Строители заменят "
    "инженерные сети, лифты и окна, обновят кабинеты врачей. На время работ прием перенесут в филиал.",
    T0 + timedelta(hours=1),
)


def test_char_ngrams_are_word_bounded_and_stable():
    ids, counts = char_ngrams("Кот кот")
    assert ids.dtype == np.uint32 and counts.dtype == np.uint16
    assert np.all(np.diff(ids.astype(np.int64)) > 0)  # sorted unique
    # " кот " -> 3-grams " ко","кот","от ", 4-grams " кот","кот ", 5-gram " кот " : 6 distinct, each twice
    assert ids.size == 6 and set(counts.tolist()) == {2}
    a, _ = char_ngrams("кот пес")
    b, _ = char_ngrams("кот")
    c, _ = char_ngrams("пес")
    assert set(a.tolist()) == set(b.tolist()) | set(c.tolist())  # nothing spans the two words
    assert np.array_equal(char_ngrams("Ёлка")[0], char_ngrams("елка")[0])


def test_hashed_docfreq_counts_and_withdraws():
    df = HashedDocFreq(use_prior=False)
    ids = np.array([1, 2, 3], np.uint32)
    df.add(ids)
    df.add(np.array([3], np.uint32))
    idf = df.idf(np.array([1, 3, 99], np.uint32))
    assert idf[1] < idf[0] < idf[2]
    df.add(ids, -1)
    assert df.n == 1 and df.idf(np.array([1], np.uint32))[0] == df.idf(np.array([99], np.uint32))[0]


def test_sparse_cos_matches_dense():
    ta, tb = np.array([1, 5, 9], np.uint32), np.array([0, 5, 9, 12], np.uint32)
    wa, wb = np.array([0.6, 0.0, 0.8], np.float32), np.array([0.5, 0.5, 0.5, 0.5], np.float32)
    assert sparse_cos(ta, wa, tb, wb) == pytest.approx(0.4)
    assert sparse_cos(tb, wb, ta, wa) == pytest.approx(0.4)


def test_speakers():
    assert speakers(fold("Наталья Сергунина: проект объединил семь миллионов"), "") == {"сергу"}
    body = fold("Об этом сообщил мэр Москвы Сергей Собянин в своем блоге. Собянин отметил, что работы идут.")
    assert speakers("", body) == {"собян"}
    assert speakers("", fold("Зимой на Никольской людно, отметил он.")) == set()


def test_release_dates():
    assert release_dates(fold("Об этом в среду, 7 мая, сообщил мэр.")) == {507}
    assert release_dates("МОСКВА, 3 дек - РИА Новости. Текст") == {1203}
    assert release_dates("РИА Новости, 04.12.2025") == {1204}
    assert release_dates(fold("7 и 8 сентября пройдет праздник")) == set()  # event dates do not count


def test_rdate_conflict_and_speaker_penalty(featurizer):
    a = featurizer.featurize([Doc("a", "Центр поддержки", "Об этом в среду, 7 мая, рассказал мэр. Центр работает.", None)])[0]
    b = featurizer.featurize([Doc("b", "Центр поддержки", "Центр работает. МОСКВА, 13 марта - новости.", None)])[0]
    c = featurizer.featurize([Doc("c", "Центр поддержки", "Центр работает.", datetime(2025, 5, 8, tzinfo=MSK))])[0]
    assert rdate_conflict(a, b) == 1.0
    assert rdate_conflict(a, c) == 0.0  # published the next day: within the tolerance
    base = {"char": 0.5, "tfidf": 0.5, "contain": 0.0, "enc": 0.8, "title": 0.5, "title_na": 0.0, "names": 0.5,
            "fig_agree": 1.0, "fig_conf": 0.0, "dt": float("nan")}  # fmt: skip
    p0, _ = probability(base, 3.0)
    p1, _ = probability({**base, "spk_conf": 1.0}, 3.0)
    p2, _ = probability({**base, "rdate_conf": 1.0}, 3.0)
    assert p0 > 0.9 and p1 < 0.2 and p2 < 0.2
    assert PENALTIES["spk_conf"] <= -8 and PENALTIES["rdate_conf"] <= -8


def test_story_score_majority_rule():
    assert story_score([]) == 0.0
    assert story_score([0.9]) == 0.9
    assert story_score([0.9, 0.1]) == pytest.approx(0.5)  # two members: both must agree
    assert story_score([0.9, 0.8, 0.0]) == pytest.approx(0.85)  # 2 of 3
    assert story_score([0.95, 0.0, 0.0, 0.0]) < 0.5
    # support gate: one strong match among weak ones is a coincidence, not a story
    assert story_score([0.81, 0.48, 0.45, 0.03]) < 0.5  # the mean of the top three would be 0.58
    assert story_score([0.81, 0.62, 0.45, 0.03]) == pytest.approx((0.81 + 0.62 + 0.45) / 3)
    assert story_score([0.81, 0.48, 0.45, 0.03], support=0.4) == pytest.approx((0.81 + 0.48 + 0.45) / 3)


def test_own_paraphrase_pair_merges_and_unrelated_does_not(featurizer, settings):
    fo, fp, fx = featurizer.featurize([ORIGINAL, PARAPHRASE, OTHER])
    det = Detector(settings)
    det.add(1, "orig", fo)
    det.add(2, "other", fx)
    dec = det.decide(fp)
    assert dec.story_id == 1, dec.explanation
    assert dec.explanation["best"]["signals_vs_canonical"]["char"] > 0.2


def test_features_v2_round_trip_and_old_version_rejected(featurizer):
    f = featurizer.featurize([ORIGINAL])[0]
    assert f.chars.size > 100 and f.ctf.size == f.chars.size
    g = Features.from_bytes(f.to_bytes())
    for name in ("chars", "ctf", "speakers", "rdates"):
        assert np.array_equal(getattr(f, name), getattr(g, name)), name
    blob = bytearray(f.to_bytes())
    blob[3] = 1  # a version-1 blob written before the char n-grams existed
    with pytest.raises(ValueError):
        Features.from_bytes(bytes(blob))
    with pytest.raises(ValueError):
        Features.from_bytes(f.to_bytes()[:-3])


def test_clean_text_attribution_linear():
    line = "Школа открыта. Как сообщил в своем блоге мэр, это вторая школа. " * 200
    out = clean_text(line)
    assert "блоге" not in out and out.count("Школа открыта") == 200


def test_templated_local_news_for_other_districts_stay_apart(featurizer, settings):
    from crawler.dedup.extract import districts

    assert districts(fold("Субботник прошел в районе Ясенево. Жители района Ясенево убрали дворы.")) == {"ясенев"}
    tpl = "В районе {d} прошла ярмарка выходного дня. На ярмарке работали {n} палаток с фермерскими продуктами."
    fa, fb = featurizer.featurize([
        Doc("a", "Ярмарка в районе Ясенево", tpl.format(d="Ясенево", n=24), T0),
        Doc("b", "Ярмарка в районе Перово", tpl.format(d="Перово", n=24), T0 + timedelta(hours=1)),
    ])  # fmt: skip
    det = Detector(settings)
    det.add(1, "a", fa)
    dec = det.decide(fb)
    assert dec.story_id is None
    assert dec.explanation["best"]["signals_vs_canonical"]["place_conf"] == 1.0
