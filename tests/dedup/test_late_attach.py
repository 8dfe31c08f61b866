"""Late attachment (Detector.revisit): a teaser decided before the fuller reprints arrived
joins their story once they have; a lone article of another release stays alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.config import DedupSettings
from crawler.dedup import Detector, Doc, Featurizer
from tests.dedup.common import MSK, replay_docs

T0 = datetime(2026, 5, 12, 10, 0, tzinfo=MSK)

# One release about a finished park, in three paragraphs (own words).
P1 = ("Сергей Собянин сообщил, что в Южном административном округе завершили благоустройство парка «Ореховые пруды». "
      "По словам мэра, парк стал одним из самых больших в этой части города.")
P2 = ("Вдоль берегов трёх прудов проложили 4,2 километра прогулочных дорожек, установили 35 беседок и 120 скамеек. "
      "Для детей построили шесть игровых площадок с канатными городками, для взрослых — воркаут-зону и две площадки для настольного тенниса.")
P3 = ("Весной здесь высадили 900 деревьев и около 5 тысяч кустарников, восстановили родники и очистили дно прудов. "
      "Летом на центральной поляне будут проходить концерты и занятия йогой.")

#: The first reprint is cut to the lead; the teaser retells only the later paragraphs.
CUT = Doc(id="cut", title="Собянин: благоустройство парка «Ореховые пруды» завершено", text=P1, published_at=T0)
TEASER = Doc(
    id="teaser",
    title="Четыре километра дорожек и шесть детских площадок: что появилось у прудов на юге Москвы",
    text="В парке на юге столицы проложили 4,2 километра дорожек, поставили 35 беседок и 120 скамеек, высадили 900 деревьев. "
    "Детей ждут шесть площадок с канатными городками, взрослых — воркаут-зона и теннисные столы.",
    published_at=T0 + timedelta(minutes=30),
)
FULL = [
    Doc(id=f"full{k}", title=t, text=f"{P1}\n{P2}\n{P3}", published_at=T0 + timedelta(hours=1 + k))
    for k, t in enumerate(["Завершено благоустройство парка «Ореховые пруды»", "В ЮАО обновили парк «Ореховые пруды»"])
]
#: Another release of the same day and template: another park, other figures.
OTHER = Doc(
    id="other",
    title="Собянин: благоустройство парка «Борисовские пруды» завершено",
    text="Сергей Собянин сообщил, что в Южном административном округе завершили благоустройство парка «Борисовские пруды». "
    "Вдоль набережной проложили 2,8 километра дорожек, установили 14 беседок и 60 скамеек, построили три площадки для детей.",
    published_at=T0 + timedelta(minutes=40),
)


def _run(docs: list[Doc], revisit: bool) -> tuple[dict[str, int], list[tuple[str, int]]]:
    settings = DedupSettings(encoder=False)
    got, moves, _ = replay_docs(Detector(settings), Featurizer(settings), docs, revisit=revisit)
    return got, moves


def test_teaser_first_joins_the_story_once_full_reprints_arrive() -> None:
    docs = [CUT, TEASER, OTHER, *FULL]
    without, _ = _run(docs, revisit=False)
    assert without["teaser"] != without["cut"]  # decided against the cut lead alone: no match
    got, moves = _run(docs, revisit=True)
    assert got["teaser"] == got["cut"] == got["full0"] == got["full1"]
    assert moves == [("teaser", without["teaser"])]
    assert got["other"] not in {got["cut"]}  # the other park stays apart


def test_revisit_ignores_stories_with_several_members() -> None:
    """Only lone articles move: a story of two is never re-decided member by member."""
    teaser2 = Doc(id="teaser2", title=TEASER.title, text=TEASER.text, published_at=TEASER.published_at + timedelta(minutes=5))
    got, moves = _run([CUT, TEASER, teaser2, *FULL], revisit=True)
    assert got["teaser"] == got["teaser2"] != got["cut"]
    assert moves == []


def test_decide_can_exclude_a_story() -> None:
    settings = DedupSettings(encoder=False)
    det = Detector(settings)
    f_cut, f_full = Featurizer(settings).featurize([CUT, FULL[0]])
    det.add(1, "cut", f_cut)
    assert det.decide(f_full).story_id == 1
    assert det.decide(f_full, exclude_story=1).story_id is None


def test_headline_name_conflict_keeps_template_releases_apart() -> None:
    """The cut lead and the other park's release share every word but the park's name."""
    from crawler.dedup.features import Features
    from crawler.dedup.signals import name_conflict
    from tests.dedup.common import legacy_blob

    fz = Featurizer(DedupSettings(encoder=False))
    cut, other, full, teaser = fz.featurize([CUT, OTHER, FULL[0], TEASER])
    assert name_conflict(cut, other) == 1.0 == name_conflict(other, cut)
    assert name_conflict(cut, full) == 0.0
    # a reprint that drops the quotes still names the park: no conflict
    unquoted = fz.featurize([Doc(id="u", title="Парк Ореховые пруды открылся после благоустройства", text=P1.replace("«", "").replace("»", ""), published_at=T0)])[0]
    assert name_conflict(cut, unquoted) == 0.0
    assert teaser.qnames.size == 0 and name_conflict(teaser, other) == 0.0  # no quoted name: no evidence
    # round trip, and a blob written before ``qnames`` existed reads as no names
    assert cut.qnames.size and list(Features.from_bytes(cut.to_bytes()).qnames) == list(cut.qnames)
    old = legacy_blob(cut, 16)
    assert Features.from_bytes(old).qnames.size == 0
