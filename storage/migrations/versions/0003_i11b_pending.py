"""pending detail pages: failed downloads retried on later crawls

Revision ID: 0003_i11b_pending
Revises: 0002

One row per detail URL whose download failed (``storage.pending``); deleted when a later
crawl fetches it, ``given_up`` after ``crawl.detail_retry_for``.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.types import UTCDateTime

revision = "0003_i11b_pending"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_details",
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("source_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published_at", UTCDateTime(length=32), nullable=True),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("backfill", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", UTCDateTime(length=32), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(length=32), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("url"),
    )
    op.create_index("ix_pending_details_source_next", "pending_details", ["source_id", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_details_source_next", table_name="pending_details")
    op.drop_table("pending_details")
