"""Extraction revision 3: figures a rewrite restates, greetings, stages of the same object,
and body years that are history rather than another year's release."""

from datetime import datetime

from crawler.dedup import Doc
from crawler.dedup.extract import STAGE_DONE, STAGE_PLAN, figures, stage
from crawler.dedup.normalize import fold
from crawler.dedup.signals import figure_agreement, greeting_conflict, pair_signals, tfidf_vector
from crawler.dedup.idf import DocFreq
from tests.dedup.common import MSK


def test_spelled_out_and_abbreviated_figures_are_one_figure():
    a = dict(figures(fold("Площадь арены составит более семи тысяч квадратных метров")))
    b = dict(figures(fold("Арена площадью 7 тыс. кв. м появится в этом году")))
    assert a == {"квадратн": 7000.0}
    assert b == {"квадратн": 7000.0}
    assert dict(figures(fold("проложат 12 км сетей и двух миллионов рублей"))) == {"километр": 12.0, "рубл": 2e6}


def test_page_counters_are_not_figures():
    got = figures(fold("Наш канал\n34 197 подписчиков\n1 200 просмотров\nВ парке высадили 300 деревьев"))
    assert got == [("дерев", 300.0)]


def test_round_figure_restates_an_exact_one(featurizer):
    exact, rounded, other, template = featurizer.featurize([
        Doc("e", "Путепровод через пути", "Длина сооружения составит 370 метров, сказал мэр.", None),
        Doc("r", "Путепровод через пути", "Длина эстакады — почти 400 метров.", None),
        Doc("o", "Путепровод через пути", "Длина эстакады — 250 метров.", None),
        Doc("t", "Путепровод через пути", "Длина эстакады — 400 метров.", None),
    ])  # fmt: skip
    assert figure_agreement(exact, rounded) == (0, 0)  # «почти 400» for 370: no contradiction
    assert figure_agreement(exact, other) == (0, 1)  # 370 vs 250: another object
    assert figure_agreement(exact, template) == (0, 1)  # an exact 400 is another figure
    assert figure_agreement(rounded, template) == (1, 0)


def test_headline_stage_knows_completed_modernisation():
    assert stage(fold("С 2012 года на МКАД модернизировали 22 транспортные развязки")) == STAGE_DONE
    assert stage(fold("Новая развязка на МКАД готова на 24%")) == STAGE_PLAN
    assert stage(fold("Реконструкция развязки завершится осенью")) == STAGE_PLAN
    assert stage(fold("Собянин: строительство эстакады на Профсоюзной улице идёт по графику")) == STAGE_PLAN
    assert stage(fold("Ремонт поликлиники продолжается")) == STAGE_PLAN


def test_greeting_is_another_release_than_the_news_of_its_occasion(featurizer):
    news, greeting, reprint = featurizer.featurize([
        Doc("n", "За год по диаметрам проехали 130 млн пассажиров",
            "Исполнился год с запуска диаметров. За это время поездами воспользовались более 130 млн пассажиров.", None),
        Doc("g", "Мэр поздравил диаметры с первой годовщиной",
            "Мэр написал в соцсети: ровно год назад диаметры связали город и область.", None),
        Doc("p", "Годовщина диаметров",
            "Мэр поздравил всех, кто строил диаметры: ровно год назад они связали город и область.", None),
    ])  # fmt: skip
    assert greeting_conflict(news, greeting) == 1.0
    assert greeting_conflict(greeting, news) == 1.0
    assert greeting_conflict(greeting, reprint) == 0.0  # the reprint mentions the greeting


def test_history_year_does_not_halve_a_reprint_whose_figures_agree(featurizer):
    dated, undated, template = featurizer.featurize([
        Doc("d", "Стадион на Тихой улице реконструируют",
            "В 2024 году на стадионе построят арену площадью 7 тыс. кв. м и трибуну на 800 зрителей.",
            datetime(2024, 4, 19, tzinfo=MSK)),
        Doc("u", "Стадиону вернут жизнь",
            "Стадион закрыли ещё в 2015 году. Теперь там появится арена в семь тысяч квадратных метров.", None),
        Doc("t", "Стадиону вернут жизнь",
            "Стадион закрыли ещё в 2015 году. Теперь там появится арена в пять тысяч квадратных метров.", None),
    ])  # fmt: skip
    df = DocFreq()
    for f in (dated, undated, template):
        df.add(f.terms)
    w = {k: tfidf_vector(f, df) for k, f in (("d", dated), ("u", undated), ("t", template))}
    assert pair_signals(dated, undated, w["d"], w["u"])["year_conf"] == 0.0  # 7 000 m² agrees
    assert pair_signals(dated, template, w["d"], w["t"])["year_conf"] == 1.0  # nothing agrees, years differ


def test_numeric_ids_tie_in_numeric_order_as_the_database_replays_them():
    from crawler.dedup.offline import publication_order

    t = datetime(2025, 3, 1, 12, 0, tzinfo=MSK)
    docs = [Doc("10", "a", "a", t), Doc("9", "b", "b", t), Doc("x-1", "c", "c", t), Doc("100", "d", "d", None)]
    assert [docs[i].id for i in publication_order(docs)] == ["9", "10", "x-1", "100"]
