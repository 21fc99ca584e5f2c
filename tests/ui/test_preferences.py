"""Preferences: declared once, round-trip through the dialog, validation, secrets kept secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLineEdit,
    QWidget,
)

from exodesk.core.citekeys import DEFAULT_PATTERN
from exodesk.formats.bibliography import STYLES
from exodesk.logging_setup import configure_logging, reset_logging
from exodesk.ui import sync_controller, transfer
from exodesk.ui.preferences import (
    API_KEY,
    CITATION_STYLE,
    EMAIL,
    KEY_PATTERN,
    OPTIONS,
    SYNC_ENABLED,
    SYNC_INTERVAL,
    THEME,
    PreferencesDialog,
    option,
    read_all,
    read_option,
    write_option,
)

SECRET_KEY = "0123456789abcdef0123456789abcdef0123"


@pytest.fixture
def open_dialog(qtbot) -> Iterator:
    def build() -> PreferencesDialog:
        dialog = PreferencesDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield build


def ok_button(dialog: PreferencesDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def type_into(qtbot, editor: QWidget, text: str) -> None:
    assert isinstance(editor, QLineEdit)
    editor.clear()
    qtbot.keyClicks(editor, text)


def test_each_option_is_declared_once_with_type_default_and_label() -> None:
    keys = [opt.key for opt in OPTIONS]
    assert len(keys) == len(set(keys))
    assert set(keys) == {
        "sync/email",
        "sync/ncbiApiKey",
        "sync/enabled",
        "sync/intervalHours",
        "citation/style",
        "citation/keyPattern",
        "appearance/theme",
    }
    for opt in OPTIONS:
        assert opt.label and opt.help
        assert isinstance(opt.default, opt.type)
    # The keys other modules already read are the ones declared here.
    assert EMAIL.key == sync_controller.EMAIL_SETTING
    assert API_KEY.key == sync_controller.API_KEY_SETTING
    assert SYNC_ENABLED.key == sync_controller.ENABLED_SETTING
    assert SYNC_INTERVAL.key == sync_controller.INTERVAL_SETTING
    assert SYNC_INTERVAL.default == sync_controller.DEFAULT_INTERVAL_HOURS
    assert CITATION_STYLE.key == transfer.STYLE_SETTING
    assert KEY_PATTERN.key == transfer.KEY_PATTERN_SETTING
    assert [value for value, _ in CITATION_STYLE.choices or ()] == list(STYLES)
    assert option("appearance/theme") is THEME


def test_defaults_and_type_conversion_of_stored_strings(qapp) -> None:
    assert read_all() == {
        "sync/email": "",
        "sync/ncbiApiKey": "",
        "sync/enabled": True,
        "sync/intervalHours": 6.0,
        "citation/style": "apa",
        "citation/keyPattern": DEFAULT_PATTERN,
        "appearance/theme": "system",
    }
    settings = QSettings()
    # What an INI file hands back: strings; and what a hand edit may leave: nonsense.
    settings.setValue("sync/enabled", "false")
    settings.setValue("sync/intervalHours", "12.5")
    assert read_option(SYNC_ENABLED) is False
    assert read_option(SYNC_INTERVAL) == 12.5
    settings.setValue("sync/intervalHours", "1000")
    assert read_option(SYNC_INTERVAL) == 168.0
    for opt, junk in (
        (SYNC_INTERVAL, "soon"),
        (SYNC_ENABLED, "perhaps"),
        (THEME, "purple"),
        (KEY_PATTERN, "{nope}"),
        (CITATION_STYLE, "no-such-style"),
    ):
        settings.setValue(opt.key, junk)
        assert read_option(opt) == opt.default
    with pytest.raises(ValueError):
        write_option(KEY_PATTERN, "{auth")
    with pytest.raises(ValueError):
        write_option(EMAIL, "not an address")


def test_round_trip_through_the_dialog_widgets(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    editors = dialog.editors
    type_into(qtbot, editors["sync/email"], "reader@example.org")
    type_into(qtbot, editors["sync/ncbiApiKey"], SECRET_KEY)
    enabled = editors["sync/enabled"]
    assert isinstance(enabled, QCheckBox) and enabled.isChecked()
    qtbot.mouseClick(enabled, Qt.MouseButton.LeftButton, pos=QPoint(8, enabled.height() // 2))
    assert not enabled.isChecked()
    assert not editors["sync/intervalHours"].isEnabled()
    qtbot.keyClick(enabled, Qt.Key.Key_Space)  # and back on, from the keyboard
    assert enabled.isChecked()
    interval = editors["sync/intervalHours"]
    assert isinstance(interval, QDoubleSpinBox)
    interval.selectAll()
    qtbot.keyClicks(interval, "12")
    assert interval.value() == 12.0
    style = editors["citation/style"]
    assert isinstance(style, QComboBox)
    style.setCurrentIndex(style.findData("vancouver"))
    type_into(qtbot, editors["citation/keyPattern"], "{Auth}:{year}")
    theme = editors["appearance/theme"]
    assert isinstance(theme, QComboBox)
    theme.setCurrentIndex(theme.findData("dark"))

    with qtbot.waitSignal(dialog.changed) as changed:
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    expected = {
        "sync/email": "reader@example.org",
        "sync/ncbiApiKey": SECRET_KEY,
        "sync/intervalHours": 12.0,
        "citation/style": "vancouver",
        "citation/keyPattern": "{Auth}:{year}",
        "appearance/theme": "dark",
    }
    assert changed.args == [expected]  # sync/enabled went off and on: not a change

    # Stored where the rest of exodesk reads them, in a form it reads.
    stored = QSettings()
    assert stored.value("sync/email") == "reader@example.org"
    assert read_all() == {**expected, "sync/enabled": True}
    assert sync_controller.sync_interval_ms() == 12 * 3600 * 1000
    assert sync_controller.sync_enabled()
    assert transfer.citation_style() == "vancouver"
    assert transfer.key_pattern() == "{Auth}:{year}"

    again = open_dialog()
    assert again.editors["sync/email"].text() == "reader@example.org"  # type: ignore[attr-defined]
    assert again.editors["sync/ncbiApiKey"].text() == SECRET_KEY  # type: ignore[attr-defined]
    assert again.editors["sync/intervalHours"].value() == 12.0  # type: ignore[attr-defined]
    assert again.editors["citation/style"].currentData() == "vancouver"  # type: ignore[attr-defined]
    assert again.editors["appearance/theme"].currentData() == "dark"  # type: ignore[attr-defined]


def test_cancel_stores_nothing(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    type_into(qtbot, dialog.editors["sync/email"], "reader@example.org")
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert QSettings().value("sync/email") is None


def test_an_invalid_key_pattern_blocks_ok_and_says_why(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    pattern = dialog.editors["citation/keyPattern"]
    type_into(qtbot, pattern, "{auth}{nosuchfield}")
    assert not ok_button(dialog).isEnabled()
    error = dialog.findChild(QWidget, "citation_keyPattern_error")
    assert error is not None and error.isVisible()
    assert "nosuchfield" in error.text()  # type: ignore[attr-defined]
    # Return in the field does not slip past the disabled OK.
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.keyClick(pattern, Qt.Key.Key_Return)
    assert QSettings().value("citation/keyPattern") is None

    type_into(qtbot, pattern, "{auth}{year}")
    assert ok_button(dialog).isEnabled()
    assert not error.isVisible()
    # An emptied field means the default its placeholder shows.
    pattern.clear()  # type: ignore[attr-defined]
    assert ok_button(dialog).isEnabled()


def test_controls_have_accessible_names_and_the_key_is_a_password_field(open_dialog) -> None:
    dialog = open_dialog()
    for opt in OPTIONS:
        name = dialog.editors[opt.key].accessibleName()
        assert name and "&" not in name
    key_field = dialog.editors["sync/ncbiApiKey"]
    assert isinstance(key_field, QLineEdit)
    assert key_field.echoMode() == QLineEdit.EchoMode.Password


def test_the_api_key_never_reaches_reprs_or_the_log(
    qtbot, open_dialog, tmp_path: Path, caplog
) -> None:
    log_path = configure_logging(tmp_path / "logs", logging.DEBUG)
    try:
        caplog.set_level(logging.DEBUG)
        dialog = open_dialog()
        type_into(qtbot, dialog.editors["sync/ncbiApiKey"], SECRET_KEY)
        with qtbot.waitSignal(dialog.changed):
            qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
        assert read_option(API_KEY) == SECRET_KEY
        # Code elsewhere that logs a request URL or the value itself.
        logging.getLogger("exodesk.sync").info(
            "GET https://eutils.example/esummary.fcgi?id=1&api_key=%s&tool=exodesk", SECRET_KEY
        )
        logging.getLogger("exodesk.test").warning("the key is %s", SECRET_KEY)
        try:
            raise RuntimeError(f"failed: {SECRET_KEY}")
        except RuntimeError:
            logging.getLogger("exodesk.test").exception("request failed")
        for handler in logging.getLogger().handlers:
            handler.flush()
    finally:
        reset_logging()
    text = log_path.read_text(encoding="utf-8")
    assert "sync/ncbiApiKey" in text  # the change is logged by name ...
    assert "api_key=***&tool=exodesk" in text
    assert "the key is ***" in text and "failed: ***" in text
    assert SECRET_KEY not in text  # ... never by value
    from_preferences = [
        line for line in caplog.text.splitlines() if "exodesk.ui.preferences:" in line
    ]
    assert from_preferences and SECRET_KEY not in "\n".join(from_preferences)
    assert SECRET_KEY not in repr(OPTIONS)
