"""Plain, immutable records that cross every layer of exodesk.

Nothing here knows about Qt or SQL. Readers of file formats produce ``WorkRecord``s,
the storage layer turns stored rows back into ``Work``/``WorkRow`` objects, and the
user interface and command line only ever see these frozen dataclasses, so no ORM
instance ever crosses a thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

#: The bibliographic fields of a work that carry provenance (who set them last).
BIBLIOGRAPHIC_FIELDS: tuple[str, ...] = (
    "type",
    "title",
    "abstract",
    "container_title",
    "container_abbrev",
    "year",
    "date",
    "volume",
    "issue",
    "pages",
    "article_number",
    "publisher",
    "language",
    "doi",
    "pmid",
    "pmcid",
    "authors",
    "subjects",
    "keywords",
)


class Source(str, Enum):
    """Where the value of a field came from; sync may overwrite only SEED/IMPORT/SYNC values."""

    SEED = "seed"
    IMPORT = "import"
    SYNC = "sync"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Author:
    """One author: a person (family/given) or a collective (``name``)."""

    family: str = ""
    given: str = ""
    name: str = ""  # collective/organisation name; set instead of family/given
    orcid: str = ""
    affiliations: tuple[str, ...] = ()

    @property
    def is_collective(self) -> bool:
        return bool(self.name) and not self.family

    def display_name(self) -> str:
        """``Family G`` initials form, as PubMed shows authors; the name for a collective."""
        if self.is_collective:
            return self.name
        initials = "".join(part[0] for part in self.given.replace("-", " ").split() if part)
        return f"{self.family} {initials}".strip()

    def full_name(self) -> str:
        """``Given Family`` for a person, the name for a collective."""
        if self.is_collective:
            return self.name
        return f"{self.given} {self.family}".strip()


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """A work as read from a source (seed page, file, web service) before it is stored.

    Empty strings and ``None`` mean "not known"; they never overwrite a stored value.
    Identifiers are expected in normalised form (see ``exodesk.core.identifiers``).
    """

    title: str = ""
    type: str = "article-journal"  # CSL type names
    abstract: str = ""
    container_title: str = ""
    container_abbrev: str = ""
    year: int | None = None
    date: str = ""  # ISO 8601, possibly partial: "2023", "2023-01", "2023-01-18"
    volume: str = ""
    issue: str = ""
    pages: str = ""
    article_number: str = ""
    publisher: str = ""
    language: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    authors: tuple[Author, ...] = ()
    subjects: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    #: Where in the source file the record began (1-based line), for error messages.
    source_line: int | None = None

    @property
    def needs_metadata(self) -> bool:
        """A work without a title is incomplete: sync should fetch it, the UI flags it."""
        return not self.title.strip()


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    name: str
    color: str  # "#rrggbb"
    count: int = 0


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    work_id: int
    body: str  # Markdown
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class WorkRow:
    """What one row of the works table shows; cheap to fetch for a window of rows."""

    id: int
    title: str
    authors_display: str  # "Stefańska K et al."
    container: str  # journal abbreviation if known, else full title
    year: int | None
    doi: str
    pmid: str
    pmcid: str
    is_read: bool
    starred: bool
    needs_metadata: bool
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True, slots=True)
class Work:
    """A stored work with everything the detail pane, CLI and exports need."""

    id: int
    record: WorkRecord
    is_read: bool = False
    starred: bool = False
    needs_metadata: bool = False
    tags: tuple[Tag, ...] = ()
    provenance: dict[str, Source] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None
    #: Its citation key ("" until it has one: a work waiting for its title).
    citation_key: str = ""

    # Convenience accessors so callers need not reach through ``record``.
    @property
    def title(self) -> str:
        return self.record.title

    @property
    def doi(self) -> str:
        return self.record.doi

    @property
    def pmid(self) -> str:
        return self.record.pmid

    @property
    def pmcid(self) -> str:
        return self.record.pmcid


def authors_display(authors: tuple[Author, ...] | list[Author]) -> str:
    """First author's display name, with "et al." when there are more."""
    if not authors:
        return ""
    first = authors[0].display_name()
    return f"{first} et al." if len(authors) > 1 else first
