"""The sidebar's counts read a small index instead of every row of ``works``.

Counting unread, starred, incomplete and new works summed four flags over the whole table,
abstracts and all: 60 ms at 100,000 works, on the GUI thread after every import or sync. One
index holding the four flags (and, as every index does, the work id) answers the same sums
from a structure a few bytes per work wide.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_works_flags", "works", ["is_read", "starred", "needs_metadata", "is_new"])


def downgrade() -> None:
    op.drop_index("ix_works_flags", "works")
