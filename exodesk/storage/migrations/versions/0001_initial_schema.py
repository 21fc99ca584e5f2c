"""Initial schema: works, authors, terms, citations, tags, notes, provenance, FTS5 index.

Revision ID: 0001
Revises: -
Create Date: 2026-11-27 10:31:24.234124
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(collation="NOCASE"), nullable=False),
        sa.Column("color", sa.String(), nullable=False),
        sa.CheckConstraint("trim(name) <> ''", name=op.f("ck_tags_not_blank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "works",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("title", sa.Text(collation="NOCASE"), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("container_title", sa.Text(collation="NOCASE"), nullable=False),
        sa.Column("container_abbrev", sa.Text(collation="NOCASE"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("volume", sa.String(), nullable=False),
        sa.Column("issue", sa.String(), nullable=False),
        sa.Column("pages", sa.String(), nullable=False),
        sa.Column("article_number", sa.String(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("doi", sa.Text(), nullable=True),
        sa.Column("doi_key", sa.Text(collation="NOCASE"), nullable=True),
        sa.Column("pmid", sa.String(), nullable=True),
        sa.Column("pmcid", sa.String(), nullable=True),
        sa.Column("authors_display", sa.Text(collation="NOCASE"), nullable=False),
        sa.Column("needs_metadata", sa.Boolean(), nullable=False),
        sa.Column("is_read", sa.Boolean(), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_works")),
        sa.UniqueConstraint("doi_key", name=op.f("uq_works_doi_key")),
        sa.UniqueConstraint("pmcid", name=op.f("uq_works_pmcid")),
        sa.UniqueConstraint("pmid", name=op.f("uq_works_pmid")),
    )
    with op.batch_alter_table("works", schema=None) as batch_op:
        batch_op.create_index("ix_works_authors_display", ["authors_display"], unique=False)
        batch_op.create_index("ix_works_container_abbrev", ["container_abbrev"], unique=False)
        batch_op.create_index("ix_works_is_read", ["is_read"], unique=False)
        batch_op.create_index("ix_works_needs_metadata", ["needs_metadata"], unique=False)
        batch_op.create_index("ix_works_starred", ["starred"], unique=False)
        batch_op.create_index("ix_works_title", ["title"], unique=False)
        batch_op.create_index("ix_works_year", ["year"], unique=False)

    op.create_table(
        "authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("family", sa.Text(), nullable=False),
        sa.Column("given", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("orcid", sa.String(), nullable=False),
        sa.CheckConstraint("family <> '' OR name <> ''", name=op.f("ck_authors_has_name")),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_authors_work_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authors")),
        sa.UniqueConstraint("work_id", "position", name="uq_authors_work_position"),
    )
    op.create_table(
        "citations",
        sa.Column("citing_id", sa.Integer(), nullable=False),
        sa.Column("cited_id", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.CheckConstraint("citing_id <> cited_id", name=op.f("ck_citations_not_self")),
        sa.ForeignKeyConstraint(
            ["cited_id"], ["works.id"], name=op.f("fk_citations_cited_id_works"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["citing_id"],
            ["works.id"],
            name=op.f("fk_citations_citing_id_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("citing_id", "cited_id", name=op.f("pk_citations")),
    )
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.create_index("ix_citations_cited_id", ["cited_id", "citing_id"], unique=False)

    op.create_table(
        "field_provenance",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "source IN ('seed', 'import', 'sync', 'user')", name=op.f("ck_field_provenance_source")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["works.id"],
            name=op.f("fk_field_provenance_work_id_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("work_id", "field", name=op.f("pk_field_provenance")),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_notes_work_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_work_id"), ["work_id"], unique=False)

    op.create_table(
        "tracked_reviews",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["works.id"],
            name=op.f("fk_tracked_reviews_work_id_works"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("work_id", name=op.f("pk_tracked_reviews")),
    )
    op.create_table(
        "work_tags",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_work_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_work_tags_work_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("work_id", "tag_id", name=op.f("pk_work_tags")),
    )
    with op.batch_alter_table("work_tags", schema=None) as batch_op:
        batch_op.create_index("ix_work_tags_tag_id", ["tag_id", "work_id"], unique=False)

    op.create_table(
        "work_terms",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('subject', 'keyword')", name=op.f("ck_work_terms_kind")),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_work_terms_work_id_works"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("work_id", "kind", "position", name=op.f("pk_work_terms")),
    )
    op.create_table(
        "affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["authors.id"],
            name=op.f("fk_affiliations_author_id_authors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliations")),
        sa.UniqueConstraint("author_id", "position", name="uq_affiliations_pos"),
    )
    op.create_table(
        "citation_sources",
        sa.Column("citing_id", sa.Integer(), nullable=False),
        sa.Column("cited_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citing_id", "cited_id"],
            ["citations.citing_id", "citations.cited_id"],
            name="fk_citation_sources_edge",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "citing_id", "cited_id", "source", name=op.f("pk_citation_sources")
        ),
    )

    # Full-text index over what a researcher types into the search box. Its own content
    # (not external content) because one row gathers text from several tables; rowid is
    # the work id. Prefix indexes make "exo*" as fast as a whole-word match;
    # remove_diacritics lets "Stefanska" find "Stefańska".
    op.execute(
        "CREATE VIRTUAL TABLE works_fts USING fts5("
        "title, authors, journal, abstract, keywords, tags, notes, "
        "prefix='2 3 4', tokenize='unicode61 remove_diacritics 2')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE works_fts")
    op.drop_table("citation_sources")
    op.drop_table("affiliations")
    op.drop_table("work_terms")
    with op.batch_alter_table("work_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_work_tags_tag_id")

    op.drop_table("work_tags")
    op.drop_table("tracked_reviews")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_work_id"))

    op.drop_table("notes")
    op.drop_table("field_provenance")
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_index("ix_citations_cited_id")

    op.drop_table("citations")
    op.drop_table("authors")
    with op.batch_alter_table("works", schema=None) as batch_op:
        batch_op.drop_index("ix_works_year")
        batch_op.drop_index("ix_works_title")
        batch_op.drop_index("ix_works_starred")
        batch_op.drop_index("ix_works_needs_metadata")
        batch_op.drop_index("ix_works_is_read")
        batch_op.drop_index("ix_works_container_abbrev")
        batch_op.drop_index("ix_works_authors_display")

    op.drop_table("works")
    op.drop_table("tags")
