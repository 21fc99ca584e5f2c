"""What the tag chips show, as the tests of the chips and of the window read them."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit

from exodesk.ui.tag_chips import TagChips


def tag_field(chips: TagChips) -> QLineEdit:
    field = chips.findChild(QLineEdit, "addTagEdit")
    assert field is not None
    return field


def chip_labels(chips: TagChips) -> list[str]:
    return [
        label.text()
        for label in chips.findChildren(QLabel, "tagChipLabel")
        if label.isVisibleTo(chips)
    ]
