"""Preferences: every option declared once, with its type, default and label.

:data:`OPTIONS` is the single list of user preferences. The dialog is built from it, and
:func:`read_option` / :func:`write_option` convert between QSettings and Python values, so
the INI backend's strings (``"true"``, ``"6"``) and the native backends' typed values read
back the same. A value that does not convert or validate reads as the default, so a
hand-edited settings file cannot break the program.

Secret options (the NCBI API key) are shown with password echo, registered with the log's
redaction filter, and never logged here: only the *names* of changed options are.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from exodesk.core.citekeys import DEFAULT_PATTERN, validate_pattern
from exodesk.formats.bibliography import STYLES
from exodesk.logging_setup import add_secret
from exodesk.ui.theme import is_dark

__all__ = [
    "API_KEY",
    "CITATION_STYLE",
    "EMAIL",
    "KEY_PATTERN",
    "OPTIONS",
    "SYNC_ENABLED",
    "SYNC_INTERVAL",
    "THEME",
    "Option",
    "PreferencesDialog",
    "option",
    "plain_label",
    "read_all",
    "read_option",
    "write_option",
]

if TYPE_CHECKING:
    # The stubs say ``object``; at run time it returns the text it was given.
    def QT_TRANSLATE_NOOP(context: str, text: str) -> str: ...
else:
    from PySide6.QtCore import QT_TRANSLATE_NOOP

log = logging.getLogger(__name__)

#: Translation context of the option labels and help texts.
CONTEXT = "Preferences"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_API_KEY = re.compile(r"[A-Za-z0-9]+")


def _check_email(value: str) -> None:
    if value and not _EMAIL.fullmatch(value):
        raise ValueError(_tr("Enter an e-mail address such as name@example.org, or nothing."))


def _check_api_key(value: str) -> None:
    # NCBI keys are 36 hexadecimal digits; letters and digits only keeps this future-proof
    # while still refusing what would break a query string or a header.
    if value and not _API_KEY.fullmatch(value):
        raise ValueError(_tr("An NCBI API key has only letters and digits."))


def _check_pattern(value: str) -> None:
    if not value:
        raise ValueError(_tr("The pattern cannot be empty."))
    validate_pattern(value)


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


@dataclass(frozen=True)
class Option:
    """One preference: where it is stored, its Python type, default, label and help.

    ``choices`` are ``(value, label)`` pairs for a drop-down; ``minimum``/``maximum`` bound
    a number; ``validator`` raises ValueError with a message the user can act on. Labels
    are English source text with an ``&`` before the mnemonic letter, translated when shown
    (``QT_TRANSLATE_NOOP`` marks them for the translation tools).
    """

    key: str
    type: type
    default: Any
    label: str
    help: str = ""
    choices: tuple[tuple[str, str], ...] | None = None
    secret: bool = False
    validator: Callable[[Any], None] | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Shown after a number (e.g. "hours"); English source text like the label.
    suffix: str = ""

    def convert(self, raw: object) -> Any:
        """``raw`` (from QSettings or a widget) as this option's type, or ValueError."""
        if raw is None:
            raise ValueError("no value")
        if self.type is bool:
            return _as_bool(raw)
        if self.type is float:
            number = float(raw)  # type: ignore[arg-type]
            if math.isnan(number):
                raise ValueError("not a number")
            if self.minimum is not None:
                number = max(number, self.minimum)
            if self.maximum is not None:
                number = min(number, self.maximum)
            return number
        if not isinstance(raw, str):
            # The INI backend turns an unquoted "a, b" into a list: not ours to guess at.
            raise ValueError(f"expected text, got {type(raw).__name__}")
        text = raw.strip()
        if self.choices is not None and text not in {value for value, _ in self.choices}:
            raise ValueError(f"unknown choice {text!r}")
        return text

    def check(self, value: Any) -> None:
        """Raise ValueError (message for the user) when ``value`` is not acceptable."""
        if self.validator is not None:
            self.validator(value)


def _as_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"not a yes/no value: {raw!r}")


EMAIL = Option(
    "sync/email",
    str,
    "",
    QT_TRANSLATE_NOOP("Preferences", "Contact &e-mail"),
    QT_TRANSLATE_NOOP(
        "Preferences",
        "Sent to PubMed and Crossref with every request, as they ask, so they can reach "
        "you before blocking a misbehaving client.",
    ),
    validator=_check_email,
)
API_KEY = Option(
    "sync/ncbiApiKey",
    str,
    "",
    QT_TRANSLATE_NOOP("Preferences", "NCBI API &key"),
    QT_TRANSLATE_NOOP(
        "Preferences",
        "Optional. Lets sync make 10 instead of 3 PubMed requests per second. "
        "It is never written to the log.",
    ),
    secret=True,
    validator=_check_api_key,
)
SYNC_ENABLED = Option(
    "sync/enabled",
    bool,
    True,
    QT_TRANSLATE_NOOP("Preferences", "Sync &automatically"),
    QT_TRANSLATE_NOOP("Preferences", "Look for new citing articles while exodesk is open."),
)
SYNC_INTERVAL = Option(
    "sync/intervalHours",
    float,
    6.0,
    QT_TRANSLATE_NOOP("Preferences", "Sync e&very"),
    QT_TRANSLATE_NOOP("Preferences", "Hours between automatic syncs (a quarter to 168)."),
    minimum=0.25,
    maximum=168.0,
    suffix=QT_TRANSLATE_NOOP("Preferences", " hours"),
)
CITATION_STYLE = Option(
    "citation/style",
    str,
    "apa",
    QT_TRANSLATE_NOOP("Preferences", "Citation &style"),
    QT_TRANSLATE_NOOP("Preferences", "Used by Copy Citation and bibliography exports."),
    # Style names are proper names (APA, Vancouver) and stay untranslated.
    choices=tuple((style_id, style.label) for style_id, style in STYLES.items()),
)
KEY_PATTERN = Option(
    "citation/keyPattern",
    str,
    DEFAULT_PATTERN,
    QT_TRANSLATE_NOOP("Preferences", "Citation key &pattern"),
    QT_TRANSLATE_NOOP(
        "Preferences",
        "Fields: {auth} {Auth} {year} {shorttitle} {Shorttitle} {journal}. "
        "Keys already made are kept.",
    ),
    validator=_check_pattern,
)
THEME = Option(
    "appearance/theme",
    str,
    "system",
    QT_TRANSLATE_NOOP("Preferences", "&Theme"),
    QT_TRANSLATE_NOOP("Preferences", "System follows the desktop's light or dark setting."),
    choices=(
        ("system", QT_TRANSLATE_NOOP("Preferences", "System")),
        ("light", QT_TRANSLATE_NOOP("Preferences", "Light")),
        ("dark", QT_TRANSLATE_NOOP("Preferences", "Dark")),
    ),
)

#: Every preference, in the order the dialog shows them.
OPTIONS: tuple[Option, ...] = (
    EMAIL,
    API_KEY,
    SYNC_ENABLED,
    SYNC_INTERVAL,
    CITATION_STYLE,
    KEY_PATTERN,
    THEME,
)
#: Choice labels that are translated when shown (style names are not).
_TRANSLATED_CHOICES = frozenset({THEME.key})


def plain_label(opt: Option) -> str:
    """The translated label without its mnemonic marker, for accessible names and messages."""
    return _tr(opt.label).replace("&&", "\0").replace("&", "").replace("\0", "&")


def option(key: str) -> Option:
    """The option stored under ``key`` (KeyError if there is none)."""
    for candidate in OPTIONS:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def read_option(opt: Option, settings: QSettings | None = None) -> Any:
    """The stored value of ``opt`` converted to its type; the default if unset or unusable."""
    raw = (settings or QSettings()).value(opt.key)
    if raw is None:
        return opt.default
    try:
        value = opt.convert(raw)
        opt.check(value)
    except (TypeError, ValueError):
        # Never the value itself: it may be the secret.
        log.warning("ignoring an unusable stored value for %s", opt.key)
        return opt.default
    if opt.secret:
        add_secret(value)
    return value


def read_all(settings: QSettings | None = None) -> dict[str, Any]:
    """Every option's current value, by key."""
    settings = settings or QSettings()
    return {opt.key: read_option(opt, settings) for opt in OPTIONS}


def write_option(opt: Option, value: Any, settings: QSettings | None = None) -> None:
    """Store ``value`` for ``opt``; raises ValueError when it does not convert or validate."""
    converted = opt.convert(value)
    opt.check(converted)
    if opt.secret:
        add_secret(converted)
    (settings or QSettings()).setValue(opt.key, converted)


class PreferencesDialog(QDialog):
    """A form with one control per option; OK stores the values and emits ``changed``.

    ``changed`` carries ``{key: new value}`` for the options whose value changed. OK is
    disabled while any field is invalid; the reason is shown under the field.
    """

    changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle(self.tr("Preferences"))
        self._settings = settings or QSettings()
        self._initial = read_all(self._settings)
        self.editors: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._built = False  # signals of half-built forms must not validate

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for opt in OPTIONS:
            editor = self._editor(opt)
            editor.setObjectName(opt.key.replace("/", "_"))
            label_text = _tr(opt.label)
            editor.setAccessibleName(plain_label(opt))
            self.editors[opt.key] = editor
            error = QLabel()
            error.setObjectName(opt.key.replace("/", "_") + "_error")
            error.setTextFormat(Qt.TextFormat.PlainText)
            error.setWordWrap(True)
            error.setVisible(False)
            self._errors[opt.key] = error
            field = QWidget()
            # The whole field column grows, so help texts wrap at the dialog's width.
            field.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            column = QVBoxLayout(field)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(editor)
            column.addWidget(error)
            if opt.help:
                # Shown, not only as a tooltip: a tooltip needs a mouse to be read.
                editor.setAccessibleDescription(_tr(opt.help))
                hint = QLabel(_tr(opt.help))
                hint.setObjectName(opt.key.replace("/", "_") + "_help")
                hint.setTextFormat(Qt.TextFormat.PlainText)  # "{auth}" is text here
                hint.setWordWrap(True)
                hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
                column.addWidget(hint)
            if isinstance(editor, QCheckBox):
                # The check box carries its own text; the form's label column stays empty.
                form.addRow("", field)
            else:
                label = QLabel(self.tr("{label}:").format(label=label_text))
                label.setBuddy(editor)  # Alt+mnemonic moves the focus to the field
                form.addRow(label, field)
            self._set_editor_value(opt, editor, self._initial[opt.key])

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._built = True
        self._validate()

    # -- building ---------------------------------------------------------------------------
    def _editor(self, opt: Option) -> QWidget:
        if opt.choices is not None:
            combo = QComboBox()
            for value, label in opt.choices:
                shown = _tr(label) if opt.key in _TRANSLATED_CHOICES else label
                combo.addItem(shown, value)
            combo.currentIndexChanged.connect(self._validate)
            return combo
        if opt.type is bool:
            box = QCheckBox(_tr(opt.label))
            box.toggled.connect(self._update_enabled)
            return box
        if opt.type is float:
            spin = QDoubleSpinBox()
            spin.setDecimals(2)
            spin.setSingleStep(0.25)
            spin.setRange(
                opt.minimum if opt.minimum is not None else 0.0,
                opt.maximum if opt.maximum is not None else 1e9,
            )
            if opt.suffix:
                spin.setSuffix(_tr(opt.suffix))
            spin.valueChanged.connect(self._validate)
            return spin
        line = QLineEdit()
        line.setClearButtonEnabled(True)
        if opt.secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
            # No completion or input-method history may keep the key.
            line.setInputMethodHints(
                Qt.InputMethodHint.ImhHiddenText
                | Qt.InputMethodHint.ImhSensitiveData
                | Qt.InputMethodHint.ImhNoPredictiveText
            )
        if opt.default:
            line.setPlaceholderText(str(opt.default))
        line.textChanged.connect(self._validate)
        return line

    def _set_editor_value(self, opt: Option, editor: QWidget, value: Any) -> None:
        if isinstance(editor, QComboBox):
            index = editor.findData(value)
            editor.setCurrentIndex(index if index >= 0 else editor.findData(opt.default))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))

    # -- values -----------------------------------------------------------------------------
    def editor_value(self, opt: Option) -> Any:
        """What the control for ``opt`` holds now, converted to the option's type."""
        editor = self.editors[opt.key]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QDoubleSpinBox):
            return editor.value()
        assert isinstance(editor, QLineEdit)
        text = editor.text()
        # An emptied field whose placeholder shows the default means the default.
        if not text.strip() and opt.default:
            return opt.default
        return opt.convert(text)

    def errors(self) -> dict[str, str]:
        """Messages for the fields whose current value is not acceptable, by key."""
        found: dict[str, str] = {}
        for opt in OPTIONS:
            try:
                opt.check(self.editor_value(opt))
            except ValueError as error:
                found[opt.key] = str(error)
        return found

    def _validate(self) -> None:
        if not self._built:
            return
        errors = self.errors()
        # A red that reads on the current background, light or dark.
        colour = "#ff7b72" if is_dark(self.palette()) else "#b00020"
        for key, label in self._errors.items():
            label.setText(errors.get(key, ""))
            label.setStyleSheet(f"color: {colour};")
            label.setVisible(key in errors)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not errors)
        self._update_enabled()

    def _update_enabled(self) -> None:
        if not self._built:
            return
        # The interval means nothing while automatic sync is off.
        enabled = self.editors[SYNC_ENABLED.key]
        assert isinstance(enabled, QCheckBox)
        self.editors[SYNC_INTERVAL.key].setEnabled(enabled.isChecked())

    def accept(self) -> None:
        if self.errors():  # OK is disabled then; Return in a field must not slip past it
            return
        changed: dict[str, Any] = {}
        for opt in OPTIONS:
            value = self.editor_value(opt)
            if value != self._initial[opt.key]:
                write_option(opt, value, self._settings)
                changed[opt.key] = value
        self._settings.sync()
        if changed:
            log.info("preferences changed: %s", ", ".join(changed))
        super().accept()
        if changed:
            self.changed.emit(changed)
