"""The command line, run in-process: reading commands, JSON shapes, errors and options."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from exodesk import __version__
from exodesk.cli import build_parser, main
from exodesk.storage.library import Library

REVIEW_TITLE = (
    "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings "
    "from Molecular and Clinical Research"
)
CITING_PMIDS = {"39886670", "39857679", "39849585", "39817143", "39598465"}
UNTITLED_PMIDS = {"39857679", "39598465"}
WORK_KEYS = {
    "id",
    "title",
    "authors",
    "journal",
    "year",
    "doi",
    "pmid",
    "pmcid",
    "citation_key",
    "tags",
    "read",
    "starred",
    "needs_metadata",
}


def run(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> Any:
    code, out, err = run(capsys, path, *args, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def assert_one_error_line(err: str) -> None:
    assert err.startswith("exodesk: error: ")
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "Traceback" not in err


# -- review ----------------------------------------------------------------------------------------
def test_review_json_has_the_verified_facts(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    review = run_json(capsys, library_path, "review")

    assert review["title"] == REVIEW_TITLE
    assert len(review["authors"]) == 14
    assert review["authors"][0] == {"family": "Stefańska", "given": "Katarzyna"}
    assert review["authors"][-1] == {"family": "Kempisty", "given": "Bartosz"}
    expected = {
        "journal": "Cells",
        "year": 2023,
        "volume": "12",
        "issue": "3",
        "pages": "356",
        "doi": "10.3390/cells12030356",
        "pmid": "36766698",
        "pmcid": None,
        "citing_count": 5,
        "id": library.tracked_review_id(),
    }
    assert {key: review[key] for key in expected} == expected
    assert review["abstract"].startswith("Exosomes are biological nanoscale")
    assert review["subjects"] == ["Biophysics", "Cell Biology", "Molecular Biology"]
    assert review["keywords"] == ["cancer", "cancer therapies", "drug resistance", "exosomes"]


def test_review_text_is_a_summary(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "review")

    assert (code, err) == (0, "")
    assert REVIEW_TITLE in out
    assert "Stefańska K, Józkowiak M" in out
    assert "Cells. 2023;12(3):356" in out
    assert "DOI: 10.3390/cells12030356" in out
    assert "PMID: 36766698" in out
    assert "Citation key: stefanska2023role" in out
    assert "Cited by 5 articles in this library." in out


def test_a_new_library_file_gets_the_default_library(
    capsys: pytest.CaptureFixture[str], library_path: Path
) -> None:
    assert not library_path.exists()

    review = run_json(capsys, library_path, "review")

    assert review["pmid"] == "36766698"
    assert review["citing_count"] == 5
    # Running again must not seed twice.
    assert len(run_json(capsys, library_path, "list", "--all")) == 5


# -- list ------------------------------------------------------------------------------------------
def test_list_json_gives_the_five_citing_articles(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    works = run_json(capsys, library_path, "list")

    assert len(works) == 5
    assert {work["pmid"] for work in works} == CITING_PMIDS
    for work in works:
        assert work.keys() >= WORK_KEYS
        assert work["tags"] == []
        assert (work["read"], work["starred"]) == (False, False)
        assert all(isinstance(author, dict) for author in work["authors"])
    untitled = [work for work in works if work["title"] == ""]
    assert {work["pmid"] for work in untitled} == UNTITLED_PMIDS
    assert all(work["needs_metadata"] for work in untitled)
    assert not any(work["needs_metadata"] for work in works if work["title"])
    # The keys exports write: every titled work has one, kept from the library's build.
    assert {work["pmid"]: work["citation_key"] for work in works if work["title"]} == {
        "39886670": "yan2025exosomal",
        "39849585": "rayatpisheh2025mesenchymal",
        "39817143": "chew2025exosomes",
    }
    assert [work["citation_key"] for work in untitled] == [None, None]
    yan = next(work for work in works if work["pmid"] == "39886670")
    assert yan["title"] == (
        "Exosomal lncRNAs as diagnostic and therapeutic targets in multiple myeloma"
    )
    assert yan["authors"][0] == {"family": "Yan", "given": "H"}
    assert (yan["journal"], yan["year"]) == ("Front Oncol", 2025)
    assert (yan["doi"], yan["pmcid"]) == ("10.3389/fonc.2024.1522491", "PMC11779718")
    # Newest first, as the table sorts by default.
    years = [work["year"] for work in works]
    assert years == sorted(years, reverse=True)


def test_list_text_is_one_line_per_work(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "list")

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 5
    yan_id = library.resolve_item("39886670")
    assert f"{yan_id:>4}  2025  Yan H et al.  Exosomal lncRNAs as diagnostic" in out
    assert sum("[title not yet known]" in line for line in lines) == 2
    assert all(re.match(r"^\s*\d+  \d{4}  \S", line) for line in lines)


def test_list_query_is_a_full_text_filter(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    works = run_json(capsys, library_path, "list", "--query", "myeloma")
    assert [work["pmid"] for work in works] == ["39886670"]
    assert run_json(capsys, library_path, "list", "--query", "no-such-word-anywhere") == []


def test_list_filters_intersect(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    yan, kharrat, chew = (library.resolve_item(p) for p in ("39886670", "39857679", "39817143"))
    library.set_read([yan])
    library.set_starred([yan, kharrat])
    library.tag_works("myeloma", [yan, chew])

    def pmids(*args: str) -> set[str]:
        return {work["pmid"] for work in run_json(capsys, library_path, "list", *args)}

    assert pmids("--unread") == CITING_PMIDS - {"39886670"}
    assert pmids("--starred") == {"39886670", "39857679"}
    assert pmids("--tag", "MYELOMA") == {"39886670", "39817143"}
    assert pmids("--tag", "myeloma", "--unread") == {"39817143"}
    assert pmids("--starred", "--unread") == {"39857679"}
    assert pmids("--tag", "myeloma", "--query", "cardiac") == set()
    # Tags show in the text form too.
    _, out, _ = run(capsys, library_path, "list", "--tag", "myeloma")
    assert all(line.endswith("[myeloma]") for line in out.splitlines())


def test_list_all_includes_works_that_cite_nothing_tracked(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    from exodesk.core.records import WorkRecord

    library.add_work(WorkRecord(title="Unrelated work", pmid="1234567"))

    assert len(run_json(capsys, library_path, "list")) == 5
    assert len(run_json(capsys, library_path, "list", "--all")) == 6


def test_list_with_an_unknown_tag_fails(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "list", "--tag", "nothing-like-it")

    assert (code, out) == (1, "")
    assert_one_error_line(err)
    assert "nothing-like-it" in err


# -- show and items --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "item",
    [
        "10.3389/fonc.2024.1522491",
        "10.3389/FONC.2024.1522491",
        "https://doi.org/10.3389/fonc.2024.1522491",
        "39886670",
        "PMID: 39886670",
        "PMC11779718",
    ],
)
def test_show_finds_a_work_by_any_identifier(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path, item: str
) -> None:
    work = run_json(capsys, library_path, "show", item)
    assert work["pmid"] == "39886670"
    assert work["notes"] == []


def test_show_by_id(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    work_id = library.resolve_item("39598465")
    for item in (str(work_id), f"id:{work_id}", f"#{work_id}"):
        assert run_json(capsys, library_path, "show", item)["id"] == work_id


def test_show_json_includes_notes_with_utc_times(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    work_id = library.resolve_item("39886670")
    first = library.add_note(work_id, "Key **paper** on myeloma.")
    library.add_note(work_id, "Second note")

    work = run_json(capsys, library_path, "show", "39886670")

    assert [note["body"] for note in work["notes"]] == ["Key **paper** on myeloma.", "Second note"]
    note = work["notes"][0]
    assert set(note) == {"id", "body", "created", "updated"}
    assert note["id"] == first.id
    assert note["created"] == first.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    for stamp in (note["created"], note["updated"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)


def test_show_text(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    work_id = library.resolve_item("39857679")
    library.add_note(work_id, "Fetch the title later.")
    library.set_starred([work_id])

    code, out, err = run(capsys, library_path, "show", "39857679")

    assert (code, err) == (0, "")
    assert out.startswith(f"[{work_id}] [title not yet known]\n")
    assert "PMID: 39857679" in out
    assert "Read: no   Starred: yes   Tags: -" in out
    assert "Fetch the title later." in out
    assert "Citation key" not in out  # none until its title comes in


@pytest.mark.parametrize(
    "item", ["10.9999/not.in.library", "PMC1", "99999999", "id:424242", "not an id"]
)
def test_an_unknown_item_is_one_error_line(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path, item: str
) -> None:
    code, out, err = run(capsys, library_path, "show", item)

    assert (code, out) == (1, "")
    assert_one_error_line(err)


# -- errors, options and the parser ----------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["tag"],
        ["note"],
        ["show"],
        ["read"],
        ["list", "--bogus"],
        ["open", "1", "--pubmed", "--pmc"],
        ["--screenshot", "shot.png", "list"],
    ],
)
def test_usage_errors_exit_with_2(
    capsys: pytest.CaptureFixture[str], library_path: Path, args: list[str]
) -> None:
    code, out, err = run(capsys, library_path, *args)

    assert (code, out) == (2, "")
    assert_one_error_line(err)
    # A usage error is caught before the library is touched.
    assert not library_path.exists()


def test_not_a_database_is_refused_and_left_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    content = b"These are my notes, not a library.\n" * 50
    path.write_bytes(content)

    code, out, err = run(capsys, path, "list")

    assert (code, out) == (1, "")
    assert_one_error_line(err)
    assert str(path) in err
    assert path.read_bytes() == content


def test_a_library_from_a_newer_exodesk_is_refused_and_left_unchanged(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    library.close()
    with sqlite3.connect(library_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.close()
    content = library_path.read_bytes()

    code, out, err = run(capsys, library_path, "review")

    assert (code, out) == (1, "")
    assert_one_error_line(err)
    assert "newer version of exodesk" in err
    assert library_path.read_bytes() == content


def test_exodesk_library_variable_names_the_library(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from_env = tmp_path / "from-env" / "lib.sqlite"
    monkeypatch.setenv("EXODESK_LIBRARY", str(from_env))

    assert main(["list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 5
    assert from_env.exists()

    # --library wins over the variable.
    option = tmp_path / "option.sqlite"
    assert main(["--library", str(option), "tags", "--json"]) == 0
    assert option.exists()


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"exodesk {__version__}"
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("review", "list", "show", "tags", "tag", "note", "read", "star", "open"):
        assert command in out


def test_every_command_takes_json() -> None:
    parser = build_parser()
    for args in (
        ["review"],
        ["list"],
        ["show", "1"],
        ["tags"],
        ["tag", "add", "t", "1"],
        ["tag", "remove", "t", "1"],
        ["note", "add", "1", "text"],
        ["note", "list", "1"],
        ["read", "1"],
        ["unread", "1"],
        ["star", "1"],
        ["unstar", "1"],
        ["open", "1"],
    ):
        assert parser.parse_args([*args, "--json"]).json is True


def test_no_command_opens_the_window(
    monkeypatch: pytest.MonkeyPatch, library_path: Path, tmp_path: Path
) -> None:
    calls: list[tuple[Path, Any, Any]] = []

    def run_gui(path: Path, *, screenshot: Path | None, files: list[Path]) -> int:
        calls.append((path, screenshot, files))
        return 7

    # The real window is tested elsewhere; here only what the command line hands it.
    fake = types.ModuleType("exodesk.app")
    fake.run_gui = run_gui  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "exodesk.app", fake)

    shot = tmp_path / "shot.png"
    assert main(["--library", str(library_path), "--screenshot", str(shot)]) == 7
    assert calls == [(library_path, shot, [])]

    monkeypatch.setenv("EXODESK_LIBRARY", str(tmp_path / "env.sqlite"))
    assert main([]) == 7
    assert calls[-1] == (tmp_path / "env.sqlite", None, [])
