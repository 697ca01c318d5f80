"""The main window (minimal until the workspace lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from desktop import search


class MainWindow(QMainWindow):
    def __init__(self, database, parent=None):
        super().__init__(parent)
        self.database = database
        self.setWindowTitle(f"Claimlog \u2014 {database.path.name}")
        self.label = QLabel()
        self.setCentralWidget(self.label)
        self._search = ""
        self.refresh()

    def refresh(self):
        n = search.count_claims(search.ClaimFilter(text=self._search))
        self.label.setText(f"{n:,} claims")

    def apply_search(self, text: str) -> None:
        self._search = text
        self.refresh()

    def when_ready(self, callback) -> None:
        """Call ``callback`` once the first page of rows is painted."""
        callback()
