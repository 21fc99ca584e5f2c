"""``exodesk import`` and ``exodesk export`` on a temporary library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from older_library import keyless_at_0010

from exodesk.cli import main
from exodesk.core.query import Scope, WorkQuery
from exodesk.storage.library import Library

NBIB = """PMID- 12345678
TI  - Synthetic record about vesicle trafficking in neurons.
FAU - Łukasiewicz, Anna
AU  - Łukasiewicz A
FAU - Novak, Petr
AU  - Novak P
TA  - Synth J
JT  - Synthetic journal
DP  - 2024 Mar 3
VI  - 7
IP  - 1
PG  - 11-19
LID - 10.5555/synthetic.nbib [doi]
AB  - An abstract that spans
      two lines.
OT  - vesicles

PMID- 39857679
TI  - A title that a second source knows.
FAU - Kharrat, F
AU  - Kharrat F
DP  - 2025
"""


def run(library_path: Path, *args: str) -> int:
    return main(["--library", str(library_path), *args])


@pytest.fixture
def nbib(tmp_path: Path) -> Path:
    path = tmp_path / "pubmed.nbib"
    path.write_text(NBIB, encoding="utf-8")
    return path


def test_import_reports_added_and_merged_as_json(library_path: Path, nbib: Path, capsys) -> None:
    assert run(library_path, "import", str(nbib), "--cites-review", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["merged"], report["skipped"]) == (1, 1, 0)
    assert report["files"][0]["format"] == "medline"
    library = Library.open(library_path)
    try:
        assert library.sidebar_counts().citing == 6
        merged = library.get_work(library.find_work_id(pmid="39857679"))  # type: ignore[arg-type]
        assert merged.title.startswith("A title that a second source knows")
        new = library.get_work(library.find_work_id(pmid="12345678"))  # type: ignore[arg-type]
        assert new.record.authors[0].family == "Łukasiewicz"
        assert new.record.abstract == "An abstract that spans two lines."
    finally:
        library.close()


def test_import_text_report_names_file_and_line_of_skipped_records(
    library_path: Path, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "mixed.ris"
    path.write_text(
        "TY  - JOUR\nTI  - Good record\nPY  - 2020\nER  - \n\n"
        "TY  - JOUR\nAB  - no title and no identifier\nER  - \n",
        encoding="utf-8",
    )
    assert run(library_path, "import", str(path)) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 added, 0 merged, 1 skipped")
    assert "mixed.ris, line 6:" in out


def test_import_of_an_unreadable_file_fails_with_one_line(
    library_path: Path, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "empty.bib"
    path.write_bytes(b"")
    assert run(library_path, "import", str(path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["exodesk: error: empty.bib: the file is empty"]
    library = Library.open(library_path)
    assert library.count_works(WorkQuery(scope=Scope.ALL)) == 5
    library.close()


def test_import_with_a_forced_format(library_path: Path, nbib: Path, capsys) -> None:
    assert run(library_path, "import", "--format", "ris", str(nbib)) == 1
    assert capsys.readouterr().err.startswith("exodesk: error: pubmed.nbib")
    assert run(library_path, "import", "--format", "nbib", str(nbib), "--json") == 0


def test_export_to_stdout_and_file_with_stable_keys(
    library_path: Path, tmp_path: Path, capsys
) -> None:
    assert run(library_path, "export", "--format", "bibtex", "--items", "36766698") == 0
    first = capsys.readouterr().out
    assert first.startswith("@article{stefanska2023role,")
    target = tmp_path / "out.bib"
    assert run(library_path, "export", "--format", "bibtex", "-o", str(target), "--json") == 0
    assert json.loads(capsys.readouterr().out)["count"] == 6
    assert "@article{stefanska2023role," in target.read_text(encoding="utf-8")
    assert run(library_path, "export", "--format", "bibtex", "--items", "36766698") == 0
    assert capsys.readouterr().out == first


def test_export_by_tag_and_query(library_path: Path, capsys) -> None:
    assert run(library_path, "tag", "add", "heart", "39849585") == 0
    capsys.readouterr()
    assert run(library_path, "export", "--format", "ris", "--tag", "heart") == 0
    out = capsys.readouterr().out
    assert out.count("TY  - ") == 1 and "10.1186/s13287-024-04123-2" in out
    assert run(library_path, "export", "--format", "csl-json", "--query", "exosom") == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 4  # the review and three citing titles mention exosomes


def test_export_bibliography_in_a_style(library_path: Path, capsys) -> None:
    assert run(library_path, "export", "--format", "text", "--style", "vancouver",
               "--items", "36766698") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("1. Stefańska K, Józkowiak M")


def test_export_errors(library_path: Path, capsys) -> None:
    assert run(library_path, "export", "--format", "docx") == 2
    assert "unknown export format 'docx'" in capsys.readouterr().err
    assert run(library_path, "export", "--format", "ris", "--tag", "nope") == 1
    assert run(library_path, "export", "--format", "text", "--style", "no-such-style") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("exodesk: error: ") for line in err)


def test_export_with_a_bad_key_pattern_is_a_usage_error(library_path: Path, capsys) -> None:
    assert run(library_path, "export", "--format", "bibtex", "--key-pattern", "{nope}") == 2
    assert "--key-pattern: unknown field {nope}" in capsys.readouterr().err
    assert run(library_path, "export", "--format", "bibtex", "--key-pattern", "k{year}") == 0


def test_import_gives_the_works_it_adds_keys_from_the_pattern(
    library_path: Path, nbib: Path, capsys
) -> None:
    assert run(library_path, "import", "--key-pattern", "{author}", str(nbib)) == 2
    assert "--key-pattern: unknown field {author}" in capsys.readouterr().err
    assert not library_path.exists()  # a usage error opens (or makes) no library

    assert run(library_path, "import", "--key-pattern", "{Auth}{year}", str(nbib)) == 0
    library = Library.open(library_path)
    try:
        added = library.find_work_id(pmid="12345678")
        merged = library.find_work_id(pmid="39857679")
        assert added is not None and merged is not None
        # Stored keys come back as they are; a work without one gets "new" here.
        keys = library.assign_citation_keys([added, merged], lambda _record: "new")
        assert keys == {added: "Lukasiewicz2024", merged: "new"}  # merging gives no key
    finally:
        library.close()


def _stored_keys(library_path: Path) -> dict[str, str | None]:
    import sqlite3

    connection = sqlite3.connect(library_path)
    try:
        return dict(connection.execute("SELECT pmid, citation_key FROM works WHERE pmid > ''"))
    finally:
        connection.close()


def test_a_command_upgrading_a_library_keys_its_works_with_its_key_pattern(
    library_path: Path, nbib: Path, capsys
) -> None:
    assert run(library_path, "import", str(nbib)) == 0
    keyless_at_0010(library_path)
    # A usage error opens nothing: the library is not upgraded with a pattern it refused.
    assert run(library_path, "export", "--format", "bibtex", "--key-pattern", "{nope}") == 2
    assert set(_stored_keys(library_path).values()) == {None}
    capsys.readouterr()

    assert run(library_path, "export", "--format", "bibtex", "--query", "trafficking",
               "--key-pattern", "k{year}") == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("@article{k2024,")
    keys = _stored_keys(library_path)
    # Every titled work was keyed by the upgrade, the exported one and the others.
    assert keys["12345678"] == "k2024"
    assert keys.pop("39598465") is None  # untitled: keyed once its metadata comes in
    assert all(key is not None and key.startswith("k20") for key in keys.values())
    assert keys["39857679"] in {"k2025", "k2025a", "k2025b", "k2025c"}  # the seed's 2025s


def test_a_command_without_a_key_pattern_upgrades_with_the_default(
    library_path: Path, nbib: Path, capsys
) -> None:
    assert run(library_path, "import", str(nbib)) == 0
    keyless_at_0010(library_path)
    assert run(library_path, "list") == 0
    assert _stored_keys(library_path)["12345678"] == "lukasiewicz2024synthetic"
