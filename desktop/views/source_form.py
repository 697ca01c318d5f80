"""The source form: everything about one source, checked at the field by the service.

The address is normalised as soon as it is entered (and the normalised form
shown); if the library already has it, the form switches to that source and
says so instead of creating a twin. ``open_source_dialog`` is the entry point
other modules (and tests) call; it shows the dialog without blocking.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import services
from desktop.errors import ClaimlogError, ValidationError
from desktop.models import Source
from desktop.services.sources import ARCHIVE_SERVICES, guess_archive_service
from desktop.urls import normalize_url, url_problem
from desktop.workflow import CREDIBILITY, SOURCE_KINDS
from desktop.views import commands
from desktop.views.sources_model import plain_tooltip

ARCHIVE_LABELS = {"wayback": "Wayback Machine", "archive_today": "archive.today", "other": "Other"}
ERROR_STYLE = "color: #b3261e;"


def error_label() -> QLabel:
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(True)
    widget.setStyleSheet(ERROR_STYLE)
    widget.setVisible(False)
    return widget


def with_error(field: QWidget, error: QLabel, extra: QWidget | None = None) -> QWidget:
    """A form cell: the field, an optional hint under it, and its error message."""
    cell = QWidget()
    layout = QVBoxLayout(cell)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    if extra is not None:
        layout.addWidget(extra)
    layout.addWidget(error)
    return cell


class ArchiveList(QWidget):
    """Archived copies: service, address, capture time; a small editable table."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Service", "Archived address", "Captured (UTC, ISO 8601)"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().resizeSection(0, 140)
        self.table.horizontalHeader().resizeSection(2, 215)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.setMinimumHeight(self.fontMetrics().height() * 5)
        self.table.setMaximumHeight(self.fontMetrics().height() * 8)
        self.add_button = QPushButton("Add archive")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self._add_and_edit)
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def add_row(self, url: str = "", service: str = "", captured_at: str = "") -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        combo = QComboBox()
        for key in ARCHIVE_SERVICES:
            combo.addItem(ARCHIVE_LABELS[key], key)
        combo.setCurrentIndex(max(0, combo.findData(service or (guess_archive_service(url) if url else "wayback"))))
        self.table.setCellWidget(row, 0, combo)
        item = QTableWidgetItem(url)
        item.setToolTip(plain_tooltip(url))
        self.table.setItem(row, 1, item)
        self.table.setItem(row, 2, QTableWidgetItem(captured_at))
        return row

    def _add_and_edit(self) -> None:
        row = self.add_row()
        self.table.setCurrentCell(row, 1)
        self.table.setFocus()
        self.table.editItem(self.table.item(row, 1))

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def set_archives(self, archives) -> None:
        self.table.setRowCount(0)
        for archive in archives:
            self.add_row(archive.url, archive.service, archive.captured_at)

    def archives(self) -> list[services.ArchiveInput]:
        out = []
        for row in range(self.table.rowCount()):
            url = (self.table.item(row, 1).text() if self.table.item(row, 1) else "").strip()
            captured = (self.table.item(row, 2).text() if self.table.item(row, 2) else "").strip()
            if not url and not captured:
                continue  # an empty row someone added and left
            combo = self.table.cellWidget(row, 0)
            out.append(services.ArchiveInput(url=url, service=combo.currentData() if combo else "",
                                             captured_at=captured))
        return out


class SourceDialog(QDialog):
    """Create or edit a source. ``source_saved(id)`` after a successful save."""

    source_saved = Signal(int)

    def __init__(self, window=None, source_id: int | None = None, initial: services.SourceInput | None = None,
                 parent=None):
        super().__init__(parent if parent is not None else window)
        self.window_ = window
        self.source_id = source_id
        self.setWindowTitle("Edit source" if source_id else "New source")
        self.setMinimumWidth(780)

        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff4ce; color: #3b2f00; padding: 6px; border-radius: 4px;")
        self.banner.setVisible(False)

        self.kind = QComboBox()
        for term in SOURCE_KINDS.values():
            self.kind.addItem(term.label, term.id)
        self.title = QLineEdit()
        self.publisher = QLineEdit()
        self.published_on = QLineEdit()
        self.published_on.setPlaceholderText("YYYY-MM-DD, YYYY-MM or YYYY")
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://\u2026")
        self.url_hint = QLabel()
        self.url_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.url_hint.setWordWrap(True)
        self.url_hint.setStyleSheet("color: palette(placeholder-text);")
        self.url_hint.setVisible(False)
        self.accessed_on = QLineEdit()
        self.accessed_on.setPlaceholderText("YYYY-MM-DD")
        self.today = QPushButton("Today")
        self.today.clicked.connect(lambda: self.accessed_on.setText(date.today().isoformat()))
        self.archive_list = ArchiveList()
        self.language = QLineEdit()
        self.language.setPlaceholderText("e.g. en, my, ar")
        self.credibility = QComboBox()
        for term in CREDIBILITY.values():
            self.credibility.addItem(term.label, term.id)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        self.confidential = QCheckBox("Confidential: withhold from exports")

        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        accessed = QWidget()
        row = QHBoxLayout(accessed)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.accessed_on, 1)
        row.addWidget(self.today)
        for key, text, widget, extra in [
            ("kind", "&Kind", self.kind, None),
            ("title", "&Title", self.title, None),
            ("publisher", "&Publisher / author", self.publisher, None),
            ("published_on", "Publis&hed", self.published_on, None),
            ("url", "&Address (URL)", self.url, self.url_hint),
            ("accessed_on", "A&ccessed", accessed, None),
            ("archives", "A&rchived copies", self.archive_list, None),
            ("language", "&Language", self.language, None),
            ("credibility", "C&redibility", self.credibility, None),
            ("notes", "&Notes", self.notes, None),
            ("confidential", "", self.confidential, None),
        ]:
            self.errors[key] = error_label()
            self.fields[key] = widget
            cell = with_error(widget, self.errors[key], extra)
            if text:
                form.addRow(text, cell)
                buddy = self.accessed_on if key == "accessed_on" else (
                    self.archive_list.table if key == "archives" else widget)
                form.labelForField(cell).setBuddy(buddy)
            else:
                form.addRow(cell)
        self.form = form

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.url.editingFinished.connect(self.url_entered)
        if source_id is not None:
            self.load(source_id)
        elif initial is not None:
            self.fill(initial)
            if initial.url:
                self.url_entered()
        if getattr(window, "read_only", False):
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
            self.show_banner("The database is open read-only; changes cannot be saved.")
        self.title.setFocus() if source_id else self.kind.setFocus()

    # -- loading ---------------------------------------------------------
    def fill(self, data: services.SourceInput) -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(data.kind or "web_page")))
        self.title.setText(data.title)
        self.publisher.setText(data.publisher)
        self.published_on.setText(data.published_on)
        self.url.setText(data.url or "")
        self.accessed_on.setText(data.accessed_on)
        self.archive_list.set_archives(data.archives or [])
        self.language.setText(data.language)
        self.credibility.setCurrentIndex(max(0, self.credibility.findData(data.credibility or "unrated")))
        self.notes.setPlainText(data.notes)
        self.confidential.setChecked(bool(data.confidential))

    def load(self, source_id: int) -> None:
        self.source_id = source_id
        self.setWindowTitle("Edit source")
        self.fill(services.SourceInput.from_source(Source.get_by_id(source_id)))
        self.url_hint.setVisible(False)

    def value(self) -> services.SourceInput:
        return services.SourceInput(
            title=self.title.text(), url=self.url.text().strip(), kind=self.kind.currentData(),
            publisher=self.publisher.text(), published_on=self.published_on.text(),
            accessed_on=self.accessed_on.text(), language=self.language.text(),
            credibility=self.credibility.currentData(), notes=self.notes.toPlainText(),
            confidential=self.confidential.isChecked(), archives=self.archive_list.archives(),
        )

    # -- messages ----------------------------------------------------------
    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(True)

    def clear_errors(self) -> None:
        for widget in self.errors.values():
            widget.clear()
            widget.setVisible(False)

    def show_error(self, exc: ValidationError) -> None:
        field = exc.field or ""
        key = "archives" if field.startswith("archive") else field
        if key not in self.errors:
            self.show_banner(str(exc))
            return
        self.errors[key].setText(exc.message if key != "archives" else str(exc))
        self.errors[key].setVisible(True)
        target = self.fields[key]
        if key == "archives":
            target = self.archive_list.table
        elif key == "accessed_on":
            target = self.accessed_on
        target.setFocus()

    # -- the address -------------------------------------------------------
    def url_entered(self) -> None:
        """Normalise the address as entered; switch to the source that already has it."""
        typed = self.url.text().strip()
        self.errors["url"].setVisible(False)
        if not typed:
            self.url_hint.setVisible(False)
            return
        problem = url_problem(typed)
        if problem:
            self.errors["url"].setText(f"the address {problem}.")
            self.errors["url"].setVisible(True)
            self.url_hint.setVisible(False)
            return
        normal = normalize_url(typed)
        if normal != typed:
            self.url.setText(normal)
            self.url_hint.setText("Saved in its normal form (tracking parameters, fragment and default port removed).")
            self.url_hint.setVisible(True)
        else:
            self.url_hint.setVisible(False)
        twin = services.find_source_by_url(normal)
        if twin is None or twin.id == self.source_id:
            return
        if self.source_id is None:
            self.open_existing(twin.id, f"This address is already in the library as \u201c{twin.title}\u201d; "
                                        "that source was opened instead of creating a twin.")
        else:
            self.errors["url"].setText(f"this address already belongs to the source \u201c{twin.title}\u201d; "
                                       "two sources cannot share an address.")
            self.errors["url"].setVisible(True)

    def open_existing(self, source_id: int, message: str) -> None:
        self.clear_errors()
        self.load(source_id)
        self.show_banner(message)

    # -- saving ------------------------------------------------------------
    def save(self) -> None:
        if getattr(self.window_, "read_only", False):
            return
        self.clear_errors()
        data = self.value()
        signals = getattr(self.window_, "signals", None)
        try:
            if self.source_id is None:
                # Adding is one step on the window's undo stack too (Ctrl+Z deletes it again).
                created = commands.run(commands.CreateSourceCommand(data, signals),
                                       getattr(self.window_, "undo_stack", None))
                source = Source.get_by_id(created.source_id)
            else:
                # An edit is one step on the window's undo stack (Ctrl+Z writes the old fields back).
                stored = Source.get_or_none(Source.id == self.source_id)
                old = services.SourceInput.from_source(stored) if stored is not None else data
                commands.run(commands.EditSourceCommand(self.source_id, old, data, signals),
                             getattr(self.window_, "undo_stack", None))
                source = Source.get_by_id(self.source_id)
        except ValidationError as exc:
            if exc.existing_id is not None and self.source_id is None:
                self.open_existing(exc.existing_id, exc.message[:1].upper() + exc.message[1:])
                return
            self.show_error(exc)
            return
        except ClaimlogError as exc:
            self.show_banner(str(exc))
            return
        self.source_id = source.id
        if signals is not None:
            signals.sources_changed.emit([source.id])
        self.source_saved.emit(source.id)
        self.accept()


def open_source_dialog(window, source_id: int | None = None, initial: services.SourceInput | None = None,
                       parent=None) -> SourceDialog:
    """Show the source form without blocking; returns the dialog."""
    dialog = SourceDialog(window, source_id, initial, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
