"""The title a story is shown under: the release's own wording, not a district's re-titling."""

from __future__ import annotations

import itertools

from crawler.dedup import story_title


def test_plain_title_beats_district_angles() -> None:
    titles = [
        "Для жителей района Лефортово: Собянин открыл после реконструкции бассейн «Дельфин»",
        "Собянин открыл после реконструкции бассейн «Дельфин»",
        "Жителей района Печатники касается: Собянин открыл после реконструкции бассейн «Дельфин»",
        "Бассейн заработал",
    ]
    assert story_title(titles) == "Собянин открыл после реконструкции бассейн «Дельфин»"


def test_medoid_among_plain_titles() -> None:
    titles = [
        "В Москве открылся обновлённый бассейн «Дельфин»",
        "Обновлённый бассейн «Дельфин» открылся после реконструкции",
        "Бассейн «Дельфин» открылся после реконструкции",
        "Спорт",
    ]
    # The title sharing most content stems with all the others (the medoid).
    assert story_title(titles) == "Обновлённый бассейн «Дельфин» открылся после реконструкции"


def test_edge_cases() -> None:
    assert story_title([]) == ""
    assert story_title(["", "  "]) == ""
    only = "Управа района Капотня напоминает о правилах пожарной безопасности"
    assert story_title([only, only]) == only  # nothing better: keep the district's own


def test_mayors_headline_quoted_by_an_angled_title_wins() -> None:
    # The Mayor's headline names a district itself; the angled title quotes it after its prefix.
    mayor = "Собянин: в районе Куркино открылась новая школа на 800 мест"
    titles = [
        "Жителей района Куркино касается: в районе Куркино открылась новая школа на 800 мест",
        mayor,
        "Жителей района Куркино касается: в районе Куркино открылась новая школа на 800 мест",
        "Для жителей округа: в районе Куркино открылась новая школа на 800 мест",
    ]
    assert story_title(titles) == mayor


def test_okrug_angle_is_set_aside() -> None:
    titles = [
        "Для жителей округа: в Москве откроют ещё пять станций метро",
        "Для жителей округа: в Москве откроют ещё пять станций метро",
        "Пять новых станций метро откроют до конца года",
    ]
    assert story_title(titles) == "Пять новых станций метро откроют до конца года"


def test_the_order_of_the_titles_never_matters() -> None:
    # Equal medoid scores must tie the same way whatever order the titles come in.
    titles = ["Над путями построили эстакаду", "Эстакада готова к движению", "Новую эстакаду открыли над железной дорогой"]
    assert {story_title(list(p)) for p in itertools.permutations(titles)} == {"Эстакада готова к движению"}


def test_a_quoted_title_naming_a_district_does_not_beat_the_headline() -> None:
    headline = "Сергей Собянин открыл движение по эстакаде на Огородном проезде"
    titles = [
        "Для жителей района Марфино: в районе Останкинский открыли движение по эстакаде",
        "В районе Останкинский открыли движение по эстакаде",
        headline,
    ]
    assert story_title(titles) == headline


def test_only_prefixed_titles_give_the_wording_they_quote() -> None:
    titles = [
        "Для жителей района Марфино: в Москве откроют пять новых станций метро",
        "Жителей района Останкинский касается: в Москве откроют пять новых станций метро",
    ]
    assert story_title(titles) == "В Москве откроют пять новых станций метро"


def test_a_quoted_retitling_does_not_outweigh_the_mayors_headline() -> None:
    # A district quoting another district's re-titling is no evidence against the Mayor's headline
    # that most members carry.
    headline = "Собянин: число пассажиров речных трамваев выросло в три раза"
    titles = [headline] * 4 + [
        "Речные трамваи подвели итоги навигации",
        "Для жителей района Хорошёво-Мнёвники: речные трамваи подвели итоги навигации",
    ]
    assert story_title(titles) == headline


def test_the_mayors_wording_quoted_by_districts_beats_a_plain_retitling() -> None:
    titles = ["Новая школа открылась на Ленинском проспекте"] * 3 + [
        "Для жителей района Тёплый Стан: Сергей Собянин открыл школу на 1100 мест в районе Коньково",
        "Для жителей района Ясенево: Сергей Собянин открыл школу на 1100 мест в районе Коньково",
    ]
    assert story_title(titles) == "Сергей Собянин открыл школу на 1100 мест в районе Коньково"
