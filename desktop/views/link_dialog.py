"""Linking a claim to a source: the picker, the link form, and their undo commands.

``LinkDialog`` has the library picker (search as you type; "New source..."
creates one in place) and the link itself: stance, the exact quoted passage,
a locator and a note. Editing an existing link shows the same form without
the picker. Every change goes through a service and lands on the window's
undo stack as a command that calls the services again to undo or redo.

Keyboard: type in the search box, Enter (or Down, then Enter) picks the
highlighted source and moves to Stance; Tab walks the fields; Enter in a
one-line field or Ctrl+Enter anywhere saves.

Entry points (patchable in tests): ``open_link_dialog`` and
``start_link_with_url`` (used by paste and drop of a URL onto a claim).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import search, services
from desktop.errors import ClaimlogError, NotFoundError, ValidationError
from desktop.models import Claim, Evidence, Source, database
from desktop.workflow import STANCES, label
from desktop.views.source_form import error_label, open_source_dialog, with_error

PICKER_LIMIT = 50
RANK_AT_MOST = 5000  # matches ranked by relevance; more are listed newest first
DEFAULT_STANCE = "supports"


# -- undo commands ---------------------------------------------------------
# A link is found again by (claim, source, locator), which the schema keeps
# unique, never by its id: undoing a removal re-creates the link and SQLite
# may give it another id (or reuse an old one).
def find_link(claim_id: int, source_id: int, locator: str) -> int:
    found = (Evidence.select(Evidence.id)
             .where(Evidence.claim == claim_id, Evidence.source == source_id, Evidence.locator == locator)
             .scalar())
    if found is None:
        raise NotFoundError("That source link no longer exists; it was changed elsewhere.")
    return found


def _announce(window, claim_id: int, source_id: int) -> None:
    window.signals.claims_changed.emit([claim_id])
    window.signals.sources_changed.emit([source_id])


class _EvidenceCommand(QUndoCommand):
    """Base: the first redo is skipped when the change was already made by the dialog."""

    def __init__(self, window, text: str, already_done: bool = True):
        super().__init__(text)
        self.window = window
        self._skip = already_done

    def _run(self, action) -> None:
        try:
            action()
        except ClaimlogError as exc:
            self.setObsolete(True)
            QMessageBox.warning(self.window, "Cannot undo or redo", str(exc))

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self._run(self.do)

    def undo(self) -> None:
        self._run(self.undo_it)


def _link_fields(evidence: Evidence) -> dict:
    return dict(claim_id=evidence.claim_id, source_id=evidence.source_id, stance=evidence.stance,
                quote=evidence.quote, locator=evidence.locator, note=evidence.note)


class LinkCommand(_EvidenceCommand):
    def __init__(self, window, evidence: Evidence, already_done: bool = True):
        super().__init__(window, "Link source", already_done)
        self.fields = _link_fields(evidence)

    def do(self) -> None:
        services.link_evidence(**self.fields)
        _announce(self.window, self.fields["claim_id"], self.fields["source_id"])

    def undo_it(self) -> None:
        f = self.fields
        services.unlink_evidence(find_link(f["claim_id"], f["source_id"], f["locator"]))
        _announce(self.window, f["claim_id"], f["source_id"])


class EditLinkCommand(_EvidenceCommand):
    def __init__(self, window, claim_id: int, source_id: int, before: dict, after: dict, already_done: bool = True):
        super().__init__(window, "Edit source link", already_done)
        self.claim_id, self.source_id = claim_id, source_id
        self.before, self.after = before, after

    def _apply(self, old: dict, new: dict) -> None:
        services.update_evidence(find_link(self.claim_id, self.source_id, old["locator"]), **new)
        _announce(self.window, self.claim_id, self.source_id)

    def do(self) -> None:
        self._apply(self.before, self.after)

    def undo_it(self) -> None:
        self._apply(self.after, self.before)


class UnlinkCommand(_EvidenceCommand):
    def __init__(self, window, evidence: Evidence):
        super().__init__(window, "Remove source link", already_done=False)
        self.fields = _link_fields(evidence)
        self.removed = False

    def do(self) -> None:
        f = self.fields
        services.unlink_evidence(find_link(f["claim_id"], f["source_id"], f["locator"]))
        self.removed = True
        _announce(self.window, f["claim_id"], f["source_id"])

    def undo_it(self) -> None:
        services.link_evidence(**self.fields)
        self.removed = False
        _announce(self.window, self.fields["claim_id"], self.fields["source_id"])


def remove_link(window, evidence_id: int) -> bool:
    """Remove a link (undoable); False with a message when the service refuses."""
    evidence = Evidence.get_or_none(Evidence.id == evidence_id)
    if evidence is None:
        QMessageBox.warning(window, "Link not removed", "That source link no longer exists.")
        return False
    try:
        # Asked first, so that a refusal shows its message and leaves nothing on the undo stack.
        services.sources._guard_gate(evidence, None)
    except ClaimlogError as exc:
        QMessageBox.warning(window, "Link not removed", str(exc))
        return False
    command = UnlinkCommand(window, evidence)
    window.undo_stack.push(command)
    return Evidence.get_or_none(Evidence.id == evidence_id) is None


# -- the picker ------------------------------------------------------------
def find_sources(text: str, limit: int = PICKER_LIMIT) -> list[tuple[int, str, str, str, str]]:
    """(id, title, publisher, kind, url) for what was typed: an exact address first, then the best matches."""
    columns = "id, title, publisher, kind, url"
    text = (text or "").strip()
    found: list = []
    if text.lower().startswith(("http://", "https://")):
        exact = services.find_source_by_url(text)
        if exact is not None:
            found.append((exact.id, exact.title, exact.publisher, exact.kind, exact.url or ""))
    query = search.fts_query(text)
    if query:
        # Ranking every match costs too much for a word matching half the library
        # (one letter typed): then the newest matches are listed instead.
        many = database.execute_sql(
            "SELECT COUNT(*) FROM (SELECT rowid FROM source_fts WHERE source_fts MATCH ? LIMIT ?)",
            (query, RANK_AT_MOST + 1)).fetchone()[0] > RANK_AT_MOST
        order = "rowid DESC" if many else "rank"
        ranked = [r[0] for r in database.execute_sql(
            f"SELECT rowid FROM source_fts WHERE source_fts MATCH ? ORDER BY {order} LIMIT ?", (query, limit))]
        marks = ",".join("?" * len(ranked))
        by_id = {r[0]: r for r in database.execute_sql(
            f"SELECT {columns} FROM source WHERE id IN ({marks})", ranked).fetchall()} if ranked else {}
        rows = [by_id[i] for i in ranked if i in by_id]
    elif not text:
        rows = database.execute_sql(
            f"SELECT {columns} FROM source ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,)).fetchall()
    else:
        rows = []
    seen = {r[0] for r in found}
    found += [tuple(r[:4]) + (r[4] or "",) for r in rows if r[0] not in seen]
    return found[:limit]


class _PickerKeys(QObject):
    """Enter in the search box or the list picks; Down in the search box moves into the list."""

    def __init__(self, dialog):
        super().__init__(dialog)
        self.dialog = dialog

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.dialog.pick_current()
                return True
            if obj is self.dialog.search and key == Qt.Key.Key_Down:
                self.dialog.results.setFocus()
                if not self.dialog.results.currentIndex().isValid() and self.dialog.results_model.rowCount():
                    self.dialog.results.setCurrentIndex(self.dialog.results_model.index(0))
                return True
        return False


class LinkDialog(QDialog):
    """Link a source to a claim, or edit an existing link (``evidence_id``)."""

    evidence_saved = Signal(int)

    def __init__(self, window, claim_id: int, source_id: int | None = None, evidence_id: int | None = None,
                 search_text: str = "", parent=None):
        super().__init__(parent if parent is not None else window)
        self.window_ = window
        self.claim_id = claim_id
        self.evidence_id = evidence_id
        self.source_id: int | None = None
        self._hits: list[tuple] = []
        claim = Claim.get_by_id(claim_id)
        self.setWindowTitle("Edit source link" if evidence_id else "Link source")
        self.setMinimumWidth(620)

        self.banner = QLabel()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff4ce; color: #3b2f00; padding: 6px; border-radius: 4px;")
        self.banner.setVisible(False)
        claim_label = QLabel()
        claim_label.setTextFormat(Qt.TextFormat.PlainText)
        claim_label.setWordWrap(True)
        claim_label.setText(f"Claim: {claim.headline}")

        # Picker
        self.picker = QWidget()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the library: title, publisher, address, notes")
        self.search.setClearButtonEnabled(True)
        self.results_model = QStringListModel(self)
        self.results = QListView()
        self.results.setModel(self.results_model)
        self.results.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.results.setUniformItemSizes(True)
        self.results.setMinimumHeight(self.fontMetrics().height() * 8)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.activated.connect(lambda _i: self.pick_current())
        self.results.selectionModel().currentChanged.connect(self._highlighted)
        self.new_button = QPushButton("&New source\u2026")
        self.new_button.clicked.connect(self.new_source)
        picker_row = QHBoxLayout()
        picker_row.addWidget(self.search, 1)
        picker_row.addWidget(self.new_button)
        picker_layout = QVBoxLayout(self.picker)
        picker_layout.setContentsMargins(0, 0, 0, 0)
        find_label = QLabel("&Find a source:")
        find_label.setBuddy(self.search)
        picker_layout.addWidget(find_label)
        picker_layout.addLayout(picker_row)
        picker_layout.addWidget(self.results)
        self._keys = _PickerKeys(self)
        self.search.installEventFilter(self._keys)
        self.results.installEventFilter(self._keys)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(100)
        self._typing.timeout.connect(self.refresh_results)
        self.search.textChanged.connect(lambda _t: self._typing.start())

        # The link
        self.chosen = QLabel()
        self.chosen.setTextFormat(Qt.TextFormat.PlainText)
        self.chosen.setWordWrap(True)
        self.stance = QComboBox()
        for term in STANCES.values():
            self.stance.addItem(term.label, term.id)
        self.stance.setToolTip("Appearance: where the claim was made. Supports / Refutes: evidence for the verdict. "
                               "Context: background.")
        self.quote = QPlainTextEdit()
        self.quote.setTabChangesFocus(True)
        self.quote.setPlaceholderText("The exact passage, copied from the source")
        self.quote.setFixedHeight(self.fontMetrics().height() * 5 + 12)
        self.locator = QLineEdit()
        self.locator.setPlaceholderText("page 4, paragraph 2, 00:12:40\u2026")
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.fontMetrics().height() * 3 + 12)
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, text, widget in [("source", "Source", self.chosen), ("stance", "&Stance", self.stance),
                                  ("quote", "&Quote", self.quote), ("locator", "&Locator", self.locator),
                                  ("note", "N&ote", self.note)]:
            self.errors[key] = error_label()
            self.fields[key] = widget
            cell = with_error(widget, self.errors[key])
            form.addRow(text, cell)
            if key != "source":
                form.labelForField(cell).setBuddy(widget)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Link" if evidence_id is None else "&Save")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(claim_label)
        layout.addWidget(self.picker)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.search, self.results)
        self.setTabOrder(self.results, self.new_button)
        self.setTabOrder(self.new_button, self.stance)
        self.setTabOrder(self.stance, self.quote)
        self.setTabOrder(self.quote, self.locator)
        self.setTabOrder(self.locator, self.note)

        if evidence_id is not None:
            evidence = Evidence.get_by_id(evidence_id)
            self.picker.setVisible(False)
            self.set_source(evidence.source_id)
            self.stance.setCurrentIndex(max(0, self.stance.findData(evidence.stance)))
            self.quote.setPlainText(evidence.quote)
            self.locator.setText(evidence.locator)
            self.note.setPlainText(evidence.note)
            self.before = dict(stance=evidence.stance, quote=evidence.quote, locator=evidence.locator,
                               note=evidence.note)
            self.stance.setFocus()
        else:
            self.stance.setCurrentIndex(max(0, self.stance.findData(DEFAULT_STANCE)))
            if source_id is not None:
                # Chosen already (a pasted address): the list stays empty until a search is typed.
                self.set_source(source_id)
                self.stance.setFocus()
            else:
                self.set_source(None)
                self.search.setText(search_text)
                self.refresh_results()
                self.search.setFocus()
        if getattr(window, "read_only", False):
            self.save_button.setEnabled(False)
            self.show_banner("The database is open read-only; links cannot be changed.")

    # -- picking ---------------------------------------------------------
    def refresh_results(self) -> None:
        self._typing.stop()
        self._hits = find_sources(self.search.text())
        lines = []
        for _sid, title, publisher, kind, url in self._hits:
            extra = " \u00b7 ".join(x for x in (publisher, label("kind", kind), url) if x)
            lines.append(" ".join(f"{title} \u2014 {extra}".split()))
        self.results_model.setStringList(lines)
        if lines:
            self.results.setCurrentIndex(self.results_model.index(0))
            self._highlighted(self.results_model.index(0))

    def _highlighted(self, current, _previous=None) -> None:
        """The highlighted result is the chosen source (shown under the list)."""
        if current.isValid() and current.row() < len(self._hits):
            self.set_source(self._hits[current.row()][0])

    def pick_current(self) -> None:
        if self._typing.isActive():
            self.refresh_results()
        index = self.results.currentIndex()
        if not index.isValid() or index.row() >= len(self._hits):
            self.errors["source"].setText("no source matches; refine the search or create a new source.")
            self.errors["source"].setVisible(True)
            return
        self.set_source(self._hits[index.row()][0])
        self.stance.setFocus()

    def set_source(self, source_id: int | None) -> None:
        self.source_id = source_id
        self.errors["source"].setVisible(False)
        source = Source.get_or_none(Source.id == source_id) if source_id is not None else None
        if source is None:
            self.source_id = None
            self.chosen.setText("(none chosen yet: pick one above)")
            return
        bits = [source.title, source.publisher, source.url or ""]
        self.chosen.setText(" \u2014 ".join(b for b in bits if b))

    def new_source(self, initial: services.SourceInput | None = None):
        typed = self.search.text().strip()
        if initial is None:
            if typed.lower().startswith(("http://", "https://")):
                initial = services.SourceInput(url=typed)
            else:
                initial = services.SourceInput(title=typed)
        dialog = open_source_dialog(self.window_, initial=initial, parent=self)
        dialog.source_saved.connect(self._created)
        return dialog

    def _created(self, source_id: int) -> None:
        self.set_source(source_id)
        self.stance.setFocus()

    # -- saving ------------------------------------------------------------
    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(True)

    def values(self) -> dict:
        return dict(stance=self.stance.currentData(), quote=self.quote.toPlainText(),
                    locator=self.locator.text(), note=self.note.toPlainText())

    def save(self) -> None:
        if getattr(self.window_, "read_only", False):
            return
        if self.focusWidget() in (self.search, self.results) and self.source_id is None:
            self.pick_current()
            return
        for widget in self.errors.values():
            widget.setVisible(False)
        if self.source_id is None:
            self.errors["source"].setText("choose a source from the library, or create a new one.")
            self.errors["source"].setVisible(True)
            self.search.setFocus()
            return
        values = self.values()
        try:
            if self.evidence_id is None:
                evidence = services.link_evidence(self.claim_id, self.source_id, **values)
                command = LinkCommand(self.window_, evidence)
            else:
                evidence = services.update_evidence(self.evidence_id, **values)
                after = dict(stance=evidence.stance, quote=evidence.quote, locator=evidence.locator,
                             note=evidence.note)
                command = EditLinkCommand(self.window_, self.claim_id, evidence.source_id, self.before, after)
        except ValidationError as exc:
            key = exc.field if exc.field in self.errors else None
            if key is None:
                self.show_banner(str(exc))
            else:
                self.errors[key].setText(exc.message)
                self.errors[key].setVisible(True)
                self.fields[key].setFocus()
            return
        except ClaimlogError as exc:
            self.show_banner(str(exc))
            return
        self.window_.undo_stack.push(command)
        _announce(self.window_, self.claim_id, evidence.source_id)
        self.evidence_saved.emit(evidence.id)
        self.accept()


def open_link_dialog(window, claim_id: int, source_id: int | None = None, evidence_id: int | None = None,
                     search_text: str = "") -> LinkDialog:
    """Show the link dialog without blocking; returns it."""
    dialog = LinkDialog(window, claim_id, source_id=source_id, evidence_id=evidence_id, search_text=search_text)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def start_link_with_url(window, claim_id: int, url: str):
    """Paste or drop of an address on a claim: link the source that has it, else create it first."""
    url = (url or "").strip()
    existing = services.find_source_by_url(url)
    if existing is not None:
        dialog = open_link_dialog(window, claim_id, source_id=existing.id)
        dialog.show_banner(f"This address is already in the library as \u201c{existing.title}\u201d; "
                           "that source is selected.")
        return dialog
    dialog = open_link_dialog(window, claim_id, search_text="")
    dialog.new_source(services.SourceInput(url=url))
    return dialog
