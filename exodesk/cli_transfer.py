"""``exodesk import`` and ``exodesk export``: reference files in and out."""

from __future__ import annotations

import argparse
from pathlib import Path

from exodesk.cli import (
    CommandError,
    UsageError,
    _Commands,
    _key_pattern,
    _Parser,
    _write,
    _write_json,
)
from exodesk.core.citekeys import DEFAULT_PATTERN
from exodesk.exporter import (
    DEFAULT_STYLE,
    ExportScope,
    export_names,
    export_text,
    write_file,
)
from exodesk.importer import import_files
from exodesk.storage.library import Library


def cmd_import(library: Library, args: argparse.Namespace) -> None:
    key_pattern = _key_pattern(args)
    report = import_files(
        library,
        [Path(name) for name in args.files],
        format_name=args.format,
        cites_review=args.cites_review,
        key_pattern=key_pattern,
    )
    if args.json:
        _write_json(report.to_json())
    else:
        _write(report.summary())
        for line in report.details():
            _write(f"  {line}")
    if report.failed_files and len(report.failed_files) == len(report.files):
        raise CommandError(report.failed_files[0].error)


def cmd_export(library: Library, args: argparse.Namespace) -> None:
    pattern = _key_pattern(args)  # a bad pattern is a usage error, as for import and sync
    tag_id = None
    if args.tag:
        tag = library.find_tag(args.tag)
        if tag is None:
            raise CommandError(f"no tag named {args.tag!r}")
        tag_id = tag.id
    ids = (
        [library.resolve_item(item) for item in args.items]
        if args.items
        else ExportScope(tag_id=tag_id, query=args.query or "").resolve(library)
    )
    text = export_text(library, ids, args.format, style=args.style, key_pattern=pattern)
    if args.output is None:
        _write(text.rstrip("\n"))
        return
    try:
        write_file(text, Path(args.output))
    except OSError as error:
        raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from None
    if args.json:
        _write_json(
            {"file": str(args.output), "format": args.format, "count": len(dict.fromkeys(ids))}
        )


def _format_name(value: str) -> str:
    names = export_names()
    if value not in names:
        raise UsageError(f"unknown export format {value!r}; choose from {', '.join(names)}")
    return value


def add_transfer_commands(commands: _Commands, common: _Parser) -> None:
    importer = commands.add_parser(
        "import", parents=[common], help="import reference files (RIS, BibTeX, nbib, ...)"
    )
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--format", help="skip detection: ris, medline, bibtex, csl-json, ...")
    importer.add_argument(
        "--cites-review", action="store_true", help="the imported works cite the tracked review"
    )
    importer.add_argument("--key-pattern", default=DEFAULT_PATTERN, metavar="P",
                          help="citation key pattern for added works without a key")  # fmt: skip
    importer.set_defaults(handler=cmd_import)

    exporter = commands.add_parser("export", parents=[common], help="export references")
    exporter.add_argument("--format", required=True, type=_format_name, metavar="F",
                          help="bibtex, biblatex, ris, csl-json, medline, endnote-xml, csv, "
                               "or a bibliography: text, markdown, html")  # fmt: skip
    exporter.add_argument("--tag", metavar="T", help="only works with this tag")
    exporter.add_argument("--query", metavar="Q", help="only works matching this search")
    exporter.add_argument("--items", nargs="+", metavar="ITEM", help="only these works")
    exporter.add_argument("--style", default=DEFAULT_STYLE, metavar="S",
                          help="CSL style id (apa, vancouver, ...) or a .csl file")  # fmt: skip
    exporter.add_argument("--key-pattern", default=DEFAULT_PATTERN, metavar="P",
                          help="citation key pattern for works that have no key yet")  # fmt: skip
    exporter.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
    exporter.set_defaults(handler=cmd_export)
