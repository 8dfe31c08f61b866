"""The title a story is shown under: the release's own wording, not a district's re-titling."""

from __future__ import annotations

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
