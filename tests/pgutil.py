"""PostgreSQL test helper: a fresh, empty schema per test in the MOSNEWS_TEST_PG database.

Each call creates schema ``mosnews_t<random>`` and points the store at it with
``search_path``, so parallel test runs never see each other's tables.
"""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import Store, open_store
from storage.engine import normalize_url


def fresh_pg_url(url: str) -> str:
    """Create a new empty schema and return a URL whose connections use it."""
    schema = f"mosnews_t{uuid.uuid4().hex[:12]}"
    eng = create_engine(normalize_url(url))
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    u = make_url(normalize_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
    return u.render_as_string(hide_password=False)


def drop_schema(url: str) -> None:
    """Drop the schema a :func:`fresh_pg_url` URL points at."""
    u = make_url(url)
    schema = str(u.query.get("options", "")).removeprefix("-csearch_path=")
    if not schema.startswith("mosnews_t"):
        return
    eng = create_engine(u.difference_update_query(["options"]))
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def fresh_pg(url: str) -> Store:
    """A migrated store in a brand-new schema of ``url``'s database."""
    return open_store(fresh_pg_url(url))
