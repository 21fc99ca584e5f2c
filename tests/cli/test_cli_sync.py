"""``exodesk sync`` and ``exodesk add`` against local service stand-ins."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from exodesk.cli import main
from exodesk.storage.library import Library


def run(library_path: Path, *args: str) -> int:
    return main(["--library", str(library_path), *args])


def test_sync_json_report(library_path: Path, upstream, monkeypatch, capsys) -> None:
    for name, value in upstream.environment().items():
        monkeypatch.setenv(name, value)
    assert run(library_path, "sync", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert {item["pmid"] for item in report["added"]} == {"40111111", "40222222"}
    assert all(isinstance(i, int) for i in report["updated"]) and len(report["updated"]) >= 2
    assert report["errors"] == []
    host = f"{upstream.server.host}:{upstream.server.port}"
    assert report["requests"][host] == upstream.requests_to("/")
    library = Library.open(library_path)
    assert library.sidebar_counts().citing == 7
    library.close()


def test_sync_text_summary(library_path: Path, upstream, monkeypatch, capsys) -> None:
    for name, value in upstream.environment().items():
        monkeypatch.setenv(name, value)
    assert run(library_path, "sync") == 0
    assert capsys.readouterr().out.startswith("2 new citing article(s)")


def test_sync_keys_the_works_it_fills_with_the_pattern_given(
    library_path: Path, upstream, monkeypatch, capsys
) -> None:
    for name, value in upstream.environment().items():
        monkeypatch.setenv(name, value)
    assert run(library_path, "sync", "--key-pattern", "{auth") == 2
    assert "--key-pattern: " in capsys.readouterr().err
    assert run(library_path, "sync", "--key-pattern", "k{year}") == 0
    library = Library.open(library_path)
    try:
        found = library.find_work_id(pmid="40222222")  # found with its title: keyed then
        filled = library.find_work_id(pmid="40111111")  # found as a PMID, keyed when filled
        assert found is not None and filled is not None
        entries = library.entries_of([found, filled])
        assert (entries[found].key, entries[filled].key) == ("k2025", "k2025b")
    finally:
        library.close()


def test_sync_with_no_reachable_source_fails_with_one_line(
    library_path: Path, monkeypatch, capsys
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    for name in ("EXODESK_EUTILS_URL", "EXODESK_CROSSREF_URL", "EXODESK_EUROPEPMC_URL"):
        monkeypatch.setenv(name, base)
    assert run(library_path, "sync") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("exodesk: error: no source could be reached")


def test_a_bad_service_address_is_one_line(library_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("EXODESK_EUTILS_URL", "ftp://example.org/")
    assert run(library_path, "sync") == 1
    assert capsys.readouterr().err.startswith("exodesk: error: ")


def test_add_by_doi_and_pmid(library_path: Path, upstream, monkeypatch, capsys) -> None:
    for name, value in upstream.environment().items():
        monkeypatch.setenv(name, value)
    assert run(library_path, "add", "40111111", "--key-pattern", "{bad}") == 2
    assert "--key-pattern: unknown field {bad}" in capsys.readouterr().err
    assert run(library_path, "add", "40111111", "--cites-review", "--json",
               "--key-pattern", "y{year}") == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["added"][0]["title"] == "Synthetic citing article one (test fixture)"
    library = Library.open(library_path)
    try:
        work_id = out["added"][0]["id"]
        year = library.get_work(work_id).record.year
        keys = library.assign_citation_keys([work_id], lambda _record: "later")
        assert keys == {work_id: f"y{year or ''}"}  # keyed when added
    finally:
        library.close()
    assert run(library_path, "add", "10.5555/nowhere") == 1
    assert "Crossref" in capsys.readouterr().err
