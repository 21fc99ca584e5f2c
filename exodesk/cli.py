"""The ``exodesk`` command line: read and annotate the library without the window.

``exodesk [--library PATH] <command> [--json]``; without a command the main window opens.
Every command is one short function that talks to ``Library`` and prints either a
readable text form or, with ``--json``, a JSON document on stdout.

Failures the user can act on (a missing work, a locked or foreign library file, a bad tag
name) end as one line on stderr, ``exodesk: error: ...``, with exit status 1; mistakes in
the command line itself exit with 2. Qt is imported only by ``open`` and the GUI, so the
other commands start quickly and run where no display exists.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from exodesk import __version__
from exodesk.core.citekeys import DEFAULT_PATTERN
from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author, Note, Tag, Work, WorkRow
from exodesk.default_library import ensure_default_library
from exodesk.paths import resolve_library_path
from exodesk.storage.errors import ConflictError, LibraryError, NotFoundError
from exodesk.storage.library import Library

if TYPE_CHECKING:
    from exodesk.ui.open_links import LinkKind

PROG = "exodesk"
UNKNOWN_TITLE = "[title not yet known]"
#: ``fetch_rows`` binds one SQL parameter per id; stay far below SQLite's limit.
_ROW_CHUNK = 500

Handler = Callable[[Library, argparse.Namespace], None]


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""


class CommandError(Exception):
    """A command cannot do what was asked; the message is shown as it is (exit status 1)."""


class _Parser(argparse.ArgumentParser):
    """argparse prints the usage and exits on its own; we want one line and a return value."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _key_pattern(args: argparse.Namespace) -> str:
    """The command's ``--key-pattern``, checked: a bad pattern is a usage error that names
    what is wrong."""
    from exodesk.core.citekeys import validate_pattern

    try:
        validate_pattern(args.key_pattern)
    except ValueError as error:
        raise UsageError(f"--key-pattern: {error}") from None
    return str(args.key_pattern)


#: What add_subparsers() returns (argparse has no public name for it).
_Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"


# -- output ----------------------------------------------------------------------------------------
def _write(text: str) -> None:
    """Write ``text`` and a newline to stdout as UTF-8, whatever the locale says.

    A pipe on Windows or under a legacy locale would otherwise get cp1252/ASCII and fail
    on the first author with a diacritic.
    """
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "ascii"
    buffer = getattr(stream, "buffer", None)
    if codecs.lookup(encoding).name == "utf-8" or buffer is None:
        stream.write(text + "\n")
        return
    stream.flush()
    buffer.write((text + "\n").encode("utf-8"))
    buffer.flush()


def _write_json(data: Any) -> None:
    _write(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str) -> None:
    # One line, even when a message from SQLite carries a newline.
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)


def _as_utc(moment: datetime) -> datetime:
    """Naive UTC; storage keeps naive datetimes that are already UTC."""
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as JSON readers expect."""
    return _as_utc(moment).isoformat(timespec="seconds") + "Z"


def _author_json(author: Author) -> dict[str, str]:
    if author.is_collective:
        return {"name": author.name}
    return {"family": author.family, "given": author.given}


def _tag_json(tag: Tag) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "color": tag.color, "count": tag.count}


def _note_json(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "body": note.body,
        "created": _iso_utc(note.created),
        "updated": _iso_utc(note.updated),
    }


def _work_json(work: Work) -> dict[str, Any]:
    """One shape for a work in every command: unknown identifiers and year are null."""
    record = work.record
    return {
        "id": work.id,
        "title": record.title,
        "authors": [_author_json(author) for author in record.authors],
        "journal": record.container_title or record.container_abbrev,
        "journal_abbrev": record.container_abbrev,
        "year": record.year,
        "date": record.date,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages or record.article_number,
        "doi": record.doi or None,
        "pmid": record.pmid or None,
        "pmcid": record.pmcid or None,
        "citation_key": work.citation_key or None,  # what exports write; none until titled
        "type": record.type,
        "publisher": record.publisher,
        "abstract": record.abstract,
        "subjects": list(record.subjects),
        "keywords": list(record.keywords),
        "tags": [tag.name for tag in work.tags],
        "read": work.is_read,
        "starred": work.starred,
        "needs_metadata": work.needs_metadata,
    }


def _citation_text(work: Work) -> str:
    """``Cells. 2023;12(3):356`` -- the journal reference as PubMed prints it."""
    record = work.record
    where = record.volume + (f"({record.issue})" if record.issue else "")
    pages = record.pages or record.article_number
    if pages:
        where = f"{where}:{pages}"
    parts = [record.container_title or record.container_abbrev]
    dated = ";".join(part for part in (str(record.year or ""), where) if part)
    return ". ".join(part for part in (*parts, dated) if part)


def _work_lines(work: Work) -> list[str]:
    record = work.record
    authors = ", ".join(author.display_name() for author in record.authors)
    identifiers = "   ".join(
        f"{label}: {value or '-'}"
        for label, value in (("DOI", record.doi), ("PMID", record.pmid), ("PMCID", record.pmcid))
    )
    lines = [
        f"[{work.id}] {record.title or UNKNOWN_TITLE}",
        authors or "(no authors known)",
        _citation_text(work),
        identifiers,
    ]
    if work.citation_key:
        lines.append(f"Citation key: {work.citation_key}")
    if record.keywords:
        lines.append("Keywords: " + "; ".join(record.keywords))
    if record.subjects:
        lines.append("Subjects: " + "; ".join(record.subjects))
    return lines


def _status_line(work: Work) -> str:
    tags = ", ".join(tag.name for tag in work.tags) or "-"
    return (
        f"Read: {'yes' if work.is_read else 'no'}   "
        f"Starred: {'yes' if work.starred else 'no'}   Tags: {tags}"
    )


def _note_lines(note: Note) -> list[str]:
    stamp = _as_utc(note.created).strftime("%Y-%m-%d %H:%M UTC")
    return [f"Note {note.id} ({stamp})", *note.body.splitlines(), ""]


def _row_line(row: WorkRow) -> str:
    year = str(row.year) if row.year else "----"
    line = f"{row.id:>4}  {year}  {row.authors_display or '-'}  {row.title or UNKNOWN_TITLE}"
    if row.tags:
        line += "  [" + ", ".join(tag.name for tag in row.tags) + "]"
    return line


# -- helpers shared by commands --------------------------------------------------------------------
def _resolve_all(library: Library, items: Iterable[str]) -> list[int]:
    """Every item's work id, each once, in the order given; any unknown item fails all."""
    return list(dict.fromkeys(library.resolve_item(item) for item in items))


def _known_tag(library: Library, name: str) -> Tag:
    tag = library.find_tag(name)
    if tag is None:
        raise NotFoundError(f"No tag named {name!r}.")
    return tag


def _listed_ids(library: Library, args: argparse.Namespace) -> list[int]:
    """The works of ``list``: the scope's ids, narrowed by every filter that was given."""
    scope = Scope.ALL if args.all else Scope.CITING
    ids = list(library.query_work_ids(WorkQuery(scope=scope, text=args.query)))
    narrowing = []
    if args.tag is not None:
        tag_id = _known_tag(library, args.tag).id
        narrowing.append(WorkQuery(scope=Scope.TAG, tag_id=tag_id, text=args.query))
    if args.unread:
        narrowing.append(WorkQuery(scope=Scope.UNREAD, text=args.query))
    if args.starred:
        narrowing.append(WorkQuery(scope=Scope.STARRED, text=args.query))
    for query in narrowing:
        keep = set(library.query_work_ids(query))
        ids = [work_id for work_id in ids if work_id in keep]
    return ids


def _rows(library: Library, ids: Sequence[int]) -> list[WorkRow]:
    rows: list[WorkRow] = []
    for start in range(0, len(ids), _ROW_CHUNK):
        chunk = ids[start : start + _ROW_CHUNK]
        fetched = library.fetch_rows(chunk)
        rows.extend(fetched[work_id] for work_id in chunk)
    return rows


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# -- commands --------------------------------------------------------------------------------------
def cmd_review(library: Library, args: argparse.Namespace) -> None:
    review_id = library.tracked_review_id()
    if review_id is None:
        raise NotFoundError("The library tracks no review.")
    review = library.get_work(review_id)
    citing = library.count_works(WorkQuery(scope=Scope.CITING))
    if args.json:
        _write_json({**_work_json(review), "citing_count": citing})
        return
    lines = [*_work_lines(review), f"Cited by {_plural(citing, 'article')} in this library."]
    if review.record.abstract:
        lines += ["", review.record.abstract]
    _write("\n".join(lines))


def cmd_list(library: Library, args: argparse.Namespace) -> None:
    ids = _listed_ids(library, args)
    if args.json:
        _write_json([_work_json(work) for work in library.get_works(ids)])
        return
    for row in _rows(library, ids):
        _write(_row_line(row))


def cmd_show(library: Library, args: argparse.Namespace) -> None:
    work = library.get_work(library.resolve_item(args.item))
    notes = library.list_notes(work.id)
    if args.json:
        _write_json({**_work_json(work), "notes": [_note_json(note) for note in notes]})
        return
    lines = [*_work_lines(work), _status_line(work)]
    if work.record.abstract:
        lines += ["", work.record.abstract]
    if notes:
        lines.append("")
        for note in notes:
            lines += _note_lines(note)
    _write("\n".join(lines).rstrip("\n"))


def cmd_tags(library: Library, args: argparse.Namespace) -> None:
    tags = library.list_tags()
    if args.json:
        _write_json([_tag_json(tag) for tag in tags])
        return
    if not tags:
        _write("No tags yet.")
    for tag in tags:
        _write(f"{tag.name}  {tag.color}  {tag.count}")


def cmd_tag_add(library: Library, args: argparse.Namespace) -> None:
    ids = _resolve_all(library, args.items)
    tag = library.tag_works(args.tag, ids)
    if args.json:
        _write_json({"tag": _tag_json(tag), "works": ids})
        return
    _write(f"Tagged {_plural(len(ids), 'work')} with {tag.name!r}.")


def cmd_tag_remove(library: Library, args: argparse.Namespace) -> None:
    tag = _known_tag(library, args.tag)
    ids = _resolve_all(library, args.items)
    library.untag_works(tag.id, ids)
    if args.json:
        updated = _known_tag(library, tag.name)
        _write_json({"tag": _tag_json(updated), "works": ids})
        return
    _write(f"Removed the tag {tag.name!r} from {_plural(len(ids), 'work')}.")


def cmd_note_add(library: Library, args: argparse.Namespace) -> None:
    # "-" reads the note from stdin, so that multi-line Markdown can be piped in.
    body = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    if not body.strip():
        raise UsageError("a note cannot be empty")
    note = library.add_note(library.resolve_item(args.item), body.strip("\n"))
    if args.json:
        _write_json(_note_json(note))
        return
    _write(f"Added note {note.id} to work {note.work_id}.")


def cmd_note_list(library: Library, args: argparse.Namespace) -> None:
    notes = library.list_notes(library.resolve_item(args.item))
    if args.json:
        _write_json([_note_json(note) for note in notes])
        return
    if not notes:
        _write("No notes.")
    lines = [line for note in notes for line in _note_lines(note)]
    if lines:
        _write("\n".join(lines).rstrip("\n"))


def _flag_command(flag: str, value: bool) -> Handler:
    """``read``/``unread``/``star``/``unstar``: set one flag on every item."""

    def command(library: Library, args: argparse.Namespace) -> None:
        ids = _resolve_all(library, args.items)
        setter = library.set_read if flag == "read" else library.set_starred
        setter(ids, value)
        if args.json:
            _write_json({"works": ids, flag: value})
            return
        _write(f"Marked {_plural(len(ids), 'work')} as {'' if value else 'not '}{flag}.")

    return command


def _link_target(work: Work, args: argparse.Namespace) -> tuple[LinkKind, str]:
    """The identifier to open: the one asked for, or the first the work has (DOI first)."""
    from exodesk.ui.open_links import LinkKind

    if args.pubmed:
        return LinkKind.PUBMED, work.pmid
    if args.pmc:
        return LinkKind.PMC, work.pmcid
    for kind, identifier in (
        (LinkKind.DOI, work.doi),
        (LinkKind.PUBMED, work.pmid),
        (LinkKind.PMC, work.pmcid),
    ):
        if identifier:
            return kind, identifier
    # Nothing to open; url_for() words the refusal the same way the window does.
    return LinkKind.DOI, ""


def _open_in_browser(kind: LinkKind, identifier: str) -> str:
    from PySide6.QtGui import QGuiApplication

    from exodesk.ui.open_links import open_identifier

    if QGuiApplication.instance() is None:
        _check_display()
        # QDesktopServices needs an application object, which a command-line run lacks;
        # PySide keeps the one made here alive for the rest of the process.
        QGuiApplication([PROG])
    return open_identifier(kind, identifier)


def _check_display() -> None:
    """Without a display, Qt would abort the process with a page of plugin messages."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CommandError("no graphical session to open a browser in; use --print instead")


def cmd_open(library: Library, args: argparse.Namespace) -> None:
    from exodesk.ui.open_links import LinkRefused, url_for

    work = library.get_work(library.resolve_item(args.item))
    kind, identifier = _link_target(work, args)
    try:
        # Checked before any Qt application exists, so a refusal never needs a display.
        url = url_for(kind, identifier)
        if not args.print:
            url = _open_in_browser(kind, identifier)
    except LinkRefused as error:
        raise CommandError(f"work {work.id}: {error}") from None
    if args.json:
        _write_json({"id": work.id, "url": url, "opened": not args.print})
    else:
        _write(url if args.print else f"Opened {url}")


# -- parser ----------------------------------------------------------------------------------------
def _json_option() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON instead of text")
    return common


def _add_item_commands(commands: _Commands, common: _Parser) -> None:
    show = commands.add_parser("show", parents=[common], help="one work with its notes")
    show.add_argument("item", metavar="ITEM", help="a work's id, DOI or PMID")
    show.set_defaults(handler=cmd_show)
    flags = (
        ("read", "mark works as read", "read", True),
        ("unread", "mark works as unread", "read", False),
        ("star", "star works", "starred", True),
        ("unstar", "remove the star from works", "starred", False),
    )
    for name, summary, flag, value in flags:
        sub = commands.add_parser(name, parents=[common], help=summary)
        sub.add_argument("items", nargs="+", metavar="ITEM")
        sub.set_defaults(handler=_flag_command(flag, value))
    opener = commands.add_parser(
        "open", parents=[common], help="open the DOI, PubMed or PMC page of a work"
    )
    opener.add_argument("item", metavar="ITEM")
    where = opener.add_mutually_exclusive_group()
    where.add_argument("--pubmed", action="store_true", help="the PubMed page")
    where.add_argument("--pmc", action="store_true", help="the PubMed Central page")
    opener.add_argument("--print", action="store_true", help="print the address only")
    opener.set_defaults(handler=cmd_open)


def _add_tag_commands(commands: _Commands, common: _Parser) -> None:
    listing = commands.add_parser("tags", parents=[common], help="the tags and their counts")
    listing.set_defaults(handler=cmd_tags)
    tag = commands.add_parser("tag", help="add or remove a tag")
    actions = tag.add_subparsers(dest="tag_action", metavar="{add,remove}", required=True)
    for name, handler, summary in (
        ("add", cmd_tag_add, "tag works (the tag is created if needed)"),
        ("remove", cmd_tag_remove, "remove a tag from works"),
    ):
        sub = actions.add_parser(name, parents=[common], help=summary)
        sub.add_argument("tag", metavar="TAG")
        sub.add_argument("items", nargs="+", metavar="ITEM")
        sub.set_defaults(handler=handler)


def _add_note_commands(commands: _Commands, common: _Parser) -> None:
    note = commands.add_parser("note", help="add or list notes")
    actions = note.add_subparsers(dest="note_action", metavar="{add,list}", required=True)
    add = actions.add_parser("add", parents=[common], help="add a Markdown note to a work")
    add.add_argument("item", metavar="ITEM")
    add.add_argument("text", nargs="+", metavar="TEXT", help="the note ('-' reads stdin)")
    add.set_defaults(handler=cmd_note_add)
    listing = actions.add_parser("list", parents=[common], help="the notes of a work")
    listing.add_argument("item", metavar="ITEM")
    listing.set_defaults(handler=cmd_note_list)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Follow a review article and the papers that cite it. "
        "Without a command, the main window opens.",
        epilog="ITEM is a work's id, DOI or PMID (use id:N when a number could be a PMID).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--library",
        metavar="PATH",
        help="the library file (default: $EXODESK_LIBRARY, else the user data folder)",
    )
    parser.add_argument(
        "--screenshot", metavar="FILE.png", type=Path, help="(window) save a screenshot and quit"
    )
    parser.set_defaults(handler=None)
    common = _json_option()
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    review = commands.add_parser("review", parents=[common], help="the tracked review")
    review.set_defaults(handler=cmd_review)
    listing = commands.add_parser("list", parents=[common], help="the citing articles")
    listing.add_argument("--tag", metavar="TAG", help="only works with this tag")
    listing.add_argument("--query", metavar="Q", default="", help="full-text search")
    listing.add_argument("--unread", action="store_true", help="only unread works")
    listing.add_argument("--starred", action="store_true", help="only starred works")
    listing.add_argument("--all", action="store_true", help="every work, not only citing ones")
    listing.set_defaults(handler=cmd_list)
    _add_item_commands(commands, common)
    _add_tag_commands(commands, common)
    _add_note_commands(commands, common)
    # Imported here: the import/export module builds on this one's helpers.
    from exodesk.cli_sync import add_sync_commands
    from exodesk.cli_transfer import add_transfer_commands
    from exodesk.desktop_install import add_install_desktop_command

    add_transfer_commands(commands, common)
    add_sync_commands(commands, common)
    add_install_desktop_command(commands, common)
    return parser


# -- entry point -----------------------------------------------------------------------------------
def _run_gui(args: argparse.Namespace) -> int:
    from exodesk.app import run_gui

    return run_gui(
        resolve_library_path(args.library), screenshot=args.screenshot, files=args.open_files
    )


def _run_command(handler: Handler, args: argparse.Namespace) -> None:
    if not getattr(args, "needs_library", True):
        # install-desktop and the like: opening (and so creating) a library would be wrong.
        handler(None, args)  # type: ignore[arg-type]
        return
    # A command that makes keys (import, sync, add, export) makes those of an upgrade too.
    pattern = _key_pattern(args) if hasattr(args, "key_pattern") else DEFAULT_PATTERN
    library = Library.open(resolve_library_path(args.library), key_pattern=pattern)
    try:
        ensure_default_library(library)
        handler(library, args)
    finally:
        library.close()


#: Options of the main parser that take a value, skipped when looking for a launcher's files.
_VALUE_OPTIONS = ("--library", "--screenshot")


def _split_files(words: list[str], commands: Collection[str]) -> tuple[list[str], list[Path]]:
    """``exodesk-gui [--library PATH] FILE...``: the arguments to parse, and the files.

    A desktop launcher runs ``exodesk-gui %F`` with the absolute paths of the files the user
    opened. Files start at the first word after the options that is not a command and is an
    absolute or existing path, so that a mistyped command is still reported as one.
    """
    index = 0
    while index < len(words) and words[index].startswith("-") and words[index] != "--":
        index += 2 if words[index] in _VALUE_OPTIONS else 1
    rest = words[index:]
    if rest[:1] == ["--"]:
        return words[:index], [Path(name) for name in rest[1:]]
    if rest and rest[0] not in commands and (os.path.isabs(rest[0]) or os.path.exists(rest[0])):
        return words[:index], [Path(name) for name in rest]
    return words, []


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = build_parser()
    commands = next(
        action.choices
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    words, files = _split_files(list(sys.argv[1:] if argv is None else argv), commands)
    args = parser.parse_args(words)
    args.open_files = files  # not "files": the import command has an argument of that name
    if args.handler is not None and args.screenshot is not None:
        raise UsageError("--screenshot is for the window; use it without a command")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of exiting."""
    try:
        args = _parse(argv)
    except SystemExit as done:  # --help and --version have printed what was asked
        return done.code if isinstance(done.code, int) else 0
    except UsageError as error:
        _fail(str(error))
        return 2
    if args.handler is None:
        # Outside the handlers below: the window reports its own errors in dialogs.
        return _run_gui(args)
    try:
        _run_command(args.handler, args)
    except UsageError as error:
        _fail(str(error))
        return 2
    except (LibraryError, NotFoundError, ConflictError, CommandError, ValueError) as error:
        _fail(str(error))
        return 1
    return 0
