"""Exports read and write without cyclic garbage collection, and turn it back on after."""

from __future__ import annotations

import gc

import pytest

from exodesk import exporter
from exodesk.core.query import Scope, WorkQuery
from exodesk.formats import registry
from exodesk.storage.library import Library


def test_collecting_and_writing_pause_garbage_collection(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = library.query_work_ids(WorkQuery(scope=Scope.EVERYTHING))
    seen: list[bool] = []
    real_entries_of = library.entries_of

    def entries_of(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real_entries_of(*args, **kwargs)

    monkeypatch.setattr(library, "entries_of", entries_of)
    entries = exporter.collect_entries(library, list(ids))
    real_write = registry.FileFormat.write

    def write(self, entries):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real_write(self, entries)

    monkeypatch.setattr(registry.FileFormat, "write", write)
    text = exporter.render(entries, "ris")
    assert text.startswith("TY  - ") and len(entries) == len(ids)
    assert seen == [False, False]
    assert gc.isenabled()
