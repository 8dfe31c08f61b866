"""the Mayor's originals: stories.original_article_id, sources.health_flags, releases view

Revision ID: 0004_i12_originals
Revises: 0001

Adds ``stories.original_article_id`` (the story's Mayor's original, an article of a
``kind: mayor`` source; NULL for district-only news), ``sources.health_flags`` (a JSON
array of the last crawl's warnings, e.g. ``api_block_page``), and recreates the public
``releases`` view with two more columns, ``original_url`` and ``original_published_at``
(SQLite and PostgreSQL). Self-contained: it drops and recreates the whole view.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i12_originals"
down_revision = "0003_i11b_pending"
branch_labels = None
depends_on = None

RELEASES_VIEW_SQLITE = """
CREATE VIEW releases AS
SELECT s.id AS story_id, s.title AS title, s.published_at AS published_at,
       s.first_seen_at AS first_seen_at, c.url AS canonical_url, s.reprint_count AS reprint_count,
       (SELECT json_group_array(a.url) FROM (SELECT url FROM articles WHERE story_id = s.id
                                             ORDER BY published_at, id) AS a) AS reprint_urls,
       o.url AS original_url, o.published_at AS original_published_at
FROM stories AS s LEFT JOIN articles AS c ON c.id = s.canonical_article_id
                  LEFT JOIN articles AS o ON o.id = s.original_article_id
"""

RELEASES_VIEW_POSTGRESQL = """
CREATE VIEW releases AS
SELECT s.id AS story_id, s.title AS title, s.published_at AS published_at,
       s.first_seen_at AS first_seen_at, c.url AS canonical_url, s.reprint_count AS reprint_count,
       COALESCE((SELECT json_agg(a.url ORDER BY a.published_at, a.id) FROM articles AS a
                 WHERE a.story_id = s.id), '[]'::json) AS reprint_urls,
       o.url AS original_url, o.published_at AS original_published_at
FROM stories AS s LEFT JOIN articles AS c ON c.id = s.canonical_article_id
                  LEFT JOIN articles AS o ON o.id = s.original_article_id
"""

OLD_VIEW_SQLITE = """
CREATE VIEW releases AS
SELECT s.id AS story_id, s.title AS title, s.published_at AS published_at,
       s.first_seen_at AS first_seen_at, c.url AS canonical_url, s.reprint_count AS reprint_count,
       (SELECT json_group_array(a.url) FROM (SELECT url FROM articles WHERE story_id = s.id
                                             ORDER BY published_at, id) AS a) AS reprint_urls
FROM stories AS s LEFT JOIN articles AS c ON c.id = s.canonical_article_id
"""

OLD_VIEW_POSTGRESQL = """
CREATE VIEW releases AS
SELECT s.id AS story_id, s.title AS title, s.published_at AS published_at,
       s.first_seen_at AS first_seen_at, c.url AS canonical_url, s.reprint_count AS reprint_count,
       COALESCE((SELECT json_agg(a.url ORDER BY a.published_at, a.id) FROM articles AS a
                 WHERE a.story_id = s.id), '[]'::json) AS reprint_urls
FROM stories AS s LEFT JOIN articles AS c ON c.id = s.canonical_article_id
"""


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS releases")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_article_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_stories_original_article_id", ["original_article_id"], unique=False)
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("health_flags", sa.JSON(), nullable=True))
    op.execute(RELEASES_VIEW_POSTGRESQL if _pg() else RELEASES_VIEW_SQLITE)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS releases")
    op.drop_index("ix_stories_original_article_id", table_name="stories")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35, PostgreSQL): a batch table copy would trip
    # the foreign keys that point at ``sources`` and ``stories``.
    op.execute("ALTER TABLE sources DROP COLUMN health_flags")
    op.execute("ALTER TABLE stories DROP COLUMN original_article_id")
    op.execute(OLD_VIEW_POSTGRESQL if _pg() else OLD_VIEW_SQLITE)
