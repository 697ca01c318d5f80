"""The "Status and verdict" section of the claim detail pane.

Shows the work status as a coloured label and offers only the moves the
workflow allows from it (``workflow.allowed_transitions``). A move that needs a
reason asks for one (``ask_reason``, patchable). When a gate refuses, the
section says exactly what is missing and offers to go there: "Set verdict"
focuses the verdict box, "Link a source" triggers the Claim menu's
"Link source..." action when a feature provides one (``window.link_source_action``
or an action named ``link_source`` in the Claim menu).

The verdict and its explanation are saved only with the Save button, never
on each keystroke. Every change is one step on ``window.undo_stack``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap, QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import services, workflow
from desktop.errors import ClaimlogError, WorkflowError
from desktop.models import Claim
from desktop.services.status import restore_status, restore_verdict, transition_problem
from desktop.views import preferences

VERB = {
    "in_progress": "Start work",
    "on_hold": "Put on hold",
    "needs_review": "Send for review",
    "final": "Mark final",
    "reopened": "Reopen",
    "cancelled": "Cancel claim",
    "unstarted": "Mark unstarted",
}


def ask_reason(parent, old: str, new: str) -> str | None:
    """Ask why (patchable in tests); None when the person cancels."""
    text, ok = QInputDialog.getMultiLineText(
        parent,
        f"{VERB.get(new, workflow.label('status', new))}: reason",
        f"Moving from {workflow.label('status', old)} to {workflow.label('status', new)} needs a reason.\n"
        "It is kept in the claim's history.",
    )
    return text if ok else None


def show_problem(parent, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


def colour_chip(colour: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def link_source_action(window):
    """The sources feature's "Link source..." action, if one is installed."""
    action = getattr(window, "link_source_action", None)
    return action if action is not None else find_menu_action(window, "claim", "link_source")


def find_menu_action(window, menu_key: str, name: str):
    menu = getattr(window, "menus", {}).get(menu_key)
    if menu is None:
        return None
    for action in menu.actions():
        if action.objectName() == name:
            return action
    return None


class _ClaimCommand(QUndoCommand):
    """Shared by status and verdict commands: first redo already done, errors shown."""

    def __init__(self, window, claim_id: int, text: str):
        super().__init__(text)
        self.window, self.claim_id = window, claim_id
        self._done = True  # the change was made before the command was pushed

    def _run(self, func) -> None:
        try:
            func()
        except ClaimlogError as exc:
            show_problem(self.window, "Cannot undo or redo", str(exc))
            self.setObsolete(True)
        self.window.signals.claims_changed.emit([self.claim_id])

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._run(self._redo)

    def undo(self) -> None:
        self._run(self._undo)


class SetStatusCommand(_ClaimCommand):
    def __init__(self, window, claim_id, old, new, reason, old_finalised_at):
        super().__init__(window, claim_id, f"status: {workflow.label('status', new)}")
        self.old, self.new, self.reason, self.old_finalised_at = old, new, reason, old_finalised_at

    def _redo(self):
        services.set_status(self.claim_id, self.new, reason=self.reason)

    def _undo(self):
        restore_status(self.claim_id, self.old, expected_current=self.new, finalised_at=self.old_finalised_at)


class SetVerdictCommand(_ClaimCommand):
    def __init__(self, window, claim_id, old, new):
        super().__init__(window, claim_id, f"verdict: {workflow.label('verdict', new[0]) or 'none'}")
        self.old, self.new = old, new  # (verdict, explanation) pairs

    def _redo(self):
        restore_verdict(self.claim_id, *self.new, expected_verdict=self.old[0], expected_explanation=self.old[1],
                        reason="Redo")

    def _undo(self):
        restore_verdict(self.claim_id, *self.old, expected_verdict=self.new[0], expected_explanation=self.new[1])


class StatusControl(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.claim_id: int | None = None
        self._loaded = (None, "")  # verdict, explanation as stored

        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.setMinimumWidth(110)
        self.moves = QGridLayout()  # two columns: fits a narrow detail pane
        self.moves.setContentsMargins(0, 0, 0, 0)
        self.move_buttons: dict[str, QPushButton] = {}

        self.problem_label = QLabel()
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setWordWrap(True)
        self.problem_label.setObjectName("gateMessage")
        self.problem_label.setStyleSheet("QLabel#gateMessage { color: #b3261e; }")
        self.go_verdict = QPushButton("Set verdict")
        self.go_verdict.clicked.connect(self.focus_verdict)
        self.go_source = QPushButton("Link a source")
        self.go_source.clicked.connect(self.link_source)
        problem_row = QHBoxLayout()
        problem_row.addWidget(self.go_verdict)
        problem_row.addWidget(self.go_source)
        problem_row.addStretch(1)

        self.verdict_combo = QComboBox()
        self.verdict_combo.addItem("(no verdict yet)", None)
        for term in workflow.VERDICTS.values():
            self.verdict_combo.addItem(colour_chip(term.colour), workflow.label("verdict", term.id), term.id)
        self.verdict_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.verdict_combo.setMinimumContentsLength(12)
        self.explanation = QPlainTextEdit()
        self.explanation.setPlaceholderText("How the evidence leads to this verdict")
        self.explanation.setTabChangesFocus(True)
        self.explanation.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.save_button = QPushButton("Save verdict")
        self.revert_button = QPushButton("Revert")
        self.save_button.clicked.connect(self.save_verdict)
        self.revert_button.clicked.connect(self.load)
        self.verdict_combo.currentIndexChanged.connect(self._update_dirty)
        self.explanation.textChanged.connect(self._update_dirty)

        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label)
        status_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Status:", status_row)
        verdict_form = QFormLayout()
        verdict_form.addRow("&Verdict:", self.verdict_combo)
        verdict_form.addRow("E&xplanation:", self.explanation)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(self.moves)
        layout.addWidget(self.problem_label)
        layout.addLayout(problem_row)
        layout.addLayout(verdict_form)
        layout.addLayout(buttons)
        self._hide_problem()
        window.signals.claims_changed.connect(self._claims_changed)
        window.signals.database_replaced.connect(self.load)
        self.set_claim(None)

    # -- loading ---------------------------------------------------------------

    def set_claim(self, claim_id: int | None) -> None:
        self.claim_id = claim_id
        self._hide_problem()
        self.load()

    def _claims_changed(self, ids) -> None:
        if self.claim_id is not None and (not ids or self.claim_id in ids):
            self.load(keep_edits=True)

    def _claim(self) -> Claim | None:
        if self.claim_id is None:
            return None
        return Claim.get_or_none(Claim.id == self.claim_id)

    def load(self, keep_edits: bool = False) -> None:
        claim = self._claim()
        editable = claim is not None and claim.deleted_at is None and not getattr(self.window, "read_only", False)
        dirty = keep_edits and self.is_dirty()
        self._clear_moves()
        if claim is None:
            self.status_label.setText("")
            self.status_label.setStyleSheet("")
            self._loaded = (None, "")
            self._set_verdict_widgets(None, "")
            self.setEnabled(False)
            return
        self.setEnabled(True)
        colour = workflow.colour("status", claim.status)
        self.status_label.setText(workflow.label("status", claim.status))
        self.status_label.setStyleSheet(
            f"QLabel {{ background: {colour}; color: white; border-radius: 3px; padding: 2px 8px; }}"
        )
        for n, target in enumerate(workflow.allowed_transitions(claim.status)):
            button = QPushButton(VERB.get(target, workflow.label("status", target)))
            button.setToolTip(f"Move to {workflow.label('status', target)}")
            button.setEnabled(editable)
            button.clicked.connect(lambda _=False, t=target: self.move_to(t))
            self.moves.addWidget(button, n // 2, n % 2)
            self.move_buttons[target] = button
        self._loaded = (claim.verdict, claim.verdict_explanation)
        if not dirty:
            self._set_verdict_widgets(claim.verdict, claim.verdict_explanation)
        verdict_open = editable and claim.status not in ("final", "cancelled")
        self.verdict_combo.setEnabled(verdict_open)
        self.explanation.setReadOnly(not verdict_open)
        self._update_dirty()

    def _clear_moves(self) -> None:
        for button in self.move_buttons.values():
            self.moves.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.move_buttons = {}

    def _set_verdict_widgets(self, verdict, explanation) -> None:
        self.verdict_combo.blockSignals(True)
        self.explanation.blockSignals(True)
        self.verdict_combo.setCurrentIndex(max(0, self.verdict_combo.findData(verdict)))
        self.explanation.setPlainText(explanation or "")
        self.verdict_combo.blockSignals(False)
        self.explanation.blockSignals(False)
        self._update_dirty()

    def offered_transitions(self) -> list[str]:
        return list(self.move_buttons)

    # -- verdict -----------------------------------------------------------------

    def edited_verdict(self) -> tuple[str | None, str]:
        return self.verdict_combo.currentData(), self.explanation.toPlainText().strip()

    def is_dirty(self) -> bool:
        return self.claim_id is not None and self.edited_verdict() != (self._loaded[0], self._loaded[1] or "")

    def _update_dirty(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty and self.verdict_combo.isEnabled())
        self.revert_button.setEnabled(dirty)

    def _writable(self) -> bool:
        return not getattr(self.window, "read_only", False)

    def save_verdict(self) -> bool:
        claim = self._claim()
        if claim is None or not self.is_dirty() or not self._writable():
            return False
        verdict, explanation = self.edited_verdict()
        preferences.ask_checker_name(self)
        old = (claim.verdict, claim.verdict_explanation)
        try:
            services.set_verdict(claim.id, verdict, explanation)
        except WorkflowError as exc:
            self._show_problem(exc)
            return False
        except ClaimlogError as exc:
            show_problem(self, "Verdict not saved", str(exc))
            return False
        stored = Claim.get_by_id(claim.id)
        self._push(SetVerdictCommand(self.window, claim.id, old, (stored.verdict, stored.verdict_explanation)))
        return True

    # -- status ------------------------------------------------------------------

    def move_to(self, new_status: str) -> bool:
        claim = self._claim()
        if claim is None or not self._writable():
            return False
        self._hide_problem()
        problem = transition_problem(claim, new_status, reason="-")  # the reason is asked below
        if problem is not None:
            self._show_problem(problem)
            return False
        reason = ""
        if workflow.needs_reason(claim.status, new_status):
            reason = ask_reason(self, claim.status, new_status)
            if reason is None:
                return False
            if not reason.strip():
                self._show_problem(transition_problem(claim, new_status, ""))
                return False
        preferences.ask_checker_name(self)
        old, old_finalised = claim.status, claim.finalised_at
        try:
            services.set_status(claim.id, new_status, reason=reason)
        except WorkflowError as exc:
            self._show_problem(exc)
            return False
        except ClaimlogError as exc:
            show_problem(self, "Status not changed", str(exc))
            return False
        self._push(SetStatusCommand(self.window, claim.id, old, new_status, reason, old_finalised))
        return True

    def _push(self, command: QUndoCommand) -> None:
        self.window.undo_stack.push(command)
        self.window.signals.claims_changed.emit([self.claim_id])

    # -- gate messages -------------------------------------------------------------

    def _show_problem(self, exc: WorkflowError) -> None:
        missing = getattr(exc, "missing", ()) or ()
        text = exc.message if hasattr(exc, "message") else str(exc)
        text = text[0].upper() + text[1:]
        if "evidence" in missing and link_source_action(self.window) is None:
            text += " Link one in the claim's sources section."
        self.problem_label.setText(text)
        self.problem_label.show()
        self.go_verdict.setVisible("verdict" in missing)
        self.go_source.setVisible("evidence" in missing)

    def _hide_problem(self) -> None:
        self.problem_label.hide()
        self.problem_label.setText("")
        self.go_verdict.hide()
        self.go_source.hide()

    def problem_text(self) -> str:
        return self.problem_label.text() if not self.problem_label.isHidden() else ""

    def focus_verdict(self) -> None:
        self.verdict_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def link_source(self) -> bool:
        action = link_source_action(self.window)
        if action is None or not action.isEnabled():
            self.problem_label.setText(
                self.problem_label.text() + " (No link action is available here; use the claim's sources section.)"
            )
            return False
        action.trigger()
        return True


def install(window) -> None:
    control = StatusControl(window)
    window.detail.add_section("status", "Status and verdict", control)
    window.status_control = control
