"""SQLAlchemy 2.x typed models: the one description of exodesk's tables.

Only the storage package imports this module. The Alembic migrations in
``exodesk/storage/migrations/versions`` create the same tables; a test compares the
two so that they cannot drift apart.

Design notes:
- Identifiers are stored twice: as shown (``doi``) and as a lookup key (``doi_key``, ASCII
  case folded) that carries the UNIQUE constraint. PMIDs and PMCIDs are normalised before
  they are stored, so the value is its own key. NULL means "absent", which keeps UNIQUE
  from colliding on missing identifiers.
- ``authors_display`` and ``first_author_sort`` are denormalised onto ``works`` so that the
  table view can sort and show 100,000+ rows without a join per row.
- The full-text index (``works_fts``) is an FTS5 table maintained by ``fts.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Sort columns compare case-insensitively; NOCASE folds ASCII only, which is what
#: SQLite offers without an extension and keeps ORDER BY on an index.
CI = "NOCASE"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorkModel(Base):
    __tablename__ = "works"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String, default="article-journal")
    title: Mapped[str] = mapped_column(Text(collation=CI), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    container_title: Mapped[str] = mapped_column(Text(collation=CI), default="")
    container_abbrev: Mapped[str] = mapped_column(Text(collation=CI), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[str] = mapped_column(String, default="")
    volume: Mapped[str] = mapped_column(String, default="")
    issue: Mapped[str] = mapped_column(String, default="")
    pages: Mapped[str] = mapped_column(String, default="")
    article_number: Mapped[str] = mapped_column(String, default="")
    publisher: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String, default="")
    doi: Mapped[str | None] = mapped_column(Text)
    doi_key: Mapped[str | None] = mapped_column(Text(collation=CI), unique=True)
    pmid: Mapped[str | None] = mapped_column(String, unique=True)
    pmcid: Mapped[str | None] = mapped_column(String, unique=True)
    authors_display: Mapped[str] = mapped_column(Text(collation=CI), default="")
    #: Stored once given, so that every export of a work uses the same key.
    citation_key: Mapped[str | None] = mapped_column(Text)
    #: The alphabetically first name among the work's tags (NULL: untagged), for sorting by
    #: tags through an index. Kept by triggers on ``work_tags`` and ``tags`` (migration 0006).
    first_tag: Mapped[str | None] = mapped_column(Text(collation=CI))
    #: Folded title (its words sorted) and first-author family name, for finding duplicates
    #: without identifiers (``exodesk.core.matching``).
    title_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    first_author_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    needs_metadata: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Added by the latest sync run (the sidebar's "New since last sync").
    is_new: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        # The table view sorts on each of these; an index per column keeps sorting a
        # walk of the index rather than a temporary B-tree over every row.
        Index("ix_works_title", "title"),
        Index("ix_works_authors_display", "authors_display"),
        Index("ix_works_container_abbrev", "container_abbrev"),
        Index("ix_works_year", "year"),
        Index("ix_works_is_read", "is_read"),
        Index("ix_works_starred", "starred"),
        Index("ix_works_needs_metadata", "needs_metadata"),
        Index("ix_works_citation_key", "citation_key", unique=True),
        # An import's title candidates: a year, a first author and a near title length;
        # holding the title keys, it answers without reading the table (migration 0009).
        Index(
            "ix_works_title_candidates",
            "year",
            "first_author_key",
            text("length(title_key)"),
            "title_key",
        ),
        Index("ix_works_is_new", "is_new"),
        Index("ix_works_first_tag", "first_tag"),
        # PMIDs are text; the table sorts them as numbers.
        Index("ix_works_pmid_number", text("CAST(pmid AS INTEGER)")),
        # Citation keys clash ignoring case (as in BibTeX); imports and key assignment ask.
        Index("ix_works_citation_key_lower", text("lower(citation_key)")),
    )


class AuthorModel(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    family: Mapped[str] = mapped_column(Text, default="")
    given: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")  # collective author
    orcid: Mapped[str] = mapped_column(String, default="")

    __table_args__ = (
        UniqueConstraint("work_id", "position", name="uq_authors_work_position"),
        CheckConstraint("family <> '' OR name <> ''", name="has_name"),
    )


class AffiliationModel(Base):
    __tablename__ = "affiliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("author_id", "position", name="uq_affiliations_pos"),)


class TermModel(Base):
    """Subjects and keywords of a work, in order."""

    __tablename__ = "work_terms"

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("kind IN ('subject', 'keyword')", name="kind"),)


class TrackedReviewModel(Base):
    """A work whose citing articles exodesk follows (the review)."""

    __tablename__ = "tracked_reviews"

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime)


class CitationModel(Base):
    """The edge citing work -> cited work."""

    __tablename__ = "citations"

    citing_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    cited_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    first_seen: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("citing_id <> cited_id", name="not_self"),
        Index("ix_citations_cited_id", "cited_id", "citing_id"),
    )


class CitationSourceModel(Base):
    """Which source (seed, pubmed, crossref, europepmc, import) reported an edge, and when."""

    __tablename__ = "citation_sources"

    citing_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cited_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String, primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        ForeignKeyConstraint(
            ["citing_id", "cited_id"],
            ["citations.citing_id", "citations.cited_id"],
            ondelete="CASCADE",
            name="fk_citation_sources_edge",
        ),
    )


class TagModel(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text(collation=CI), unique=True)
    color: Mapped[str] = mapped_column(String)

    __table_args__ = (CheckConstraint("trim(name) <> ''", name="not_blank"),)


class WorkTagModel(Base):
    __tablename__ = "work_tags"

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_work_tags_tag_id", "tag_id", "work_id"),)


class NoteModel(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class WorkMergeModel(Base):
    """What a work absorbed when an imported record turned out to be the same work."""

    __tablename__ = "work_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    merged_at: Mapped[datetime] = mapped_column(DateTime)
    origin: Mapped[str] = mapped_column(Text)  # "refs.ris, line 12"
    matched_on: Mapped[str] = mapped_column(String)  # doi, pmid, pmcid or title
    filled: Mapped[str] = mapped_column(Text, default="")  # fields filled, comma-separated


class SuggestionModel(Base):
    """A value a service gave for a field the user set: shown as "upstream says ..."."""

    __tablename__ = "field_suggestions"

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    source: Mapped[str] = mapped_column(String)
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class SyncStateModel(Base):
    """When a service was last asked about a work, and what it said (ok, not_found, error)."""

    __tablename__ = "work_sync_state"

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String, primary_key=True)
    status: Mapped[str] = mapped_column(String)
    checked_at: Mapped[datetime] = mapped_column(DateTime)


class SyncRunModel(Base):
    """One sync run, for the Sync log dialog."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String)  # running, completed, cancelled, offline, failed
    report: Mapped[str] = mapped_column(Text, default="{}")  # JSON: requests, added, ...


class ProvenanceModel(Base):
    """Who set each bibliographic field of a work last (seed, import, sync or user) and
    when: one JSON record per work, see ``exodesk.storage.provenance``."""

    __tablename__ = "work_provenance"

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    fields: Mapped[str] = mapped_column(Text)


works = cast(Table, WorkModel.__table__)
authors = cast(Table, AuthorModel.__table__)
affiliations = cast(Table, AffiliationModel.__table__)
work_terms = cast(Table, TermModel.__table__)
tracked_reviews = cast(Table, TrackedReviewModel.__table__)
citations = cast(Table, CitationModel.__table__)
citation_sources = cast(Table, CitationSourceModel.__table__)
tags = cast(Table, TagModel.__table__)
work_tags = cast(Table, WorkTagModel.__table__)
notes = cast(Table, NoteModel.__table__)
work_provenance = cast(Table, ProvenanceModel.__table__)
work_merges = cast(Table, WorkMergeModel.__table__)
field_suggestions = cast(Table, SuggestionModel.__table__)
work_sync_state = cast(Table, SyncStateModel.__table__)
sync_runs = cast(Table, SyncRunModel.__table__)
