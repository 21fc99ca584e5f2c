"""An index that sorts PMIDs as numbers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_works_pmid_number ON works (CAST(pmid AS INTEGER))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_works_pmid_number")
