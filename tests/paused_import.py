"""A real import held inside its transaction, for tests of what happens meanwhile."""

from __future__ import annotations

import threading
from types import TracebackType

from exodesk.core.entries import BibEntry
from exodesk.core.records import WorkRecord
from exodesk.storage.importing import PROGRESS_EVERY, ImportOptions, ImportOutcome
from exodesk.storage.library import Library


class PausedImport:
    """``Library.import_entries`` of ``PROGRESS_EVERY + 50`` new works on a thread of its
    own, stopped at its first cancellation check (its write transaction open, this
    process's write turn held) until ``resume``."""

    def __init__(self, library: Library) -> None:
        self.paused = threading.Event()
        self._go_on = threading.Event()
        self.outcome: ImportOutcome | None = None
        entries = [
            BibEntry(WorkRecord(title=f"Imported meanwhile {n}", year=2024, doi=f"10.5555/p{n}"))
            for n in range(PROGRESS_EVERY + 50)
        ]

        def should_cancel() -> bool:
            self.paused.set()
            self._go_on.wait(30)
            return False

        def run() -> None:
            options = ImportOptions(origin="meanwhile.ris")
            [self.outcome] = library.import_entries(
                [(entries, options)], should_cancel=should_cancel
            )

        self._thread = threading.Thread(target=run, daemon=True)

    def __enter__(self) -> PausedImport:
        self._thread.start()
        assert self.paused.wait(10), "the import never reached its first check"
        return self

    def resume(self) -> None:
        self._go_on.set()
        self._thread.join(30)
        assert not self._thread.is_alive()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.resume()
