"""The releases table marks what it cuts and shows the okrug a filter matched."""

from crawler.cli.query import _clip, _okrugs


def test_okrugs_fit_the_column_and_count_the_rest() -> None:
    many = ["ВАО", "ЗАО", "ЗелАО", "САО", "ЦАО"]
    assert _okrugs(many) == "ВАО,ЗАО +3"
    assert _okrugs(many, first="цао").startswith("ЦАО,")  # the filtered okrug is visible
    assert _okrugs(["ЦАО"]) == "ЦАО" and _okrugs([]) == ""
    assert len(_okrugs(["Новомосковский АО"] * 2)) <= 14


def test_clip_marks_a_cut() -> None:
    assert _clip("короткий", 20) == "короткий"
    assert _clip("очень длинный заголовок", 10) == "очень дли…" and len(_clip("x" * 50, 10)) == 10
