"""Russian word forms shared by the alert texts, the web pages and the simulator."""

from __future__ import annotations


def plural_form(n: int, one: str, few: str, many: str) -> str:
    """The noun form for ``n`` (the CLDR plural rule for Russian): ``one`` for 1, 21, 101 …;
    ``few`` for 2–4, 22–24 …; ``many`` for 0, 5–20, 25 … (``plural_form(5, "маршрут",
    "маршрута", "маршрутов")`` → «маршрутов»). Negative ``n`` as its absolute value."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
