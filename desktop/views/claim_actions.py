"""The Claim menu: new, edit, move to the trash, restore, empty the trash.

``install(window)`` adds the actions to ``window.menus["claim"]`` (and to
``window.toolbar`` when the window has one) and to ``window.edit_actions`` so
read-only mode disables them. Enter and Del act on the claims table only
(``window.claims_view``, attached as soon as it exists), so they never steal
keys from a text field. Trash and restore go through undo commands.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMessageBox

from desktop import services
from desktop.errors import ClaimlogError
from desktop.models import Claim
from desktop.views import claim_form, commands


def _status(window, message: str) -> None:
    bar = getattr(window, "statusBar", None)
    if callable(bar):
        bar().showMessage(message, 6000)


def _selected(window) -> list[int]:
    ids = list(window.selected_claim_ids() or [])
    if not ids and window.current_claim_id() is not None:
        ids = [window.current_claim_id()]
    return ids


def new_claim(window) -> None:
    claim_form.open_claim_dialog(window)


def edit_claim(window) -> None:
    claim_id = window.current_claim_id()
    if claim_id is None:
        ids = _selected(window)
        claim_id = ids[0] if ids else None
    if claim_id is None:
        _status(window, "Select a claim to edit.")
        return
    claim_form.open_claim_dialog(window, claim_id)


def _move(window, command_class, verb: str) -> None:
    ids = _selected(window)
    if not ids:
        _status(window, f"Select the claims to {verb}.")
        return
    command = command_class(ids, window.signals)
    try:
        commands.run(command, window.undo_stack)
    except ClaimlogError as exc:
        QMessageBox.warning(window, "Nothing changed", str(exc))
        return
    if command.is_noop():
        where = "already in the trash" if command.to_trash else "not in the trash"
        _status(window, f"The selected claims are {where}.")
    else:
        _status(window, f"{command.text()} (Ctrl+Z to undo).")


def trash_selected(window) -> None:
    _move(window, commands.TrashClaimsCommand, "move to the trash")


def restore_selected(window) -> None:
    _move(window, commands.RestoreClaimsCommand, "restore")


def empty_trash(window) -> None:
    count = Claim.select().where(Claim.deleted_at.is_null(False)).count()
    if not count:
        _status(window, "The trash is empty.")
        return
    noun = "claim" if count == 1 else "claims"
    answer = QMessageBox.question(
        window, "Empty the trash",
        f"Delete the {count:,} {noun} in the trash for good, with their evidence links and history?\n\n"
        "This cannot be undone.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return
    try:
        purged = services.empty_trash()
    except ClaimlogError as exc:
        QMessageBox.warning(window, "The trash was not emptied", str(exc))
        return
    window.signals.claims_removed.emit([])
    _status(window, f"Deleted {purged:,} {'claim' if purged == 1 else 'claims'} for good.")


class _CloseGuard(QObject):
    """Before the window closes, each open claim form with unsaved changes asks."""

    def eventFilter(self, watched, event) -> bool:
        if isinstance(event, QCloseEvent) and watched.isVisible():
            for dialog in claim_form.open_dialogs(watched):
                if not dialog.close():
                    event.ignore()
                    return True
        return False


def _attach_view(window, edit: QAction, trash: QAction) -> bool:
    view = getattr(window, "claims_view", None)
    if view is None or getattr(view, "_claim_actions_attached", False):
        return view is not None
    for action in (edit, trash):
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        view.addAction(action)
    view.doubleClicked.connect(lambda _index: edit_claim(window))
    view._claim_actions_attached = True
    return True


def install(window) -> None:
    def action(text, slot, shortcuts=(), tip=""):
        act = QAction(text, window)
        act.setShortcuts([QKeySequence(s) for s in shortcuts])
        act.setStatusTip(tip)
        act.triggered.connect(lambda: slot(window))
        return act

    new = action("&New claim\u2026", new_claim, [QKeySequence.StandardKey.New], "Log a new claim")
    edit = action("&Edit claim\u2026", edit_claim, ["Return", "Enter"], "Edit the selected claim")
    trash = action("&Delete to trash", trash_selected, [QKeySequence.StandardKey.Delete],
                   "Move the selected claims to the trash (undo with Ctrl+Z)")
    restore = action("&Restore from trash", restore_selected, [], "Bring the selected claims back from the trash")
    empty = action("E&mpty trash\u2026", empty_trash, [], "Delete every claim in the trash for good")
    # Until the table exists, Enter has no shortcut (it would steal it from
    # text fields); Del is safe window-wide since text fields claim it first.
    edit.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    window.claim_actions = {"new": new, "edit": edit, "trash": trash, "restore": restore, "empty_trash": empty}

    menu = window.menus["claim"]
    menu.addActions([new, edit])
    menu.addSeparator()
    menu.addActions([trash, restore, empty])
    toolbar = getattr(window, "toolbar", None)
    if toolbar is not None:
        toolbar.addActions([new, edit, trash])
    window.edit_actions.extend([new, edit, trash, restore, empty])
    if getattr(window, "read_only", False):
        for act in (new, edit, trash, restore, empty):
            act.setEnabled(False)

    if not _attach_view(window, edit, trash):
        QTimer.singleShot(0, window, lambda: _attach_view(window, edit, trash))
    window._claim_close_guard = _CloseGuard(window)
    window.installEventFilter(window._claim_close_guard)
