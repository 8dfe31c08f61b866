"""Why a reprint was attached to its story, in Russian words (the web interface's «почему»).

The same facts as ``mosnews story`` prints (:func:`crawler.cli.stories._reasons`): the
detector's ``best`` story score, the probability against the canonical article, the main
similarity signals against it and the conflicts that fired; ``late`` for late attachment,
``manual`` for a hand fix; for the article that founded the story, the closest other story.
"""

from __future__ import annotations

from typing import Any

#: Similarity signals against the canonical article, in the order shown.
SIGNALS = {
    "char": "текст по буквам",
    "tfidf": "текст по словам",
    "enc": "смысл заголовка",
    "title": "заголовок",
}
#: Conflicts (``*_conf`` signals) that lower the score.
CONFLICTS = {
    "spk_conf": "разные спикеры",
    "rdate_conf": "разные даты события",
    "place_conf": "разные районы",
    "addr_conf": "разные адреса",
    "local_conf": "местная новость другого района",
    "stage_conf": "разные стадии проекта",
    "name_conf": "разные имена",
    "topic_conf": "разные темы",
    "fig_conf": "расходятся числа",
    "fig_major_conf": "расходятся главные числа",
    "fact_conf": "расходятся единственные числа",
    "year_conf": "разные годы",
    "title_year_conf": "разные годы в заголовках",
    "date_conf": "разные даты",
}


def _pct(v: float) -> str:
    return f"{round(100 * v)} %"


def explain(expl: dict[str, Any] | None, story_id: int | None = None) -> str:
    """One Russian sentence: why the article with detector explanation ``expl`` is in story ``story_id``.

    Returns ``""`` when there is no explanation (e.g. an article stored before the detector ran).
    """
    if not expl:
        return ""
    if "manual" in expl:
        return f"Исправлено вручную: {expl['manual']}."
    best = expl.get("best") if isinstance(expl.get("best"), dict) else None
    if best is None or (story_id is not None and best.get("story") != story_id and not expl.get("late")):
        if best is None:
            return "Первая публикация: ни один более ранний сюжет не совпал по содержанию."
        score = best.get("score", 0) or 0
        return (f"Первая публикация: ближайший другой сюжет №{best.get('story')} совпал лишь на {_pct(score)} — "
                "ниже порога присоединения.")
    parts: list[str] = []
    score = best.get("score")
    if isinstance(score, (int, float)):
        parts.append(f"Совпадает с сюжетом на {_pct(score)}")
    pc = best.get("p_canonical")
    if isinstance(pc, (int, float)):
        parts.append(f"с основной публикацией — на {_pct(pc)}")
    sig = best.get("signals_vs_canonical") or {}
    if isinstance(sig, dict):
        shown = [f"{label} {_pct(sig[k])}" for k, label in SIGNALS.items() if isinstance(sig.get(k), (int, float))]
        if shown:
            parts.append("сходство: " + ", ".join(shown))
        figs = sig.get("fig_agree")
        if isinstance(figs, (int, float)) and figs > 0:
            parts.append("общие числа")
        fired = [CONFLICTS.get(k, k) for k, v in sig.items() if k.endswith("_conf") and isinstance(v, (int, float)) and v > 0]
        if fired:
            parts.append("несмотря на: " + ", ".join(fired))
    if best.get("vetoes"):
        parts.append("часть публикаций сюжета отклонена запретами")
    if expl.get("late"):
        parts.append(f"присоединено позже: {expl['late']}")
    return ("; ".join(parts) + ".") if parts else ""


__all__ = ["explain"]
