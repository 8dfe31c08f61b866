from datetime import datetime, timedelta

import pytest

from crawler.errors import ParseError
from crawler.parse import canonical_url, decode_html, normalize_space, parse_ru_datetime
from crawler.parse.ru import MOSCOW

MSK = MOSCOW


@pytest.mark.parametrize(
    "text,expected",
    [
        ("24.02.2015", datetime(2015, 2, 24, tzinfo=MSK)),
        ("24.02.2015 12:30", datetime(2015, 2, 24, 12, 30, tzinfo=MSK)),
        ("24 февраля 2015", datetime(2015, 2, 24, tzinfo=MSK)),
        ("24\u00a0февраля 2015 г., 12:30", datetime(2015, 2, 24, 12, 30, tzinfo=MSK)),
        ("24 февраля 2015 года в 12:30", datetime(2015, 2, 24, 12, 30, tzinfo=MSK)),
        ("Опубликовано: 05.06.2020 13:04", datetime(2020, 6, 5, 13, 4, tzinfo=MSK)),
        ("2015-02-24", datetime(2015, 2, 24, tzinfo=MSK)),
        ("2015-02-24T12:30:00", datetime(2015, 2, 24, 12, 30, tzinfo=MSK)),
    ],
)
def test_dates(text, expected):
    got = parse_ru_datetime(text)
    assert got == expected and got.tzinfo is not None


def test_all_months_and_yo():
    names = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"]
    for i, n in enumerate(names, 1):
        assert parse_ru_datetime(f"3 {n} 2021").month == i
    nom = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"]
    for i, n in enumerate(nom, 1):
        assert parse_ru_datetime(f"3 {n} 2021").month == i
    assert parse_ru_datetime("1 ФЕВРАЛЯ 2021") == datetime(2021, 2, 1, tzinfo=MSK)


def test_iso_offset_kept():
    dt = parse_ru_datetime("2024-03-05T13:04:00+05:00")
    assert dt.utcoffset() == timedelta(hours=5)
    assert parse_ru_datetime("2024-03-05T10:04:00Z").utcoffset() == timedelta(0)


def test_no_date_and_false_friends():
    assert parse_ru_datetime("") is None
    assert parse_ru_datetime("ничего") is None
    assert parse_ru_datetime("31.02.2015") is None
    assert parse_ru_datetime("запущено 2 маршрута") is None


def test_relative():
    now = datetime(2024, 5, 10, 15, 0, tzinfo=MSK)
    assert parse_ru_datetime("Сегодня, 12:30", now=now) == datetime(2024, 5, 10, 12, 30, tzinfo=MSK)
    assert parse_ru_datetime("24 декабря, 09:15", now=now) == datetime(2023, 12, 24, 9, 15, tzinfo=MSK)


def test_normalize_space():
    assert normalize_space(" a\u00a0b\u2009c\u00add\u200be\u202f f\n\n g ") == "a b cde f g"


def test_decode_header_meta_detect():
    text = "<html><head><meta charset='windows-1251'></head><body>Управа района Арбат сообщает о ремонте</body></html>"
    raw = text.encode("cp1251")
    assert decode_html(raw, "text/html; charset=windows-1251")[0] == text
    assert decode_html(raw, "text/html")[0] == text  # meta
    got, enc = decode_html(raw, "text/html; charset=utf-8")  # lying header
    assert got == text and enc == "cp1251"
    bare = "<p>Жители района обсудили благоустройство дворов и ремонт подъездов</p>".encode("cp1251")
    assert decode_html(bare, None)[0].startswith("<p>Жители")
    assert decode_html("привет".encode("utf-8"), None) == ("привет", "utf-8")
    assert decode_html("текст".encode("koi8-r"), None, override="koi8-r")[0] == "текст"


def test_decode_empty():
    with pytest.raises(ParseError):
        decode_html(b"", "text/html")
    with pytest.raises(ParseError):
        decode_html(b"  \n", None)


def test_canonical_url():
    assert (
        canonical_url("/presscenter/news/detail/8934877.html?utm_source=vk&a=1&yclid=3&b=2&fbclid=x&gclid=y#top", "HTTPS://Arbat.MOS.ru/presscenter/news/")
        == "https://arbat.mos.ru/presscenter/news/detail/8934877.html?a=1&b=2"
    )
    assert canonical_url("http://A.ru") == "http://a.ru/"
    assert canonical_url("https://a.ru:443/upload/Фото 1.jpg") == "https://a.ru/upload/%D0%A4%D0%BE%D1%82%D0%BE%201.jpg"
    assert canonical_url("https://a.ru/upload/%D0%A4.jpg") == "https://a.ru/upload/%D0%A4.jpg"
