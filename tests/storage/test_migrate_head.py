"""The start-up fast path of :func:`storage.migrate.upgrade`: an up-to-date database is
recognised without importing alembic, and :data:`HEAD_REVISION` names the newest migration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.migrate import HEAD_REVISION, alembic_config, current_revision


def test_head_revision_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]


def test_up_to_date_database_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    code = (
        "import sys\n"
        "from storage import open_store\n"
        "from storage.migrate import current_revision\n"
        f"st = open_store({url!r})\n"
        "first = 'alembic' in sys.modules\n"
        "st.close()\n"
        "for m in [m for m in sys.modules if m == 'alembic' or m.startswith('alembic.')]:\n"
        "    del sys.modules[m]\n"
        f"st = open_store({url!r})\n"
        "print(first, 'alembic' in sys.modules, current_revision(st.engine))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2])
    # A new database is migrated with alembic; the second open finds it at the head and skips it.
    assert out.stdout.split() == ["True", "False", HEAD_REVISION]


def test_current_revision_of_an_empty_database(tmp_path: Path) -> None:
    from storage.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    try:
        assert current_revision(engine) is None
    finally:
        engine.dispose()
