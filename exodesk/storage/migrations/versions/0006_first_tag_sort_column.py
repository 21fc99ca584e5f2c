"""The tags column sorts through an index: each work's first tag name, kept by triggers.

Sorting by "Tags" used to compute each work's alphabetically first tag in a subquery and
sort every work by it: seconds at a million works. ``works.first_tag`` holds that name,
indexed like the other sortable columns. Triggers keep it right whoever writes the links
(the app, an import's bulk inserts, a tag renamed or deleted with its links cascading).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FIRST_TAG = (
    "(SELECT min(t.name) FROM work_tags wt JOIN tags t ON t.id = wt.tag_id "
    "WHERE wt.work_id = {work})"
)
_TRIGGERS = {
    "trg_work_tags_insert_first_tag": (
        "AFTER INSERT ON work_tags BEGIN "
        f"UPDATE works SET first_tag = {_FIRST_TAG.format(work='NEW.work_id')} "
        "WHERE id = NEW.work_id; END"
    ),
    "trg_work_tags_delete_first_tag": (
        "AFTER DELETE ON work_tags BEGIN "
        f"UPDATE works SET first_tag = {_FIRST_TAG.format(work='OLD.work_id')} "
        "WHERE id = OLD.work_id; END"
    ),
    "trg_tags_rename_first_tag": (
        "AFTER UPDATE OF name ON tags BEGIN "
        f"UPDATE works SET first_tag = {_FIRST_TAG.format(work='works.id')} "
        "WHERE id IN (SELECT work_id FROM work_tags WHERE tag_id = NEW.id); END"
    ),
}


def upgrade() -> None:
    op.add_column("works", sa.Column("first_tag", sa.Text(collation="NOCASE"), nullable=True))
    op.execute(
        f"UPDATE works SET first_tag = {_FIRST_TAG.format(work='works.id')} "
        "WHERE id IN (SELECT work_id FROM work_tags)"
    )
    op.create_index("ix_works_first_tag", "works", ["first_tag"])
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_works_first_tag", "works")
    op.drop_column("works", "first_tag")
