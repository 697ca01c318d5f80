"""The claim's evidence in the detail pane, "Link source..." and paste/drop of a URL on a claim.

The section groups the links by stance with counts ("2 support, 1 refutes,
1 context"), shows each quote as plain text, the source title (opened with
``open_url``), the locator and note, with Edit and Remove buttons (undoable).

``install(window)`` adds the section, the Claim menu action, and hooks the
claims table (``window.claims_view``) so that Ctrl+V of a web address on a
selected claim, or dropping a link from a browser onto a claim row, starts a
link with that address filled in.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models import Claim, Evidence, Source
from desktop.urls import url_problem
from desktop.workflow import colour, label
from desktop.views.open_url import open_url
from desktop.views.sources_model import plain_tooltip

GROUP_ORDER = ("supports", "refutes", "context", "appearance")
SHOWN_LIMIT = 200  # links drawn per claim; the rest are counted


def stance_summary(counts: dict[str, int]) -> str:
    """'2 support, 1 refutes, 1 context, 1 appearance' (stances with none are left out)."""
    parts = []
    for stance in GROUP_ORDER:
        n = counts.get(stance, 0)
        if not n:
            continue
        if stance == "supports":
            parts.append(f"{n} supports" if n == 1 else f"{n} support")
        elif stance == "refutes":
            parts.append(f"{n} refutes" if n == 1 else f"{n} refute")
        elif stance == "appearance":
            parts.append(f"{n} appearance" if n == 1 else f"{n} appearances")
        else:
            parts.append(f"{n} {stance}")
    return ", ".join(parts) if parts else "No sources linked yet"


def _plain(text: str = "", *, italic: bool = False, small: bool = False) -> QLabel:
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(True)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    widget.setText(text)
    if italic or small:
        font = widget.font()
        font.setItalic(italic)
        if small:
            font.setPointSizeF(font.pointSizeF() * 0.9)
        widget.setFont(font)
    return widget


class EvidenceItem(QFrame):
    """One link: source title (opens its address), quote, locator, note, Edit / Remove."""

    def __init__(self, panel, row, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        eid, stance, quote, locator, note, sid, title, publisher, url, kind = row
        self.evidence_id, self.source_id, self.url = eid, sid, url or ""
        if self.url:
            # The title is user data: escaped, inside a link whose target is a
            # fixed token; the address itself goes to open_url, never to Qt.
            self.title = QLabel(f'<a href="open-source">{html.escape(title)}</a>')
            self.title.setTextFormat(Qt.TextFormat.RichText)
            self.title.setOpenExternalLinks(False)
            self.title.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                               | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
            self.title.linkActivated.connect(lambda _href: open_url(self.url, self))
            self.title.setToolTip(plain_tooltip(self.url))
            self.title.setWordWrap(True)
        else:
            self.title = _plain(title)
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.edit_button = QPushButton("Edit\u2026")
        self.remove_button = QPushButton("Remove")
        self.edit_button.setToolTip("Edit the stance, quote, locator or note")
        self.remove_button.setToolTip("Remove this link (Undo puts it back)")
        self.edit_button.clicked.connect(lambda: panel.edit_link(self.evidence_id))
        self.remove_button.clicked.connect(lambda: panel.remove_link(self.evidence_id))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        meta = " \u00b7 ".join(x for x in (publisher, label("kind", kind)) if x)
        if meta:
            layout.addWidget(_plain(meta, small=True))
        self.quote = _plain(f"\u201c{quote}\u201d" if quote else "(no quote)", italic=bool(quote))
        layout.addWidget(self.quote)
        extra = " \u00b7 ".join(x for x in (locator and f"at {locator}", note and f"note: {note}") if x)
        if extra:
            layout.addWidget(_plain(extra, small=True))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)


class EvidencePanel(QWidget):
    """The detail-pane section: evidence grouped by stance, with counts."""

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.claim_id: int | None = None
        self.source_ids: set[int] = set()
        self.items: list[EvidenceItem] = []
        self.summary = _plain()
        self.link_button = QPushButton("Link source\u2026")
        self.link_button.clicked.connect(self.link_source)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.link_button)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self.body)
        window.signals.claims_changed.connect(self._claims_changed)
        window.signals.sources_changed.connect(self._sources_changed)
        window.signals.database_replaced.connect(self.refresh)
        self.set_claim(None)

    def set_claim(self, claim_id: int | None) -> None:
        self.claim_id = claim_id
        self.refresh()

    def _clear(self) -> None:
        while self.body.count():
            item = self.body.takeAt(0)
            if item.widget() is not None:
                # Hidden at once: deleteLater only runs when the event loop gets back control.
                item.widget().hide()
                item.widget().deleteLater()
        self.items = []

    def refresh(self) -> None:
        self._clear()
        self.source_ids = set()
        claim = Claim.get_or_none(Claim.id == self.claim_id) if self.claim_id is not None else None
        writable = not getattr(self.window_, "read_only", False)
        if claim is None:
            self.claim_id = None
            self.summary.setText("No claim selected")
            self.link_button.setEnabled(False)
            return
        # A final claim's sources change only after reopening it (the service refuses too).
        changeable = writable and claim.deleted_at is None and claim.status != "final"
        self.link_button.setEnabled(changeable)
        why = ("" if changeable else "Reopen the claim to change its sources." if claim.status == "final"
               else "Restore the claim from the trash to change its sources." if claim.deleted_at
               else "The database is open read-only.")
        self.link_button.setToolTip(why or "Link a source to this claim (Ctrl+L)")
        rows = list(
            Evidence.select(Evidence.id, Evidence.stance, Evidence.quote, Evidence.locator, Evidence.note,
                            Source.id, Source.title, Source.publisher, Source.url, Source.kind)
            .join(Source, on=(Evidence.source == Source.id))
            .where(Evidence.claim == claim.id)
            .order_by(Evidence.created_at, Evidence.id)
            .limit(SHOWN_LIMIT)
            .tuples()
        )
        counts = {"supports": claim.n_supports, "refutes": claim.n_refutes, "context": claim.n_context,
                  "appearance": claim.n_appearance}
        self.summary.setText(stance_summary(counts))
        groups: dict[str, list] = {s: [] for s in GROUP_ORDER}
        for row in rows:
            groups.setdefault(row[1], []).append(row)
            self.source_ids.add(row[5])
        for stance, members in groups.items():
            if not members:
                continue
            heading = QLabel()
            heading.setTextFormat(Qt.TextFormat.PlainText)
            heading.setText(f"{label('stance', stance)} ({len(members)})")
            heading.setStyleSheet(f"color: {colour('stance', stance)}; font-weight: bold;")
            self.body.addWidget(heading)
            for row in members:
                item = EvidenceItem(self, row)
                for button in (item.edit_button, item.remove_button):
                    button.setEnabled(changeable)
                    if why:
                        button.setToolTip(why)
                self.body.addWidget(item)
                self.items.append(item)
        if claim.n_sources > len(rows):
            self.body.addWidget(_plain(f"\u2026 and {claim.n_sources - len(rows):,} more links.", small=True))

    def _claims_changed(self, ids) -> None:
        if self.claim_id is not None and (not ids or self.claim_id in ids):
            self.refresh()

    def _sources_changed(self, ids) -> None:
        if self.claim_id is not None and (not ids or self.source_ids.intersection(ids)):
            self.refresh()

    # -- actions ---------------------------------------------------------
    def link_source(self):
        if self.claim_id is None or getattr(self.window_, "read_only", False):
            return None
        from desktop.views import link_dialog

        return link_dialog.open_link_dialog(self.window_, self.claim_id)

    def edit_link(self, evidence_id: int):
        if self.claim_id is None or getattr(self.window_, "read_only", False):
            return None
        from desktop.views import link_dialog

        return link_dialog.open_link_dialog(self.window_, self.claim_id, evidence_id=evidence_id)

    def remove_link(self, evidence_id: int) -> bool:
        if getattr(self.window_, "read_only", False):
            return False
        from desktop.views import link_dialog

        return link_dialog.remove_link(self.window_, evidence_id)


# -- paste and drop of a URL on a claim ----------------------------------------
def web_address_in(text: str | None) -> str | None:
    """The single http(s) address a pasted or dropped text is, or None."""
    text = (text or "").strip()
    if not text or "\n" in text or not text.lower().startswith(("http://", "https://")):
        return None
    return text if url_problem(text) is None else None


def _claim_id_at(view, index) -> int | None:
    if not index.isValid():
        return None
    model = view.model()
    if hasattr(model, "claim_id"):
        return model.claim_id(index.row())
    value = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
    return int(value) if isinstance(value, int) else None


def _dropped_url(mime) -> str | None:
    if mime.hasUrls() and mime.urls():
        return web_address_in(bytes(mime.urls()[0].toEncoded()).decode("utf-8", "replace"))
    if mime.hasText():
        return web_address_in(mime.text())
    return None


class ClaimUrlHook(QObject):
    """Event filter on the claims table (paste) and its viewport (drag and drop)."""

    def __init__(self, window, view):
        super().__init__(view)
        self.window = window
        self.view = view
        self.viewport = view.viewport()
        view.setAcceptDrops(True)
        self.viewport.setAcceptDrops(True)
        view.installEventFilter(self)
        self.viewport.installEventFilter(self)

    def _writable(self) -> bool:
        return not getattr(self.window, "read_only", False)

    def eventFilter(self, obj, event):
        # While the window is torn down, Qt can still deliver events to a
        # wrapper whose Python attributes are already gone: ignore them.
        if getattr(self, "viewport", None) is None:
            return False
        try:
            return self._filter(obj, event)
        except RuntimeError:  # the table is being destroyed
            return False

    def _filter(self, obj, event) -> bool:
        kind = event.type()
        if obj is self.view and kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            if event.matches(QKeySequence.StandardKey.Paste) and self._writable():
                url = web_address_in(QGuiApplication.clipboard().text())
                claim_id = self.window.current_claim_id()
                if url and claim_id is not None:
                    event.accept()
                    if kind == QEvent.Type.KeyPress:
                        from desktop.views import link_dialog

                        link_dialog.start_link_with_url(self.window, claim_id, url)
                    return True
            return False
        if obj is self.viewport and kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            url = _dropped_url(event.mimeData())
            if url is None or not self._writable():
                return False
            pos = event.position().toPoint()
            claim_id = _claim_id_at(self.view, self.view.indexAt(pos))
            if kind == QEvent.Type.DragEnter:
                event.acceptProposedAction()
                return True
            if claim_id is None:
                event.ignore()
                return True
            event.acceptProposedAction()
            if kind == QEvent.Type.Drop:
                from desktop.views import link_dialog

                link_dialog.start_link_with_url(self.window, claim_id, url)
            return True
        return False


def hook_claims_view(window) -> bool:
    """Install the paste/drop hook on window.claims_view once it exists."""
    view = getattr(window, "claims_view", None)
    if view is None or getattr(window, "_claim_url_hook", None) is not None:
        return view is not None
    window._claim_url_hook = ClaimUrlHook(window, view)
    return True


def install(window) -> None:
    panel = EvidencePanel(window)
    window.evidence_panel = panel
    window.detail.add_section("evidence", "Evidence", panel)

    action = QAction("&Link source\u2026", window)
    action.setShortcut(QKeySequence("Ctrl+L"))
    action.setStatusTip("Link the selected claim to a source, with stance and quote")

    def link():
        claim_id = window.current_claim_id()
        if claim_id is None or getattr(window, "read_only", False):
            return
        from desktop.views import link_dialog

        link_dialog.open_link_dialog(window, claim_id)

    action.triggered.connect(link)
    window.menus["claim"].addAction(action)
    window.edit_actions.append(action)
    window.link_source_action = action
    if not hook_claims_view(window):
        # The claims table may be installed by a feature listed after this one.
        QTimer.singleShot(0, lambda: hook_claims_view(window))
