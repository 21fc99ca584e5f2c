"""Citation edges between works, and which sources reported them."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from exodesk.storage.schema import citation_sources, citations
from exodesk.storage.works import now


def add_citation_edge(connection: Connection, citing_id: int, cited_id: int, source: str) -> bool:
    """Record the edge citing -> cited as reported by ``source``; True when the edge is new."""
    stamp = now()
    existing = connection.execute(
        select(citations.c.citing_id).where(
            citations.c.citing_id == citing_id, citations.c.cited_id == cited_id
        )
    ).first()
    if existing is None:
        connection.execute(
            insert(citations).values(citing_id=citing_id, cited_id=cited_id, first_seen=stamp)
        )
    connection.execute(
        insert(citation_sources)
        .prefix_with("OR IGNORE")
        .values(citing_id=citing_id, cited_id=cited_id, source=source, first_seen=stamp)
    )
    return existing is None
