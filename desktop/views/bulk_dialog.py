"""Claim > Bulk change...: one status, verdict or tag change for many claims.

The dialog works on the selected claims or on all claims matching the
current filter (any number: the service takes a filter, not a list). A
Preview says how many claims will change, how many already are so and how
many the workflow gates refuse, grouped by reason; Apply is enabled only for
the previewed settings, runs off the GUI thread with progress, and is one
step on the undo stack.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QUndoCommand
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
)

from desktop import search, workflow
from desktop.errors import ClaimlogError
from desktop.services import bulk
from desktop.services.bulk import BulkChange
from desktop.views import preferences, worker

KIND_LABELS = {
    "status": "Set work status",
    "verdict": "Set verdict",
    "add_tag": "Add a tag",
    "remove_tag": "Remove a tag",
}
PROGRESS_TITLE = "Applying the bulk change"


def notify(window, message: str) -> None:
    """A short note in the status bar, never a modal box."""
    bar = getattr(window, "statusBar", None)
    if callable(bar):
        bar().showMessage(message, 8000)


class BulkCommand(QUndoCommand):
    """One bulk change as one undo step (the first redo was the apply itself)."""

    def __init__(self, window, result: bulk.BulkResult):
        super().__init__(f"bulk change: {result.change.describe()} ({result.count:,} claims)")
        self.window, self.result = window, result
        self._done = True

    def _run(self, func, verb: str) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            outcome = func()
        except ClaimlogError as exc:
            QGuiApplication.restoreOverrideCursor()
            QMessageBox.warning(self.window, f"Bulk change not {verb}", str(exc))
            self.setObsolete(True)
            return
        QGuiApplication.restoreOverrideCursor()
        self.window.signals.claims_changed.emit([])
        if outcome.skipped:
            notify(self.window, f"{outcome.skipped:,} claims had changed since and were left alone.")

    def undo(self) -> None:
        self._run(lambda: bulk.revert(self.result), "undone")

    def redo(self) -> None:
        if self._done:
            self._done = False
            return

        def again():
            result = bulk.apply(self.result.ids, self.result.change)
            result.skipped = self.result.count - result.count
            self.result = result
            return result

        self._run(again, "redone")


class BulkDialog(QDialog):
    applied = Signal(object)  # the BulkResult

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.setWindowTitle("Bulk change")
        self.selected = list(window.selected_claim_ids() or [])
        self.filter = window.current_filter()
        self.result: bulk.BulkResult | None = None
        self._previewed: tuple | None = None
        self._task = None

        n_filter = search.count_claims(self.filter)
        self.use_selection = QRadioButton(f"The {len(self.selected):,} selected claims")
        self.use_filter = QRadioButton(f"All {n_filter:,} claims matching the current filter")
        self.use_selection.setEnabled(bool(self.selected))
        (self.use_selection if self.selected else self.use_filter).setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.use_selection)
        group.addButton(self.use_filter)

        self.kind = QComboBox()
        for kind, text in KIND_LABELS.items():
            self.kind.addItem(text, kind)
        self.status_value = QComboBox()
        for term in workflow.STATUSES.values():
            self.status_value.addItem(workflow.label("status", term.id), term.id)
        self.verdict_value = QComboBox()
        for term in workflow.VERDICTS.values():
            self.verdict_value.addItem(workflow.label("verdict", term.id), term.id)
        self.verdict_value.addItem("(clear the verdict)", None)
        self.tag_value = QLineEdit()
        self.tag_value.setPlaceholderText("tag name")
        self.value = QStackedWidget()
        for widget in (self.status_value, self.verdict_value, self.tag_value):
            self.value.addWidget(widget)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("kept in each claim's history (needed to cancel or reopen)")

        form = QFormLayout()
        form.addRow("Claims:", self.use_selection)
        form.addRow("", self.use_filter)
        form.addRow("&Change:", self.kind)
        form.addRow("&To:", self.value)
        form.addRow("&Reason:", self.reason)

        self.preview_label = QLabel("Press Preview to see what would change.")
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)
        self.preview_label.setWordWrap(True)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.clicked.connect(self.run_preview)
        buttons = QDialogButtonBox()
        self.apply_button = buttons.addButton("&Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.apply_button.clicked.connect(self.run_apply)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        for signal in (self.use_selection.toggled, self.status_value.currentIndexChanged,
                       self.verdict_value.currentIndexChanged, self.tag_value.textChanged, self.reason.textChanged):
            signal.connect(self._invalidate)
        self._kind_changed()

    # -- what the person picked ---------------------------------------------------

    def target(self):
        return list(self.selected) if self.use_selection.isChecked() else self.filter

    def change(self) -> BulkChange:
        kind = self.kind.currentData()
        if kind == "status":
            value = self.status_value.currentData()
        elif kind == "verdict":
            value = self.verdict_value.currentData()
        else:
            value = self.tag_value.text()
        return BulkChange(kind, value, self.reason.text())

    def _settings(self) -> tuple:
        return (self.use_selection.isChecked(), self.change())

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.value.setCurrentIndex({"status": 0, "verdict": 1}.get(kind, 2))
        self._invalidate()

    def _invalidate(self, *args) -> None:
        self._previewed = None
        self.apply_button.setEnabled(False)
        self.preview_label.setText("Press Preview to see what would change.")

    # -- preview and apply ----------------------------------------------------------

    def run_preview(self) -> None:
        settings = self._settings()
        self.preview_label.setText("Counting\u2026")
        self.preview_button.setEnabled(False)
        worker.run_task(self, bulk.preview, self.target(), settings[1],
                        on_done=lambda p: self._show_preview(settings, p), on_error=self._failed)

    def _show_preview(self, settings, preview: bulk.BulkPreview) -> None:
        self.preview_button.setEnabled(True)
        if settings != self._settings():
            return  # the person changed something meanwhile
        self.preview_label.setText(f"{settings[1].describe().capitalize()}:\n" + "\n".join(preview.lines()))
        self._previewed = settings
        self.apply_button.setEnabled(preview.will_change > 0)
        self.preview = preview

    def _failed(self, exc) -> None:
        self.preview_button.setEnabled(True)
        self.apply_button.setEnabled(False)
        message = str(exc) if isinstance(exc, ClaimlogError) else f"Unexpected problem: {exc}"
        self.preview_label.setText(message)

    def run_apply(self) -> None:
        if self._previewed is None or self._previewed != self._settings():
            return
        preferences.ask_checker_name(self)
        self.apply_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        self.preview_label.setText("Applying\u2026")
        worker.run_task(self.window, bulk.apply, self.target(), self._previewed[1], on_done=self._applied,
                        on_error=self._failed, progress_title=PROGRESS_TITLE)

    def _applied(self, result: bulk.BulkResult) -> None:
        self.result = result
        self.window.undo_stack.push(BulkCommand(self.window, result))
        self.window.signals.claims_changed.emit([])
        notify(self.window, f"Bulk change: {result.change.describe()} on {result.count:,} claims (Ctrl+Z to undo).")
        self.applied.emit(result)
        self.accept()


def open_bulk_dialog(window) -> BulkDialog:
    """Show the dialog (non-modal); tests call this or patch it."""
    dialog = BulkDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def install(window) -> None:
    action = QAction("&Bulk change\u2026", window)
    action.setObjectName("bulk_change")
    action.triggered.connect(lambda: open_bulk_dialog(window))
    window.menus["claim"].addSeparator()
    window.menus["claim"].addAction(action)
    window.edit_actions.append(action)
    window.bulk_action = action
