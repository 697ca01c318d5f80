"""Claim > Bulk change...: one status, verdict or tag change for many claims.

The dialog works on the selected claims or on all claims matching the
current filter (any number: the service takes a filter, not a list). A
Preview says how many claims will change, how many already are so and how
many the workflow gates refuse, grouped by reason; Apply is enabled only for
the previewed settings, runs off the GUI thread with progress, and is one
step on the undo stack. Undoing and redoing that step also run off the GUI
thread for large changes (see ``BulkCommand``), with the window's undo stack
held still until they end.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QUndoCommand
from PySide6.QtWidgets import (
    QApplication,
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

log = logging.getLogger(__name__)

KIND_LABELS = {
    "status": "Set work status",
    "verdict": "Set verdict",
    "add_tag": "Add a tag",
    "remove_tag": "Remove a tag",
}
PROGRESS_TITLE = "Applying the bulk change"
UNDO_TITLE = "Undoing the bulk change"
REDO_TITLE = "Redoing the bulk change"
# From this many claims up, undo and redo run on a worker thread with progress;
# below, they take a few tens of milliseconds and run in place.
WORKER_FROM = 1000


def notify(window, message: str) -> None:
    """A short note in the status bar, never a modal box."""
    bar = getattr(window, "statusBar", None)
    if callable(bar):
        bar().showMessage(message, 8000)


def report_error(title: str, message: str) -> None:
    """Tell the person an undo, redo or apply failed, in plain text (tests patch this)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                      QApplication.activeWindow())
    box.setTextFormat(Qt.TextFormat.PlainText)  # tag names are the person's own text
    box.exec()


class StackGuard(QObject):
    """Holds a window's undo stack still while a bulk undo or redo runs.

    Every edit action of the window (Undo and Redo among them) is put in a
    disabled ``QActionGroup``. What asks to enable or disable one meanwhile
    (the stack does, as its index moves) is remembered by Qt and applies when
    the group is enabled again, so the actions end up as they would have
    been. A request to close the window is put off until the work ends; the
    window closes then. Holds nest (a counter).
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.depth = 0
        self.close_pending = False
        self._group: QActionGroup | None = None
        self._detail_was_enabled = False
        window.installEventFilter(self)

    @classmethod
    def of(cls, window) -> "StackGuard":
        guard = getattr(window, "_bulk_stack_guard", None)
        if guard is None:
            guard = cls(window)
            window._bulk_stack_guard = guard
        return guard

    @property
    def running(self) -> bool:
        return self.depth > 0

    def hold(self) -> None:
        self.depth += 1
        if self.depth > 1:
            return
        group = QActionGroup(self)
        group.setExclusionPolicy(QActionGroup.ExclusionPolicy.None_)
        for action in getattr(self.window, "edit_actions", []):
            if action.actionGroup() is None:  # (an action of another group is left alone)
                group.addAction(action)
        group.setEnabled(False)
        self._group = group
        # The detail pane writes too (status, verdict, evidence): a click there would wait
        # on the write lock, on the GUI thread, until the bulk transaction commits.
        detail = getattr(self.window, "detail", None)
        self._detail_was_enabled = detail is not None and detail.isEnabled()
        if self._detail_was_enabled:
            detail.setEnabled(False)

    def release(self) -> None:
        if self.depth == 0:
            return
        self.depth -= 1
        if self.depth:
            return
        group, self._group = self._group, None
        if self._detail_was_enabled:
            self._detail_was_enabled = False
            self.window.detail.setEnabled(True)
        if group is not None:
            group.setEnabled(True)
            for action in group.actions():
                group.removeAction(action)
            group.deleteLater()
        if self.close_pending:
            self.close_pending = False
            self.window.close()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.running:
            event.ignore()
            self.close_pending = True
            notify(self.window, "The window closes once the bulk change has been undone or redone.")
            return True
        return False


class BulkCommand(QUndoCommand):
    """One bulk change as one undo step (the first redo was the apply itself).

    Undo runs ``bulk.revert`` and redo applies the change again to the claims
    that undo put back; each is one transaction. From ``WORKER_FROM`` claims
    up they run on a worker thread with the progress dialog shown at once
    (window-modal: the window takes no input until the end), and the
    ``StackGuard`` keeps Undo, Redo and the other edit actions disabled.

    ``QUndoStack`` moves its index as soon as ``undo()``/``redo()`` return,
    so the stack runs ahead of the database while the work is under way.
    If the work fails, nothing was written (the transaction rolled back), the
    person is told so, and the index is moved back over this step without
    touching the database: the stack again says what the database holds, and
    the step can be tried again.
    """

    def __init__(self, window, result: bulk.BulkResult):
        label = f"bulk change: {result.change.describe()} ({result.count:,} claims)"
        super().__init__(label)
        self.label = label  # also readable once the stack has deleted the C++ command
        self.window, self.result = window, result
        self.undone: bulk.BulkResult | None = None  # what the last undo put back
        self.task = None  # the worker task while one runs
        self._quiet = True  # QUndoStack.push calls redo(): the apply already ran

    def undo(self) -> None:
        if not self._skip():
            self._start("undo")

    def redo(self) -> None:
        if not self._skip():
            self._start("redo")

    def _skip(self) -> bool:
        quiet, self._quiet = self._quiet, False
        return quiet

    # -- the work -----------------------------------------------------------

    def _start(self, direction: str) -> None:
        guard = StackGuard.of(self.window)
        guard.hold()
        if direction == "undo":
            func, args, size, title = _revert, (self.result,), self.result.count, UNDO_TITLE
        else:
            undone = self.undone
            func, args, size, title = _reapply, (undone.ids, undone.change), undone.count, REDO_TITLE

        def done(outcome):
            self._record(direction, outcome)
            QTimer.singleShot(0, lambda: self._finished(direction, guard, None))

        def failed(exc):
            QTimer.singleShot(0, lambda: self._finished(direction, guard, exc))

        if size >= WORKER_FROM:
            self.task = worker.run_task(self.window, func, *args, on_done=done, on_error=failed,
                                        progress_title=title)
            if self.task.dialog is not None:
                self.task.dialog.setMinimumWidth(360)
                self.task.dialog.show()  # at once: the window takes no input until the work ends
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            outcome = func(*args)
        except Exception as exc:  # shown to the person once the stack has settled
            failed(exc)
        else:
            done(outcome)
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _record(self, direction: str, outcome: bulk.BulkResult) -> None:
        if direction == "undo":
            self.undone = outcome
        else:
            outcome.skipped = self.undone.count - outcome.count
            self.result = outcome

    def _finished(self, direction: str, guard: StackGuard, error) -> None:
        """On the GUI thread, after the stack has moved its index: tell, put back, release."""
        self.task = None
        if error is None:
            guard.release()
            outcome = self.undone if direction == "undo" else self.result
            self.window.signals.claims_changed.emit([])
            verb = "Undone" if direction == "undo" else "Redone"
            note = f"{verb}: {outcome.change.describe()} on {outcome.count:,} claims."
            if outcome.skipped:
                note += f" {outcome.skipped:,} claims had changed since and were left alone."
            notify(self.window, note)
            return
        kept = self._put_back(direction)
        guard.release()
        verb = "undone" if direction == "undo" else "redone"
        if isinstance(error, ClaimlogError):
            why = str(error)
        else:
            log.error("bulk %s failed", direction, exc_info=(type(error), error, error.__traceback__))
            why = f"Unexpected problem: {error}"
        state = "keep the bulk change" if direction == "undo" else "stay as they were before it"
        where = ("It stays on the undo stack, so you can try again." if kept
                 else "It is no longer on the undo stack.")
        what = self.label[:1].upper() + self.label[1:]
        report_error(f"Bulk change not {verb}",
                     f"{what}: {why}\n\nNothing was changed: the claims {state}. {where}")

    def _put_back(self, direction: str) -> bool:
        """Move the stack's index back over this step without running it; False if it is gone."""
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.window):
            return False
        stack = self.window.undo_stack
        if direction == "undo":
            if stack.index() < stack.count() and stack.command(stack.index()) is self:
                self._quiet = True
                stack.redo()
                return True
        elif stack.index() > 0 and stack.command(stack.index() - 1) is self:
            self._quiet = True
            stack.undo()
            return True
        return False


def _revert(result: bulk.BulkResult, progress=None) -> bulk.BulkResult:
    return bulk.revert(result, progress=progress)


def _reapply(ids: list[int], change: BulkChange, progress=None) -> bulk.BulkResult:
    return bulk.apply(ids, change, progress=progress)


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

        model = getattr(window, "claims_model", None)
        if model is not None and model.exact and model.filter == self.filter:
            n_filter = model.rowCount()  # the table's count: no second COUNT of a million rows
        else:
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
        # Undo and Redo wait for the apply (its step lands on top of the stack).
        # The outcome is handled even if this dialog was closed meanwhile.
        window, guard = self.window, StackGuard.of(self.window)
        guard.hold()

        def applied(result: bulk.BulkResult) -> None:
            window.undo_stack.push(BulkCommand(window, result))
            guard.release()
            window.signals.claims_changed.emit([])
            notify(window, f"Bulk change: {result.change.describe()} on {result.count:,} claims (Ctrl+Z to undo).")
            if shiboken6.isValid(self):
                self._applied(result)

        def failed(exc) -> None:
            guard.release()
            if shiboken6.isValid(self):
                self._failed(exc)
            else:
                report_error("Bulk change not applied", str(exc) if isinstance(exc, ClaimlogError)
                             else f"Unexpected problem: {exc}")

        worker.run_task(window, bulk.apply, self.target(), self._previewed[1], on_done=applied,
                        on_error=failed, progress_title=PROGRESS_TITLE)

    def _applied(self, result: bulk.BulkResult) -> None:
        self.result = result
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
