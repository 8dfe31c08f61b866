"""A short local item that shares only its district with a city release angled to that
district stays apart (``topic_conf``); reprints of the release still join."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.config import DedupSettings
from crawler.dedup import Detector, Doc, Featurizer
from crawler.dedup.signals import TOPIC_MIN, pair_signals, tfidf_vector
from crawler.dedup.idf import DocFreq
from tests.dedup.common import MSK, replay_docs

T0 = datetime(2026, 4, 7, 9, 0, tzinfo=MSK)

RELEASE = (
    "В районе Лефортово на маршруты вышли 30 новых трамваев.\n"
    "Сейчас трамвайный парк города насчитывает 1100 вагонов.\n"
    "«Трамваи тихие и просторные, пассажиры их хвалят», — отметил Сергей Собянин."
)
TITLES = [
    "Собянин: в районе Лефортово на маршруты вышли 30 трамваев",
    "Новые трамваи начали ходить в районе Лефортово",
    "Жителей округа касается: в районе Лефортово вышли новые трамваи",
    "Трамваи нового поколения появились в районе Лефортово",
]
LOCAL = Doc(
    id="local",
    title="Шахматный турнир в районе Лефортово",
    text="В воскресенье в районе Лефортово прошёл шахматный турнир.\nЗа доски сели 40 школьников и ветераны.\n"
    "Призы победителям вручила управа района Лефортово.",
    published_at=T0 + timedelta(hours=5),
)


def _docs() -> list[Doc]:
    return [Doc(id=f"r{k}", title=t, text=RELEASE, published_at=T0 + timedelta(minutes=20 * k)) for k, t in enumerate(TITLES)] + [LOCAL]


def test_local_item_sharing_only_the_district_stays_apart() -> None:
    settings = DedupSettings(encoder=False)
    got, _, decisions = replay_docs(Detector(settings), Featurizer(settings), _docs())
    assert len({got[f"r{k}"] for k in range(len(TITLES))}) == 1  # the release's reprints: one story
    assert got["local"] != got["r0"]
    best = decisions[-1].explanation["best"]
    assert best["signals_vs_canonical"]["topic_conf"] == 1.0  # the reason it stayed apart


def test_topic_signal_ignores_names_only() -> None:
    fz = Featurizer(DedupSettings(encoder=False))
    rel, rel2, local = fz.featurize([_docs()[0], _docs()[1], LOCAL])
    df = DocFreq()
    for f in (rel, rel2, local):
        df.add(f.terms)
    w = {id(f): tfidf_vector(f, df) for f in (rel, rel2, local)}
    s_local = pair_signals(rel, local, w[id(rel)], w[id(local)])
    s_reprint = pair_signals(rel, rel2, w[id(rel)], w[id(rel2)])
    assert s_local["tfidf"] > 0 and s_local["topic"] < TOPIC_MIN  # only «район Лефортово» in common
    assert s_reprint["topic"] > 0.5 and s_reprint["topic_conf"] == 0.0
