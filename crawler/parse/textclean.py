"""Turn body segments into clean paragraphs: drop furniture lines, cut at footer markers.

The marker lists come from the chrome seen around mos.ru press-centre articles (README of
``shared/mosru`` and the seed reprints): «Адрес страницы: …» followed by the uprava's name,
«Версия для печати», share blocks, related-news lists, copyright and view counters.
"""

from __future__ import annotations

import re

from crawler.parse.dom import Segment
from crawler.parse.ru import looks_like_date

# A segment starting with one of these ends the article text (everything after is furniture).
_STOP_RE = re.compile(
    r"^(?:адрес страницы|ссылка на (?:страницу|материал)|читайте также|смотрите также|см\. также|"
    r"другие новости|похожие новости|похожие материалы|новости по теме|материалы по теме|"
    r"последние новости|ещё новости|еще новости|все новости|вернуться к (?:списку|новостям)|"
    r"назад к (?:списку|новостям)|возврат к (?:списку|новостям)|← назад|к списку новостей|архив новостей|поделиться(?: новостью)?\s*$|"
    r"обсуждение|комментарии\s*\(?\d*\)?\s*$)",
    re.I,
)
# A segment matching one of these is dropped, the text goes on.
_DROP_RE = re.compile(
    r"^(?:версия для печати|распечатать|печать|поделиться|подписаться|share|tweet|"
    r"просмотр(?:ов|ы)?\s*:?\s*\d*|просмотров|\d+\s*просмотр\w*|теги\s*:?$|метки\s*:?$|"
    r"главная\s*(?:[→>»/|»›\\-]|$)|"
    r"©|\(c\)\s|copyright|все права защищены|"
    r"(?:vk|vkontakte|вконтакте|одноклассники|telegram|телеграм|facebook|twitter|whatsapp|viber)(?:\s|$)|"
    r"нашли ошибку|выделите (?:её|ее|текст)|оцените (?:материал|новость)|"
    # cookie notices, calls to subscribe, section labels and site credits (chrome that sits
    # inside article containers on some templates)
    r"(?:мы )?используем (?:файлы )?cookie|(?:этот |наш )?сайт использует (?:файлы )?(?:cookie|куки)|"
    r"(?:продолжая|оставаясь) (?:использовать|пользоваться|на сайте)|файлы cookie|"
    r"подписывайтесь|подпишитесь|присоединяйтесь к нам|"
    r"(?:новые материалы|свежие (?:материалы|новости)|популярное|самое (?:читаемое|популярное))\s*:?$|"
    r"(?:разработка(?: и поддержка)? сайта|создание сайта|техническая поддержка сайта)\s*[:—–-]|сайт разработан)",
    re.I,
)
#: ``_STOP_RE`` or ``_DROP_RE`` in one anchored match (both start with ``^``): one regex call
#: per short segment instead of two in the generic layer's scoring loop.
FURNITURE_RE = re.compile(f"(?:{_STOP_RE.pattern})|(?:{_DROP_RE.pattern})", re.I)
_NONWORD_RE = re.compile(r"\W+")
_NOT_LETTERS_RE = re.compile(r"[\d\W_]|года|г|в")
_DATE_LABEL_RE = re.compile(
    r"^\W*(?:опубликовано|дата публикации|дата создания|дата|обновлено|размещено|добавлено|создано|изменено)\b\W*", re.I
)
_META_LINE_RE = re.compile(r"^(?:категория|рубрика|раздел|теги|метки|автор|источник фото)\s*:", re.I)
_SENTENCE_END = frozenset('.!?:;»"…)')
_TRAILING_SIG_RE = re.compile(r"^(?:управа|префектура|пресс-служба|пресс-центр|администрация)\b", re.I)
_PHOTO_CREDIT_RE = re.compile(r"^(?:фото|фотография|источник фото|иллюстрация)\s*[:—–-]", re.I)


def _norm_key(s: str) -> str:
    return _NONWORD_RE.sub("", s.lower().replace("ё", "е"))


def _is_content(seg: Segment) -> int:
    """Characters of ``seg`` that look like article text (0 for links, furniture, short labels)."""
    text = seg.text
    n = len(text)
    if seg.links >= 0.3 * n or (n < 200 and FURNITURE_RE.match(text)):
        return 0
    return n if n >= 50 or (n >= 12 and text[-1] in _SENTENCE_END and " " in text) else 0


def clean_paragraphs(segments: list[Segment], title: str | None = None) -> list[str]:
    """Filter ``segments`` (already restricted to the body container) into paragraphs.

    Drops: link-dominated segments (≥ 60 % of characters in links, e.g. related-news lists,
    tag clouds), date-only lines, the headline repeated in the body, breadcrumbs, share/print
    buttons, counters, copyright lines, short photo credits; stops at footer markers such as
    «Адрес страницы:» or «Читайте также»; skips short unpunctuated labels before the first
    paragraph (rubric, byline); trims trailing signature lines («Управа района …» without a
    sentence ending).  Returns paragraphs in order, without immediate duplicates.

    Footer markers cut only below the article: a marker met while the text kept so far is
    shorter than 200 characters and than the article-like text between it and the next marker
    («Все новости» or «Читайте также» above the story, under a cookie notice) is dropped like
    any furniture line, and the text goes on (issue 14: such a marker used to cut the story).
    """
    title_key = _norm_key(title) if title else None
    tlen = len(title) if title else 0
    out: list[str] = []
    kept = 0
    after: list[int] | None = None  # article-like characters from segment i+1 to the next marker
    for i, seg in enumerate(segments):
        text = seg.text
        n = len(text)
        if n == 0:
            continue
        if n < 200 and _STOP_RE.match(text):
            if not out:
                continue  # a related block above the text: skip its heading, keep looking
            if kept >= 200:
                break
            if after is None:
                after = _content_after_markers(segments)
            if kept >= after[i]:
                break
            continue  # a marker above the story (nav label under chrome lines): drop it, go on
        if seg.links and seg.links >= 0.6 * n:
            continue
        if n < 200 and _DROP_RE.match(text):
            continue
        if n < 120 and _PHOTO_CREDIT_RE.match(text):
            continue
        if n < 80 and looks_like_date(text) and len(_NOT_LETTERS_RE.sub("", _DATE_LABEL_RE.sub("", text))) < 12:
            continue
        if n < 80 and _META_LINE_RE.match(text):
            continue
        if title_key and abs(n - tlen) < 12 and _norm_key(text) == title_key:
            continue
        if out and out[-1] == text:
            continue
        if not out and n < 40 and text[-1] not in _SENTENCE_END:
            continue  # a label above the text: rubric, byline, "Новости района"
        out.append(text)
        kept += n
    while out and is_signature(out[-1]):
        out.pop()
    return out


def _content_after_markers(segments: list[Segment]) -> list[int]:
    """For each index i: article-like characters in segments i+1 … up to the next footer marker
    (one backward pass, O(len(segments)))."""
    out = [0] * len(segments)
    run = 0
    for i in range(len(segments) - 1, -1, -1):
        out[i] = run
        seg = segments[i]
        if len(seg.text) < 200 and _STOP_RE.match(seg.text):
            run = 0
        else:
            run += _is_content(seg)
    return out


def is_signature(text: str) -> bool:
    """«Управа района Арбат», «Пресс-служба префектуры ЦАО»: a short name line without a
    sentence ending (a real closing sentence that starts with «Управа …» ends with a period)."""
    return (len(text) < 90 and len(text.split()) <= 7 and text[-1] not in _SENTENCE_END
            and _TRAILING_SIG_RE.match(text) is not None)


def is_furniture(text: str) -> bool:
    """True for short lines that are page furniture wherever they stand (footer markers,
    share/print/copyright/counter lines); used by the generic layer so that such lines never
    count as article text when choosing the container."""
    return len(text) < 200 and FURNITURE_RE.match(text) is not None
