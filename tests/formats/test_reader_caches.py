"""A reader's caches of a file's names last as long as the reading: kept after it, they
would be the young objects the first garbage collection walks, and memory nobody uses."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exodesk.formats import bibtex, medline, ris
from exodesk.formats.base import paused_gc

DATA = Path(__file__).parent / "data"


def _fill_ris() -> None:
    ris._author("Nowak, Anna")


def _fill_medline() -> None:
    medline._new_author("FAU", "Nowak, Anna")


def _fill_bibtex() -> None:
    bibtex._read_name("Nowak, Anna")
    bibtex._short_text("Cells")
    bibtex._decode_short("Cells")


@pytest.mark.parametrize(
    ("read", "fill", "caches", "file"),
    [
        (ris.read_ris, _fill_ris, [ris._author], "ris_scopus.ris"),
        (medline.read_medline, _fill_medline, [medline._new_author], "medline_pubmed.nbib"),
        (
            bibtex.read_bibtex,
            _fill_bibtex,
            [bibtex._read_name, bibtex._short_text, bibtex._decode_short],
            "bibtex_latex.bib",
        ),
    ],
)
def test_reading_a_file_leaves_its_name_caches_empty(
    read: Callable[..., Any], fill: Callable[[], None], caches: list[Any], file: str
) -> None:
    fill()
    assert all(cache.cache_info().currsize for cache in caches)
    result = read((DATA / file).read_text(encoding="utf-8"), source_name=file)
    assert any(entry.record.authors for entry in result.entries)
    assert [cache.cache_info().currsize for cache in caches] == [0] * len(caches)


def test_paused_collection_empties_the_caches_before_it_resumes() -> None:
    seen: list[tuple[int, bool]] = []

    class Cache:
        size = 3

        def cache_clear(self) -> None:
            seen.append((self.size, gc.isenabled()))
            self.size = 0

    cache = Cache()
    assert gc.isenabled()
    with paused_gc(cache):
        assert not gc.isenabled()
    assert seen == [(3, False)] and cache.size == 0 and gc.isenabled()
