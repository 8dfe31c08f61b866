"""Alembic environment for mosnews: runs against the connection passed in by :func:`storage.migrate.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from storage.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///mosnews.db")
        with engine.connect() as conn:
            _run(conn)
        return
    _run(connection)


#: Objects created by raw SQL in migrations (FTS tables, views) that autogenerate must not drop.
RAW_SQL_OBJECTS = ("story_fts", "releases")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Hide the raw-SQL objects (and FTS5 shadow tables) from ``alembic revision --autogenerate``."""
    return not (name and (name in RAW_SQL_OBJECTS or name.startswith("story_fts_")))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=True,  # SQLite needs batch mode for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
