"""One application-wide hub of signals that views subscribe to.

A view that changes the library (tags 40 rows, saves a note) announces what changed here;
every other view refreshes just that. Nothing in storage knows about this hub.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class LibraryEvents(QObject):
    #: Work ids whose fields, flags, tags or notes changed; rows refresh in place.
    works_changed = Signal(list)
    #: Work ids whose tags (and nothing else) changed: rows and tag chips refresh, while
    #: the counts of unread, starred, ... works need not be queried again.
    work_tags_changed = Signal(list)
    #: Works were added or removed: lists and counts must be queried again.
    works_added_or_removed = Signal()
    #: Tags were created, renamed, recoloured, merged or deleted.
    tags_changed = Signal()
    #: The notes of one work changed (work id).
    notes_changed = Signal(int)
    #: A message for the status bar.
    status_message = Signal(str)
