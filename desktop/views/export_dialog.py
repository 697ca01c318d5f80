"""File > Export...: claims CSV, package or ClaimReview, for all claims, the filter or the selection.

The export runs off the GUI thread (``worker.run_task``) with progress and
Cancel; a cancelled or failed export leaves no file behind (the exporters
write to a temporary file and rename it into place). After a CSV or package
export the database notes the exchange (``services.exchange.mark_exported``)
unless the window is read-only.

Tests drive ``ExportDialog`` directly; ``open_export_dialog(window)`` is the
patchable entry point and ``choose_path`` wraps the file dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop import search
from desktop.exchange import cli_export
from desktop.exchange.csvcodec import Cancelled
from desktop.views import worker

FORMATS = [
    ("csv", "Claims CSV (.csv): one row per claim, for colleagues and spreadsheets", ".csv",
     "CSV files (*.csv)"),
    ("package", "Package (.zip): everything, lossless, for another Claimlog", ".zip", "Claimlog packages (*.zip)"),
    ("claimreview", "ClaimReview JSON-LD (.json): published verdicts", ".json", "JSON-LD (*.json *.jsonld)"),
]
EXCEL_NOTE = (
    "Opening the CSV in Excel: do not double-click the file, or Excel may turn dates and long numbers into "
    "something else. Use Data > From Text/CSV (Get Data), choose the file, then Transform Data and set the "
    "columns to Text before loading. LibreOffice asks in its import dialog: set the column type to Text."
)
PROGRESS_TITLE = "Exporting claims"


def desk_name() -> str:
    try:
        from desktop.views.preferences import desk_name as read

        return read()
    except ImportError:  # pragma: no cover - preferences is always there in this build
        return str(QSettings("Claimlog", "Claimlog").value("desk/name", "") or "")


def choose_path(parent, fmt: str, suggested: str) -> str:
    """Ask where to save (patched in tests)."""
    for key, _label, _suffix, pattern in FORMATS:
        if key == fmt:
            path, _ = QFileDialog.getSaveFileName(parent, "Export to", suggested, pattern)
            return path
    return ""


class ExportDialog(QDialog):
    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window_ = window
        self.task = None
        self.result = None
        self.setWindowTitle("Export claims")
        flt = window.current_filter()
        selected = list(window.selected_claim_ids())
        self.filters = {
            "all": search.ClaimFilter(sort=flt.sort, descending=flt.descending),
            "filter": flt,
            "selection": search.ClaimFilter(ids=frozenset(selected), trash=flt.trash, sort=flt.sort,
                                            descending=flt.descending),
        }
        counts = {"all": search.count_claims(self.filters["all"]), "filter": search.count_claims(flt),
                  "selection": len(selected)}

        scope_box = QWidget()
        scope_layout = QVBoxLayout(scope_box)
        scope_layout.setContentsMargins(0, 0, 0, 0)
        self.scope_group = QButtonGroup(self)
        self.scope_buttons: dict[str, QRadioButton] = {}
        for key, label in (("all", "All claims"), ("filter", "Claims matching the current filter"),
                           ("selection", "Selected claims")):
            button = QRadioButton(f"{label} ({counts[key]:,})")
            button.setEnabled(counts[key] > 0 or key == "all")
            self.scope_group.addButton(button)
            self.scope_buttons[key] = button
            scope_layout.addWidget(button)
        default = "selection" if len(selected) > 1 else ("filter" if not flt.is_default else "all")
        self.scope_buttons[default].setChecked(True)

        self.format_box = QComboBox()
        for key, label, _suffix, _pattern in FORMATS:
            self.format_box.addItem(label, key)
        self.confidential = QCheckBox("Include confidential sources (withheld by default)")
        self.author = QLineEdit(desk_name())
        self.author.setPlaceholderText("the desk publishing the fact-checks")
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("where to save the file")
        self.path_edit.setMinimumWidth(360)
        browse = QPushButton("Browse\u2026")
        browse.clicked.connect(self.browse)
        path_row = QWidget()
        row = QHBoxLayout(path_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Claims:", scope_box)
        form.addRow("Format:", self.format_box)
        form.addRow("Sources:", self.confidential)
        form.addRow("Author (desk):", self.author)
        form.addRow("File:", path_row)

        self.note = QLabel(EXCEL_NOTE)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.resize(620, self.sizeHint().height())

    # -- state -------------------------------------------------------------
    def fmt(self) -> str:
        return self.format_box.currentData()

    def scope(self) -> str:
        for key, button in self.scope_buttons.items():
            if button.isChecked():
                return key
        return "all"

    def set_scope(self, key: str) -> None:
        self.scope_buttons[key].setChecked(True)

    def set_format(self, fmt: str) -> None:
        self.format_box.setCurrentIndex(self.format_box.findData(fmt))

    def _format_changed(self) -> None:
        fmt = self.fmt()
        self.confidential.setEnabled(fmt != "claimreview")
        self.author.setEnabled(fmt == "claimreview")
        self.note.setVisible(fmt == "csv")
        path = self.path_edit.text().strip()
        suffix = next(s for k, _l, s, _p in FORMATS if k == fmt)
        if path:
            self.path_edit.setText(str(Path(path).with_suffix(suffix)))

    def browse(self) -> None:
        suffix = next(s for k, _l, s, _p in FORMATS if k == self.fmt())
        folder = Path(getattr(self.window_, "database", None).path).parent if hasattr(
            getattr(self.window_, "database", None), "path") else Path.home()
        current = self.path_edit.text().strip() or str(folder / f"claims{suffix}")
        path = choose_path(self, self.fmt(), current)
        if path:
            if not Path(path).suffix:
                path += suffix
            self.path_edit.setText(path)

    # -- running -------------------------------------------------------------
    def start(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            self.message.setText("Choose where to save the file first.")
            return
        if not Path(path).parent.is_dir():
            self.message.setText(f"The folder {Path(path).parent} does not exist.")
            return
        fmt, flt = self.fmt(), self.filters[self.scope()]
        record = not getattr(self.window_, "read_only", False)
        self.export_button.setEnabled(False)
        self.message.setText("Exporting\u2026")
        self.task = worker.run_task(
            self, run_export, fmt, path, flt, self.confidential.isChecked(), self.author.text().strip(), record,
            on_done=self._done, on_error=self._failed, progress_title=PROGRESS_TITLE, cancellable=True,
        )

    def _done(self, outcome) -> None:
        result, warning = outcome
        self.result = result
        what = "reviews" if self.fmt() == "claimreview" else "claims"
        text = f"{result.claims:,} {what} exported to {result.path}."
        if warning:
            text += " " + warning
        bar = getattr(self.window_, "statusBar", None)
        if callable(bar):
            bar().showMessage(text, 10000)
        self.message.setText(text)
        self.export_button.setEnabled(True)
        self.accept()

    def _failed(self, exc) -> None:
        self.export_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.message.setText("Export cancelled; no file was written.")
        elif isinstance(exc, OSError):
            self.message.setText(f"The file could not be written: {exc.strerror or exc}. Nothing was saved.")
        else:
            self.message.setText(f"The export failed: {exc}")


def run_export(fmt, path, flt, include_confidential, author, record, progress=None):
    """The worker's job: export, then (CSV and package) note the exchange."""
    result = cli_export.export(fmt, path, flt, include_confidential, author, progress)
    warning = cli_export.record_sync(fmt, flt, result) if record else ""
    return result, warning


def open_export_dialog(window) -> ExportDialog:
    dialog = ExportDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def install(window) -> None:
    action = QAction("&Export\u2026", window)
    action.setStatusTip("Write claims to a CSV file, a package or ClaimReview JSON-LD")
    action.triggered.connect(lambda: open_export_dialog(window))
    window.export_action = action
    menu = window.menus["file"]
    before = getattr(window, "quit_action", None)
    if before is not None:
        menu.insertAction(before, action)
        menu.insertSeparator(before)
    else:
        menu.addAction(action)
