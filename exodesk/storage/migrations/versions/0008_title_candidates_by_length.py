"""Title candidates are found by year, first author and title length.

An import looks up, for each record without a shared identifier, the stored works of its
year and first-author family name, and compares their titles with its own. A common family
name gives hundreds of such works in a large library, and a title can only match those of
a near length (``matching.length_window``): with the length in the index, SQLite reads only
those. The index on (year, first_author_key) it replaces answered the same lookups without
the length, and nothing else.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_works_title_candidates "
        "ON works (year, first_author_key, length(title_key))"
    )
    op.execute("DROP INDEX ix_works_year_first_author_key")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_works_year_first_author_key ON works (year, first_author_key)")
    op.execute("DROP INDEX ix_works_title_candidates")
