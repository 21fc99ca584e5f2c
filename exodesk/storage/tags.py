"""Tags and their links to works. Functions take an open connection; ``Library`` owns the
transaction and re-indexes the works whose tag text changed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, func, insert, select, update

from exodesk.core.records import Tag
from exodesk.storage.errors import ConflictError, NotFoundError
from exodesk.storage.schema import tags, work_tags
from exodesk.storage.sql import chunks, inserted_id

#: Colours given to new tags in turn: distinct on light and dark backgrounds.
TAG_PALETTE: tuple[str, ...] = (
    "#e5484d",
    "#f76b15",
    "#ffc53d",
    "#46a758",
    "#12a594",
    "#0090ff",
    "#6e56cf",
    "#d6409f",
    "#8d8d8d",
    "#a18072",
)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_TAG_LENGTH = 100


def clean_tag_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("A tag name cannot be empty.")
    if len(cleaned) > MAX_TAG_LENGTH:
        raise ValueError(f"A tag name can have at most {MAX_TAG_LENGTH} characters.")
    return cleaned


def clean_color(color: str) -> str:
    if not _COLOR.match(color):
        raise ValueError(f"Not a colour of the form #rrggbb: {color!r}")
    return color.lower()


def list_tags(connection: Connection, *, counts: bool = True) -> list[Tag]:
    """Every tag by name; with ``counts``, how many works carry each (a pass over every
    link: tens of milliseconds at a million works, so a name list for completion skips it).
    """
    if not counts:
        named = connection.execute(
            select(tags.c.id, tags.c.name, tags.c.color).order_by(tags.c.name)
        )
        return [Tag(id=i, name=n, color=c) for i, n, c in named]
    link_counts = (
        select(work_tags.c.tag_id, func.count().label("n")).group_by(work_tags.c.tag_id).subquery()
    )
    rows = connection.execute(
        select(tags.c.id, tags.c.name, tags.c.color, func.coalesce(link_counts.c.n, 0))
        .outerjoin(link_counts, link_counts.c.tag_id == tags.c.id)
        .order_by(tags.c.name)
    )
    return [Tag(id=i, name=n, color=c, count=k) for i, n, c, k in rows]


def get_tag(connection: Connection, tag_id: int) -> Tag:
    row = connection.execute(select(tags.c.name, tags.c.color).where(tags.c.id == tag_id)).first()
    if row is None:
        raise NotFoundError(f"No tag with id {tag_id}.")
    count = connection.execute(
        select(func.count()).select_from(work_tags).where(work_tags.c.tag_id == tag_id)
    ).scalar_one()
    return Tag(id=tag_id, name=row.name, color=row.color, count=count)


def find_tag(connection: Connection, name: str) -> Tag | None:
    """The tag of this name, compared case-insensitively (the column's collation)."""
    row = connection.execute(select(tags.c.id).where(tags.c.name == clean_tag_name(name))).scalar()
    return None if row is None else get_tag(connection, int(row))


def create_tag(connection: Connection, name: str, color: str | None = None) -> Tag:
    name = clean_tag_name(name)
    if find_tag(connection, name) is not None:
        raise ConflictError(f"A tag named {name!r} already exists.")
    if color is None:
        total = connection.execute(select(func.count()).select_from(tags)).scalar_one()
        color = TAG_PALETTE[total % len(TAG_PALETTE)]
    tag_id = inserted_id(
        connection.execute(insert(tags).values(name=name, color=clean_color(color)))
    )
    return get_tag(connection, tag_id)


def get_or_create_tag(connection: Connection, name: str) -> Tag:
    return find_tag(connection, name) or create_tag(connection, name)


def link(connection: Connection, tag_id: int, work_ids: Sequence[int]) -> list[int]:
    """Tag these works; return the ids that were not tagged before."""
    already = set(works_with_tag(connection, tag_id, work_ids))
    new = [work_id for work_id in dict.fromkeys(work_ids) if work_id not in already]
    if new:
        connection.execute(
            insert(work_tags), [{"work_id": work_id, "tag_id": tag_id} for work_id in new]
        )
    return new


def unlink(connection: Connection, tag_id: int, work_ids: Sequence[int]) -> list[int]:
    had = works_with_tag(connection, tag_id, work_ids)
    for chunk in chunks(had):
        connection.execute(
            delete(work_tags).where(work_tags.c.tag_id == tag_id, work_tags.c.work_id.in_(chunk))
        )
    return had


def works_with_tag(
    connection: Connection, tag_id: int, among: Sequence[int] | None = None
) -> list[int]:
    query = select(work_tags.c.work_id).where(work_tags.c.tag_id == tag_id)
    if among is None:
        return list(connection.execute(query).scalars())
    found: list[int] = []
    for chunk in chunks(among):
        found.extend(connection.execute(query.where(work_tags.c.work_id.in_(chunk))).scalars())
    return found


def rename(connection: Connection, tag_id: int, new_name: str) -> None:
    new_name = clean_tag_name(new_name)
    existing = find_tag(connection, new_name)
    if existing is not None and existing.id != tag_id:
        raise ConflictError(
            f"A tag named {existing.name!r} already exists; merge the tags instead."
        )
    get_tag(connection, tag_id)
    connection.execute(update(tags).where(tags.c.id == tag_id).values(name=new_name))


def recolor(connection: Connection, tag_id: int, color: str) -> None:
    get_tag(connection, tag_id)
    connection.execute(update(tags).where(tags.c.id == tag_id).values(color=clean_color(color)))


def merge(connection: Connection, source_ids: Iterable[int], target_id: int) -> list[int]:
    """Move every link of the source tags onto the target, then delete the sources.

    Returns the works whose tags changed."""
    get_tag(connection, target_id)
    touched: list[int] = []
    for source_id in set(source_ids) - {target_id}:
        get_tag(connection, source_id)
        moved = works_with_tag(connection, source_id)
        link(connection, target_id, moved)
        connection.execute(delete(tags).where(tags.c.id == source_id))
        touched.extend(moved)
    return touched


def delete_tag(connection: Connection, tag_id: int) -> list[int]:
    get_tag(connection, tag_id)
    touched = works_with_tag(connection, tag_id)
    connection.execute(delete(tags).where(tags.c.id == tag_id))
    return touched


def tag_counts(connection: Connection, work_ids: Sequence[int]) -> list[tuple[Tag, int]]:
    """The tags carried by any of these works, each with how many of them carry it (what
    the tag chips of a selection show; one grouped query per batch, whatever its size)."""
    counts: dict[int, int] = {}
    for chunk in chunks(dict.fromkeys(work_ids)):
        rows = connection.execute(
            select(work_tags.c.tag_id, func.count())
            .where(work_tags.c.work_id.in_(chunk))
            .group_by(work_tags.c.tag_id)
        )
        for tag_id, count in rows:
            counts[tag_id] = counts.get(tag_id, 0) + count
    if not counts:
        return []
    rows = connection.execute(
        select(tags.c.id, tags.c.name, tags.c.color).where(tags.c.id.in_(list(counts)))
    )
    return [(Tag(id=i, name=n, color=c), counts[i]) for i, n, c in rows]


def tags_of_works(connection: Connection, work_ids: Sequence[int]) -> dict[int, tuple[Tag, ...]]:
    result: dict[int, list[Tag]] = {}
    for chunk in chunks(work_ids):
        rows = connection.execute(
            select(work_tags.c.work_id, tags.c.id, tags.c.name, tags.c.color)
            .join(tags, tags.c.id == work_tags.c.tag_id)
            .where(work_tags.c.work_id.in_(chunk))
            .order_by(tags.c.name)
        )
        for work_id, tag_id, name, color in rows:
            result.setdefault(work_id, []).append(Tag(id=tag_id, name=name, color=color))
    return {work_id: tuple(found) for work_id, found in result.items()}
