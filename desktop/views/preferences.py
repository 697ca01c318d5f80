"""Preferences: the checker's name (recorded in History) and the desk's name.

Stored in QSettings under ``checker/name`` and ``desk/name``; preferences
only, never fact-check data. The checker's name is handed to the services
(``services.set_actor``) whenever it changes, so every recorded change
carries it.

Other views use three functions:
- ``checker_name()`` / ``desk_name()``: the stored values ("" when unset);
- ``ask_checker_name(parent)``: call it just before recording a change; it
  returns the name, asking once (a patchable ``QInputDialog``) when none is
  set yet. Cancelling returns "" and the change is recorded without a name.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
)
from PySide6.QtCore import Qt

from desktop import services
from desktop.errors import ValidationError
from desktop.services.common import clean_line

CHECKER_KEY = "checker/name"
DESK_KEY = "desk/name"
NAME_LIMIT = 200


def _settings() -> QSettings:
    return QSettings("Claimlog", "Claimlog")


def _read(key: str) -> str:
    value = _settings().value(key, "")
    # A damaged or hand-edited settings file may hold anything: fall back to "".
    return value.strip() if isinstance(value, str) else ""


def checker_name() -> str:
    """The checker's name from preferences, "" if none was given yet."""
    return _read(CHECKER_KEY)


def desk_name() -> str:
    """The desk (organisation) name, used as the author of published reviews."""
    return _read(DESK_KEY)


def clean_name(field: str, value: str) -> str:
    """A single line of at most NAME_LIMIT characters; raises ValidationError."""
    return clean_line(field, value, limit=NAME_LIMIT)


def set_checker_name(name: str) -> str:
    name = clean_name("checker name", name)
    _settings().setValue(CHECKER_KEY, name)
    services.set_actor(name)
    return name


def set_desk_name(name: str) -> str:
    name = clean_name("desk name", name)
    _settings().setValue(DESK_KEY, name)
    return name


def ask_checker_name(parent=None) -> str:
    """The name to record, asking once when none is set; "" if the person declines."""
    name = checker_name() or services.current_actor()
    if name:
        return name
    text, ok = QInputDialog.getText(
        parent,
        "Your name",
        "Every change of status or verdict records who made it.\n"
        "Your name (you can change it later in Preferences):",
    )
    if not ok:
        return ""
    try:
        return set_checker_name(text)
    except ValidationError as exc:
        QMessageBox.warning(parent, "Name not saved", str(exc))
        return ""


class PreferencesDialog(QDialog):
    """Checker name and desk name, saved only on OK."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.checker_edit = QLineEdit(checker_name())
        self.checker_edit.setMaxLength(NAME_LIMIT)
        self.checker_edit.setPlaceholderText("e.g. Aye Chan")
        self.desk_edit = QLineEdit(desk_name())
        self.desk_edit.setMaxLength(NAME_LIMIT)
        self.desk_edit.setPlaceholderText("e.g. the name of your fact-checking desk")
        form = QFormLayout()
        form.addRow("&Checker name:", self.checker_edit)
        form.addRow("&Desk name:", self.desk_edit)
        note = QLabel("The checker name is recorded with every change of status or verdict. "
                      "The desk name is the author of published fact-checks.")
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def accept(self) -> None:
        try:
            checker = clean_name("checker name", self.checker_edit.text())
            desk = clean_name("desk name", self.desk_edit.text())
        except ValidationError as exc:
            QMessageBox.warning(self, "Preferences not saved", str(exc))
            return
        set_checker_name(checker)
        set_desk_name(desk)
        super().accept()


def open_preferences(parent=None) -> bool:
    """Show the Preferences dialog (modal); True if saved. Tests patch this."""
    return PreferencesDialog(parent).exec() == QDialog.DialogCode.Accepted


def install(window) -> None:
    name = checker_name()
    if name:
        services.set_actor(name)
    action = QAction("&Preferences\u2026", window)
    action.setShortcut(QKeySequence.StandardKey.Preferences)
    action.setMenuRole(QAction.MenuRole.PreferencesRole)
    action.triggered.connect(lambda: open_preferences(window))
    window.menus["edit"].addSeparator()
    window.menus["edit"].addAction(action)
    window.preferences_action = action
