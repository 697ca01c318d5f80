"""The Sources page: the library table (search, kind and credibility filters) and a source's detail.

The detail below the table shows the selected source and every claim that
cites it, with the stance; Enter or a double-click on a claim jumps to it on
the Claims page.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import ClaimlogError
from desktop.models import Archive, Claim, Evidence, Source
from desktop.workflow import CREDIBILITY, SOURCE_KINDS, colour, label
from desktop.views.tables import record_table, select_row
from desktop.views.open_url import open_url
from desktop.views.sources_model import COLUMN, ID_ROLE, SourceFilter, SourcesTableModel, plain_tooltip

CITING_LIMIT = 500  # claims listed in a source's detail; the rest are counted


def plain_label(text: str = "", *, wrap: bool = True, selectable: bool = True) -> QLabel:
    """A label for user data: plain text, never interpreted as markup or links."""
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(wrap)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    widget.setText(text)
    return widget


def jump_to_claim(window, claim_id: int) -> bool:
    """Show the Claims page with ``claim_id`` selected; False if it is not in the list shown."""
    page = window.pages.get("claims") if hasattr(window, "pages") else None
    if page is not None and hasattr(window, "tabs"):
        window.tabs.setCurrentWidget(page)
    select = getattr(window, "select_claim", None) or getattr(page, "select_claim", None)
    if select is not None:
        if select(claim_id):
            return True
    else:
        model, view = getattr(window, "claims_model", None), getattr(window, "claims_view", None)
        row = model.row_of(claim_id) if model is not None and hasattr(model, "row_of") else None
        if row is not None and view is not None:
            view.selectRow(row)
            view.setCurrentIndex(model.index(row, 0))
            view.scrollTo(model.index(row, 0))
            return True
    if window.detail is not None and hasattr(window.detail, "set_claim"):
        window.detail.set_claim(claim_id)
    QMessageBox.information(
        window, "Claim not in the list",
        "That claim is not in the list shown now (a filter or search hides it, or it is in the trash). "
        "Its details are shown in the side pane; clear the filters to see it in the table.",
    )
    return False


class SourceDetail(QWidget):
    """One source: what it is, where it lives, and the claims citing it."""

    claim_activated = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.source_id: int | None = None
        self._url = ""
        self.title = plain_label()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.meta = plain_label()
        self.address = plain_label()
        self.open_button = QPushButton("Open link")
        self.open_button.setToolTip("Open the address in your web browser")
        self.open_button.clicked.connect(self._open)
        self.archives = plain_label()
        self.notes = plain_label()
        self.cited = QLabel()
        self.cited.setTextFormat(Qt.TextFormat.PlainText)
        self.claims = QTreeWidget()
        self.claims.setHeaderLabels(["Stance", "Claim", "Status", "Quote"])
        self.claims.setRootIsDecorated(False)
        self.claims.setUniformRowHeights(True)
        self.claims.setAllColumnsShowFocus(True)
        self.claims.itemActivated.connect(self._activated)
        header = self.claims.header()
        header.resizeSection(0, 100)
        header.resizeSection(1, 420)
        header.resizeSection(2, 110)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        for widget in (self.meta, self.address, self.archives, self.notes, self.cited):
            layout.addWidget(widget)
        layout.addWidget(self.claims, 1)
        self.set_source(None)

    def set_source(self, source_id: int | None) -> None:
        self.source_id = source_id
        source = Source.get_or_none(Source.id == source_id) if source_id is not None else None
        self.claims.clear()
        if source is None:
            self.source_id = None
            self._url = ""
            self.title.setText("No source selected")
            for widget in (self.meta, self.address, self.archives, self.notes):
                widget.setText("")
                widget.setVisible(False)
            self.cited.setText("")
            self.open_button.setEnabled(False)
            return
        self._url = source.url or ""
        self.title.setText(source.title)
        bits = [label("kind", source.kind), source.publisher, source.published_on and f"published {source.published_on}",
                f"credibility: {label('credibility', source.credibility)}",
                source.language and f"language: {source.language}",
                source.accessed_on and f"accessed {source.accessed_on}",
                "confidential (withheld from exports)" if source.confidential else ""]
        self.meta.setText(" \u00b7 ".join(b for b in bits if b))
        self.meta.setVisible(True)
        self.address.setText(source.url or "No web address (offline material)")
        self.address.setVisible(True)
        self.open_button.setEnabled(bool(source.url))
        archives = list(Archive.select().where(Archive.source == source.id).order_by(Archive.id))
        self.archives.setText("\n".join(
            f"Archived ({a.service.replace('_', '.')}{', ' + a.captured_at[:16].replace('T', ' ') if a.captured_at else ''}): {a.url}"
            for a in archives))
        self.archives.setVisible(bool(archives))
        self.notes.setText(source.notes)
        self.notes.setVisible(bool(source.notes))
        rows = list(
            Evidence.select(Evidence.stance, Evidence.quote, Evidence.locator, Claim.id, Claim.headline,
                            Claim.status, Claim.deleted_at)
            .join(Claim, on=(Evidence.claim == Claim.id))
            .where(Evidence.source == source.id)
            .order_by(Claim.updated_at.desc(), Evidence.id)
            .limit(CITING_LIMIT + 1)
            .tuples()
        )
        shown = rows[:CITING_LIMIT]
        n_claims = len({r[3] for r in shown})
        if len(rows) > CITING_LIMIT:
            self.cited.setText(f"Cited by {source.n_claims:,} claims (the {CITING_LIMIT} most recently updated links shown); "
                               "Enter or double-click jumps to a claim.")
        elif rows:
            self.cited.setText(f"Cited by {n_claims:,} claim{'s' if n_claims != 1 else ''}; "
                               "Enter or double-click jumps to a claim.")
        else:
            self.cited.setText("No claim cites this source yet.")
        items = []
        for stance, quote, locator, claim_id, headline, status, deleted_at in shown:
            trashed = " (in the trash)" if deleted_at else ""
            quote_text = " ".join((quote or "").split())
            if locator:
                quote_text = f"[{locator}] {quote_text}"
            item = QTreeWidgetItem([label("stance", stance), headline + trashed, label("status", status), quote_text])
            item.setData(0, Qt.ItemDataRole.UserRole, claim_id)
            item.setForeground(0, QColor(colour("stance", stance)))
            item.setToolTip(1, plain_tooltip(headline))
            if quote:
                item.setToolTip(3, plain_tooltip(quote[:2000]))
            items.append(item)
        self.claims.addTopLevelItems(items)
        if items:
            self.claims.setCurrentItem(items[0])

    def _open(self) -> None:
        if self._url:
            open_url(self._url, self)

    def _activated(self, item, _column=0) -> None:
        claim_id = item.data(0, Qt.ItemDataRole.UserRole)
        if claim_id is not None:
            self.claim_activated.emit(int(claim_id))


class SourcesPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search sources: title, publisher, address, notes")
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox()
        self.kind.addItem("All kinds", "")
        for term in SOURCE_KINDS.values():
            self.kind.addItem(term.label, term.id)
        self.credibility = QComboBox()
        self.credibility.addItem("Any credibility", "")
        for term in CREDIBILITY.values():
            self.credibility.addItem(term.label, term.id)
        self.count = QLabel()
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        self.new_button = QPushButton("New source\u2026")
        self.edit_button = QPushButton("Edit\u2026")
        self.delete_button = QPushButton("Delete")
        self.new_button.clicked.connect(self.new_source)
        self.edit_button.clicked.connect(self.edit_source)
        self.delete_button.clicked.connect(self.delete_source)

        self.model = SourcesTableModel(self, start=False)  # read when first shown
        self.view = record_table(self.model, "sources_view", multi_select=False)
        header = self.view.horizontalHeader()
        for key, width in {"title": 300, "publisher": 150, "kind": 110, "published_on": 80,
                           "credibility": 115, "n_claims": 55}.items():
            header.resizeSection(COLUMN[key], width)
        header.setSortIndicator(self.model.sort_column(), self.model.sort_order())
        self.view.setSortingEnabled(True)
        self.view.doubleClicked.connect(lambda _i: self.edit_source())
        self.detail = SourceDetail()
        self.detail.claim_activated.connect(lambda cid: jump_to_claim(self.window_, cid))

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.kind, 1)
        bar.addWidget(self.credibility, 1)
        bar.addWidget(self.count)
        bar.addStretch(0)
        bar.addWidget(self.new_button)
        bar.addWidget(self.edit_button)
        bar.addWidget(self.delete_button)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        # Search as you type: one query per pause in typing, not per key.
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(120)
        self._typing.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._typing.start())
        self.search.returnPressed.connect(self.apply_filter)
        self.kind.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.credibility.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._after_reset)
        window.signals.sources_changed.connect(self.refresh_sources)
        window.signals.database_replaced.connect(self.model.reload)
        window.signals.claims_changed.connect(self._claims_changed)
        window.signals.claims_removed.connect(self._claims_changed)
        self._after_reset()

    def showEvent(self, event) -> None:
        if not self.model.started:
            self.model.reload()
        super().showEvent(event)

    # -- filter -------------------------------------------------------
    def current_filter(self) -> SourceFilter:
        return self.model.filter.with_(text=self.search.text(), kind=self.kind.currentData() or "",
                                       credibility=self.credibility.currentData() or "")

    def apply_filter(self) -> None:
        self._typing.stop()
        self.model.set_filter(self.current_filter())

    def _after_reset(self) -> None:
        self._update_count()
        if self.model.rowCount():
            keep = self.detail.source_id
            row = self.model.row_of(keep) if keep is not None else None
            self.view.selectRow(row if row is not None else 0)
        else:
            self.detail.set_source(None)
        self._update_buttons()

    def _update_count(self) -> None:
        total = self.model.total()
        noun = "source" if total == 1 else "sources"
        query = self.model.query
        if self.model.filter.is_default or query is None:
            self.count.setText(f"{total:,} {noun}")
        elif query.count_is_cheap():
            self.count.setText(f"{query.count():,} of {total:,} {noun}")
        else:
            # Two filters over a large library: count on a worker thread.
            from desktop.views.worker import run_task

            self.count.setText(f"counting\u2026 of {total:,} {noun}")
            flt = self.model.filter

            def done(n, flt=flt):
                if self.model.filter == flt:
                    self.count.setText(f"{n:,} of {total:,} {noun}")

            run_task(self, query.count, on_done=done, on_error=lambda _exc: None)

    # -- selection ------------------------------------------------------
    def current_source_id(self) -> int | None:
        index = self.view.currentIndex()
        return index.siblingAtColumn(0).data(ID_ROLE) if index.isValid() else None

    def select_source(self, source_id: int) -> bool:
        row = self.model.row_of(source_id)
        return select_row(self.view, row)

    def _current_changed(self, current, _previous) -> None:
        self.detail.set_source(current.siblingAtColumn(0).data(ID_ROLE) if current.isValid() else None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        writable = not getattr(self.window_, "read_only", False)
        has = self.current_source_id() is not None
        self.new_button.setEnabled(writable)
        self.edit_button.setEnabled(writable and has)
        self.delete_button.setEnabled(writable and has)

    # -- data changes ---------------------------------------------------
    def refresh_sources(self, ids) -> None:
        if not self.model.started:
            return
        keep = self.current_source_id()
        self.model.refresh_sources(ids)
        if keep is not None and self.current_source_id() != keep:
            self.select_source(keep)
        self._update_count()
        if self.detail.source_id is not None and (not ids or self.detail.source_id in ids):
            self.detail.set_source(self.detail.source_id)

    def _claims_changed(self, _ids) -> None:
        # Claim headlines, statuses or the trash changed: the detail lists them.
        if self.detail.source_id is not None and self.isVisible():
            self.detail.set_source(self.detail.source_id)

    # -- actions --------------------------------------------------------
    def new_source(self) -> None:
        if getattr(self.window_, "read_only", False):
            return
        from desktop.views import source_form

        dialog = source_form.open_source_dialog(self.window_)
        if dialog is not None:
            dialog.source_saved.connect(self.select_source)

    def edit_source(self) -> None:
        source_id = self.current_source_id()
        if source_id is None or getattr(self.window_, "read_only", False):
            return
        from desktop.views import source_form

        source_form.open_source_dialog(self.window_, source_id)

    def delete_source(self) -> None:
        from desktop.views import commands

        source_id = self.current_source_id()
        if source_id is None or getattr(self.window_, "read_only", False):
            return
        source = Source.get_or_none(Source.id == source_id)
        if source is None:
            return
        # The title is user data: escaped inside an explicit rich-text paragraph.
        answer = QMessageBox.question(
            self, "Delete source",
            f"<p>Delete the source \u201c{html.escape(source.title[:200])}\u201d from the library?</p>")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            # One step on the window's undo stack: Ctrl+Z puts the source back.
            commands.run(commands.DeleteSourceCommand(source_id, source.title, self.window_.signals),
                         getattr(self.window_, "undo_stack", None))
        except ClaimlogError as exc:
            QMessageBox.warning(self, "Source not deleted", str(exc))
            return


def install(window) -> None:
    page = SourcesPage(window)
    window.sources_page = page
    window.add_page("sources", page, "Sources")
    # Edit > Find (Ctrl+F) searches the page being shown.
    find_action = getattr(window, "find_action", None)
    focus_search = getattr(window, "focus_search", None)
    if find_action is not None and focus_search is not None:
        def find() -> None:
            if window.tabs.currentWidget() is page:
                page.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
                page.search.selectAll()
            else:
                focus_search()

        try:
            find_action.triggered.disconnect(focus_search)
        except (RuntimeError, TypeError):
            pass
        else:
            find_action.triggered.connect(find)
