"""What the works table asks for: which works (scope, tag, search text) in which order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Scope(str, Enum):
    """The sidebar entries that filter the table."""

    CITING = "citing"  # articles citing a tracked review
    ALL = "all"  # every work except the tracked reviews
    UNREAD = "unread"
    STARRED = "starred"
    NEEDS_METADATA = "needs_metadata"
    NEW = "new"  # added by the latest sync run
    TAG = "tag"
    EVERYTHING = "everything"  # every work, tracked reviews included (exports)


class SortKey(str, Enum):
    """The sortable columns of the works table, in column order."""

    TITLE = "title"
    AUTHORS = "authors"
    JOURNAL = "journal"
    YEAR = "year"
    DOI = "doi"
    PMID = "pmid"
    TAGS = "tags"
    READ = "read"


@dataclass(frozen=True, slots=True)
class WorkQuery:
    scope: Scope = Scope.CITING
    tag_id: int | None = None  # with Scope.TAG
    text: str = ""  # search box text; empty means no text filter
    sort: SortKey = SortKey.YEAR
    descending: bool = True
