"""The claims page: filter bar, the claims table, and the first-run empty state."""

from __future__ import annotations

import importlib
import importlib.util

from PySide6 import QtWidgets  # dialogs by module: their classes are made when first used
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.claim_filter import ClaimFilter, highlight_terms
from desktop.lazy import lazy_module
from desktop.views.tables import record_table, select_row
from desktop.views.claims_model import COLUMN, COLUMNS, ID_ROLE, PAGE_SIZE, ClaimsTableModel
from desktop.views.delegates import HighlightDelegate, PillDelegate
from desktop.views.filters import FilterBar

search = lazy_module("desktop.search")  # the data layer: see ClaimsTableModel's opening_page
models = lazy_module("desktop.models")

SAMPLE_CLAIMS = 2000
COUNT_HOLD_MAX_MS = 1000  # the first count starts by then even if no page was painted (a hidden window)


class _PaintWatcher(QObject):
    """Tells the page when a watched widget has been painted."""

    def __init__(self, callback, parent=None):
        super().__init__(parent)
        self.callback = callback

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.callback(obj)
        return False


class EmptyState(QWidget):
    """What a database without claims shows: how to begin."""

    def __init__(self, parent=None):
        super().__init__(parent)
        title = QLabel("No claims yet")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            "Log the first claim you want to check, or load some invented sample claims "
            "and sources to try Claimlog out (you can delete them later)."
        )
        text.setWordWrap(True)
        text.setMaximumWidth(520)
        for widget in (title, text):
            widget.setTextFormat(Qt.TextFormat.PlainText)
            widget.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.new_button = QPushButton("New claim")
        self.sample_button = QPushButton("Load sample data")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(2)


class ClaimsPage(QWidget):
    current_claim_changed = Signal(object)  # claim id or None
    count_changed = Signal(int, int)  # shown, total (-1 while it is being counted)
    first_page_painted = Signal()

    def __init__(self, window, parent=None, *, opening_page=None):
        """``opening_page``: the first page read ahead (``desktop.opening``); the page reads
        nothing from the database until ``attach()``."""
        super().__init__(parent)
        self.window_ = window
        self.filter_bar = FilterBar(load_choices=opening_page is None)
        # The first exact count waits for the first painted page (or a second, if the page is not shown).
        self.model = ClaimsTableModel(self, hold_counts=True, opening_page=opening_page)
        self.first_page_painted.connect(self.model.release_counts, Qt.ConnectionType.QueuedConnection)
        QTimer.singleShot(COUNT_HOLD_MAX_MS, self.model, self.model.release_counts)
        self.view = record_table(self.model, "claims_view", multi_select=True)
        header = self.view.horizontalHeader()
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        widths = {"headline": 272, "claimant": 112, "claimed_on": 80, "status": 104, "verdict": 106,
                  "evidence": 62, "tags": 96, "updated_at": 116}
        for key, width in widths.items():
            header.resizeSection(COLUMN[key], width)
        self.highlighter = HighlightDelegate(self.view)
        for key in ("headline", "claimant", "tags"):  # what the search matches, besides the text and notes
            self.view.setItemDelegateForColumn(COLUMN[key], self.highlighter)
        self._pills = [PillDelegate("status", self.view), PillDelegate("verdict", self.view)]
        self.view.setItemDelegateForColumn(COLUMN["status"], self._pills[0])
        self.view.setItemDelegateForColumn(COLUMN["verdict"], self._pills[1])
        header.setSortIndicator(self.model.sort_column(), self.model.sort_order())
        self.view.setSortingEnabled(True)

        self._empty: EmptyState | None = None  # made when first shown (most files have claims)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.stack, 1)

        self._painted = False
        self._watcher = _PaintWatcher(self._on_paint, self)
        self.view.viewport().installEventFilter(self._watcher)
        self.filter_bar.filter_changed.connect(self.set_filter)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(lambda *_a: self._update_count())
        self.model.rowsRemoved.connect(lambda *_a: self._update_count())
        self.model.count_settled.connect(self._count_settled)
        self.model.first_page_arrived.connect(self._first_page_arrived)
        self._keep_when_found: int | None = None
        self._total = 0
        self._update_total()
        self._update_empty_state()
        self._select_first_row()

    def attach(self) -> None:
        """The database is open: fill the tag list, and let the table read (see ``__init__``)."""
        self.filter_bar.reload_choices()
        self.model.attach()
        self._update_total()
        self._update_count()

    # -- filtering -------------------------------------------------
    def set_filter(self, flt: ClaimFilter) -> None:
        keep = self.current_claim_id()
        self.model.set_filter(flt)
        self.highlighter.set_terms(highlight_terms(flt.text))
        self._update_count()
        self._keep_when_found = keep
        if not self.model.searching:
            self._select_kept(keep)

    def _select_kept(self, keep: int | None) -> None:
        if keep is None or not self.select_claim(keep, only_if_cached=True):
            self._select_first_row()

    def _first_page_arrived(self) -> None:
        """A first page read on a worker is in: select as ``set_filter`` does."""
        self._select_kept(self._keep_when_found)

    def _select_first_row(self) -> None:
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))
            self.view.selectRow(0)

    def current_filter(self) -> ClaimFilter:
        return self.model.filter

    def apply_search(self, text: str) -> None:
        self.filter_bar.set_search(text)

    def _after_reset(self) -> None:
        # A new sort or filter starts at the top. Left where it was (say half-way down a
        # million claims), the view would ask for that page at once: an OFFSET of
        # 500,000 along an index, 90-400 ms on the GUI thread right after a header click.
        self.view.scrollToTop()
        self._update_count()
        self.current_claim_changed.emit(self.current_claim_id())

    # -- selection -------------------------------------------------
    def current_claim_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return index.siblingAtColumn(0).data(ID_ROLE)

    def selected_claim_ids(self) -> list[int]:
        """Ids of the selected rows, in table order (a select-all of a million
        rows is read by SQL per selected range, never index by index)."""
        spans = sorted({(r.top(), r.bottom()) for r in self.view.selectionModel().selection()})
        ids: list[int] = []
        seen: set[int] = set()
        for top, bottom in spans:
            if bottom - top < PAGE_SIZE:
                found = [self.model.claim_id(r) for r in range(top, bottom + 1)]
            else:
                found = self.model.ids_in_rows(top, bottom)
            for cid in found:
                if cid is not None and cid not in seen:
                    seen.add(cid)
                    ids.append(cid)
        return ids

    def select_claim(self, claim_id: int, only_if_cached: bool = False) -> bool:
        row = self.model.row_of(claim_id)
        if row is None and not only_if_cached and self.model.rowCount() <= 5000:
            for r in range(self.model.rowCount()):
                if self.model.claim_id(r) == claim_id:
                    row = r
                    break
        return select_row(self.view, row)

    def _current_changed(self, current, _previous) -> None:
        self.current_claim_changed.emit(current.siblingAtColumn(0).data(ID_ROLE) if current.isValid() else None)

    # -- data changes ----------------------------------------------
    def refresh_claims(self, ids) -> None:
        before = self.current_claim_id()
        self.model.refresh_claims(ids)
        self.filter_bar.reload_choices()  # an edit may have brought a new tag
        self._update_total()
        self._update_count()
        self._update_empty_state()
        if self.current_claim_id() != before:
            self.current_claim_changed.emit(self.current_claim_id())

    def reload(self) -> None:
        keep = self.current_claim_id()
        self.filter_bar.reload_choices()
        self.model.reload()
        self._update_total()
        self._update_count()
        self._update_empty_state()
        if keep is not None:
            self.select_claim(keep, only_if_cached=True)

    def _update_total(self) -> None:
        self._total_trash = self.model.filter.trash
        self._total = self._count_total(self._total_trash)
        self._any_claim = (bool(self.model.live_total) or self.model.rowCount() > 0
                           or models.Claim.select(models.Claim.id).limit(1).exists())

    def _update_count(self) -> None:
        if self.model.filter.trash != getattr(self, "_total_trash", None):
            self._total_trash = self.model.filter.trash
            self._total = self._count_total(self._total_trash)
        self.count_changed.emit(self.model.rowCount(), -1 if self._total is None else self._total)

    def _count_total(self, trash: bool) -> int:
        return search.count_claims(ClaimFilter(trash=True)) if trash else self.model.live_total

    def count_text(self) -> str:
        shown, total = self.model.rowCount(), self._total
        default = self.model.filter.with_(trash=False).is_default
        if total is None or (default and not self.model.exact):
            return "Counting claims\u2026"
        noun = "claim" if total == 1 else "claims"
        if self.model.filter.trash:
            noun += " in the trash"
        if default:
            return f"{total:,} {noun}"
        if self.model.searching:
            return f"Searching\u2026 of {total:,} {noun}"
        if not self.model.exact:
            return f"Counting matches\u2026 of {total:,} {noun}"
        return f"{shown:,} of {total:,} {noun}"

    def _count_settled(self) -> None:
        """The exact count arrived from the worker: totals, status bar, empty state."""
        self._update_total()
        self._update_count()
        self._update_empty_state()

    @property
    def empty(self) -> EmptyState:
        """What a database without claims shows."""
        if self._empty is None:
            self._empty = EmptyState()
            self._empty.new_button.clicked.connect(self.new_claim)
            self._empty.sample_button.clicked.connect(self.load_sample_data)
            self._empty.installEventFilter(self._watcher)
            self.stack.addWidget(self._empty)
        return self._empty

    def _update_empty_state(self) -> None:
        empty = not self._any_claim
        self.stack.setCurrentWidget(self.empty if empty else self.view)
        self.filter_bar.setEnabled(not empty)
        if self._empty is None:
            return
        # find_spec, not an import: the form's module loads when first used,
        # not on every start-up (23 ms).
        self.empty.new_button.setEnabled(
            importlib.util.find_spec("desktop.views.claim_form") is not None and not self.window_.read_only)
        self.empty.sample_button.setEnabled(
            importlib.util.find_spec("desktop.demo") is not None and not self.window_.read_only)

    # -- header ----------------------------------------------------
    def _header_menu(self, pos) -> None:
        menu = QMenu(self)
        header = self.view.horizontalHeader()
        for n, (_key, title, _sort) in enumerate(COLUMNS):
            action = QAction(title, menu)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(n))
            action.toggled.connect(lambda on, n=n: self.set_column_visible(n, on))
            menu.addAction(action)
        menu.popup(header.mapToGlobal(pos))

    def set_column_visible(self, column: int, visible: bool) -> None:
        header = self.view.horizontalHeader()
        shown = sum(not header.isSectionHidden(n) for n in range(len(COLUMNS)))
        if not visible and shown <= 1:
            return  # keep at least one column
        header.setSectionHidden(column, not visible)

    # -- painting --------------------------------------------------
    def _on_paint(self, widget) -> None:
        # The filter sees the paint event before the widget handles it: look
        # once the event loop is back, when the rows have been drawn.
        if not self._painted:
            QTimer.singleShot(0, lambda: self._check_painted(widget))

    def _check_painted(self, widget) -> None:
        if self._painted:
            return
        if widget is self._empty or self.model.rowCount() == 0 or self.model.cached_rows() > 0:
            self._painted = True
            self.first_page_painted.emit()

    @property
    def painted(self) -> bool:
        return self._painted

    # -- first-run actions -----------------------------------------
    def new_claim(self) -> None:
        form = _claim_form()
        if form is not None:
            form.open_claim_dialog(self.window_)

    def load_sample_data(self) -> None:
        from desktop import demo
        from desktop.views.worker import run_task

        self.empty.sample_button.setEnabled(False)

        def done(_result):
            self.window_.signals.database_replaced.emit()

        def failed(exc):
            self._update_empty_state()
            if isinstance(exc, demo.Cancelled):
                return
            QtWidgets.QMessageBox.warning(self, "Sample data not loaded", f"The sample data was not loaded: {exc}")

        self.sample_task = run_task(
            self, demo.generate, SAMPLE_CLAIMS, on_done=done, on_error=failed,
            progress_title="Loading sample data", cancellable=True,
        )


def _claim_form():
    if importlib.util.find_spec("desktop.views.claim_form") is None:
        return None
    try:
        return importlib.import_module("desktop.views.claim_form")
    except Exception:
        return None
