"""The "History" section of the claim detail pane: a read-only timeline.

Newest change first: what changed (old -> new, labels through
``workflow.label``), who, when (local time) and the reason. Changes made
after the claim was first published (``is_correction``) carry a visible
"Correction" badge. Everything is plain text; nothing here can be edited or
deleted.
"""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop import workflow
from desktop.models import History

SHOWN = 200  # most recent changes shown; older ones are counted
VALUE_CHARS = 280

FIELD_LABELS = {
    "status": "Status",
    "verdict": "Verdict",
    "verdict_explanation": "Verdict explanation",
    "text": "Claim text",
    "short_text": "Short text",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def value_text(field: str, value: str | None) -> str:
    if field in ("status", "verdict"):
        return workflow.label(field, value) or "none"
    if value is None or value == "":
        return "(empty)"
    value = " ".join(value.split())
    return value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "\u2026"


def describe(row: History) -> tuple[str, str]:
    """(what, change) as shown on the card."""
    if row.field == "created":
        return "Logged", value_text("text", row.new_value)
    if row.field == "trash":
        if row.old_value == "restored":
            return "Trash", "Restored from the trash"
        return "Trash", "Moved to the trash"
    return field_label(row.field), (
        f"{value_text(row.field, row.old_value)}  \u2192  {value_text(row.field, row.new_value)}"
    )


def local_time(at: str) -> str:
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return at or ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _plain(text: str, *, wrap: bool = True, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class HistoryEntry(QFrame):
    """One change, as a small card."""

    def __init__(self, row: History, parent=None):
        super().__init__(parent)
        self.row = row
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("historyEntry")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        head = QHBoxLayout()
        head.setSpacing(6)
        what_text, change_text = describe(row)
        what = _plain(what_text, wrap=False, name="historyWhat")
        font = what.font()
        font.setBold(True)
        what.setFont(font)
        head.addWidget(what)
        if row.is_correction:
            badge = _plain("Correction", wrap=False, name="correctionBadge")
            badge.setStyleSheet(
                "QLabel#correctionBadge { background: #b34700; color: white; border-radius: 3px; padding: 0 6px; }"
            )
            head.addWidget(badge)
        head.addStretch(1)
        layout.addLayout(head)
        self.change_label = _plain(change_text, name="historyChange")
        layout.addWidget(self.change_label)
        who = row.who or "(no name given)"
        self.who_label = _plain(f"{local_time(row.at)} \u00b7 {who}", name="historyWho")
        layout.addWidget(self.who_label)
        self.reason_label = None
        if row.reason:
            self.reason_label = _plain(f"Reason: {row.reason}", name="historyReason")
            font = self.reason_label.font()
            font.setItalic(True)
            self.reason_label.setFont(font)
            layout.addWidget(self.reason_label)

    def text(self) -> str:
        """Everything the card shows, for tests and accessibility."""
        parts = [describe(self.row)[0]]
        if self.row.is_correction:
            parts.append("Correction")
        parts += [self.change_label.text(), self.who_label.text()]
        if self.reason_label is not None:
            parts.append(self.reason_label.text())
        return " | ".join(parts)


class HistoryPanel(QWidget):
    def __init__(self, window=None, parent=None):
        super().__init__(parent)
        self.claim_id: int | None = None
        self.entries: list[HistoryEntry] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.empty_label = _plain("No changes recorded yet.", name="historyEmpty")
        self.empty_label.setEnabled(False)
        self._layout.addWidget(self.empty_label)
        self.more_label = _plain("", name="historyMore")
        self.more_label.setEnabled(False)
        self._layout.addWidget(self.more_label)
        self.more_label.hide()
        if window is not None:
            window.signals.claims_changed.connect(self._claims_changed)
            # Trash and restore are recorded in History too, and arrive as removals.
            window.signals.claims_removed.connect(self._claims_changed)
            window.signals.database_replaced.connect(self.reload)

    def _claims_changed(self, ids) -> None:
        if self.claim_id is not None and (not ids or self.claim_id in ids):
            self.reload()

    def set_claim(self, claim_id: int | None) -> None:
        self.claim_id = claim_id
        self.reload()

    def reload(self) -> None:
        for entry in self.entries:
            self._layout.removeWidget(entry)
            entry.hide()  # deleteLater waits for the event loop; never paint a stale card meanwhile
            entry.deleteLater()
        self.entries = []
        rows, total = [], 0
        if self.claim_id is not None:
            query = History.select().where(History.claim == self.claim_id)
            total = query.count()
            rows = list(query.order_by(History.at.desc(), History.id.desc()).limit(SHOWN))
        for n, row in enumerate(rows):
            entry = HistoryEntry(row)
            self._layout.insertWidget(n, entry)
            self.entries.append(entry)
        self.empty_label.setVisible(self.claim_id is not None and not rows)
        self.more_label.setVisible(total > len(rows))
        self.more_label.setText(f"{total - len(rows):,} older changes not shown.")

    def texts(self) -> list[str]:
        return [entry.text() for entry in self.entries]


def install(window) -> None:
    panel = HistoryPanel(window)
    window.detail.add_section("history", "History", panel)
    window.history_panel = panel
