"""The main window: a frame that feature modules plug into.

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
- ``window.edit_actions``: actions disabled when read-only.

Each feature module defines ``install(window)`` and is listed in ``FEATURES``.
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtCore import Qt

from desktop import search
from desktop.views.signals import DataSignals

log = logging.getLogger(__name__)

# Feature modules, installed in this order; each has install(window).
FEATURES: list[str] = [
    "desktop.views.preferences",
]


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
        heading = QLabel(f"<b>{title}</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        index = self._layout.count() - 1
        self._layout.insertWidget(index, heading)
        self._layout.insertWidget(index + 1, widget)
        self.sections[key] = widget
        if hasattr(widget, "set_claim"):
            widget.set_claim(self._claim_id)

    def set_claim(self, claim_id: int | None) -> None:
        self._claim_id = claim_id
        for widget in self.sections.values():
            if hasattr(widget, "set_claim"):
                widget.set_claim(claim_id)


class MainWindow(QMainWindow):
    def __init__(self, database, parent=None):
        super().__init__(parent)
        self.database = database
        self.signals = DataSignals(self)
        self.undo_stack = QUndoStack(self)
        self.read_only = False
        self.edit_actions: list[QAction] = []
        self.setWindowTitle(f"Claimlog \u2014 {database.path.name}")

        self.tabs = QTabWidget()
        self.detail = DetailPane()
        self.splitter = QSplitter()
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)
        self.pages: dict[str, QWidget] = {}
        self._build_menus()
        self._search = ""
        self.placeholder = QLabel()
        self.add_page("claims", self.placeholder, "Claims")
        self.refresh()
        for name in FEATURES:
            importlib.import_module(name).install(self)

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
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.menus["file"].addAction(quit_action)

    def add_page(self, key: str, widget: QWidget, title: str) -> None:
        self.pages[key] = widget
        self.tabs.addTab(widget, title)

    def current_claim_id(self) -> int | None:
        return None

    def selected_claim_ids(self) -> list[int]:
        return []

    def current_filter(self) -> search.ClaimFilter:
        return search.ClaimFilter(text=self._search)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for action in self.edit_actions:
            action.setEnabled(not read_only)

    def refresh(self):
        n = search.count_claims(self.current_filter())
        self.placeholder.setText(f"{n:,} claims")

    def apply_search(self, text: str) -> None:
        self._search = text
        self.refresh()

    def when_ready(self, callback) -> None:
        """Call ``callback`` once the first page of rows is painted."""
        callback()
