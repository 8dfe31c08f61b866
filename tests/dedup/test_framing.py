"""A district named only in a reprint's framing («Для жителей района X: …», «В районе X узнали
важную новость.») is not the document's district; a district named in the news itself still is
(texts written for these tests)."""

from datetime import datetime, timedelta

from crawler.dedup import Doc
from crawler.dedup import extract
from crawler.dedup.idf import DocFreq, HashedDocFreq
from crawler.dedup.normalize import fold
from crawler.dedup.scorer import probability
from crawler.dedup.signals import char_vector, pair_signals, tfidf_vector
from tests.dedup.common import MSK

T0 = datetime(2025, 9, 3, 10, 0, tzinfo=MSK)

RELEASE = Doc(
    "rel",
    "Собянин: в районе Ховрино открылась библиотека нового формата",
    "Мэр Москвы Сергей Собянин открыл библиотеку нового формата в районе Ховрино. "
    "В ней оборудовали читальный зал, коворкинг и студию звукозаписи, фонд насчитывает 32 тысячи книг. "
    "Библиотека будет работать без выходных с 10:00 до 22:00. "
    "«Современная библиотека — это место встреч, занятий и отдыха для всей семьи», — отметил Сергей Собянин.",
    T0,
)
# a district site's rewrite: its own district in the title and the lead, the release's district
# and figures dropped
FRAMED = Doc(
    "framed",
    "Для жителей района Нагорный: в Москве открылась библиотека нового формата",
    "В районе Нагорный узнали важную новость. "
    "В столице открыли библиотеку нового формата с читальным залом, коворкингом и студией звукозаписи. "
    "Об этом сообщил Мэр Москвы Сергей Собянин. "
    "Библиотека будет работать без выходных. "
    "По словам Сергея Собянина, современная библиотека — это место встреч, занятий и отдыха для всей семьи.",
    T0 + timedelta(hours=4),
)


def _fire(i: int, district: str) -> Doc:
    return Doc(
        f"fire{i}",
        f"Управа района {district} напоминает о правилах пожарной безопасности",
        f"Управа района {district} напоминает жителям о правилах пожарной безопасности в быту. "
        "Не оставляйте включённые электроприборы без присмотра и не загромождайте пути эвакуации. "
        "При пожаре звоните по номеру 101 или 112.",
        T0 + timedelta(hours=i),
    )


def _yard(i: int, district: str, street: str, n: int) -> Doc:
    return Doc(
        f"yard{i}",
        f"На {street} отремонтировали детскую площадку",
        f"Во дворе на {street} в районе {district} завершён ремонт детской площадки. "
        f"Установлены новые качели, горка и резиновое покрытие площадью {n} квадратных метров. "
        "Работы выполнены по обращениям жителей.",
        T0 + timedelta(hours=i),
    )


FIRE_A, FIRE_B = _fire(1, "Кузьминки"), _fire(2, "Печатники")
YARD_A, YARD_B = _yard(3, "Кузьминки", "улице Юных Ленинцев", 120), _yard(4, "Печатники", "Шоссейной улице", 120)


def _signals(fz, a: Doc, b: Doc) -> dict:
    fa, fb = fz.featurize([a, b])
    df, cdf = DocFreq(), HashedDocFreq()
    for f in (fa, fb):
        df.add(f.terms)
        cdf.add(f.chars)
    return pair_signals(fa, fb, tfidf_vector(fa, df), tfidf_vector(fb, df), ca=char_vector(fa, cdf), cb=char_vector(fb, cdf))


def test_framing_districts_do_not_count():
    title, body = fold(FRAMED.title), fold(FRAMED.text)
    assert extract.districts(title + "\n" + body) == {"нагорн"}
    assert extract.content_districts(title, body) == set()
    # «Жителей района X касается:» and a framing lead with a cue word
    assert extract.content_districts(fold("Жителей района Сокол касается: в метро заработает новый вестибюль"),
                                     fold("В районе Сокол эта новость касается многих семей. Вестибюль откроют в районе Аэропорт.")) == {"аэропорт"}  # fmt: skip


def test_news_districts_still_count():
    for d in (FIRE_A, YARD_A):
        assert extract.content_districts(fold(d.title), fold(d.text)) == {"кузьминк"}
    # a colon title whose district is also the news's district keeps it through the body
    assert extract.content_districts(fold("Район Печатники: открыт новый сквер"),
                                     fold("В районе Печатники на Шоссейной улице открыт сквер.")) == {"печатник"}  # fmt: skip


def test_framed_reprint_has_no_district_conflict(featurizer):
    s = _signals(featurizer, RELEASE, FRAMED)
    assert s["place_conf"] == 0.0 and s["local_conf"] == 0.0
    assert probability(s, 3.0)[0] > 0.5


def test_templated_local_items_of_two_districts_still_conflict(featurizer):
    s = _signals(featurizer, FIRE_A, FIRE_B)
    assert s["place_conf"] == 1.0 and s["local_conf"] == 1.0
    assert probability(s, 3.0)[0] < 0.01
    s = _signals(featurizer, YARD_A, YARD_B)
    assert s["addr_conf"] == 1.0 and s["place_conf"] == 1.0
    assert probability(s, 3.0)[0] < 0.05


def test_detector_merges_framed_reprint_and_keeps_local_items_apart(replay):
    got = replay([RELEASE, FIRE_A, YARD_A, FRAMED, FIRE_B, YARD_B])
    assert got["framed"] == got["rel"]
    assert got["fire1"] != got["fire2"] and got["yard3"] != got["yard4"]
    assert len({got["rel"], got["fire1"], got["yard3"]}) == 3
