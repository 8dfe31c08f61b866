"""Simulator wording (issue 14): Russian plurals after numbers, and prefectures' local news speak of
their okrug («В районе Префектура …» was generated)."""

from __future__ import annotations

import random
import re

from crawler.sim import SimNetwork
from crawler.sim.texts import make_local
from crawler.sim.topics import plural


def test_plural_forms() -> None:
    forms = ("маршрут", "маршрута", "маршрутов")
    assert [plural(n, *forms) for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)] == [
        "маршрут", "маршрута", "маршрута", "маршрутов", "маршрутов", "маршрутов", "маршрутов",
        "маршрут", "маршрута", "маршрутов", "маршрут", "маршрутов"]


def test_prefecture_local_news_speak_of_the_okrug() -> None:
    for seed in range(40):
        title, text = make_local(random.Random(seed), "Префектура ЦАО", "prefecture")
        assert "Префектура ЦАО" not in title + text and "района" not in title


def test_generated_pages_have_no_broken_agreement() -> None:
    net = SimNetwork(sites=135, seed=7, backlog_days=20)  # every prefecture (their angled reprints)
    bad = re.compile(r"\b(?:[5-9]|1\d|20) маршрута\b|\bв (?:[2-4]|2[2-4]) раз\b|\b[2-4] маршрутов\b|[Вв] районе Префектура|района Префектура")
    texts = [p.title + " " + p.text for p in net.pages()]
    assert texts and not [t for t in texts if bad.search(t)]
