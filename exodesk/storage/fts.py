"""The full-text index: keeping ``works_fts`` in step and turning typed text into SQL.

The storage layer calls ``reindex`` inside the same transaction as every write that changes
indexed text (a work's fields, authors, terms, notes), so the index can never be seen out
of step with the data.

Tag names are not in the index: tagging 10,000 works would otherwise re-tokenise 10,000
abstracts to add one word to each. A typed word that starts a word of a tag name finds the
works with that tag through ``work_tags`` instead (the tags table is small).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from exodesk.storage.sql import chunks, placeholders

_DELETE = "DELETE FROM works_fts WHERE rowid IN ({marks})"
_INSERT = """
INSERT INTO works_fts (rowid, title, authors, journal, abstract, keywords, notes)
SELECT w.id,
       w.title,
       (SELECT group_concat(trim(a.given || ' ' || a.family || ' ' || a.name), '; ')
          FROM authors a WHERE a.work_id = w.id),
       trim(w.container_title || ' ' || w.container_abbrev),
       w.abstract,
       (SELECT group_concat(t.term, '; ') FROM work_terms t WHERE t.work_id = w.id),
       (SELECT group_concat(n.body, ' ') FROM notes n WHERE n.work_id = w.id)
  FROM works w
 WHERE w.id IN ({marks})
"""


def reindex(connection: Connection, work_ids: Iterable[int]) -> None:
    """Rebuild the index rows of these works (a deleted work just loses its row)."""
    for batch in chunks(set(work_ids)):
        marks = placeholders(batch)
        params = tuple(batch)
        connection.exec_driver_sql(_DELETE.format(marks=marks), params)
        connection.exec_driver_sql(_INSERT.format(marks=marks), params)


def rebuild_all(connection: Connection) -> None:
    connection.exec_driver_sql("DELETE FROM works_fts")
    connection.exec_driver_sql(_INSERT.replace("WHERE w.id IN ({marks})", ""))


_TOKEN = re.compile(r"\w+", re.UNICODE)
# ``{id}`` is ``w.id``, or ``+w.id`` when the caller wants SQLite to walk the sort column's
# index and test each row, rather than start from the matches and sort them all.
_IN_INDEX = "{id} IN (SELECT rowid FROM works_fts WHERE works_fts MATCH ?)"


def words_of(text: str) -> list[str]:
    """The words of what a user typed, as the index sees them (the tokenizer drops case and
    accents, so "Stefanska" finds "Stefańska")."""
    return _TOKEN.findall(text)


def match_expression(words: Iterable[str]) -> str | None:
    """An FTS5 MATCH expression requiring every word, or None for "no filter".

    Each word is a prefix, so that "exo" finds "exosomes" while the user is still typing.
    Words are quoted, so FTS5 syntax typed by the user ("OR", "NEAR", quotes, colons, stars)
    is treated as plain text and can never make the query fail.
    """
    quoted = [f'"{word}"*' for word in words]
    return " ".join(quoted) if quoted else None


@dataclass(frozen=True, slots=True)
class TextFilter:
    """What a search text asks of the works: the index part and the tag part."""

    #: The MATCH expression of the words found through the index alone (None: every word
    #: also names a tag); see ``collect_hits``.
    index_expression: str | None
    #: Conditions (on ``works w``, ``{id}`` for the work id operand) for the words that
    #: start a tag's name: in the index or carrying the tag; "" when there are none.
    tag_sql: str
    tag_params: tuple[object, ...]


#: The works matching the index part of the search being run, one table per connection.
HITS_TABLE = "temp.search_hits"


def collect_hits(connection: Connection, expression: str) -> int:
    """Evaluate the index part of a search once, into ``HITS_TABLE``; return its size.

    A query then both counts the matches (to choose its plan) and filters by them, without
    FTS5 merging the doclists of every prefix twice. The table lives in the connection's
    temporary database (in memory), so this writes nothing to the library."""
    # WITHOUT ROWID: the id is the whole row, a quarter faster to fill with 500,000 matches.
    connection.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {HITS_TABLE} (id INTEGER PRIMARY KEY) WITHOUT ROWID"
    )
    connection.exec_driver_sql(f"DELETE FROM {HITS_TABLE}")
    inserted = connection.exec_driver_sql(
        f"INSERT INTO {HITS_TABLE} SELECT rowid FROM works_fts WHERE works_fts MATCH ?",
        (expression,),
    )
    return int(inserted.rowcount)


def text_filter(connection: Connection, text: str) -> TextFilter | None:
    """Every typed word must match: in the index, or (for a word that starts a word of a
    tag's name) by carrying that tag."""
    words = words_of(text)
    if not words:
        return None
    tagged = _tags_by_word(connection, words)
    plain = [word for word in words if word not in tagged]
    clauses: list[str] = []
    params: list[object] = []
    for word, tag_ids in tagged.items():
        clauses.append(
            f"({_IN_INDEX} OR {{id}} IN (SELECT work_id FROM work_tags "
            f"WHERE tag_id IN ({placeholders(tag_ids)})))"
        )
        params.extend((match_expression([word]), *tag_ids))
    return TextFilter(match_expression(plain), " AND ".join(clauses), tuple(params))


def _tags_by_word(connection: Connection, words: list[str]) -> dict[str, list[int]]:
    folded_tags = [
        (tag_id, _folded_words(name))
        for tag_id, name in connection.exec_driver_sql("SELECT id, name FROM tags")
    ]
    found: dict[str, list[int]] = {}
    for word in dict.fromkeys(words):
        prefix = _folded_words(word)[0]
        ids = [i for i, names in folded_tags if any(n.startswith(prefix) for n in names)]
        if ids:
            found[word] = ids
    return found


def _folded_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _TOKEN.findall(bare.casefold()) or [""]


#: A row of ``works_fts`` as ``_INSERT`` builds it: rowid, title, authors, journal,
#: abstract, keywords, notes.
IndexRow = tuple[int, str, str | None, str, str, str | None, str | None]


def index_row(
    work_id: int,
    *,
    title: str,
    authors: Sequence[tuple[str, str, str]],
    container_title: str,
    container_abbrev: str,
    abstract: str,
    terms: Sequence[str],
    notes: Sequence[str],
) -> IndexRow:
    """The index row ``_INSERT`` would read for a work, from values the caller holds.

    ``authors`` are (given, family, name) by position; ``terms`` the stored terms in the
    order the index on (work_id, kind, position) gives them (keywords, then subjects);
    ``notes`` the stored bodies by note id. SQL's ``trim`` takes spaces only, and
    ``group_concat`` over no rows is NULL: so are these."""
    return (
        work_id,
        title,
        "; ".join(f"{given} {family} {name}".strip(" ") for given, family, name in authors)
        if authors
        else None,
        f"{container_title} {container_abbrev}".strip(" "),
        abstract,
        "; ".join(terms) if terms else None,
        " ".join(notes) if notes else None,
    )


def insert_rows(connection: Connection, rows: Sequence[IndexRow]) -> None:
    """Index works from rows built by ``index_row``: one ``executemany``, no reading back
    (an import has every value at hand).

    Meant for works that have no row yet; one that has (a leftover) loses it first. They
    are looked for by a rowid range, which FTS5 answers at once: a DELETE with ``rowid
    IN (...)`` in a transaction that has just indexed rows costs as much as indexing."""
    if not rows:
        return
    ids = {row[0] for row in rows}
    there = connection.exec_driver_sql(
        "SELECT rowid FROM works_fts WHERE rowid BETWEEN ? AND ?", (min(ids), max(ids))
    )
    stale = [(rowid,) for (rowid,) in there if rowid in ids]
    if stale:
        connection.exec_driver_sql("DELETE FROM works_fts WHERE rowid = ?", stale)
    connection.exec_driver_sql(
        "INSERT INTO works_fts (rowid, title, authors, journal, abstract, keywords, notes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        list(rows),
    )
