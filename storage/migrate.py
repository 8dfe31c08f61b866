"""Schema creation and upgrades with alembic (``storage/migrations/versions``).

:func:`upgrade` is called on every start; it is a no-op on an up-to-date database. It first
reads ``alembic_version`` with one query: when the database is already at
:data:`HEAD_REVISION`, alembic itself (about 130 modules, ~10 MB that a daemon would keep
for its lifetime) is never imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: The newest revision in ``migrations/versions`` (a new migration updates it;
#: ``tests/storage/test_migrate_head.py`` fails when it is stale).
HEAD_REVISION = "0005_i13_web_indexes"


def alembic_config(url: str | None = None) -> Config:
    """An alembic Config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``alembic_version``), or ``None`` (no table, no row, several heads)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (default: the newest).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: when the database refuses a step (the caller wraps it in StorageError).
    """
    if revision in ("heads", "head", HEAD_REVISION) and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
