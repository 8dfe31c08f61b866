"""full-text search index over stories

Revision ID: 0002
Revises: 0001

SQLite: an FTS5 table ``story_fts(title, body)`` whose rowid is the story id and
whose columns hold STEMMED text (see ``storage.fts``); plain ``unicode61``
tokenizer, since stemming happens in Python before indexing and querying.
PostgreSQL: ``story_fts(story_id, document tsvector)`` with a GIN index, filled
with ``to_tsvector('simple', <stemmed text>)`` (the same Python stemmer on both
databases, so both find the same stories).
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE story_fts (story_id integer PRIMARY KEY, document tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_story_fts_document ON story_fts USING gin (document)")
    else:
        op.execute("CREATE VIRTUAL TABLE story_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')")
    op.execute("DELETE FROM meta WHERE key = 'fts_indexed'")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS story_fts")
    op.execute("DELETE FROM meta WHERE key = 'fts_indexed'")
