"""Exporting works: which works (the scope), as which entries, written in which format.

Used by File > Export, Copy Citation and ``exodesk export``. The works become ``BibEntry``s
with their stored citation keys (new keys are given and stored on first export), their tag
names and note bodies; a format writer or the CSL formatter turns those into text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from exodesk.core.citekeys import DEFAULT_PATTERN, CitationKeyGenerator
from exodesk.core.entries import BibEntry
from exodesk.core.query import Scope, SortKey, WorkQuery
from exodesk.formats.base import paused_gc
from exodesk.storage.errors import NotFoundError
from exodesk.storage.library import Library

#: Formats that are not file formats of the registry but a formatted bibliography.
BIBLIOGRAPHY_OUTPUTS = {"text": "text", "markdown": "markdown", "html": "html"}
DEFAULT_STYLE = "apa"


@dataclass(frozen=True, slots=True)
class ExportScope:
    """What to export: explicit works, or a tag and/or search, or everything."""

    work_ids: tuple[int, ...] = ()
    tag_id: int | None = None
    query: str = ""

    def resolve(self, library: Library) -> list[int]:
        if self.work_ids:
            return list(self.work_ids)
        scope = Scope.TAG if self.tag_id is not None else Scope.EVERYTHING
        ids = library.query_work_ids(
            WorkQuery(
                scope=scope,
                tag_id=self.tag_id,
                text=self.query,
                sort=SortKey.AUTHORS,
                descending=False,
            )
        )
        return list(ids)


def collect_entries(
    library: Library,
    work_ids: Sequence[int],
    *,
    key_pattern: str = DEFAULT_PATTERN,
    progress: Callable[[int, int], None] | None = None,
    store_keys: bool = True,
) -> list[BibEntry]:
    """The works as entries, with their citation keys (given and stored if they had none),
    tag names and note bodies. Without ``store_keys`` (a citation put on the clipboard,
    which must not wait for an import to write), keyless works get keys unique among
    these entries alone, and nothing is written.

    Without cyclic garbage collection meanwhile (see ``paused_gc``): an export reads
    hundreds of thousands of objects (works, authors, terms) and makes no cycles."""
    with paused_gc():
        return _collect_entries(library, work_ids, key_pattern, progress, store_keys)


def _collect_entries(
    library: Library,
    work_ids: Sequence[int],
    key_pattern: str,
    progress: Callable[[int, int], None] | None,
    store_keys: bool,
) -> list[BibEntry]:
    total = len(work_ids)
    entries = library.entries_of(
        work_ids, None if progress is None else lambda done: progress(done, total)
    )
    missing = set(work_ids) - entries.keys()
    if missing:
        raise NotFoundError(f"No work with id {min(missing)}.")
    # Works exported for the first time get a key, from the records just read.
    keyless = {work_id: entry.record for work_id, entry in entries.items() if not entry.key}
    if keyless:
        generator = CitationKeyGenerator(key_pattern)
        if store_keys:
            keys = library.assign_citation_keys(list(keyless), generator.make_key, records=keyless)
        else:  # free among these entries' keys alone
            ordered = list(entries)
            filled = generator.fill_keys(
                [entries[work_id].key for work_id in ordered],
                [entries[work_id].record for work_id in ordered],
            )
            keys = dict(zip(ordered, filled, strict=True))
        for work_id, record in keyless.items():
            entry = entries[work_id]
            entries[work_id] = BibEntry(record, keys[work_id], entry.tags, entry.notes)
    return list(entries.values())


def render(
    entries: Sequence[BibEntry], format_name: str, *, style: str | Path = DEFAULT_STYLE
) -> str:
    """The text of an export: a file format by name, or a bibliography (text/markdown/html)."""
    if format_name in BIBLIOGRAPHY_OUTPUTS:
        from exodesk.formats.bibliography import format_bibliography

        return format_bibliography(entries, style, BIBLIOGRAPHY_OUTPUTS[format_name])  # type: ignore[arg-type]
    from exodesk.formats.registry import get_format

    fmt = get_format(format_name)
    if not fmt.can_write:
        raise ValueError(f"exodesk cannot export {fmt.label}")
    # The writers make millions of short strings and no cycles (see ``paused_gc``).
    with paused_gc():
        return fmt.write(entries)


def export_text(
    library: Library,
    work_ids: Sequence[int],
    format_name: str,
    *,
    style: str | Path = DEFAULT_STYLE,
    key_pattern: str = DEFAULT_PATTERN,
    progress: Callable[[int, int], None] | None = None,
    check: Callable[[], None] = lambda: None,
) -> str:
    """A whole export (``collect_entries``, then ``render``) as one text; ``check`` runs
    after each batch of works read and before rendering (a task's cancellation check raises
    there).

    Cyclic collection stays paused until the entries are gone. Every object made during a
    pause counts as new, so the first collection after it walks every entry still alive:
    60 ms for 20,000 works when ``collect_entries`` returned them, up to 100 ms more when
    that collection grew into a full one over the window's objects."""

    def reported(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        check()

    with paused_gc():
        entries = collect_entries(library, work_ids, key_pattern=key_pattern, progress=reported)
        check()
        text = render(entries, format_name, style=style)
        del entries
    return text


def write_file(text: str, path: Path) -> None:
    """Write an export as UTF-8 next to ``path``, then move it into place: a failed or
    cancelled export never leaves a half-written file where the user expects the old one.

    Raises:
        OSError: the file could not be written (the partial file is removed).
    """
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8", newline="")
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise


def export_names() -> list[str]:
    from exodesk.formats.registry import writable_formats

    return [fmt.name for fmt in writable_formats()] + list(BIBLIOGRAPHY_OUTPUTS)
