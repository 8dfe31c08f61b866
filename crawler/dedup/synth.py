"""Synthetic reprints for calibration and tests (rule-based rewrites, seeded RNG).

:data:`RELEASES` are short releases written for this project in the style of the
Mayor's press service (no text copied from anywhere). :func:`rewrite` produces each
reprint kind seen on district sites:

``verbatim``   same text, site boilerplate added (signature, «Адрес страницы»).
``trimmed``    the lead only (first 1–2 sentences) + «Читать дальше…».
``retitled``   a new headline built from another sentence.
``angle``      the sentences reordered so another fact leads, some dropped.
``paraphrase`` synonym swaps (:data:`SYNONYMS`), word drops, sentence drop/reorder.

:func:`hard_negative` makes the confusable kinds: ``year`` (same yearly event, other
year and counts), ``figures`` (different counts for the same things), ``stage``
(same object, a later stage).
"""

from __future__ import annotations

import random
import re

RELEASES: list[tuple[str, str]] = [
    (
        "Собянин открыл школу на 1100 мест в Южном Бутове",
        "Мэр Москвы Сергей Собянин открыл новое здание школы на улице Поляны в районе Южное Бутово. "
        "Здание рассчитано на 1100 учеников, в нем 48 учебных классов, бассейн и два спортивных зала. "
        "Строительство велось за счет городского бюджета и заняло 14 месяцев. "
        "\"Школа должна быть местом, куда дети идут с радостью\", - сказал Сергей Собянин. "
        "До конца 2024 года в новых районах построят еще 12 школ.",
    ),
    (
        "В Кузьминках отреставрируют конный двор усадьбы",
        "Реставрация конного двора усадьбы Кузьминки начнется весной 2025 года. "
        "Специалисты восстановят фасады, кровлю и лепной декор XIX века. "
        "В отреставрированных корпусах разместят выставочные залы и мастерские для детей. "
        "Работы планируется завершить за два года, сообщили в Департаменте культурного наследия. "
        "Ранее в парке обновили 5 километров прогулочных дорожек.",
    ),
    (
        "На МЦД-2 вышли еще 15 поездов \"Иволга\"",
        "На второй диаметр вышли 15 новых поездов \"Иволга 3.0\". "
        "Каждый состав вмещает до 2700 пассажиров, в вагонах есть USB-розетки и климат-контроль. "
        "Обновление подвижного состава Курско-Рижского диаметра завершится к концу 2025 года. "
        "Сейчас по МЦД-2 ежедневно совершается около 400 тысяч поездок. "
        "Интервалы движения в часы пик сократятся до 6 минут.",
    ),
    (
        "Москва благоустроит 420 дворов в Восточном округе",
        "В 2025 году в Восточном административном округе благоустроят 420 дворов. "
        "Жители сами выбрали, что появится во дворах: детские площадки, тренажеры, зоны отдыха. "
        "Работы пройдут в 16 районах, в том числе в Гольянове и Вешняках. "
        "На благоустройство направят 3,2 миллиарда рублей из городского бюджета. "
        "Завершить работы планируется до 1 октября.",
    ),
    (
        "Собянин поздравил москвичей с Днем города",
        "Сергей Собянин поздравил жителей столицы с 877-летием Москвы. "
        "В выходные 7 и 8 сентября в городе пройдет более 300 праздничных мероприятий. "
        "Главная сцена праздника будет работать на Тверской площади. "
        "Вечером 7 сентября над Москвой-рекой покажут салют. "
        "\"Москва становится лучше благодаря каждому из вас\", - отметил мэр.",
    ),
    (
        "В Люблине построят физкультурно-оздоровительный комплекс",
        "На улице Краснодонской в районе Люблино построят физкультурно-оздоровительный комплекс площадью 6,5 тысячи квадратных метров. "
        "В нем будут бассейн на 6 дорожек, зал для единоборств и тренажерный зал. "
        "Комплекс рассчитан на 450 посетителей в смену. "
        "Градостроительно-земельная комиссия одобрила проект в марте. "
        "Строительство планируется завершить в 2026 году.",
    ),
]

#: Synonym pairs used by the paraphrase rule (both directions).
SYNONYMS = [
    ("построят", "возведут"), ("новый", "современный"), ("новое", "современное"), ("открыл", "ввел в строй"),
    ("сообщил", "рассказал"), ("жителей", "горожан"), ("здание", "корпус"), ("планируется", "намечено"),
    ("завершить", "закончить"), ("работы", "работ"), ("более", "свыше"), ("около", "примерно"),
    ("проект", "план"), ("город", "мегаполис"), ("столицы", "Москвы"), ("пройдут", "будут проведены"),
    ("появится", "будет создан"), ("большой", "крупный"), ("детей", "ребят"), ("начнется", "стартует"),
    ("выбрали", "определили"), ("главная", "основная"), ("важно", "значимо"), ("учеников", "школьников"),
    ("направят", "выделят"), ("сказал", "заявил"), ("ежедневно", "каждый день"), ("сократятся", "уменьшатся"),
]  # fmt: skip

_BOILER_TAIL = [
    "\n\nАдрес страницы: https://example-uprava.mos.ru/presscenter/news/detail/{n}.html\n\n[Управа района Примерное](#)",
    "\n\nМетки: мэр, новости, округ\n\nПоделиться",
    "\n\nУправа района Образцово",
]
_SENT = re.compile(r"(?<=[.!?])\s+")


def split(text: str) -> list[str]:
    """Sentences of ``text`` (simple ``.!?`` split)."""
    return [s for s in _SENT.split(text.strip()) if s]


def _swap(sentence: str, rng: random.Random, p: float) -> str:
    for a, b in SYNONYMS:
        for x, y in ((a, b), (b, a)):
            if rng.random() < p and re.search(rf"\b{x}\b", sentence):
                sentence = re.sub(rf"\b{x}\b", y, sentence, count=1)
    words = sentence.split(" ")
    if len(words) > 8:
        for _ in range(int(len(words) * p * 0.3)):
            del words[rng.randrange(1, len(words) - 1)]
    return " ".join(words)


def _reword(sentence: str, rng: random.Random, pool: list[str], p: float) -> str:
    """Replace a fraction ``p`` of the words with words from ``pool`` (a paraphrase's own vocabulary)."""
    if not pool:
        return sentence
    return " ".join(rng.choice(pool) if rng.random() < p and not any(c.isdigit() for c in w) else w for w in sentence.split(" "))


def rewrite(title: str, text: str, kind: str, rng: random.Random, pool: list[str] | None = None) -> tuple[str, str]:
    """One reprint of ``(title, text)`` of the given kind (see module doc).

    ``pool``: words to draw from when rewording (the heavy ``paraphrase`` kind replaces
    ~40% of words, so two independent paraphrases share about as little as real ones).
    """
    sents = split(text)
    if kind == "verbatim":
        return title, text + rng.choice(_BOILER_TAIL).format(n=rng.randrange(10**6))
    if kind == "trimmed":
        return title, " ".join(sents[: rng.choice((1, 2))]) + " Читать дальше..."
    if kind == "retitled":
        alt = sents[min(len(sents) - 1, rng.randrange(1, 3))] if len(sents) > 1 else sents[0]
        return alt.rstrip(".").split(",")[0][:90], text
    if kind == "angle":
        keep = sents[:]
        rng.shuffle(keep)
        keep = keep[: max(2, int(len(keep) * 0.7))]
        return (title.split(" ", 1)[-1] if rng.random() < 0.5 else title), " ".join(keep)
    if kind == "paraphrase":
        keep = [s for s in sents if rng.random() < 0.75] or sents[:1]
        if len(keep) > 2 and rng.random() < 0.6:
            keep[1:] = rng.sample(keep[1:], len(keep) - 1)
        t2 = _reword(_swap(title, rng, 0.6), rng, pool or [], 0.4) if rng.random() < 0.7 else ""
        return t2, " ".join(_reword(_swap(s, rng, 0.6), rng, pool or [], 0.4) for s in keep)
    raise ValueError(f"unknown rewrite kind {kind!r}")


KINDS = ("verbatim", "trimmed", "retitled", "angle", "paraphrase")


def _shift_numbers(text: str, rng: random.Random) -> str:
    def repl(m: re.Match[str]) -> str:
        v = int(m.group(0))
        if 1990 <= v <= 2039:
            return str(v + rng.choice((-2, -1, 1)))
        return str(max(2, v + max(1, v // 5) * rng.choice((-1, 1))))

    return re.sub(r"(?<![\d,.])\d+(?![\d,.])", repl, text)


def hard_negative(title: str, text: str, kind: str, rng: random.Random) -> tuple[str, str]:
    """A different release easily confused with ``(title, text)``: ``year``, ``figures`` or ``stage``."""
    if kind in ("year", "figures"):
        return _shift_numbers(title, rng), _shift_numbers(text, rng)
    if kind == "stage":
        sents = split(text)
        lead = re.sub(r"\b(построят|откроют|начнется|отреставрируют|благоустроят)\b", "завершили работы и открыли", sents[0])
        return "Завершен первый этап: " + title, lead + " Первые посетители оценили результат. Следующий этап начнется через год."
    raise ValueError(f"unknown hard-negative kind {kind!r}")
