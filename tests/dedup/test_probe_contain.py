"""Char containment (``ccont``), the query probe, the no-content shortcut and the hot-index high-water mark."""

from datetime import datetime, timedelta

import numpy as np

from crawler.config import DedupSettings
from crawler.dedup import Detector, Doc
from crawler.dedup.idf import HashedDocFreq
from crawler.dedup.signals import CharProbe, char_cos_contain, char_vector, pair_signals, sparse_cos, tfidf_vector
from tests.dedup.common import MSK

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=MSK)

# A full release and a two-sentence teaser cut from it, written for this test.
FULL = Doc(
    "full",
    "В Некрасовке открылся спортивный комплекс с бассейном",
    "В районе Некрасовка открылся физкультурно-оздоровительный комплекс на Покровской улице. "
    "В здании площадью 4,8 тысячи квадратных метров есть бассейн на шесть дорожек, игровой зал и тренажерный зал. "
    "Заниматься в комплексе смогут до 600 человек в день, для детей откроют бесплатные секции плавания и мини-футбола. "
    "Строительство вели за счет частного инвестора по городской программе «Мой район». "
    "Рядом с комплексом благоустроили сквер с беговой дорожкой и площадкой для воркаута.",
    T0,
)
TEASER = Doc(
    "teaser",
    "",
    "В районе Некрасовка открылся физкультурно-оздоровительный комплекс на Покровской улице. "
    "В здании площадью 4,8 тысячи квадратных метров есть бассейн на шесть дорожек, игровой зал и тренажерный зал. Читать далее",
    T0 + timedelta(hours=2),
)
OTHER = Doc(
    "other",
    "В Капотне отремонтируют поликлинику",
    "Капитальный ремонт детской поликлиники в Капотне завершат до конца года. Заменят инженерные сети, окна и лифты, "
    "в здании появятся кабинеты для приема узких специалистов и современное рентгеновское оборудование.",
    T0 + timedelta(hours=3),
)


def _rand_sparse(rng, n, share=None):
    ids = np.unique(rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32))
    if share is not None:
        ids = np.unique(np.concatenate([ids, share]))
    return ids, rng.random(ids.size).astype(np.float32)


def test_teaser_is_contained_in_full_text(featurizer):
    full, teaser, other = featurizer.featurize([FULL, TEASER, OTHER])
    cdf = HashedDocFreq()
    for f in (full, teaser, other):
        cdf.add(f.chars)
    cf, ct, co = (char_vector(f, cdf) for f in (full, teaser, other))
    cos, cont = char_cos_contain(full.chars, cf, teaser.chars, ct)
    assert cont > 0.8 and cont > cos + 0.2  # asymmetric: most of the teaser's weight is in the full text
    assert char_cos_contain(full.chars, cf, other.chars, co)[1] < 0.35
    # symmetric in its arguments, and the same value pair_signals reports
    assert char_cos_contain(teaser.chars, ct, full.chars, cf) == (cos, cont)
    s = pair_signals(full, teaser, tfidf_vector(full, _df(full, teaser)), tfidf_vector(teaser, _df(full, teaser)), None, None, cf, ct)
    assert abs(s["ccont"] - cont) < 1e-9 and abs(s["char"] - cos) < 1e-9


def _df(*fs):
    from crawler.dedup.idf import DocFreq

    df = DocFreq()
    for f in fs:
        df.add(f.terms)
    return df


def test_probe_matches_binary_search_including_collisions():
    rng = np.random.default_rng(5)
    for bits in (8, 18):  # 2**8 buckets force many query-internal collisions
        probe = CharProbe(bits)
        for _ in range(50):
            qa, wa = _rand_sparse(rng, int(rng.integers(0, 900)))
            tb, wb = _rand_sparse(rng, int(rng.integers(1, 900)), share=qa[: int(rng.integers(0, qa.size + 1))])
            probe.load(qa, wa)
            got, want = probe.cos_contain(tb, wb), char_cos_contain(qa, wa, tb, wb)
            assert abs(got[0] - want[0]) < 1e-4 * max(1.0, want[0]) and abs(got[1] - want[1]) < 1e-5
            assert abs(want[0] - sparse_cos(qa, wa, tb, wb)) < 1e-6
    probe.load(np.zeros(0, np.uint32), np.zeros(0, np.float32))
    assert probe.cos_contain(tb, wb) == (0.0, 0.0)


def test_no_content_member_counts_zero_without_full_signals(featurizer):
    det = Detector(DedupSettings(), evict=False)
    full, teaser, other = featurizer.featurize([FULL, TEASER, OTHER])
    det.add(1, "full", full)
    det.add(1, "other", other)  # a wrongly filed member that shares nothing with the teaser
    d = det.decide(teaser)
    best = d.explanation["best"]
    assert best["story"] == 1
    assert "other" in best["no_content"] and best["member_p"]["other"] == 0.0
    assert best["signals_vs_canonical"] is not None  # the canonical is always scored in full


def test_hot_index_high_water_mark_and_candidates(featurizer):
    det = Detector(DedupSettings(), evict=False)
    feats = featurizer.featurize([FULL, OTHER])
    det.add(1, "full", feats[0])
    det.add(2, "other", feats[1])
    assert det.hot.hw == 2
    det.remove("other")
    det.add(3, "other2", feats[1])  # the freed slot is reused: the mark does not grow
    assert det.hot.hw == 2
    (teaser,) = featurizer.featurize([TEASER])
    assert "full" in det.hot.candidates(teaser, det.df, 3.0)


def test_stage_of_headlines():
    from crawler.dedup.extract import STAGE_DONE, STAGE_PLAN, STAGE_UNKNOWN, stage
    from crawler.dedup.normalize import fold

    assert stage(fold("В Лианозове построят поликлинику на 750 посещений")) == STAGE_PLAN
    assert stage(fold("Спортивный центр в Печатниках будет открыт весной")) == STAGE_PLAN
    assert stage(fold("В Бескудникове продолжается строительство бассейна")) == STAGE_PLAN
    assert stage(fold("Реконструкция кинотеатра выполнена на 60 процентов")) == STAGE_PLAN
    assert stage(fold("В Лианозове открылась поликлиника на 750 посещений")) == STAGE_DONE
    assert stage(fold("Собянин открыл после реконструкции библиотеку")) == STAGE_DONE
    assert stage(fold("Новая поликлиника начала работу в Лианозове")) == STAGE_DONE
    assert stage(fold("Собянин рассказал о поликлинике в Лианозове")) == STAGE_UNKNOWN
    assert stage(fold("Поликлинику открыли, вторую построят к осени")) == STAGE_UNKNOWN  # both: no claim
    assert stage("") == STAGE_UNKNOWN


def test_stage_conflict_separates_build_and_open_releases(featurizer):
    from crawler.dedup.scorer import PENALTIES, probability

    build = Doc("b", "В Лианозове построят поликлинику на 750 посещений",
                "Поликлинику на 750 посещений в смену построят на Угличской улице в районе Лианозово. "
                "Строительная готовность здания составляет 40 процентов, работы завершат к декабрю.", T0)  # fmt: skip
    opened = Doc("o", "В Лианозове открылась поликлиника на 750 посещений",
                 "Поликлиника на 750 посещений в смену открылась на Угличской улице в районе Лианозово. "
                 "Строительство завершили досрочно, прием ведут 40 врачей.", T0 + timedelta(days=2))  # fmt: skip
    reprint = Doc("r", "Поликлиника на 750 посещений заработала в Лианозове",
                  "На Угличской улице в Лианозове открылась поликлиника на 750 посещений в смену, "
                  "строительство завершили досрочно, прием ведут 40 врачей.", T0 + timedelta(days=2, hours=3))  # fmt: skip
    fb, fo, fr = featurizer.featurize([build, opened, reprint])
    assert (fb.stage, fo.stage, fr.stage) == (1, 2, 2)
    assert PENALTIES["stage_conf"] < 0
    df = _df(fb, fo, fr)
    s_bo = pair_signals(fb, fo, tfidf_vector(fb, df), tfidf_vector(fo, df))
    s_ro = pair_signals(fr, fo, tfidf_vector(fr, df), tfidf_vector(fo, df))
    assert s_bo["stage_conf"] == 1.0 and s_ro["stage_conf"] == 0.0
    # the stage survives the blob round trip (flag bits; format version unchanged)
    from crawler.dedup import Features

    assert Features.from_bytes(fb.to_bytes()).stage == 1 and Features.from_bytes(fo.to_bytes()).stage == 2
    assert probability(s_bo, 3.0)[0] < probability(dict(s_bo, stage_conf=0.0), 3.0)[0]
