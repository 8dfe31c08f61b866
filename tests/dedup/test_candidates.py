"""Candidate lookup of the hot index (term route only: the encoder is off here)."""

from datetime import datetime, timedelta

from crawler.config import DedupSettings
from crawler.dedup import Detector, Doc, Featurizer
from crawler.dedup.index import MAX_TERM_CANDS, QUERY_K
from tests.dedup.common import MSK

T0 = datetime(2025, 5, 14, 11, 0, tzinfo=MSK)
NOENC = DedupSettings(encoder=False)

RELEASE = Doc(
    "rel",
    "В Зябликове открыли сквер у пруда Шибаевский",
    "У пруда Шибаевский в районе Зябликово открыли сквер с липовой аллеей, причалом и беседками.",
    T0,
)

# a heavy rewrite: forty words the index has never seen, plus the release's rare names
_NEW_WORDS = (
    "лебеди кувшинки мостки скамейки фонари родники ивы ольха камыши утки рыбаки пирс гравий валуны"
    " стрекозы ландшафтники архитекторы подсветка терраса шезлонги велопарковка самокаты прокат лодки"
    " вёсла спасатели буйки кормушки скворечники сирень жасмин шиповник барбарис клёны рябины ели сосны"
)


def test_unseen_words_do_not_crowd_out_shared_rare_names():
    fz = Featurizer(NOENC)
    det = Detector(NOENC, evict=False)
    det.add(1, "rel", fz.featurize([RELEASE])[0])
    words = _NEW_WORDS.split()
    assert len(words) > QUERY_K
    body = "Горожане оценят: " + ", ".join(words) + " — всё это теперь у пруда Шибаевский в Зябликове, сквер открыт."
    (q,) = fz.featurize([Doc("rw", "Новый сквер для прогулок", body, T0 + timedelta(hours=3))])
    assert "rel" in det.hot.candidates(q, det.df, 3.0)


def test_out_of_window_lookalikes_do_not_take_the_places():
    # many last-month items of one template share more terms with the query than this week's release
    fz = Featurizer(NOENC)
    det = Detector(NOENC, evict=False)
    old = [
        Doc(f"old{i}", "Ярмарка выходного дня на Каширском шоссе",
            f"На Каширском шоссе снова работает ярмарка выходного дня: мёд, сыры, овощи и выпечка, {20 + i} павильонов.",
            T0 - timedelta(days=30, minutes=i))  # fmt: skip
        for i in range(MAX_TERM_CANDS + 8)
    ]
    for i, f in enumerate(fz.featurize(old)):
        det.add(100 + i, old[i].id, f)
    new = Doc("new", "Ярмарку с Каширского шоссе перенесут к метро Домодедовская",
              "Ярмарку с Каширского шоссе перенесут к станции метро Домодедовская.", T0)  # fmt: skip
    det.add(1, "new", fz.featurize([new])[0])
    body = "Ярмарка выходного дня на Каширском шоссе (мёд, сыры, овощи, выпечка) переедет к метро Домодедовская."
    (q,) = fz.featurize([Doc("q", "Ярмарка выходного дня переедет", body, T0 + timedelta(hours=2))])
    cands = det.hot.candidates(q, det.df, 3.0)
    assert "new" in cands
    assert not any(c.startswith("old") for c in cands)
