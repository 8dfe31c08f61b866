"""Rule-based reprint generator: how a district site reprints a release.

Kinds (see :data:`KINDS`): ``verbatim`` (original title and text), ``trimmed``
(lead + first paragraphs), ``retitled`` (new title, original text), ``angled``
(district paragraph added, district title), ``rewritten`` (other wording
variants, synonyms, third person, reordered sentences, other number formats,
new title). Rules are this project's own (synonym pairs written by hand).
"""

from __future__ import annotations

import random
import re

from .texts import Release

KINDS = ("verbatim", "trimmed", "retitled", "angled", "rewritten")

_SYN: dict[str, tuple[str, ...]] = {
    "построят": ("возведут",), "построен": ("возведён",), "построено": ("возведено",),
    "жители": ("горожане", "местные жители"), "жителей": ("москвичей", "горожан"),
    "более": ("свыше", "больше"), "около": ("порядка", "примерно"), "сейчас": ("в настоящее время",),
    "Также": ("Кроме того,",), "Кроме того,": ("Также",), "планируется": ("предполагается",),
    "завершено": ("закончено",), "завершён": ("закончен",), "позволит": ("даст возможность",),
    "столицы": ("Москвы",), "Москвы": ("столицы",), "городе": ("столице",), "города": ("столицы",),
    "новый": ("современный",), "новые": ("современные",), "здание": ("строение",),
    "составляет": ("равна",), "человек": ("человек",), "территории": ("площадки",),
    "работы": ("работы",), "отметил": ("подчеркнул",), "ежедневно": ("каждый день",),
    "оборудованы": ("созданы",), "установлены": ("смонтированы",), "детей": ("ребят",),
}
_SYN_RE = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _SYN), key=len, reverse=True)) + r")(?![\w-])")

_QUOTE_RE = re.compile(r"«([^«»]+?)», — (отметил|сказал|подчеркнул|заявил|добавил) Сергей Собянин\.")
_PERSON = (("Мы ", "В городе "), (" мы ", " в городе "), (" наш", " столичн"), ("Это ", "Это "))
_ANAPHORA = ("В ней", "В нём", "Она ", "Он ", "Её ", "Его ", "Им ", "Здесь", "Для них", "Сейчас", "Все ")
_SAY = ("По словам Мэра Москвы Сергея Собянина, ", "Как рассказал Сергей Собянин, ",
        "Мэр Москвы Сергей Собянин обратил внимание, что ")


def _plural(n: float, one: str, few: str, many: str) -> str:
    if n != int(n):
        return few
    n = int(n) % 100
    if 11 <= n <= 14:
        return many
    return one if n % 10 == 1 else few if 2 <= n % 10 <= 4 else many


def _numbers(text: str) -> str:
    """Swap number formats: ``4 млн`` → ``4 миллиона``, ``1 200`` → ``1200``/``1,2 тыс.``,
    ``N процентов`` → ``N%``, ``км`` ↔ ``километров``, ``га`` → ``гектаров``."""
    def mln(m):
        v = float(m.group(1).replace(",", "."))
        return f"{m.group(1)} {_plural(v, 'миллион', 'миллиона', 'миллионов')}"
    text = re.sub(r"(\d+(?:,\d+)?) млн\b", mln, text)
    text = re.sub(r"(\d+) процент(?:а|ов)?\b", r"\1%", text)
    text = re.sub(r"(\d+(?:,\d+)?) км\b", lambda m: f"{m.group(1)} {_plural(float(m.group(1).replace(',', '.')), 'километр', 'километра', 'километров')}", text)
    text = re.sub(r"(\d+) га\b", lambda m: f"{m.group(1)} {_plural(int(m.group(1)), 'гектар', 'гектара', 'гектаров')}", text)
    text = re.sub(r"(\d+) квадратных метров", r"\1 кв. м", text)

    def grouped(m):
        n = int(m.group(1) + m.group(2))
        if n % 1000 == 0 or n % 100 == 0:
            th = n / 1000
            return f"{str(th).rstrip('0').rstrip('.').replace('.', ',')} тыс."
        return str(n)
    return re.sub(r"\b(\d{1,3})\u00a0(\d{3})\b", grouped, text)


def _synonyms(text: str, rng: random.Random) -> str:
    def sub(m):
        return rng.choice(_SYN[m.group(1)])
    return _SYN_RE.sub(sub, text)


def _third_person(sentence: str, rng: random.Random) -> str:
    def sub(m):
        q = m.group(1)
        for a, b in _PERSON:
            q = q.replace(a, b)
        q = q[0].lower() + q[1:] if not q[:2].isupper() else q
        return rng.choice(_SAY) + q.rstrip(".!") + "."
    return _QUOTE_RE.sub(sub, sentence)


def _district_title(title: str, site_name: str, site_kind: str) -> str:
    where = f"района {site_name}" if site_kind == "uprava" else "округа"
    low = title if title.startswith(("Сергей", "Собянин", "Мэр")) else title[0].lower() + title[1:]
    return f"Для жителей {where}: {low}" if not title.startswith("Собянин:") else \
        f"Жителей {where} касается: {title.split(':', 1)[1].strip()}"


def reprint(rel: Release, kind: str, site_name: str, site_kind: str, rng: random.Random) -> tuple[str, list[str]]:
    """Return ``(title, paragraphs)`` of a reprint of ``rel`` of the given ``kind``.

    ``site_name`` is the district's Russian name (``"Арбат"``), ``site_kind``
    ``"uprava"`` or ``"prefecture"``. Raises ``ValueError`` for an unknown kind.
    """
    orig = rel.original_paragraphs()
    if kind == "verbatim":
        return rel.titles[0], orig
    if kind == "trimmed":
        return rel.titles[0], orig[: rng.randint(1, min(3, len(orig)))]
    if kind == "retitled":
        return rng.choice(rel.titles[1:]), orig
    where = f"В районе {site_name}" if site_kind == "uprava" else "В округе"
    if kind == "angled":
        title = _district_title(rel.titles[0], site_name, site_kind)
        intro = rng.choice([
            f"{where} внимательно следят за городскими новостями. ",
            f"{where} эта новость касается многих семей. ",
            f"{where} ждали этого решения. ",
        ])
        outro = rng.choice([  # a prefecture's name is no district's («Управа района Префектура …» was wrong)
            f"Управа района {site_name} приглашает жителей задавать вопросы на личном приёме.",
            "Следите за новостями района на нашем сайте.",
            f"Ответы на вопросы жители района {site_name} могут получить в управе.",
        ] if site_kind == "uprava" else [
            "Префектура округа приглашает жителей задавать вопросы на личном приёме.",
            "Следите за новостями округа на нашем сайте.",
            "Ответы на вопросы жители округа могут получить в префектуре.",
        ])
        return title, [intro + orig[0]] + orig[1:] + [outro]
    if kind != "rewritten":
        raise ValueError(f"unknown reprint kind {kind!r}")
    title = rng.choice(rel.titles[1:])
    if rng.random() < 0.4:
        title = _district_title(title, site_name, site_kind)
    paras: list[str] = []
    for i, p in enumerate(rel.paragraphs):
        sents = [s[-1] if len(s) > 1 else s[0] for s in p]
        sents = [_third_person(s, rng) for s in sents]
        if len(sents) > 1 and rng.random() < 0.6 and not any(x.startswith(_ANAPHORA) for x in sents[1:]):
            sents.reverse()
        paras.append(" ".join(_numbers(_synonyms(s, rng)) for s in sents))
    body = paras[1:]
    rng.shuffle(body)
    if len(body) > 2 and rng.random() < 0.5:
        body = body[:-1]
    lead = paras[0].rstrip(".") + ". Об этом сообщил Мэр Москвы Сергей Собянин."
    if rng.random() < 0.5:
        lead = f"{where} узнали важную новость. " + lead
    return title, [lead] + body
