"""Title keys hold their words sorted, and the title-candidates index holds the keys.

Title matching compares keys by rapidfuzz's token-sort ratio, which sorts the words of
both titles for every pair: with the words sorted once, when a key is stored, the plain
ratio gives the same score at a fraction of the cost. A key's length does not change, so
``ix_works_title_candidates`` keeps its order; with the key added to it, the candidates of
a record are read from the index alone, not from rows spread over the whole file.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

from exodesk.storage.sql import driver_connection

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _sorted_words(key: str | None) -> str | None:
    return None if key is None else " ".join(sorted(key.split()))


def upgrade() -> None:
    # Without the index first, rewriting the keys does not also rewrite its entries.
    op.execute("DROP INDEX ix_works_title_candidates")
    driver = driver_connection(op.get_bind())
    driver.create_function("exodesk_sorted_words", 1, _sorted_words, deterministic=True)
    op.execute(
        "UPDATE works SET title_key = exodesk_sorted_words(title_key) "
        "WHERE title_key <> exodesk_sorted_words(title_key)"
    )
    op.execute(
        "CREATE INDEX ix_works_title_candidates "
        "ON works (year, first_author_key, length(title_key), title_key)"
    )


def downgrade() -> None:
    # Sorted keys match as the words in title order did (token-sort ratio): they stay.
    op.execute("DROP INDEX ix_works_title_candidates")
    op.execute(
        "CREATE INDEX ix_works_title_candidates "
        "ON works (year, first_author_key, length(title_key))"
    )
