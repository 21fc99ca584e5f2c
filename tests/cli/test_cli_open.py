"""``exodesk open``: the addresses it builds and what it hands to the desktop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from exodesk.cli import main
from exodesk.storage.library import Library

YAN_DOI = "10.3389/fonc.2024.1522491"


def run(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("options", "url"),
    [
        ([], "https://doi.org/10.3389/fonc.2024.1522491"),
        (["--pubmed"], "https://pubmed.ncbi.nlm.nih.gov/39886670/"),
        (["--pmc"], "https://pmc.ncbi.nlm.nih.gov/articles/PMC11779718/"),
    ],
)
@pytest.mark.parametrize("item", [YAN_DOI, "39886670", "PMC11779718"])
def test_open_print_gives_the_exact_address(
    capsys: pytest.CaptureFixture[str],
    library: Library,
    library_path: Path,
    item: str,
    options: list[str],
    url: str,
) -> None:
    code, out, err = run(capsys, library_path, "open", item, *options, "--print")

    assert (code, out, err) == (0, url + "\n", "")


def test_open_print_json(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    code, out, _ = run(capsys, library_path, "open", "36766698", "--print", "--json")

    assert code == 0
    assert json.loads(out) == {
        "id": library.tracked_review_id(),
        "url": "https://doi.org/10.3390/cells12030356",
        "opened": False,
    }


def test_open_pmc_of_the_review_fails_clearly(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    # The review has no PMCID (see resources/seed/review-36766698.json).
    code, out, err = run(capsys, library_path, "open", "36766698", "--pmc", "--print")

    assert (code, out) == (1, "")
    assert err.startswith("exodesk: error: ")
    assert err.count("\n") == 1
    assert "no PMCID" in err


def test_open_falls_back_to_pubmed_without_a_doi(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    from exodesk.core.records import WorkRecord

    library.add_work(WorkRecord(title="Only a PMID", pmid="1234567"))

    code, out, _ = run(capsys, library_path, "open", "1234567", "--print")

    assert (code, out) == (0, "https://pubmed.ncbi.nlm.nih.gov/1234567/\n")


def test_open_refuses_a_work_without_identifiers(
    capsys: pytest.CaptureFixture[str], library: Library, library_path: Path
) -> None:
    from exodesk.core.records import WorkRecord

    work_id = library.add_work(WorkRecord(title="No identifiers at all"))

    code, out, err = run(capsys, library_path, "open", f"id:{work_id}", "--print")

    assert (code, out) == (1, "")
    assert "no DOI" in err


class _Recorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        self.urls.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))


@pytest.fixture
def https_handler(qapp: QApplication) -> Iterator[_Recorder]:
    """Catch what would go to the browser, so that no test opens one."""
    recorder = _Recorder()
    QDesktopServices.setUrlHandler("https", recorder, "handle")
    yield recorder
    QDesktopServices.unsetUrlHandler("https")


@pytest.mark.parametrize(
    ("options", "url"),
    [
        ([], "https://doi.org/10.3389/fonc.2024.1522491"),
        (["--pubmed"], "https://pubmed.ncbi.nlm.nih.gov/39886670/"),
        (["--pmc"], "https://pmc.ncbi.nlm.nih.gov/articles/PMC11779718/"),
    ],
)
def test_open_hands_the_address_to_the_desktop(
    capsys: pytest.CaptureFixture[str],
    library: Library,
    library_path: Path,
    https_handler: _Recorder,
    options: list[str],
    url: str,
) -> None:
    code, out, err = run(capsys, library_path, "open", YAN_DOI, *options)

    assert (code, err) == (0, "")
    assert out == f"Opened {url}\n"
    assert https_handler.urls == [url]


def test_open_of_a_missing_identifier_opens_nothing(
    capsys: pytest.CaptureFixture[str],
    library: Library,
    library_path: Path,
    https_handler: _Recorder,
) -> None:
    code, out, err = run(capsys, library_path, "open", "36766698", "--pmc")

    assert (code, out) == (1, "")
    assert "no PMCID" in err
    assert https_handler.urls == []
