"""Tools > Backups...: list the backups with dates and sizes, back up now, restore one.

Restoring closes the window's connection, keeps the current file aside
(``<name>.replaced-<time>``, with its -wal/-shm), copies the verified backup
into place, reopens it and emits ``window.signals.database_replaced`` so that
every view re-reads; the person is told what was restored, from when, and
where the replaced file went.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desktop import backups
from desktop import db as dbmod
from desktop.errors import ClaimlogError
from desktop.views.application import show_message  # patchable here too: tests replace this name

log = logging.getLogger(__name__)

KIND_LABELS = {"rotating": "Automatic or manual", "before-migration": "Before a schema upgrade", "other": "Other"}


# Patchable entry points (tests replace these; nothing modal is left to block).
def confirm_restore(parent, info: backups.BackupInfo) -> bool:
    answer = QMessageBox.question(
        parent, "Restore this backup?",
        f"Replace the database with the backup of {info.taken_at:%Y-%m-%d %H:%M}?\n\n"
        "The current file is not deleted: it is kept beside the database as a '.replaced' copy.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes




def _human_size(size: int) -> str:
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            return f"{size / factor:,.1f} {unit}"
    return f"{size:,} bytes"


class BackupsDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Backups")
        self.db_path = Path(window.database.path)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Taken", "Kind", "Size", "File"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.backup_button = QPushButton("Back up now")
        self.restore_button = QPushButton("Restore\u2026")
        buttons.addButton(self.backup_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button.clicked.connect(self.restore_selected)
        layout.addWidget(buttons)
        self.backups: list[backups.BackupInfo] = []
        self.task = None
        self.busy = False
        self.resize(760, 420)
        self.refresh()

    # ----- listing
    def refresh(self) -> None:
        self.db_path = Path(self.window_.database.path)
        self.backups = backups.list_backups(self.db_path)
        self.intro.setText(
            f"Backups of {self.db_path.name} are kept in {backups.backups_folder(self.db_path)}. "
            "A verified backup is taken automatically at most once a day when something changed, "
            "and always before a schema upgrade; daily ones are kept for a week, weekly ones for a month.")
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            cells = [f"{info.taken_at:%Y-%m-%d %H:%M:%S}", KIND_LABELS.get(info.kind, info.kind),
                     _human_size(info.size), info.path.name]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        if self.backups:
            self.table.selectRow(0)
        else:
            self.status.setText("There are no backups yet.")
        self._update_buttons()

    def selected(self) -> backups.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        read_only = bool(getattr(self.window_, "read_only", False))
        busy = self.busy
        self.restore_button.setEnabled(not read_only and not busy and self.selected() is not None)
        self.backup_button.setEnabled(not busy)
        if read_only:
            self.restore_button.setToolTip("The database is open read-only: it cannot be replaced from here.")

    # ----- back up now
    def back_up_now(self) -> None:
        from desktop.views.worker import run_task

        self.status.setText("Backing up\u2026")
        self.busy = True
        self._update_buttons()
        # (the callbacks may run before run_task returns when the worker is synchronous)
        self.task = run_task(self, _backup_job, self.db_path, on_done=self._backed_up, on_error=self._backup_failed)

    def _backed_up(self, info) -> None:
        self.busy = False
        self.refresh()
        self.status.setText(f"Backed up to {info.path.name} ({_human_size(info.size)}, verified).")

    def _backup_failed(self, exc) -> None:
        self.busy = False
        self._update_buttons()
        self.status.setText(f"The backup failed: {exc}")
        show_message(self, "Backup failed", str(exc), warning=True)

    # ----- restore
    def restore_selected(self) -> None:
        info = self.selected()
        if info is None or not self.restore_button.isEnabled():
            return
        if not confirm_restore(self, info):
            return
        message = restore_into_window(self.window_, info.path)
        if message is not None:
            self.refresh()
            self.status.setText(message)


def _backup_job(db_path: Path):
    reader = dbmod.connect(db_path, readonly=True)
    try:
        reader.connect()
        return backups.backup_now(reader, db_path)
    finally:
        reader.close()


def restore_into_window(window, backup_path: Path) -> str | None:
    """Restore ``backup_path`` over the window's database and reopen it; return the message shown."""
    db_path = Path(window.database.path)
    try:
        backups.verify_backup(backup_path)  # refuse early, before closing anything
    except ClaimlogError as exc:
        show_message(window, "Backup not restored", str(exc), warning=True)
        return None
    dbmod.close_database(window.database)
    error = None
    result = None
    try:
        result = backups.restore_backup(db_path, backup_path)
    except ClaimlogError as exc:
        error = str(exc)
    except OSError as exc:
        error = f"{exc.filename or db_path}: {exc.strerror or exc}"
    try:
        database, _report = dbmod.open_checked(db_path)
    except ClaimlogError as exc:
        show_message(window, "Cannot reopen the database",
                     f"{exc}\n\nClose Claimlog and start it again to choose what to do.", warning=True)
        return None
    window.database = database
    session = getattr(window, "session", None)
    if session is not None:
        session.database = database
    if hasattr(window, "undo_stack"):
        window.undo_stack.clear()  # the commands refer to rows of the replaced file
    window.signals.database_replaced.emit()
    if error is not None:
        show_message(window, "Backup not restored", f"{error}\n\nThe database was left as it was.", warning=True)
        return None
    message = result.message
    show_message(window, "Backup restored", message)
    return message


def open_backups_dialog(window) -> BackupsDialog:
    dialog = BackupsDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def install(window) -> None:
    action = QAction("&Backups\u2026", window)
    action.setStatusTip("List the backups of this database, back up now, or restore one")
    action.triggered.connect(lambda: open_backups_dialog(window))
    window.menus["tools"].addAction(action)
    window.backups_action = action
