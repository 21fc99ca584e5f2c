"""Tag names leave the full-text index; citation keys get a case-folded index.

Tagging 10,000 works used to rebuild 10,000 full-text rows (every abstract tokenised again)
just to add one word to each. Search now finds tags through the small ``tags`` table
instead, so tagging touches ``work_tags`` only. FTS5 cannot drop a column, so the index is
created again without it and refilled from the tables it mirrors.

Imports and key assignment compare citation keys ignoring case; the expression index on
``lower(citation_key)`` answers that without scanning every work.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_FILL = """
INSERT INTO works_fts (rowid, title, authors, journal, abstract, keywords{extra})
SELECT w.id,
       w.title,
       (SELECT group_concat(trim(a.given || ' ' || a.family || ' ' || a.name), '; ')
          FROM authors a WHERE a.work_id = w.id),
       trim(w.container_title || ' ' || w.container_abbrev),
       w.abstract,
       (SELECT group_concat(t.term, '; ') FROM work_terms t WHERE t.work_id = w.id){extra_values}
  FROM works w
"""
_NOTES = ",\n       (SELECT group_concat(n.body, ' ') FROM notes n WHERE n.work_id = w.id)"
_TAGS = (
    ",\n       (SELECT group_concat(g.name, '; ') FROM work_tags wt JOIN tags g "
    "ON g.id = wt.tag_id WHERE wt.work_id = w.id)"
)
_OPTIONS = "prefix='2 3 4', tokenize='unicode61 remove_diacritics 2'"


def upgrade() -> None:
    op.execute("CREATE INDEX ix_works_citation_key_lower ON works (lower(citation_key))")
    op.execute("DROP TABLE works_fts")
    op.execute(
        "CREATE VIRTUAL TABLE works_fts USING fts5("
        f"title, authors, journal, abstract, keywords, notes, {_OPTIONS})"
    )
    op.execute(_FILL.format(extra=", notes", extra_values=_NOTES))


def downgrade() -> None:
    op.execute("DROP TABLE works_fts")
    op.execute(
        "CREATE VIRTUAL TABLE works_fts USING fts5("
        f"title, authors, journal, abstract, keywords, tags, notes, {_OPTIONS})"
    )
    op.execute(_FILL.format(extra=", tags, notes", extra_values=_TAGS + _NOTES))
    op.execute("DROP INDEX ix_works_citation_key_lower")
