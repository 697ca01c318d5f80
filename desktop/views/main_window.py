"""The main window: the claims workspace, and a frame that feature modules plug into.

Extension points (stable; feature modules use only these):
- ``window.database``: the open Peewee database; ``window.signals``: DataSignals;
- ``window.undo_stack``: QUndoStack shared by every undoable command;
- ``window.menus``: QMenus by key: file, edit, claim, view, tools, help;
- ``window.add_page(key, widget, title)``: a page in the central tabs;
- ``window.detail.add_section(key, title, widget)``: a section of the claim
  detail pane; ``widget.set_claim(claim_id_or_None)`` is called on selection;
- ``window.current_claim_id()``, ``window.selected_claim_ids()``,
  ``window.current_filter()`` (a ``search.ClaimFilter``);
- ``window.set_read_only(bool)``: banner and disabled edit actions;
- ``window.edit_actions``: actions disabled when read-only;
- ``window.claims_view`` (the claims QTableView), ``window.claims_model``,
  ``window.reload()`` (re-read everything), ``window.apply_search(text)``,
  ``window.when_ready(callback)`` (after the first page of rows is painted),
  ``window.when_complete(callback)`` (after every feature module is installed).

Each feature module defines ``install(window)`` and is listed in ``FEATURES``.
A window built with ``staged=True`` (the application's) paints its first page
of claims before it imports and installs them: they add tabs, menus and
detail sections one event-loop turn after the rows are on screen, which takes
about a fifth off the time from launch to the first painted page.

Views emit ``window.signals`` after a write; the claims table updates the
affected rows in place and the detail pane re-reads the current claim.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from PySide6 import QtWidgets  # dialogs by module: their classes are made when first used
from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.claim_filter import ClaimFilter, highlight_terms
from desktop.views.claims_page import ClaimsPage
from desktop.views.signals import DataSignals

log = logging.getLogger(__name__)

# Feature modules, installed in this order; each has install(window).
FEATURES: list[str] = [
    "desktop.views.preferences",
    "desktop.views.status_control",
    "desktop.views.history_panel",
    "desktop.views.dashboard",
    "desktop.views.claim_actions",
    "desktop.views.bulk_dialog",
    "desktop.views.sources_page",
    "desktop.views.evidence_panel",
    "desktop.views.backups_dialog",
    "desktop.views.export_dialog",
    "desktop.views.import_wizard",
]

MAX_RECENT = 8
FEATURES_LATEST_MS = 1000  # a staged window that is never painted installs its features after this
_open_windows: list["MainWindow"] = []  # windows opened by "Open database..."


def settings() -> QSettings:
    return QSettings("Claimlog", "Claimlog")


class DetailPane(QScrollArea):
    """The selected claim's details, in sections that feature modules add."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.addStretch(1)
        self.setWidget(body)
        self.sections: dict[str, QWidget] = {}
        self._claim_id: int | None = None

    def add_section(self, key: str, title: str, widget: QWidget) -> None:
        heading = QLabel(title)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        index = self._layout.count() - 1
        self._layout.insertWidget(index, heading)
        self._layout.insertWidget(index + 1, widget)
        self.sections[key] = widget
        if hasattr(widget, "set_claim"):
            widget.set_claim(self._claim_id)

    def claim_id(self) -> int | None:
        return self._claim_id

    def set_claim(self, claim_id: int | None) -> None:
        self._claim_id = claim_id
        for widget in self.sections.values():
            if hasattr(widget, "set_claim"):
                widget.set_claim(claim_id)
        # The sections' minimum width may have changed (a long unbroken address, more
        # status moves); the splitter enforces an explicit minimum, not a hint.
        self.widget().layout().activate()
        self.setMinimumWidth(self.minimumSizeHint().width())

    def minimumSizeHint(self) -> QSize:
        """As wide as the sections need: a scroll area asks for almost nothing, so the
        splitter would squeeze it into a horizontal scrollbar and clipped buttons."""
        hint = super().minimumSizeHint()
        needed = (self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
                  + 2 * self.frameWidth())
        return QSize(max(hint.width(), needed), hint.height())


class MainWindow(QMainWindow):
    # False for --screenshot: a rendering must not depend on (or change) the
    # layout someone left in their settings.
    remember_layout = True

    def __init__(self, database, parent=None, *, staged: bool = False, opening_page=None):
        """``opening_page`` (with ``database`` None): a large file's first page read ahead
        (``desktop.opening``). The window shows it and reads nothing until ``attach(database)``:
        the application opens the file once this page is painted."""
        super().__init__(parent)
        self.database = database
        self.path = Path(database.path if database is not None else opening_page.path)
        self.claim_details = None  # the "Claim" section of the detail pane, made once the database is open
        self.signals = DataSignals(self)
        self.undo_stack = QUndoStack(self)
        self.read_only = False
        self.edit_actions: list[QAction] = []
        self._ready_callbacks: list = []
        self._complete_callbacks: list = []
        self.features_installed = False
        self._staged = staged
        self._read_only_reason = ""
        self.setWindowTitle(f"Claimlog \u2014 {self.path.name}")

        self.tabs = QTabWidget()
        self.detail = DetailPane()
        self.detail.setMinimumWidth(260)
        self.splitter = QSplitter()
        self.splitter.setObjectName("main_splitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("background: #8a5a00; color: white; padding: 4px 8px;")
        self.banner.hide()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.pages: dict[str, QWidget] = {}
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.count_label)

        self.claims_page = ClaimsPage(self, opening_page=opening_page)
        self.claims_view = self.claims_page.view
        self.claims_model = self.claims_page.model
        self.filter_bar = self.claims_page.filter_bar
        self.add_page("claims", self.claims_page, "Claims")
        if database is not None:
            self._add_claim_details()
        self._build_menus()
        self._connect()
        self._show_count()
        if not staged:
            self.detail.set_claim(self.current_claim_id())
        self.restore_settings()
        if self.remember_layout:
            remember_recent(self.path)
        if staged:
            # After the first painted page; or, for a window that is never shown, after a second.
            QTimer.singleShot(FEATURES_LATEST_MS, self, self.install_features)
        else:
            self.install_features()

    def _add_claim_details(self) -> None:
        from desktop.views.claim_details import ClaimDetails

        self.claim_details = ClaimDetails()
        self.claim_details.set_terms(highlight_terms(self.current_filter().text))
        self.detail.add_section("claim", "Claim", self.claim_details)
        if self._staged:  # a staged window fills the detail pane with the features, after the rows
            self.claim_details.placeholder.hide()  # blank until then, not "Select a claim"

    @property
    def attached(self) -> bool:
        """Whether the window reads from its database (False while it shows a page read ahead)."""
        return self.database is not None

    def attach(self, database) -> None:
        """The file whose first page this window shows is open: read from it from now on.

        The tag list, the claim section of the detail pane and the table's count follow;
        a staged window installs its features next, if its rows are already painted.
        """
        if self.database is not None:
            return
        self.database = database
        self._add_claim_details()
        self.claims_page.attach()
        self._show_count()
        if self.read_only:
            self.set_read_only(True, self._read_only_reason)
        if self._staged and self.claims_page.painted and not self.features_installed:
            QTimer.singleShot(0, self.install_features)

    def install_features(self) -> None:
        """Import and install every module in FEATURES (once; after ``attach`` for a window that waits for it)."""
        if self.features_installed or self.database is None:
            return
        self.features_installed = True
        for name in FEATURES:
            importlib.import_module(name).install(self)
        if self.read_only:  # the actions and sections the features added follow the read-only state
            self.set_read_only(True, self._read_only_reason)  # (which shows the current claim)
        elif self._staged:  # its detail pane waited for them
            self._show_current_claim()
        callbacks, self._complete_callbacks = self._complete_callbacks, []
        for callback in callbacks:
            QTimer.singleShot(0, callback)

    def when_complete(self, callback) -> None:
        """Call ``callback`` once every feature module is installed."""
        if self.features_installed:
            QTimer.singleShot(0, callback)
        else:
            self._complete_callbacks.append(callback)

    # -- menus -----------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menus = {
            "file": bar.addMenu("&File"),
            "edit": bar.addMenu("&Edit"),
            "claim": bar.addMenu("&Claim"),
            "view": bar.addMenu("&View"),
            "tools": bar.addMenu("&Tools"),
            "help": bar.addMenu("&Help"),
        }
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Shift+Z")])
        self.menus["edit"].addActions([undo, redo])
        self.edit_actions += [undo, redo]
        self.menus["edit"].addSeparator()
        self.find_action = QAction("&Find", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        self.menus["edit"].addAction(self.find_action)
        self._slash = QShortcut(QKeySequence("/"), self.claims_view)
        self._slash.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._slash.activated.connect(self.focus_search)

        file_menu = self.menus["file"]
        self.open_action = QAction("&Open database\u2026", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.choose_database)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        view = self.menus["view"]
        self.trash_action = QAction("Show &trash", self)
        self.trash_action.setCheckable(True)
        self.trash_action.toggled.connect(self.filter_bar.trash.setChecked)
        self.filter_bar.trash.toggled.connect(self.trash_action.setChecked)
        view.addAction(self.trash_action)
        clear = QAction("&Clear search and filters", self)
        clear.triggered.connect(self.filter_bar.clear)
        view.addAction(clear)
        reload_action = QAction("&Reload", self)
        reload_action.setShortcut(QKeySequence.StandardKey.Refresh)
        reload_action.triggered.connect(self.reload)
        view.addAction(reload_action)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = recent_databases()
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_database_file(p))
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _connect(self) -> None:
        page = self.claims_page
        # The detail pane follows the current claim one event-loop turn later: a new search
        # paints its rows first (rebuilding the sections took 9-14 ms of each keystroke's
        # 30-40 ms), and keys held down through the rows rebuild it once, not per row.
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(0)
        self._detail_timer.timeout.connect(self._show_current_claim)
        page.current_claim_changed.connect(lambda _claim_id: self._detail_timer.start())
        page.count_changed.connect(lambda *_a: self._show_count())
        page.first_page_painted.connect(self._fire_ready)
        self.filter_bar.filter_changed.connect(self._filter_changed)
        for signal in (self.signals.claims_changed, self.signals.claims_added, self.signals.claims_removed):
            signal.connect(self._claims_changed)
        self.signals.database_replaced.connect(self.reload)

    def _filter_changed(self, flt: ClaimFilter) -> None:
        if self.claim_details is not None:
            self.claim_details.set_terms(highlight_terms(flt.text))

    def _show_current_claim(self) -> None:
        self._detail_timer.stop()
        self.detail.set_claim(self.current_claim_id())

    def detail_settled(self) -> bool:
        """Whether the detail pane shows the current claim (it follows one event-loop turn later)."""
        return not self._detail_timer.isActive()

    # -- extension points ------------------------------------------
    def add_page(self, key: str, widget: QWidget, title: str) -> None:
        self.pages[key] = widget
        self.tabs.addTab(widget, title)

    def current_claim_id(self) -> int | None:
        return self.claims_page.current_claim_id()

    def selected_claim_ids(self) -> list[int]:
        return self.claims_page.selected_claim_ids()

    def current_filter(self) -> ClaimFilter:
        return self.claims_page.current_filter()

    def set_read_only(self, read_only: bool, reason: str = "") -> None:
        self.read_only = read_only
        self._read_only_reason = reason
        for action in self.edit_actions:
            action.setEnabled(not read_only)
        self.banner.setText(reason or "Read-only: this database is open for reading only; changes are disabled.")
        self.banner.setVisible(read_only)
        self.claims_page._update_empty_state()
        # Detail sections decide what is editable when they load a claim: reload them.
        self.detail.set_claim(self.current_claim_id())

    def apply_search(self, text: str) -> None:
        self.claims_page.apply_search(text)

    def select_claim(self, claim_id: int) -> bool:
        return self.claims_page.select_claim(claim_id)

    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.claims_page)
        self.filter_bar.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search_box.selectAll()

    def reload(self) -> None:
        """Re-read everything from the database (another file, an import, a restore)."""
        self.claims_page.reload()
        self.detail.set_claim(self.current_claim_id())
        self._show_count()

    def when_ready(self, callback) -> None:
        """Call ``callback`` once the first page of rows is painted."""
        if self.claims_page.painted:
            QTimer.singleShot(0, callback)
        else:
            self._ready_callbacks.append(callback)

    def _fire_ready(self) -> None:
        callbacks, self._ready_callbacks = self._ready_callbacks, []
        for callback in callbacks:
            QTimer.singleShot(0, callback)
        if not self.features_installed:  # a staged window: the rest of it, now the rows are on screen
            QTimer.singleShot(0, self.install_features)

    def _claims_changed(self, ids) -> None:
        self.claims_page.refresh_claims(ids)
        current = self.detail.claim_id()
        if current is None or not ids or current in ids or self._detail_timer.isActive():
            self._show_current_claim()

    def _show_count(self) -> None:
        self.count_label.setText(self.claims_page.count_text())

    # -- other databases -------------------------------------------
    def choose_database(self) -> None:
        path, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open database", str(self.path.parent),
            "Claimlog databases (*.db *.sqlite *.claimlog);;All files (*)")
        if path:
            self.open_database_file(path)

    def open_database_file(self, path) -> "MainWindow | None":
        """Open ``path`` in a new window that replaces this one.

        Goes through the same start-up path as launching Claimlog (lock,
        read-only fallback, damaged-file choices, drafts, daily backup); if
        the person gives up, this window stays as it was.
        """
        from desktop.views import application

        if Path(path).resolve() == self.path.resolve():
            return self
        try:
            session = application.start_session(Path(path), parent=self)
        except application._Quit:
            return None
        except Exception as exc:  # keep the current file open and say why
            log.exception("opening %s failed", path)
            QtWidgets.QMessageBox.warning(self, "Cannot open the database", f"{path}: {exc}")
            return None
        self.save_settings()  # the new window restores this one's layout
        window = self.replace_with(session)
        window.when_complete(lambda: application.after_show(session))
        return window

    def replace_with(self, session) -> "MainWindow":
        """A window for ``session``'s file, shown in this one's place; this one closes.

        The new window is kept alive (``_open_windows``) and ends its session when the
        application quits; this window's session ends now (which releases its file's lock).
        Should this window be the parent of the error dialogs, the new one becomes it: a fault
        found in the new file must switch the new window to read-only, not this closed one.
        """
        from desktop import db as dbmod
        from desktop.views import application

        window = application.make_window(session)
        window.setGeometry(self.geometry())
        window.show()
        _open_windows.append(window)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(lambda: application.end_session(session))
        application.move_excepthook(self, window)
        self.close()
        if self in _open_windows:
            _open_windows.remove(self)
        old_session = getattr(self, "session", None)
        if old_session is not None:
            application.end_session(old_session)
        elif self.database is not None:
            dbmod.close_database(self.database)
        return window

    # -- remembered layout -----------------------------------------
    def restore_settings(self) -> None:
        if not self.remember_layout:
            self.resize(1280, 800)
            self.splitter.setSizes([990, 290])
            return
        store = settings()
        geometry = store.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = store.value("window/splitter")
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes([990, 290])
        header = store.value("claims/header")
        if header is not None:
            self.claims_view.horizontalHeader().restoreState(header)
            # The header state also holds a sort indicator; the model keeps
            # its own sort, so show that one.
            self.claims_view.horizontalHeader().setSortIndicator(
                self.claims_model.sort_column(), self.claims_model.sort_order())

    def save_settings(self) -> None:
        if not self.remember_layout:
            return
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/splitter", self.splitter.saveState())
        store.setValue("claims/header", self.claims_view.horizontalHeader().saveState())
        store.sync()

    def closeEvent(self, event):
        self.save_settings()
        super().closeEvent(event)


def recent_databases() -> list[str]:
    value = settings().value("recent/databases") or []
    if isinstance(value, str):
        value = [value]
    return [str(p) for p in value][:MAX_RECENT]


def remember_recent(path) -> None:
    path = str(Path(path).resolve())
    paths = [path] + [p for p in recent_databases() if p != path]
    store = settings()
    store.setValue("recent/databases", paths[:MAX_RECENT])
    store.sync()
