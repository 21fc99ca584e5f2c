"""Tag chips: add with Enter (and completion), remove with ×, for one or several works."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton
from tag_chip_view import chip_labels, tag_field

from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.tag_chips import TagChips, readable_text_color, safe_color

# The offscreen platform says these when windows and popups are shown; not our warnings.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support")

REVIEW_PMID = "36766698"
UNTITLED_PMID = "39857679"


@pytest.fixture
def events() -> LibraryEvents:
    return LibraryEvents()


@pytest.fixture
def chips(qtbot, library: Library, events: LibraryEvents) -> TagChips:
    widget = TagChips(library, events)
    qtbot.addWidget(widget)
    widget.resize(400, 120)
    return widget


def review_id(library: Library) -> int:
    work_id = library.find_work_id(pmid=REVIEW_PMID)
    assert work_id is not None
    return work_id


def names_on(library: Library, work_id: int) -> list[str]:
    return [tag.name for tag in library.get_work(work_id).tags]


def test_typing_a_new_tag_and_enter_creates_and_shows_it(
    qtbot, chips: TagChips, library: Library, events: LibraryEvents
) -> None:
    work_id = review_id(library)
    chips.set_work_ids([work_id])
    field = tag_field(chips)
    assert field.placeholderText() == "Add tag…"

    with (
        qtbot.waitSignal(events.work_tags_changed) as changed,
        qtbot.waitSignal(events.tags_changed),
    ):
        qtbot.keyClicks(field, "Must read")
        qtbot.keyClick(field, Qt.Key.Key_Return)

    assert changed.args == [[work_id]]
    assert [tag.name for tag in library.list_tags()] == ["Must read"]
    assert names_on(library, work_id) == ["Must read"]
    assert chips.chip_names() == ["Must read"]
    assert chip_labels(chips) == ["Must read"]
    assert field.text() == ""
    button = chips.findChild(QToolButton, "removeTag:Must read")
    assert button is not None and button.accessibleName() == "Remove tag Must read"


def test_adding_an_existing_tag_does_not_announce_a_new_tag(
    qtbot, chips: TagChips, library: Library, events: LibraryEvents
) -> None:
    library.create_tag("Known")
    chips.set_work_ids([review_id(library)])
    with qtbot.assertNotEmitted(events.tags_changed), qtbot.waitSignal(events.work_tags_changed):
        assert chips.add_tag("known")  # names match without regard to case
    assert chips.chip_names() == ["Known"]


def test_completion_offers_an_existing_tag(qtbot, chips: TagChips, library: Library) -> None:
    other = library.find_work_id(pmid=UNTITLED_PMID)
    library.tag_works("Important", [other])
    work_id = review_id(library)
    chips.set_work_ids([work_id])
    chips.show()
    chips.activateWindow()
    qtbot.waitActive(chips)
    field = tag_field(chips)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)  # the completer highlights only into a focused field

    qtbot.keyClicks(field, "imp")
    completer = field.completer()
    qtbot.waitUntil(completer.popup().isVisible)
    assert completer.caseSensitivity() == Qt.CaseSensitivity.CaseInsensitive
    offered = completer.completionModel()
    assert [offered.index(row, 0).data() for row in range(offered.rowCount())] == ["Important"]

    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert names_on(library, work_id) == ["Important"]
    assert [tag.name for tag in library.list_tags()] == ["Important"]  # no "imp" tag
    qtbot.waitUntil(lambda: field.text() == "")


def test_clicking_the_cross_removes_the_tag(
    qtbot, chips: TagChips, library: Library, events: LibraryEvents
) -> None:
    work_id = review_id(library)
    library.tag_works("Alpha", [work_id])
    library.tag_works("Beta", [work_id])
    chips.set_work_ids([work_id])
    chips.show()
    assert chip_labels(chips) == ["Alpha", "Beta"]

    button = chips.findChild(QToolButton, "removeTag:Alpha")
    with qtbot.waitSignal(events.work_tags_changed) as changed:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    assert changed.args == [[work_id]]
    assert names_on(library, work_id) == ["Beta"]
    assert chips.chip_names() == ["Beta"]
    assert chip_labels(chips) == ["Beta"]
    assert chips.findChild(QToolButton, "removeTag:Alpha") is None


def test_several_works_get_and_lose_a_tag_together(
    qtbot, chips: TagChips, library: Library
) -> None:
    ids = [review_id(library), library.find_work_id(pmid=UNTITLED_PMID)]
    library.tag_works("Only one", ids[:1])
    chips.set_work_ids(ids)
    assert chips.chip_names() == ["Only one"]  # the union, drawn as partial

    qtbot.keyClicks(tag_field(chips), "Shared")
    qtbot.keyClick(tag_field(chips), Qt.Key.Key_Return)
    assert all("Shared" in names_on(library, work_id) for work_id in ids)

    qtbot.mouseClick(chips.findChild(QToolButton, "removeTag:Shared"), Qt.MouseButton.LeftButton)
    assert all("Shared" not in names_on(library, work_id) for work_id in ids)
    assert names_on(library, ids[0]) == ["Only one"]


@pytest.mark.parametrize(("text", "message"), [("   ", "empty"), ("x" * 101, "at most 100")])
def test_invalid_names_show_an_error_and_change_nothing(
    qtbot, chips: TagChips, library: Library, text: str, message: str
) -> None:
    work_id = review_id(library)
    chips.set_work_ids([work_id])
    qtbot.keyClicks(tag_field(chips), text)
    qtbot.keyClick(tag_field(chips), Qt.Key.Key_Return)

    assert message in chips.status_text()
    assert chips.findChild(QLabel, "tagStatus").isVisibleTo(chips)
    assert library.list_tags() == []
    assert names_on(library, work_id) == []


def test_escape_clears_the_field(qtbot, chips: TagChips, library: Library) -> None:
    chips.set_work_ids([review_id(library)])
    qtbot.keyClicks(tag_field(chips), "draft")
    qtbot.keyClick(tag_field(chips), Qt.Key.Key_Escape)
    assert tag_field(chips).text() == ""
    assert library.list_tags() == []


def test_refreshes_when_another_view_tags_the_work(
    chips: TagChips, library: Library, events: LibraryEvents
) -> None:
    work_id = review_id(library)
    chips.set_work_ids([work_id])
    library.tag_works("Elsewhere", [work_id])
    events.works_changed.emit([work_id])
    assert chips.chip_names() == ["Elsewhere"]


def test_tag_names_are_plain_text(chips: TagChips, library: Library) -> None:
    work_id = review_id(library)
    library.tag_works("<img src=x>", [work_id])
    chips.set_work_ids([work_id])
    labels = chips.findChildren(QLabel, "tagChipLabel")
    assert [label.textFormat() for label in labels] == [Qt.TextFormat.PlainText]
    assert labels[0].text() == "<img src=x>"


def test_text_colour_follows_luminance() -> None:
    assert readable_text_color("#ffc53d") == "#000000"  # yellow
    assert readable_text_color("#6e56cf") == "#ffffff"  # violet
    assert readable_text_color("#ffffff") == "#000000"
    assert readable_text_color("#000000") == "#ffffff"
    assert safe_color("red; background: url(x)") == "#8d8d8d"
