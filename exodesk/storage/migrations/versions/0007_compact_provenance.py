"""Field provenance as one record per work; the full-text index flushes 4 MB at a time.

``field_provenance`` held a row per field of every work (15-20 for an imported article):
importing new works spent a fifth of its SQL time on them, and they were a sixth of the
pages an import wrote. ``work_provenance`` holds one JSON record per work instead, the
same facts grouped by who set the fields and when (see ``exodesk.storage.provenance``):
``[[source, time, [field, ...]], ...]``, groups by time, oldest first.

FTS5 keeps the index entries of new rows in memory up to its ``hashsize`` (1 MB unless
set) and then writes them out as a segment, which later writes merge. An import of 5,000
works filled the default a dozen times; with 4 MB, its writing and commit took 5% less
time, 6% for 20,000 works, as measured (8 and 16 MB were slower again: each flush sorts
every term it holds). An import of 1,000 works, flushed once at its commit, took 7% (8 ms)
more. Only a large write transaction (an import, a rebuild) ever holds that much.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Bytes of pending full-text index entries FTS5 keeps before writing a segment.
FTS_HASH_SIZE = 4 * 1024 * 1024
_FTS_DEFAULT_HASH_SIZE = 1024 * 1024

# SQLite's json_group_array keeps the order rows reach it: fields by name within a group
# (the old primary key's order), groups by time.
_FILL = """
INSERT INTO work_provenance (work_id, fields)
SELECT work_id, json_group_array(json(grouped))
  FROM (SELECT work_id, updated_at, source,
               json_array(source, updated_at, json_group_array(field)) AS grouped
          FROM (SELECT work_id, updated_at, source, field FROM field_provenance
                 ORDER BY work_id, updated_at, source, field)
         GROUP BY work_id, updated_at, source
         ORDER BY work_id, updated_at, source)
 GROUP BY work_id
"""
_EXPAND = """
INSERT INTO field_provenance (work_id, field, source, updated_at)
SELECT p.work_id, f.value, json_extract(g.value, '$[0]'), json_extract(g.value, '$[1]')
  FROM work_provenance p, json_each(p.fields) g, json_each(g.value, '$[2]') f
"""


def upgrade() -> None:
    op.create_table(
        "work_provenance",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["works.id"],
            name=op.f("fk_work_provenance_work_id_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("work_id", name=op.f("pk_work_provenance")),
    )
    op.execute(_FILL)
    op.drop_table("field_provenance")
    _set_fts_hash_size(FTS_HASH_SIZE)


def downgrade() -> None:
    _set_fts_hash_size(_FTS_DEFAULT_HASH_SIZE)
    op.create_table(
        "field_provenance",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "source IN ('seed', 'import', 'sync', 'user')",
            name=op.f("ck_field_provenance_source"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["works.id"],
            name=op.f("fk_field_provenance_work_id_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("work_id", "field", name=op.f("pk_field_provenance")),
    )
    op.execute(_EXPAND)
    op.drop_table("work_provenance")


def _set_fts_hash_size(size: int) -> None:
    # A configuration value of the FTS5 table, kept in its own config table: FTS5 reads
    # "hashsize" like "automerge" or "pgsz", though its documentation does not list it.
    op.execute(f"INSERT INTO works_fts (works_fts, rank) VALUES ('hashsize', {int(size)})")
