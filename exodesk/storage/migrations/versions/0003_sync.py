"""Sync: new-work flag, upstream suggestions, per-service sync state, sync run log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Added with ADD COLUMN and CREATE TABLE only (see 0002 for why no batch mode).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("works", sa.Column("is_new", sa.Boolean(), nullable=False, server_default="0"))
    op.create_index("ix_works_is_new", "works", ["is_new"], unique=False)
    op.create_table(
        "field_suggestions",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"],
            name=op.f("fk_field_suggestions_work_id_works"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("work_id", "field", name=op.f("pk_field_suggestions")),
    )  # fmt: skip
    op.create_table(
        "work_sync_state",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"],
            name=op.f("fk_work_sync_state_work_id_works"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("work_id", "service", name=op.f("pk_work_sync_state")),
    )  # fmt: skip
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )


def downgrade() -> None:
    op.drop_table("sync_runs")
    op.drop_table("work_sync_state")
    op.drop_table("field_suggestions")
    op.drop_index("ix_works_is_new", table_name="works")
    op.drop_column("works", "is_new")
