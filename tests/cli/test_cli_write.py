"""The command line's writing commands: tags, notes, read and star flags.

Each change is checked through a fresh ``Library.open`` of the file, as another process
would see it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from exodesk.cli import main
from exodesk.storage.library import Library

YAN_DOI = "10.3389/fonc.2024.1522491"
CHEW_PMID = "39817143"


def run(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> Any:
    code, out, err = run(capsys, path, *args, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def reopened(path: Path) -> Library:
    return Library.open(path)


def assert_one_error_line(err: str) -> None:
    assert err.startswith("exodesk: error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


# -- tags ------------------------------------------------------------------------------------------
def test_tag_add_by_doi_pmid_and_id(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    yan, chew = library.resolve_item(YAN_DOI), library.resolve_item(CHEW_PMID)
    bogdanovic = library.resolve_item("39598465")

    result = run_json(
        capsys,
        library_path,
        "tag",
        "add",
        "To read",
        YAN_DOI.upper(),
        CHEW_PMID,
        f"id:{bogdanovic}",
        YAN_DOI,
    )

    assert result["works"] == [yan, chew, bogdanovic]
    assert result["tag"]["name"] == "To read"
    assert result["tag"]["count"] == 3
    check = reopened(library_path)
    try:
        tag = check.find_tag("to read")
        assert tag is not None and tag.count == 3
        assert [t.name for t in check.get_work(yan).tags] == ["To read"]
        assert check.get_work(library.resolve_item("39857679")).tags == ()
    finally:
        check.close()


def test_tag_add_text_and_existing_tag_is_reused(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    library.create_tag("Myeloma")

    code, out, err = run(capsys, library_path, "tag", "add", "myeloma", YAN_DOI)

    assert (code, err) == (0, "")
    assert out == "Tagged 1 work with 'Myeloma'.\n"
    assert [tag.name for tag in library.list_tags()] == ["Myeloma"]


def test_tag_remove(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    yan, chew = library.resolve_item(YAN_DOI), library.resolve_item(CHEW_PMID)
    library.tag_works("later", [yan, chew])

    code, out, err = run(capsys, library_path, "tag", "remove", "LATER", CHEW_PMID)

    assert (code, err) == (0, "")
    assert out == "Removed the tag 'later' from 1 work.\n"
    check = reopened(library_path)
    try:
        assert [t.name for t in check.get_work(yan).tags] == ["later"]
        assert check.get_work(chew).tags == ()
        tag = check.find_tag("later")
        assert tag is not None and tag.count == 1
    finally:
        check.close()
    result = run_json(capsys, library_path, "tag", "remove", "later", YAN_DOI)
    assert result["tag"]["count"] == 0
    assert result["works"] == [yan]


def test_tag_remove_of_an_unknown_tag_fails(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "tag", "remove", "never-made", YAN_DOI)

    assert (code, out) == (1, "")
    assert_one_error_line(err)
    assert "never-made" in err


def test_an_empty_tag_name_is_refused(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "tag", "add", "   ", YAN_DOI)

    assert (code, out) == (1, "")
    assert_one_error_line(err)
    assert library.list_tags() == []


def test_an_unknown_item_changes_nothing(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "tag", "add", "x", YAN_DOI, "10.1/nowhere")

    assert (code, out) == (1, "")
    assert_one_error_line(err)
    assert library.list_tags() == []


def test_tags_lists_name_colour_and_count(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    assert run_json(capsys, library_path, "tags") == []
    assert run(capsys, library_path, "tags")[1] == "No tags yet.\n"
    library.tag_works("beta", [library.resolve_item(YAN_DOI)])
    alpha = library.create_tag("alpha", "#123456")

    tags = run_json(capsys, library_path, "tags")

    assert [(t["name"], t["color"], t["count"]) for t in tags] == [
        ("alpha", "#123456", 0),
        ("beta", library.find_tag("beta").color, 1),  # type: ignore[union-attr]
    ]
    assert tags[0]["id"] == alpha.id
    out = run(capsys, library_path, "tags")[1]
    assert out.splitlines()[0] == "alpha  #123456  0"


# -- notes -----------------------------------------------------------------------------------------
def test_note_add_and_list(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "note", "add", YAN_DOI, "Check *Figure 2*.")
    assert (code, err) == (0, "")
    assert out.startswith("Added note ")

    note = run_json(capsys, library_path, "note", "add", CHEW_PMID, "several", "words")
    assert note["body"] == "several words"
    assert note["created"].endswith("Z")

    notes = run_json(capsys, library_path, "note", "list", YAN_DOI)
    assert [n["body"] for n in notes] == ["Check *Figure 2*."]
    check = reopened(library_path)
    try:
        bodies = [n.body for n in check.list_notes(check.resolve_item(CHEW_PMID))]
        assert bodies == ["several words"]
    finally:
        check.close()
    code, out, _ = run(capsys, library_path, "note", "list", YAN_DOI)
    assert code == 0
    assert "Check *Figure 2*." in out
    assert out.startswith(f"Note {notes[0]['id']} (")


def test_note_add_reads_stdin_for_dash(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    library: Library,
    library_path: Path,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("# Summary\n\n- point one\n- point two\n"))

    note = run_json(capsys, library_path, "note", "add", YAN_DOI, "-")

    assert note["body"] == "# Summary\n\n- point one\n- point two"


def test_an_empty_note_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "note", "add", YAN_DOI, "  ")

    assert (code, out) == (2, "")
    assert_one_error_line(err)
    assert library.list_notes(library.resolve_item(YAN_DOI)) == []


def test_note_list_of_a_work_without_notes(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    assert run_json(capsys, library_path, "note", "list", YAN_DOI) == []
    assert run(capsys, library_path, "note", "list", YAN_DOI)[1] == "No notes.\n"


# -- read and star ---------------------------------------------------------------------------------
def test_read_unread_star_unstar(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    yan, chew = library.resolve_item(YAN_DOI), library.resolve_item(CHEW_PMID)

    assert run_json(capsys, library_path, "read", YAN_DOI, CHEW_PMID) == {
        "works": [yan, chew],
        "read": True,
    }
    code, out, _ = run(capsys, library_path, "star", str(yan))
    assert (code, out) == (0, "Marked 1 work as starred.\n")

    check = reopened(library_path)
    try:
        assert (check.get_work(yan).is_read, check.get_work(yan).starred) == (True, True)
        assert (check.get_work(chew).is_read, check.get_work(chew).starred) == (True, False)
    finally:
        check.close()

    code, out, _ = run(capsys, library_path, "unread", CHEW_PMID)
    assert out == "Marked 1 work as not read.\n"
    assert run_json(capsys, library_path, "unstar", YAN_DOI) == {"works": [yan], "starred": False}

    check = reopened(library_path)
    try:
        assert (check.get_work(yan).is_read, check.get_work(yan).starred) == (True, False)
        assert check.get_work(chew).is_read is False
    finally:
        check.close()


def test_read_with_one_unknown_item_marks_nothing(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, err = run(capsys, library_path, "read", YAN_DOI, "PMC999999999")

    assert (code, out) == (1, "")
    assert_one_error_line(err)
    assert library.get_work(library.resolve_item(YAN_DOI)).is_read is False
