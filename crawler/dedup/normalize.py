"""Text normalisation for syndication detection (pure functions, no state).

Pipeline for one article body (:func:`clean_text`):

1. :func:`fold` — character folding: ``ё→е``, all quote forms (``«»„“”``) → ``"``,
   all dashes (``–—−‑``) → ``-``, NBSP / thin / figure spaces → space, soft hyphen and
   zero-width characters dropped.
2. Markdown links ``[text](url)`` keep their text; bare URLs are dropped.
3. Boilerplate *lines* are dropped (:data:`BOILERPLATE_LINE`): «Адрес страницы»,
   uprava signatures («Управа района …»), tag/rubric lines («Метки:», «Теги:»),
   «Читать дальше», «Подробнее – в эфире…», menus, date-only lines.
4. Attribution *sentences* are dropped (:data:`ATTRIBUTION`): «Об этом сообщил Мэр
   Москвы …», «… написал в своём телеграм-канале …» — every reprint phrases them
   differently and they carry no content.

Tokenisation: :func:`words` yields lower-case word tokens (Cyrillic/Latin letters and
digits); :func:`stems` applies the Snowball Russian stemmer (PyStemmer, the C build
of snowballstemmer; algorithm: https://snowballstem.org/algorithms/russian/stemmer.html).

The stop lists are written for this project: :data:`STOP` is the usual Russian
function words; :data:`DOMAIN_STOP` are words that occur in nearly every Mayor's
release reprint («Собянин», «мэр», «Москва», «рассказал») and so say nothing about
*which* release an article reprints.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_FOLD = str.maketrans(
    {
        "ё": "е",
        "Ё": "Е",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\t": " ",
        "«": '"',
        "»": '"',
        "„": '"',
        "“": '"',
        "”": '"',
        "‟": '"',
        "‹": '"',
        "›": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "−": "-",
        "‑": "-",
        "‒": "-",
        "―": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\r": None,
    }
)

_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"<?(?:https?://|www\.)\S+>?", re.I)
_READ_MORE = re.compile(r"(?:читать дальше|читать далее|подробнее)\s*[.…]*\s*$", re.I)

#: Whole lines that are page furniture, not article text (matched after :func:`fold`, case-insensitive).
BOILERPLATE_LINE = re.compile(
    r"""^\s*(?:
        адрес\ страницы.*
      | \[?управа\b.*
      | (?:метки|теги|тэги|рубрика|рубрики|тема|источник|фото|автор|видео)\s*:.*
      | (?:поделиться|читайте\ также|другие\ материалы.*|связанные\ материалы.*|новости\ партнеров
         |полезные\ ссылки|опрос|загрузка.*|меню.*|поиск|закрыть|ок|подробнее.*|читать\ дальше.*)
      | -{3,}
      | \d{1,2}[./]\d{1,2}[./]\d{2,4}(?:\s*,?\s*\d{1,2}:\d{2})?
      | \d{1,2}\s+[а-я]+,?\s+\d{4}(?:\s*,?\s*(?:г\.?)?\s*,?\s*\d{1,2}:\d{2})?
      | \d{1,2}:\d{2}
      | date\ \d{4}-\d{2}-\d{2}
      | пожалуйста,\ укажите.* | или\ просто\ представьтесь.*
    )\s*$""",
    re.I | re.X,
)

#: Attribution sentences («Об этом сообщил Мэр Москвы Сергей Собянин в своем блоге.»).
#: The ``pre`` alternative is matched from its verb; :func:`drop_attribution` then extends
#: the match up to 60 characters to the left (no sentence end or quote crossed) — the
#: same as a leading ``[^.!?"]{0,60}`` but without re-trying it at every position.
ATTRIBUTION = re.compile(
    r"""(?:
        (?:об\ этом|как)\ (?:сообщил|сообщает|рассказал|написал|заявил|говорится|пишет)[^.!?]*[.!?]
      | (?P<pre>(?:сообщил|рассказал|написал|заявил|сообщает)[^.!?"]{0,60}
        (?:блог|канал|телеграм|telegram|max|вконтакте|соцсет|сайте|странице|эфире)[^.!?"]*[.!?])
      | подробнее\ -\ в\ эфире[^.!?]*[.!?]?
      | date\ \d{4}-\d{2}-\d{2}
    )""",
    re.I | re.X,
)

_STOP_LEFT = frozenset('.!?"')


def drop_attribution(line: str) -> str:
    """``line`` with every :data:`ATTRIBUTION` match replaced by a space (linear time)."""
    out: list[str] = []
    pos = 0
    for m in ATTRIBUTION.finditer(line):
        start = m.start()
        if start < pos:
            continue
        if m.group("pre") is not None:
            lo = max(pos, start - 60)
            while start > lo and line[start - 1] not in _STOP_LEFT:
                start -= 1
        out.append(line[pos:start])
        out.append(" ")
        pos = m.end()
    if not out:
        return line
    out.append(line[pos:])
    return "".join(out)


_WORD = re.compile(r"[а-яa-z0-9]+", re.I)
_SENT = re.compile(r"(?<=[.!?…])\s+(?=[\"(\-]?[А-ЯA-Z0-9])")

#: Russian function words (written for this project).
STOP = frozenset(
    """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь
    опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам
    чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь
    этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой
    хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою
    этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между это также который
    которые которая которое которых которым году года годах свой своей своих своем своего ее их также
    кроме того этих этим всё еще ещё весь вся всей время именно около более менее""".split()
)

#: Words present in nearly every reprint of a Mayor's release (project-specific list).
DOMAIN_STOP = frozenset(
    """собянин собянина собянину собяниным сергей сергея мэр мэра мэром мэру москва москвы москве москву
    столица столицы столице столичный столичных столичные городской городских город города городе
    сообщил сообщила рассказал рассказала отметил отметила подчеркнул заявил написал добавил уточнил
    напомнил сообщает рассказывает пишет отмечает глава правительства правительство блоге блог канале
    телеграм telegram max мессенджере соцсети вконтакте""".split()
)


def fold(text: str) -> str:
    """Fold characters (see module doc). ``str -> str``; never raises."""
    return (text or "").translate(_FOLD)


def clean_text(text: str) -> str:
    """Folded body with links, boilerplate lines and attribution sentences removed.

    Returns paragraphs joined by ``"\\n"`` (blank lines dropped).
    """
    t = _MD_LINK.sub(r"\1", fold(text))
    t = _URL.sub(" ", t)
    out: list[str] = []
    for line in t.split("\n"):
        line = re.sub(r" {2,}", " ", line).strip(" #*>|_")
        if not line or BOILERPLATE_LINE.match(line):
            continue
        line = _READ_MORE.sub("", line).strip()
        line = drop_attribution(line).strip()
        if line:
            out.append(line)
    return "\n".join(out)


def clean_title(title: str) -> str:
    """Folded, whitespace-collapsed title (empty string for ``None``)."""
    return re.sub(r"\s+", " ", fold(title or "")).strip()


def sentences(text: str) -> list[str]:
    """Split cleaned text into sentences (line breaks and ``.!?…`` before a capital)."""
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(s.strip() for s in _SENT.split(para) if s.strip())
    return out


def words(text: str) -> list[str]:
    """Lower-case word tokens of folded text (letters/digits runs)."""
    return [w.lower() for w in _WORD.findall(fold(text))]


_STEMMER = Stemmer.Stemmer("russian")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball Russian stem of one lower-case word (cached)."""
    return _STEMMER.stemWord(word)


def stems(tokens: list[str]) -> list[str]:
    """Stems of all tokens, stop words included (used for shingles)."""
    return [stem(w) for w in tokens]


def content_stems(tokens: list[str]) -> list[str]:
    """Stems of content words: stop/domain-stop words, 1-letter words and bare numbers dropped."""
    return [stem(w) for w in tokens if len(w) > 1 and not w.isdigit() and w not in STOP and w not in DOMAIN_STOP]
