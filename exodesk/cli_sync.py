"""``exodesk sync`` and ``exodesk add``: the web services from the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from exodesk.cli import CommandError, _Commands, _key_pattern, _Parser, _write, _write_json
from exodesk.core.citekeys import DEFAULT_PATTERN
from exodesk.storage.library import Library

if TYPE_CHECKING:
    from exodesk.sync.config import SyncConfig


def _config() -> SyncConfig:
    from exodesk.sync.config import SyncConfig

    return SyncConfig.from_environment()


def cmd_sync(library: Library, args: argparse.Namespace) -> None:
    from exodesk.syncing import SyncService

    report = SyncService(library, _config(), key_pattern=_key_pattern(args)).run()
    if args.json:
        _write_json(report.to_json())
    else:
        _write(report.summary())
        for line in report.errors:
            _write(f"  {line}")
    if report.status == "offline":
        raise CommandError("no source could be reached (PubMed, Europe PMC, Crossref): offline?")


def cmd_add(library: Library, args: argparse.Namespace) -> None:
    from exodesk.syncing import add_by_identifiers

    ids, problems = add_by_identifiers(
        library, args.items, _config(), cites_review=args.cites_review,
        key_pattern=_key_pattern(args),
    )  # fmt: skip
    if args.json:
        added = [
            {"id": w.id, "title": w.title, "doi": w.doi, "pmid": w.pmid}
            for w in library.get_works(ids)
        ]
        _write_json({"added": added, "errors": problems})
    else:
        for work in library.get_works(ids):
            _write(f"{work.id}  {work.title or '[title not yet known]'}")
        for line in problems:
            _write(f"  {line}")
    if problems and not ids:
        raise CommandError(problems[0])


def add_sync_commands(commands: _Commands, common: _Parser) -> None:
    sync = commands.add_parser(
        "sync", parents=[common],
        help="fill in metadata and find new citing articles (PubMed, Europe PMC, Crossref)",
    )  # fmt: skip
    sync.add_argument("--key-pattern", default=DEFAULT_PATTERN, metavar="P",
                      help="citation key pattern for the works it adds or fills in")  # fmt: skip
    sync.set_defaults(handler=cmd_sync)
    add = commands.add_parser("add", parents=[common], help="add works by DOI or PMID")
    add.add_argument("items", nargs="+", metavar="DOI|PMID")
    add.add_argument(
        "--cites-review", action="store_true", help="the works cite the tracked review"
    )
    add.add_argument("--key-pattern", default=DEFAULT_PATTERN, metavar="P",
                     help="citation key pattern for the works it adds")  # fmt: skip
    add.set_defaults(handler=cmd_add)
