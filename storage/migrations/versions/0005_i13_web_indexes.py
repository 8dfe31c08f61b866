"""indexes for the web interface (issue 13)

Revision ID: 0005_i13_web_indexes
Revises: 0002

``ix_stories_when``: stories by ``coalesce(published_at, first_seen_at)`` then id — the
order of every release list (``/``, ``/feed.atom``, ``mosnews releases``); lets a page of
newest stories, or the page before a cursor, be read from the index without sorting.
``ix_articles_story_source``: ``(story_id, source_id)`` — the okrug / source filters check a
story's reprints from the index alone, without reading article rows.
``ix_articles_source_story``: ``(source_id, story_id)`` — the stories of a rarely publishing
source (or okrug), read from the index alone.
"""
from __future__ import annotations

from alembic import op

revision = "0005_i13_web_indexes"
down_revision = "0004_i12_originals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_stories_when ON stories (coalesce(published_at, first_seen_at), id)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_articles_story_source ON articles (story_id, source_id)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_articles_source_story ON articles (source_id, story_id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_articles_source_story")
    op.execute("DROP INDEX IF EXISTS ix_articles_story_source")
    op.execute("DROP INDEX IF EXISTS ix_stories_when")
