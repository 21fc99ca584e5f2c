"""Citation keys, duplicate-detection keys and the merge history of works.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Columns are added with ALTER TABLE ... ADD COLUMN, never with Alembic's batch "copy and
move": that drops the old ``works`` table, and with foreign keys on, dropping it would
cascade into authors, tags and notes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from exodesk.core.matching import name_key, title_key

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("matched_on", sa.String(), nullable=False),
        sa.Column("filled", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["works.id"],
            name=op.f("fk_work_merges_work_id_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_merges")),
    )
    op.create_index(op.f("ix_work_merges_work_id"), "work_merges", ["work_id"], unique=False)
    op.add_column("works", sa.Column("citation_key", sa.Text(), nullable=True))
    op.add_column("works", sa.Column("title_key", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "works", sa.Column("first_author_key", sa.Text(), nullable=False, server_default="")
    )
    op.create_index("ix_works_citation_key", "works", ["citation_key"], unique=True)
    op.create_index(
        "ix_works_year_first_author_key", "works", ["year", "first_author_key"], unique=False
    )
    _fill_keys()


def _fill_keys() -> None:
    connection = op.get_bind()
    rows = connection.exec_driver_sql(
        "SELECT w.id, w.title, (SELECT CASE WHEN a.family <> '' THEN a.family ELSE a.name END "
        "FROM authors a WHERE a.work_id = w.id ORDER BY a.position LIMIT 1) FROM works w"
    ).fetchall()
    for work_id, title, family in rows:
        connection.exec_driver_sql(
            "UPDATE works SET title_key = ?, first_author_key = ? WHERE id = ?",
            (title_key(title or ""), name_key(family or ""), work_id),
        )


def downgrade() -> None:
    op.drop_index("ix_works_year_first_author_key", table_name="works")
    op.drop_index("ix_works_citation_key", table_name="works")
    op.drop_column("works", "first_author_key")
    op.drop_column("works", "title_key")
    op.drop_column("works", "citation_key")
    op.drop_index(op.f("ix_work_merges_work_id"), table_name="work_merges")
    op.drop_table("work_merges")
