"""Release and local-news text generator.

A :class:`Release` is one of the Mayor's press releases: titles (variant 0 is
the original), paragraphs of sentences with wording variants, and the facts
they were built from. Rendering variant 0 everywhere gives the original text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from . import vocab
from .topics import GENERATORS, S, num

#: Background paragraphs appended to some releases (3..8 paragraphs in total).
_EXTRAS = (
    (S("Работы ведутся в рамках государственной программы «Развитие городской среды».",
       "Всё это делается по городской программе «Развитие городской среды»."),),
    (S("Ход работ контролирует Департамент строительства города Москвы.",
       "За ходом работ следит столичный Департамент строительства."),
     S("Жители могут следить за новостями проекта на портале mos.ru.",
       "Новости проекта публикуются на mos.ru.")),
    (S("Предложения жителей собирались на платформе «Активный гражданин».",
       "Свои пожелания москвичи высказали на платформе «Активный гражданин»."),
     S("В голосовании приняли участие {votes} человек.",
       "Проголосовали {votes} горожан.")),
    (S("Напомним, что в прошлом году в городе реализовали {proj} таких проектов.",
       "Годом ранее в Москве завершили {proj} подобных проектов."),),
    (S("Подробности можно узнать в управе района или по телефону единой справочной службы.",
       "Уточнить детали можно в управе района и в справочной службе города."),),
)


@dataclass
class Release:
    """One Mayor's release.

    ``paragraphs``: list of paragraphs → list of sentences → tuple of wording
    variants (index 0 original). ``titles[0]`` is the original title.
    ``confusable_with`` lists release ids that look alike but are different news.
    """

    rid: str
    topic: str
    published_at: datetime
    titles: list[str]
    paragraphs: list[list[tuple[str, ...]]]
    facts: dict
    confusable_with: list[str] = field(default_factory=list)
    negative: str | None = None  # "same_day" | "stage" | "year" when built as a look-alike

    @property
    def title(self) -> str:
        """Original title."""
        return self.titles[0]

    def original_paragraphs(self) -> list[str]:
        """Original body as a list of paragraph strings (first = lead)."""
        return [" ".join(s[0] for s in p) for p in self.paragraphs]

    @property
    def text(self) -> str:
        """Original body, paragraphs joined by a blank line."""
        return "\n\n".join(self.original_paragraphs())


def make_release(rng: random.Random, rid: str, topic: str, facts: dict, published_at: datetime) -> Release:
    """Build a release of ``topic`` from (possibly pre-filled) ``facts``; fills the missing facts.

    Raises ``KeyError`` for an unknown topic.
    """
    titles, paras = GENERATORS[topic](rng, facts)
    n_extra = rng.randint(0, 4 if len(paras) <= 4 else 2)
    fill = {"votes": num(rng.randrange(20000, 300000, 100)), "proj": rng.randint(12, 90)}
    for extra in rng.sample(_EXTRAS, n_extra):
        paras.append([tuple(v.format(**fill) for v in s) for s in extra])
    return Release(rid=rid, topic=topic, published_at=published_at, titles=titles,
                   paragraphs=[list(p) for p in paras], facts=facts)


_LOCAL = (
    ("В {place} прошла встреча главы управы с жителями",
     ["В {place} состоялась встреча главы управы района {d} с жителями.",
      "Обсуждали благоустройство дворов, работу общественного транспорта и ремонт подъездов.",
      "На встречу пришли около {n} человек, на большинство вопросов ответили на месте."]),
    ("Субботник в районе {d}",
     ["В субботу в районе {d} прошёл общегородской субботник.",
      "Жители и сотрудники управы убрали дворы и скверы, высадили {n} кустарников.",
      "Инвентарь предоставила ГБУ «Жилищник района {d}»."]),
    ("На {street} отремонтировали детскую площадку",
     ["Во дворе на {street} завершён ремонт детской площадки.",
      "Установлены новые качели, горка и резиновое покрытие общей площадью {n} квадратных метров.",
      "Работы выполнены по обращениям жителей."]),
    ("В {place} открылась выставка детского рисунка",
     ["В {place} открылась выставка работ юных художников района {d}.",
      "Представлено {n} рисунков, посвящённых родному району.",
      "Выставка продлится до конца месяца, вход свободный."]),
    ("Управа района {d} напоминает о правилах пожарной безопасности",
     ["Управа района {d} напоминает жителям о правилах пожарной безопасности в быту.",
      "Не оставляйте включённые электроприборы без присмотра и не загромождайте пути эвакуации.",
      "При пожаре звоните по номеру 101 или 112."]),
    ("В районе {d} прошёл турнир по мини-футболу",
     ["На спортивной площадке на {street} прошёл районный турнир по мини-футболу.",
      "В соревнованиях участвовали {n} команд из школ района {d}.",
      "Победители получили кубки и грамоты управы."]),
)


#: How a prefecture's local news says what an uprava's says of its district.
_OKRUG_WORDING = (("главы управы района {d}", "префекта округа"), ("Управа района {d}", "Префектура округа"),
                  ("ГБУ «Жилищник района {d}»", "ГБУ «Жилищник» округа"), ("в районе {d}", "в округе"),
                  ("В районе {d}", "В округе"), ("района {d}", "округа"), ("главы управы", "префекта"),
                  ("сотрудники управы", "сотрудники префектуры"), ("грамоты управы", "грамоты префектуры"),
                  ("районный турнир", "окружной турнир"), ("родному району", "родному округу"))


def make_local(rng: random.Random, site_name: str, site_kind: str = "uprava") -> tuple[str, str]:
    """A purely local news item for one site: ``(title, text)``; text paragraphs joined by a blank line.
    A prefecture's (``site_kind="prefecture"``) speaks of its okrug, not of «района Префектура …»."""
    title, paras = rng.choice(_LOCAL)
    if site_kind == "prefecture":
        for a, b in _OKRUG_WORDING:
            title = title.replace(a, b)
            paras = [p.replace(a, b) for p in paras]
    vals = {"d": site_name, "place": rng.choice(vocab.LOCAL_PLACES),
            "street": rng.choice(vocab.STREETS_PREP), "n": rng.randint(8, 160)}
    t = title.format(**vals)
    return t[0].upper() + t[1:], "\n\n".join(p.format(**vals) for p in paras)
