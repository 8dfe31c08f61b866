"""Extraction of facts that reprints must agree on: figures, years, dates, names.

All functions take *folded* text (:func:`crawler.dedup.normalize.fold`) and are pure.

* :func:`figures` — ``(unit, value)`` pairs: a number, its magnitude word folded in
  («3,5 тысячи» → 3500, «1,2 млрд» → 1.2e9, «3 700» → 3700) and the stem of the
  following word as its *unit* («объект», «человек», «процент», «лет»). Ordinal
  anniversaries («76-летие») get unit ``"летие"``. Years are excluded.
* :func:`years` — four-digit years 1990–2039 not followed by a magnitude word.
* :func:`dates` — day-month mentions («23 февраля», «24.02.2015») as ``month*100+day``.
* :func:`districts` / :func:`content_districts` — districts after «район…»; the second
  leaves out a reprinting site's framing («Для жителей района X: …», «В районе X узнали…»).
* :func:`names` — stems of capitalised words that do not start a sentence and of
  words inside quotes: places, objects, people («Локомотив», «Ховрино», «Клинской»).

The rules are written for this project (Russian press-release style); they favour
precision: a figure the regex misses simply gives no evidence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.dedup.normalize import DOMAIN_STOP, STOP, stem

_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_MONTH_RE = r"(январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья])"
_DATE_WORDS = re.compile(r"(?<!\d)(\d{1,2})\s+" + _MONTH_RE + r"(?![а-я])", re.I)
_DATE_NUM = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})(?!\d)")
_MAG = {"тыс": 1e3, "тысяч": 1e3, "млн": 1e6, "миллион": 1e6, "млрд": 1e9, "миллиард": 1e9, "трлн": 1e12, "триллион": 1e12}
_NUM = re.compile(
    r"(?<![\d.,])(\d{1,3}(?: \d{3})+|\d+(?:[.,]\d+)?)(?![\d])"
    r"(?:\s*-\s*(летие|летия|летию|летием|летнего|летний|лет))?"
    r"(?:\s*(тысяч[аи]?|тыс|миллион(?:а|ов)?|млн|миллиард(?:а|ов)?|млрд|трлн)\.?)?"
    r"(?:\s*(%|[а-яa-z]+))?",
    re.I,
)
_YEAR_UNITS = ("год", "г")
_CAP = re.compile(r"(?<![.!?\n\"]\s)(?<!^)\b([А-Я][а-я]{2,}(?:-[А-Я][а-я]+)?)")
_QUOTED = re.compile(r'"([^"\n]{2,60})"')
_WORD = re.compile(r"[а-яa-z0-9]+", re.I)
_NAME_STOP = frozenset(
    """мэр москва москвы москве москву собянин собянина сергей сергея правительства правительство президиума
    россии россия российской федерации мэра департамента заместитель руководитель глава он она они это
    по в на мы как при также об""".split()
)


def _value(num: str, mag: str | None) -> float:
    v = float(num.replace(" ", "").replace(",", "."))
    if mag:
        m = mag.lower().rstrip(".")
        for k, f in _MAG.items():
            if m.startswith(k):
                v *= f
                break
    return v


#: Words after which a number is an *identifier* (a name), not a quantity: «№ 12»,
#: «по номеру 101», «дом 8», «д. 8», «корпус 2», «строение 1», «телефон 112».
_ID_BEFORE = re.compile(
    r"(?:№|\bN|\bномер[а-я]*|\bдом[аеу]?|\bд\.|\bкорпус[а-я]*|\bкорп\.|\bстроени[а-я]+|\bстр\.|\bтелефон[а-я]*|\bтел\.)\s*$",
    re.I,
)
#: Joins an identifier to the next one: «по номеру 101 или 112», «№ 5, 7 и 12».
_ID_JOIN = re.compile(r"\s*(?:,|/|или|и)\s*", re.I)


def _identifier_spans(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, numbered)`` of numbers that are identifiers (see :data:`_ID_BEFORE`),
    in text order; ``numbered`` when the list they belong to starts with «№»."""
    out: list[tuple[int, int, bool]] = []
    for m in re.finditer(r"\d+", text):
        if m.start() and text[m.start() - 1] in ".,":
            continue
        before = _ID_BEFORE.search(text, max(0, m.start() - 14), m.start())
        if before:
            out.append((m.start(), m.end(), before.group(0).lstrip()[:1] in ("№", "N")))
        elif out and _ID_JOIN.fullmatch(text, out[-1][1], m.start()):
            out.append((m.start(), m.end(), out[-1][2]))
    return out


def identifiers(text: str) -> set[str]:
    """Numbers that name something (see :data:`_ID_BEFORE`) as strings («№ 1409» → ``"1409"``)."""
    return {text[a:b] for a, b, _ in _identifier_spans(text)}


#: Abbreviated units as the stem of their full word: «7 тыс. кв. м» and «семи тысяч квадратных
#: метров» state one figure.
_UNIT_ALIAS = {"кв": "квадратн", "км": "километр", "га": "гектар", "руб": "рубл", "чел": "человек", "т": "тон"}
#: Units of page furniture, never of a release's facts: an aggregator's «34 197 подписчиков» or
#: «1 200 просмотров» beside the text would otherwise contradict another page's counter.
_CHROME_UNITS = frozenset({"подписчик", "просмотр", "комментар", "лайк", "репост"})
#: A number word before a magnitude («семи тысяч», «двух миллионов»): a rewrite spells out the
#: release's «7 тыс.».
_WORD_NUM = {
    "од": 1, "дв": 2, "тр": 3, "четыр": 4, "пят": 5, "шест": 6, "сем": 7, "восьм": 8, "восем": 8,
    "девят": 9, "десят": 10,
}  # fmt: skip
_WORD_MAG = re.compile(
    r"\b(одн(?:а|ой|у)|один|одного|дв(?:а|е|ух|умя)|тр(?:и|ех|емя)|четыр(?:е|ех|ьмя)|пят(?:ь|и|ью)|шест(?:ь|и|ью)|"
    r"сем(?:ь|и|ью)|вос(?:емь|ьми|емью)|девят(?:ь|и|ью)|десят(?:ь|и|ью))\s+(?=(?:тысяч|миллион|миллиард))",
    re.I,
)


def _word_number(m: re.Match) -> str:
    w = m.group(1).lower()
    for k, v in _WORD_NUM.items():
        if w.startswith(k):
            return f"{v} "
    return m.group(0)


#: Words that make the next figure an approximation of the release's exact one («почти 400
#: метров» for «370 метров»). «более»/«свыше» are not among them: releases use them verbatim.
_APPROX = re.compile(r"(?:почти|около|порядка|примерно|приблизительно)\s*$", re.I)


def figures(text: str, *, marked: bool = False) -> list[tuple[str, float]]:
    """Key figures as ``(unit stem, value)``; units are stems, value a float (see module doc).

    Identifiers («библиотека № 12», «по номеру 101 или 112», «дом 8») are not figures:
    two texts naming the same numbered object say nothing about agreeing facts. Abbreviated
    units count as their full word (:data:`_UNIT_ALIAS`), a number word before a magnitude as
    its digits («семи тысяч» → 7000), and counters of page furniture (:data:`_CHROME_UNITS`)
    are not figures. ``marked``: an approximate figure (after :data:`_APPROX`) is returned
    with a negative value (``-400.0`` for «почти 400 метров``), as the features store it."""
    text = _WORD_MAG.sub(_word_number, text)
    out: list[tuple[str, float]] = []
    ids = {a for a, _, _ in _identifier_spans(text)}
    for m in _NUM.finditer(text):
        if m.start() in ids:
            continue
        num, anniv, mag, unit = m.groups()
        try:
            v = _value(num, mag)
        except ValueError:
            continue
        if anniv:
            out.append(("летие", v))
            continue
        if not mag and "." not in num and "," not in num and 1990 <= v <= 2039 and " " not in num:
            continue  # a year
        u = (unit or "").lower()
        if u in ("%",) or u.startswith("процент"):
            u = "процент"
        elif not u or u in STOP or u.isdigit() or _MONTH_DAY(u):
            u = ""
        else:
            u = stem(u)
            u = _UNIT_ALIAS.get(u, u)
            if u in _CHROME_UNITS:
                continue
        if u in _YEAR_UNITS and not mag:
            u = "лет"
        if v <= 1 and not mag:
            continue
        if marked and _APPROX.search(text, max(0, m.start() - 16), m.start()):
            v = -v
        out.append((u, v))
    return out


def _MONTH_DAY(u: str) -> bool:
    return bool(re.fullmatch(_MONTH_RE, u))


def years(text: str) -> set[int]:
    """Years 1990–2039 mentioned as four-digit numbers (not «2000 человек» with a magnitude)."""
    out: set[int] = set()
    for m in re.finditer(r"(?<![\d.,])((?:19|20)\d{2})(?![\d.,]\d)(?:\s*(тыс|млн|млрд|человек|рубл|кв|метр|мест|штук))?", text, re.I):
        if m.group(2):
            continue
        y = int(m.group(1))
        if 1990 <= y <= 2039:
            out.add(y)
    return out


def dates(text: str) -> set[int]:
    """Day-month mentions as ``month*100 + day``."""
    out: set[int] = set()
    for m in _DATE_WORDS.finditer(text):
        d = int(m.group(1))
        mw = m.group(2).lower()
        for k, mo in _MONTHS.items():
            if mw.startswith(k):
                if 1 <= d <= 31:
                    out.add(mo * 100 + d)
                break
    for m in _DATE_NUM.finditer(text):
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12:
            out.add(mo * 100 + d)
    return out


def names(text: str) -> set[str]:
    """Stems of capitalised non-initial words and quoted words (places, objects, people)."""
    out: set[str] = set()
    for line in text.split("\n"):
        for m in _CAP.finditer(line):
            w = m.group(1).lower()
            if w not in _NAME_STOP and w not in DOMAIN_STOP and w not in STOP:
                out.add(stem(w))
        for m in _QUOTED.finditer(line):
            for w in _WORD.findall(m.group(1).lower()):
                if len(w) > 2 and w not in STOP and w not in DOMAIN_STOP:
                    out.add(stem(w))
    return out


# --------------------------------------------------------------------- speakers / release dates
_SPEECH = (
    r"(?:сообщил[аи]?|рассказал[аи]?|отметил[аи]?|заявил[аи]?|написал[аи]?|подчеркнул[аи]?|пояснил[аи]?"
    r"|уточнил[аи]?|добавил[аи]?|объявил[аи]?|поздравил[аи]?|передает|сообщает|по словам|считает|говорит|сказал[аи]?)"
)
_SURNAME = r"[А-Я][а-я]{2,}(?:ой|ым|ин[аы]?|ина|ев[аы]?|ов[аы]?|ая|ко|ян)"
_SPK_TITLE = re.compile(r"^\s*(?:(?:Мэр|Глава|Вице-мэр|Заммэра)\s+)?(?:[А-Я][а-я]+\s+)?([А-Я][а-я]+(?:-[А-Я][а-я]+)?)\s*:")
_SPK_AFTER = re.compile(_SPEECH + r"\s[^.,!?\n\"]{0,60}?\b(" + _SURNAME + r")\b")
_SPK_BEFORE = re.compile(r"\b([А-Я][а-я]{2,}(?:ин|ина|ев|ева|ов|ова|ая|ко|ян))\s+" + _SPEECH)
_SPK_NOT = frozenset("москвы москва москве россии правительства мэра мэр сергей наталья газета риа тасс новости агентства".split())


def speakers(title: str, body: str) -> set[str]:
    """Who the text is attributed to: 5-letter stems of surnames («собян», «сергу»).

    Sources (folded, *uncleaned* text, since cleaning drops attribution sentences):
    a title prefix «Фамилия:» / «Имя Фамилия:», surnames right after a speech verb
    («сообщил мэр Москвы Сергей Собянин», «по словам Натальи Сергуниной») and surnames
    right before one («Собянин отметил»). Rules written for this project; they aim at
    the confusable pair "Mayor's post vs a deputy's release on the same project".
    """
    out: set[str] = set()
    m = _SPK_TITLE.match(title)
    if m:
        out.add(m.group(1))
    for rx in (_SPK_BEFORE, _SPK_AFTER):
        for m in rx.finditer(body):
            out.add(m.group(1))
    return {stem(w.lower())[:5] for w in out if w.lower() not in _SPK_NOT}


_WEEKDAY = r"(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)"
_MON3 = r"(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\.?"
_REL_WEEKDAY = re.compile(r"\b(?:в|во)\s+" + _WEEKDAY + r",?\s+(\d{1,2})\s+" + _MON3, re.I)
_REL_DATELINE = re.compile(r"\b[А-Я]{4,}(?:-[А-Я]+)?,\s+(\d{1,2})\s+" + _MON3 + r"(?:\s+\d{4})?\s*(?:\.|-|/)", re.U)
_REL_NUM = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})\.((?:19|20)\d{2})(?![\d.]\d)")
_MON3_NUM = {k: i + 1 for i, k in enumerate(("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"))}


def release_dates(text: str) -> set[int]:
    """Dates that say *when the text was written*, as ``month*100 + day``.

    «в среду, 7 мая», a dateline «МОСКВА, 3 дек - РИА Новости» / «МОСКВА, 26 августа.
    /ТАСС/», and numeric stamps «04.12.2025». Event dates («7 и 8 сентября пройдет»)
    are not included. Two reprints of one release never disagree on these by more
    than a couple of days; see :func:`crawler.dedup.signals.day_distance`.
    """
    out: set[int] = set()
    for rx in (_REL_WEEKDAY, _REL_DATELINE):
        for m in rx.finditer(text):
            d, mw = int(m.group(1)), m.group(2).lower()
            mo = _MON3_NUM.get(mw[:3]) or _MON3_NUM.get(mw[:2])
            if mo and 1 <= d <= 31:
                out.add(mo * 100 + d)
    for m in _REL_NUM.finditer(text):
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12:
            out.add(mo * 100 + d)
    return out



_DISTRICT = re.compile(r"\b(?:район|района|районе|району|районом)\s+([А-Я][а-я-]+)(?:[ \t]+([А-Я][а-я-]+))?")
_DISTRICT_NOT = frozenset("москвы москва москве города сергей сергея собянин собянина мэр мэра правительства".split())


def districts(text: str) -> set[str]:
    """Stems of the districts a text names: the capitalised word (or two: «Южное Бутово»)
    after «район(а/е/у/ом)» («в районе Матушкино», «школ района Таганский»). Two texts built on one template for
    different districts («В районе X прошёл турнир…») are different local news."""
    out: set[str] = set()
    for m in _DISTRICT.finditer(text):
        w, w2 = m.group(1).lower(), (m.group(2) or "").lower()
        if w not in _DISTRICT_NOT:
            # two-word names: «Южное Бутово» ≠ «Южное Тушино», «Чертаново Центральное»
            two = w2 and w2 not in _DISTRICT_NOT and w2 not in _NAME_STOP and w2 not in STOP
            out.add(stem(w) + (" " + stem(w2) if two else ""))
    return out


#: A title prefix before the first colon, framing a reprint for one district's readers:
#: «Для жителей района Нагорный: …», «Жителей района Сокол касается: …» (≤ 6 words).
_FRAME_TITLE = re.compile(r"^\s*([^:\n]{3,80}?)\s*:\s+(?=\S)")
#: Words of a framing sentence: the site tells its readers about the news, the news is elsewhere
#: («В районе Молжаниновский узнали важную новость», «… эта новость касается многих семей»,
#: «… ждали этого решения», «… внимательно следят за городскими новостями»).
_FRAME_CUE = re.compile(r"(?i)\b(?:узнал[аи]?|узнают|новост[а-я]*|касается|касаются|ждал[аи]?|следят|для\s+жителей)\b")
#: One leading sentence of a body (cleaned text).
_LEAD_SENT = re.compile(r"[^.!?\n]{3,200}?[.!?…]+(?:\s+|$)")


def _framing_sentence(s: str) -> bool:
    """A short sentence that names a district and a framing cue and nothing specific
    (no figure, no street / «№ N» object)."""
    return (
        len(_WORD.findall(s)) <= 12
        and bool(_DISTRICT.search(s))
        and bool(_FRAME_CUE.search(s))
        and not figures(s)
        and not places(s)
    )


def content_districts(title: str, body: str) -> set[str]:
    """:func:`districts` of ``title + "\\n" + body`` without the reprinting site's *framing*.

    District sites frame a city release for their readers: a title prefix before the
    first colon naming a district («Для жителей района Нагорный: …», «Жителей района X
    касается: …», at most 6 words) and up to two leading body sentences that name a
    district, carry a framing cue (:data:`_FRAME_CUE`: «узнали», «новость», «касается»,
    «ждали», «следят», «для жителей»), have ≤ 12 words and no figure or place («В районе
    Молжаниновский узнали важную новость.»). Districts named only there are the site's, not
    the news's, and do not count. A district named in the news itself — «Управа района X
    напоминает о правилах пожарной безопасности» (no colon, no cue), «В субботу в районе X
    прошёл субботник» — still counts, so templated local news of different districts keep
    their district conflict. Both arguments folded (:func:`crawler.dedup.normalize.fold`).
    Rules written for this project (see docs/dedup.md, «Framing round»).
    """
    return districts(_without_framing(title, body))


@lru_cache(maxsize=8)
def _without_framing(title: str, body: str) -> str:
    """``title + "\n" + body`` without a framing title prefix and framing lead sentences
    (see :func:`content_districts`). Cached: :func:`content_districts` and :func:`where_names`
    ask for the same article's in turn."""
    m = _FRAME_TITLE.match(title)
    if m and len(_WORD.findall(m.group(1))) <= 6 and _DISTRICT.search(m.group(1)):
        title = title[m.end() :]
    for _ in range(2):
        m = _LEAD_SENT.match(body)
        if not m or not _framing_sentence(m.group(0)):
            break
        body = body[m.end() :]
    return title + "\n" + body


#: A district's name after «район…», hyphenated names whole («Нагатино-Садовники»), one or two words.
_DISTRICT_NAME = re.compile(r"\b(?:район|района|районе|району|районом)\s+([А-Я][а-я]+(?:-[А-Я]?[а-я]+)*)(?:[ \t]+([А-Я][а-я]+(?:-[А-Я]?[а-я]+)*))?")


def where_names(title: str, body: str) -> set[str]:
    """The stems of :func:`names` that say *where* rather than *what*: the words of the
    districts the news names (after «район…», as :func:`content_districts`: a reprinting site's
    framing is left out, so its district stays an ordinary name) and of the streets
    (:func:`places`: «улице Маршала Катукова» → «маршал», «катуков»; «Рязанском проспекте»).

    Every item of a district site names its district and streets, whatever it reports
    («Субботник в районе Северный», «В районе Северный прошёл турнир по мини-футболу»; a
    playground and a football pitch on one street), so a shared place name is no evidence of
    a shared story: :func:`crawler.dedup.signals.names_overlap` is 0 when these are all the
    names two texts share. Both arguments folded (:func:`crawler.dedup.normalize.fold`)."""
    out: set[str] = set()
    for m in _DISTRICT_NAME.finditer(_without_framing(title, body)):
        w, w2 = m.group(1).lower(), (m.group(2) or "").lower()
        if w in _DISTRICT_NOT:
            continue
        out.add(stem(w))
        if w2 and w2 not in _DISTRICT_NOT and w2 not in _NAME_STOP and w2 not in STOP:
            out.add(stem(w2))
    after, before = _streets(title + "\n" + body)
    for name in after:
        out.update(stem(w.lower()) for w in name.split())
    out.update(stem(name.lower()) for name in before)
    return out


#: Stage of the work a headline reports (see :func:`stage`).
STAGE_UNKNOWN, STAGE_PLAN, STAGE_DONE = 0, 1, 2
_FUT_PASSIVE = re.compile(r"\b(?:будет|будут)\s+(?:открыт|построен|введен|завершен|отреставрирован|благоустроен|отремонтирован)[а-я]*", re.I)
_PLAN = re.compile(
    r"\b(?:построят|откро(?:ют|ет|ется|ются)|появ(?:ится|ятся)|начн(?:ут|ется|утся)|планиру[а-я]*|возведут|"
    r"отреставрируют|благоустроят|заверш(?:ат|ится|атся)|реконструируют|отремонтируют|заработа(?:ет|ют)|введут|"
    # work in progress is not done either: «продолжается строительство», «выполнено на 28 процентов»
    r"строят|возводят|продолжа[а-я]*\s+(?:строительств|реконструкци|ремонт|реставраци)[а-я]*|"
    r"(?:ид[её]т|вед[её]тся)\s+(?:строительств|реконструкци|ремонт|реставраци)[а-я]*|"
    # «строительство эстакады на Профсоюзной улице идёт по графику»
    r"(?:строительств|реконструкци|ремонт|реставраци)[а-я]*\s[^.:;!?]{0,60}?(?:ид[её]т|вед[её]тся|продолжа[а-я]+)|по\s+графику|"
    r"выполнен[аоы]?\s+на\s+\d+|готов[аоы]?\s+на\s+\d+|готовност[а-я]*)\b",
    re.I,
)
_DONE = re.compile(
    r"\b(?:открыл(?:а|и|ся|ась|ось|ись)?|открыт[аоы]?|начал[аио]?\s+работу|заработал[аио]?|построили|построен[аоы]?|"
    r"завершил[аи]?|завершен[аоы]?|ввели|введен[аоы]?|отреставрировали|благоустроили|отремонтировали|реконструировали|"
    r"модернизировали|модернизирован[аоы]?|обновили)\b",
    re.I,
)


def stage(title: str) -> int:
    """Stage a headline reports: :data:`STAGE_PLAN` («…построят к концу года», «откроется»,
    «будет открыт», work in progress: «продолжается строительство», «выполнено на 28 процентов»), :data:`STAGE_DONE` («открылась», «начала работу», «построили») or
    :data:`STAGE_UNKNOWN` (neither, or both). The same object at another stage is another
    release (build → open), a hard-negative kind of the dev set and of crawler/sim.
    Headline only: bodies of both stages mention both («строительство завершено, школа
    откроется 1 сентября»)."""
    if not title:
        return STAGE_UNKNOWN
    plan = bool(_FUT_PASSIVE.search(title))
    rest = _FUT_PASSIVE.sub(" ", title)
    plan = plan or bool(_PLAN.search(rest))
    done = bool(_DONE.search(rest))
    if plan == done:
        return STAGE_UNKNOWN
    return STAGE_PLAN if plan else STAGE_DONE


# --------------------------------------------------------------------- places (streets, numbered objects)
_STREET_WORD = r"(?:улиц[аеуыо][йю]?|ул\.|проспект[а-я]*|пр-т|шоссе|бульвар[а-я]*|б-р|переул(?:ок|ке|ка|ку|ком)|пер\.|проезд[а-я]*|набережн[а-я]*|площад[а-я]*|тупик[а-я]*)"
#: «улице Маршала Катукова», «проспекте Вернадского», «ул. Королёва» (the last capitalised word is kept).
_STREET_AFTER = re.compile(r"\b" + _STREET_WORD + r"\s+((?:[А-Я][а-я]+\s+){0,2}[А-Я][а-я-]+)")
#: «Рязанском проспекте», «Профсоюзной улице» (not at a sentence start: «Общая площадь…»).
_STREET_BEFORE = re.compile(
    r"(?<![.!?\n\"]\s)(?<!^)\b([А-Я][а-я]+(?:ом|ой|ий|ый|ая|ое|ого|ому|ым|ую|ей|ые|ых))\s+" + _STREET_WORD + r"(?![а-я])"
)


def places(text: str) -> set[str]:
    """Addresses and numbered objects a text names, as comparable keys.

    * streets: ``"ул:"`` + stem of the street's name word — «на улице Маршала Катукова» →
      ``ул:катуков``, «на Рязанском проспекте» → ``ул:рязанск`` (the street kind is
      dropped: «Рязанский проспект» and «Рязанская улица» would collide, rarely matters);
    * numbered objects: ``"№"`` + the number after «№» («школе № 1409» → ``№1409``; lists
      «№ 5, 7 и 12» give each number). House and phone numbers (:func:`identifiers`) are
      not places: «дом 8» names nothing without its street, «по номеру 112» no place.

    Two texts that both name places and share none report different local events
    (templated district news: the same sentence about another street or library).
    """
    after, before = _streets(text)
    out = {"ул:" + stem(name.split()[-1].lower()) for name in after}
    out.update("ул:" + stem(name.lower()) for name in before)
    out.update("№" + text[a:b] for a, b, numbered in _identifier_spans(text) if numbered)
    return out


@lru_cache(maxsize=8)
def _streets(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Street names of ``text``, line by line: ``(after the street word: «улице Маршала
    Катукова» → "Маршала Катукова", before it: «Рязанском проспекте» → "Рязанском")``. Cached:
    :func:`places` and :func:`where_names` read the same article in turn."""
    after: list[str] = []
    before: list[str] = []
    for line in text.split("\n"):
        after.extend(m.group(1) for m in _STREET_AFTER.finditer(line))
        before.extend(m.group(1) for m in _STREET_BEFORE.finditer(line))
    return tuple(after), tuple(before)


# --------------------------------------------------------------------- headline names
_QNAME = re.compile(r'"([A-ZА-Я0-9][^"\n]{1,50}?)"')
#: Characters of the body (after the title) searched for the headline's quoted names.
HEADLINE_NAME_CHARS = 300


def headline_names(title: str, body: str) -> list[list[str]]:
    """Quoted proper names the headline and lead are about, as lists of content stems.

    Input is *folded* text (quotes are ``"``: :func:`crawler.dedup.normalize.fold`).
    A name is a quoted span of 1–4 words starting with a capital or a digit
    («Ореховые пруды», «Московский марафон», «Физтех», «Мой район») inside the title or the
    first :data:`HEADLINE_NAME_CHARS` characters of the body; quoted speech (longer spans)
    and names without a content word are left out. Two releases of one template — the same
    sentence about another park, race or station — differ exactly here, while a reprint
    keeps the name even when it drops the quotes or every figure (see
    :func:`crawler.dedup.signals.name_conflict`).
    """
    out: list[list[str]] = []
    for m in _QNAME.finditer(title + "\n" + body[:HEADLINE_NAME_CHARS]):
        ws = _WORD.findall(m.group(1).lower())
        if 1 <= len(ws) <= 4:
            key = [stem(w) for w in ws if len(w) > 1 and not w.isdigit() and w not in STOP and w not in DOMAIN_STOP]
            if key and key not in out:
                out.append(key)
    return out
