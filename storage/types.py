"""Column types shared by the models: UTC timestamps stored as ISO 8601 text on SQLite."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC.

    SQLite: TEXT ``YYYY-MM-DDTHH:MM:SSZ`` (ISO 8601, sorts as text, readable in SQL).
    PostgreSQL: ``timestamp with time zone``.
    Naive datetimes are refused (``ValueError``): every time in mosnews is aware.
    """

    impl = String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(String(32))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = parse_utc(value)
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: mosnews stores only aware times")
        value = value.astimezone(timezone.utc)
        if dialect.name == "postgresql":
            return value
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return parse_utc(value)


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z`` allowed); a naive one is taken as UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def iso_utc(dt: datetime | None) -> str | None:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (the SQLite storage form)."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
