"""mosnews storage: SQLModel tables, engines (SQLite default, PostgreSQL), migrations and the DAO.

Public face: :func:`open_store`, :class:`Store`, the table models in :mod:`storage.models`.
The schema users query directly is documented in ``docs/schema.md``.
"""

from __future__ import annotations

from storage.engine import make_engine
from storage.store import Store, open_store

__all__ = ["Store", "make_engine", "open_store"]
