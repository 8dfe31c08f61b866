"""HTTP fetching: one httpx.AsyncClient with per-host politeness, robots.txt, retries and conditional GET."""

from __future__ import annotations

from crawler.fetch.client import Fetcher
from crawler.fetch.retry import backoff_delay, classify_status

__all__ = ["Fetcher", "backoff_delay", "classify_status"]
