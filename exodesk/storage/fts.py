"""The full-text index: keeping ``works_fts`` in step and turning typed text into a query.

The storage layer calls ``reindex`` inside the same transaction as every write that changes
indexed text (a work's fields, authors, terms, tags, notes), so the index can never be seen
out of step with the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection

from exodesk.storage.sql import chunks, placeholders

_DELETE = "DELETE FROM works_fts WHERE rowid IN ({marks})"
_INSERT = """
INSERT INTO works_fts (rowid, title, authors, journal, abstract, keywords, tags, notes)
SELECT w.id,
       w.title,
       (SELECT group_concat(trim(a.given || ' ' || a.family || ' ' || a.name), '; ')
          FROM authors a WHERE a.work_id = w.id),
       trim(w.container_title || ' ' || w.container_abbrev),
       w.abstract,
       (SELECT group_concat(t.term, '; ') FROM work_terms t WHERE t.work_id = w.id),
       (SELECT group_concat(g.name, '; ')
          FROM work_tags wt JOIN tags g ON g.id = wt.tag_id WHERE wt.work_id = w.id),
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


def match_expression(text: str) -> str | None:
    """Turn what a user typed into an FTS5 MATCH expression, or None for "no filter".

    Every word must match (AND), each as a prefix so that "exo" finds "exosomes" while the
    user is still typing. Words are quoted, so FTS5 syntax typed by the user ("OR", "NEAR",
    quotes, colons, stars) is treated as plain text and can never make the query fail.
    """
    words = _TOKEN.findall(text)
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)
