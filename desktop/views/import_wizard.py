"""File > Import...: pick a claims CSV or package, see what would happen, confirm.

Page 1 picks the file. "Check" reads and validates the whole file and plans
the merge off the GUI thread (the dry run); page 2 shows the summary (added,
updated, kept, in conflict, unchanged) and a table of every problem (file,
row, column, message) or, when there is none, of the conflicts. "Import" is
enabled only for a file without problems; it runs off the GUI thread in one
transaction with progress and Cancel, and a cancel rolls everything back.

Tests drive ``ImportWizard`` directly; ``open_import_wizard(window)`` is the
patchable entry point and ``choose_file`` wraps the file dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.exchange import importer
from desktop.exchange.csvcodec import Cancelled, Problem
from desktop.views import worker

CHECK_TITLE = "Checking the file"
IMPORT_TITLE = "Importing"


def choose_file(parent, start: str) -> str:
    """Ask which file to import (patched in tests)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Import claims", start,
                                          "Claims CSV or package (*.csv *.zip);;All files (*)")
    return path


class ProblemsModel(QAbstractTableModel):
    """Rows of (file, row, column, message): the problems, or the conflicts."""

    HEADERS = ("File", "Row", "Column", "Message")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[tuple[str, str, str, str]] = []

    def set_items(self, items: list[Problem]) -> None:
        self.beginResetModel()
        self._rows = [(p.file, "" if p.row is None else str(p.row), p.column, p.message) for p in items]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        value = self._rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


def _conflict_items(plan: importer.Plan) -> list[Problem]:
    name = "claims.csv" if plan.incoming.kind == "package" else plan.incoming.file
    out = []
    for row in plan.rows(importer.CONFLICT):
        text = " ".join(row.values["text"].split())
        out.append(Problem(name, row.row, "updated_at",
                           "in conflict: changed here and in the file since the last exchange; the copy here "
                           f"will be kept ({text[:80]})"))
    return out


class ImportWizard(QDialog):
    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window_ = window
        self.plan: importer.Plan | None = None
        self.result = None
        self.task = None
        self.setWindowTitle("Import claims")

        # page 1: the file
        first = QWidget()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("a claims .csv or a package .zip")
        self.path_edit.setMinimumWidth(380)
        browse = QPushButton("Browse\u2026")
        browse.clicked.connect(self.browse)
        path_row = QWidget()
        row = QHBoxLayout(path_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form = QFormLayout(first)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("File:", path_row)
        intro = QLabel("The whole file is checked first; nothing changes until you confirm on the next page. "
                       "If the file has any problem, nothing of it is imported.")
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        form.addRow(intro)

        # page 2: the dry run
        second = QWidget()
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.problems_model = ProblemsModel(self)
        self.table = QTableView()
        self.table.setModel(self.problems_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        page2 = QVBoxLayout(second)
        page2.addWidget(self.summary)
        page2.addWidget(self.table, 1)
        page2.addStretch(0)

        self.pages = QStackedWidget()
        self.pages.addWidget(first)
        self.pages.addWidget(second)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)

        self.back_button = QPushButton("< Back")
        self.check_button = QPushButton("Check file")
        self.import_button = QPushButton("Import")
        self.close_button = QPushButton("Cancel")
        self.check_button.setDefault(True)
        self.back_button.clicked.connect(self.back)
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.check_button, self.import_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._show_page(0)
        self.resize(760, 460)

    def _show_page(self, n: int) -> None:
        self.pages.setCurrentIndex(n)
        self.back_button.setVisible(n == 1)
        self.check_button.setVisible(n == 0)
        self.import_button.setVisible(n == 1)
        self.import_button.setEnabled(n == 1 and self.can_import())

    def can_import(self) -> bool:
        return self.plan is not None and self.plan.ok and not getattr(self.window_, "read_only", False)

    def browse(self) -> None:
        start = self.path_edit.text().strip() or str(Path.home())
        path = choose_file(self, start)
        if path:
            self.path_edit.setText(path)
            self.check()

    def back(self) -> None:
        self.plan = None
        self.message.clear()
        self._show_page(0)

    # -- the dry run ----------------------------------------------------------
    def check(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            self.message.setText("Choose a file first.")
            return
        if not Path(path).is_file():
            self.message.setText(f"There is no file {path}.")
            return
        self.check_button.setEnabled(False)
        self.message.setText("Checking\u2026")
        self.task = worker.run_task(self, check_file, path, on_done=self._checked, on_error=self._check_failed,
                                    progress_title=CHECK_TITLE, cancellable=True)

    def _checked(self, plan: importer.Plan) -> None:
        self.check_button.setEnabled(True)
        self.plan = plan
        self.message.clear()
        if plan.problems:
            n = len(plan.problems)
            self.summary.setText(f"{plan.incoming.file} cannot be imported: {n:,} problem(s), listed below with "
                                 "their row and column. Nothing will be imported until the file is corrected.")
            self.problems_model.set_items(plan.problems)
        else:
            notes = "".join(f"\n{note}" for note in plan.incoming.notes)
            self.summary.setText(f"{plan.incoming.file}: {plan.summary()}.{notes}")
            conflicts = _conflict_items(plan)
            self.problems_model.set_items(conflicts)
            self.summary.setText(self.summary.text() + ("\nThe conflicts are listed below." if conflicts else
                                                        "\nNo problems and no conflicts."))
            if getattr(self.window_, "read_only", False):
                self.message.setText("This database is open read-only; nothing can be imported.")
        self.table.setVisible(self.problems_model.rowCount() > 0)
        self._show_page(1)

    def _check_failed(self, exc) -> None:
        self.check_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.message.setText("Check cancelled.")
        else:
            self.message.setText(f"The file could not be checked: {exc}")

    # -- the import -----------------------------------------------------------
    def start_import(self) -> None:
        if not self.can_import():
            return
        self.import_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.message.setText("Importing\u2026")
        who = None
        try:
            from desktop.views.preferences import checker_name

            who = checker_name() or None
        except ImportError:  # pragma: no cover
            pass
        self.task = worker.run_task(self, import_incoming, self.plan.incoming, who, on_done=self._imported,
                                    on_error=self._import_failed, progress_title=IMPORT_TITLE, cancellable=True)

    def _imported(self, result) -> None:
        self.result = result
        self.back_button.setEnabled(True)
        text = f"Imported: {result.summary()}."
        self.message.setText(text)
        bar = getattr(self.window_, "statusBar", None)
        if callable(bar):
            bar().showMessage(text, 10000)
        signals = getattr(self.window_, "signals", None)
        if signals is not None:
            signals.database_replaced.emit()
        self.accept()

    def _import_failed(self, exc) -> None:
        self.back_button.setEnabled(True)
        self.import_button.setEnabled(self.can_import())
        from desktop.services.exchange import ImportRejected

        if isinstance(exc, Cancelled):
            self.message.setText("Import cancelled; nothing was changed.")
        elif isinstance(exc, ImportRejected):
            self.problems_model.set_items(exc.problems)
            self.message.setText("The database changed since the check; the file now has problems. "
                                 "Nothing was imported.")
        else:
            self.message.setText(f"The import failed and nothing was changed: {exc}")


def check_file(path, progress=None) -> importer.Plan:
    """The dry run (worker thread): read, validate, plan; writes nothing. Cancel is honoured between steps."""
    def step(done: int) -> None:
        if progress is not None and progress(done, 3) is False:
            raise Cancelled()

    step(0)
    incoming = importer.read_file(path)
    step(1)
    plan = importer.plan(incoming)
    step(3)
    return plan


def import_incoming(incoming, who, progress=None):
    from desktop.services.exchange import apply_import

    return apply_import(incoming, who=who, progress=progress)


def open_import_wizard(window) -> ImportWizard:
    wizard = ImportWizard(window)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.show()
    return wizard


def install(window) -> None:
    action = QAction("&Import\u2026", window)
    action.setStatusTip("Import a claims CSV or a package, checked first")
    action.triggered.connect(lambda: open_import_wizard(window))
    window.import_action = action
    window.edit_actions.append(action)
    if getattr(window, "read_only", False):
        action.setEnabled(False)
    menu = window.menus["file"]
    before = getattr(window, "export_action", None) or getattr(window, "quit_action", None)
    if before is not None:
        menu.insertAction(before, action)
    else:
        menu.addAction(action)
