"""``mosnews probe URL``: show what each extraction layer finds on a page, separately."""

from __future__ import annotations

from crawler.config import SelectorProfile
from crawler.parse.article import run_layers
from crawler.parse.dom import gc_paused


def probe_layers(html: str, url: str, profile: SelectorProfile | None = None, *,
                 profile_name: str | None = None) -> dict[str, dict]:
    """Run every layer (generic included) and report each one's findings.

    Returns ``{layer_name: {"title": str, "published_at": ISO str | None, "lead": str,
    "body_chars": int, "paragraphs": int, "body_start": str (first 120 chars), "images": [url…],
    "tags": [str…]}}`` with layer names ``profile:<name>``, ``profile:bitrix``, ``metadata``,
    ``generic``.  Never raises on bad markup (a layer that finds nothing reports empty values).
    """
    out: dict[str, dict] = {}
    with gc_paused():
        results = run_layers(html, url, profile, everything=True, profile_name=profile_name)
    for name, r in results:
        text = "\n\n".join(r.paragraphs)
        out[name] = {
            "title": r.title,
            "published_at": r.published_at.isoformat() if r.published_at else None,
            "lead": r.lead,
            "body_chars": len(text),
            "paragraphs": len(r.paragraphs),
            "body_start": text[:120],
            "images": list(r.images),
            "tags": list(r.tags),
        }
    return out
