"""The "Claim" section of the detail pane: everything stored about one claim.

All user data is shown as plain text. The full text, the claimant and the
tags (all three matched by the search) sit in read-only text views so the
words of the current search can be highlighted with character formats (no
HTML is ever built from user data). Links open only through
``desktop.views.open_url.open_url``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from peewee import fn

from desktop.models import Claim, ClaimTag, Tag
from desktop.views.claims_model import local_time
from desktop.views.delegates import HIGHLIGHT_BG, HIGHLIGHT_FG, match_spans
from desktop.workflow import PRIORITIES, label


def _open_url_function():
    try:
        from desktop.views.open_url import open_url
    except ImportError:
        return None
    return open_url


def _tag_names(claim_id: int) -> list[str]:
    rows = (Tag.select(Tag.name).join(ClaimTag).where(ClaimTag.claim == claim_id)
            .order_by(fn.lower(Tag.name)).tuples())
    return [name for (name,) in rows]


class _TextView(QTextEdit):
    """Read-only plain text that grows to fit its content. ``flush``: no margin around the text, so a value
    lines up with the labels of the form's other rows."""

    def __init__(self, parent=None, flush: bool = False):
        super().__init__(parent)
        self._pad = 0 if flush else 4
        if flush:
            self.document().setDocumentMargin(0)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit())

    def _fit(self) -> None:
        height = math.ceil(self.document().size().height()) + self._pad
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def show_text(self, text: str, terms: list[str]) -> None:
        self.setPlainText(text)
        fmt = QTextCharFormat()
        fmt.setBackground(HIGHLIGHT_BG)
        fmt.setForeground(HIGHLIGHT_FG)
        for start, end in match_spans(text, terms):
            cursor = QTextCursor(self.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)
        self._fit()


def _value_label() -> QLabel:
    label_ = QLabel()
    label_.setTextFormat(Qt.TextFormat.PlainText)
    label_.setWordWrap(True)
    label_.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label_


class ClaimDetails(QWidget):
    """``set_claim(claim_id or None)``; ``set_terms(words)`` for highlighting."""

    FIELDS = [
        ("short_text", "Short text"),
        ("claimant", "Claimant"),
        ("claimed_on", "Claimed on"),
        ("status", "Status"),
        ("verdict", "Verdict"),
        ("location", "Location"),
        ("language", "Language"),
        ("tags", "Tags"),
        ("priority", "Priority"),
        ("created_at", "Logged"),
        ("updated_at", "Last updated"),
        ("deleted_at", "In the trash since"),
    ]
    MARKED = ("claimant", "tags")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._claim_id: int | None = None
        self._terms: list[str] = []
        self.placeholder = QLabel("Select a claim to see its details.")
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.text_view = _TextView()
        self.values: dict[str, QLabel | _TextView] = {}
        self.form = form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # The claimant and tags are matched by the search too: shown as the text is, to mark its words.
        self.marked_values = {key: _TextView(flush=True) for key in self.MARKED}
        for key, title in self.FIELDS:
            self.values[key] = self.marked_values.get(key) or _value_label()
            form.addRow(title, self.values[key])
        # Web addresses have long runs without a space: a QTextEdit wraps them anywhere
        # (its default), where a QLabel would widen the whole pane past its splitter.
        self.url_label = _TextView(flush=True)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the appearance in the web browser")
        self.open_button.clicked.connect(self._open_appearance)
        url_row = QHBoxLayout()
        url_row.setContentsMargins(0, 0, 0, 0)
        url_row.addWidget(self.url_label, 1)
        url_row.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow("Appearance", url_row)
        self.others_label = _TextView(flush=True)
        form.addRow("Other appearances", self.others_label)
        self.context_view = _TextView()
        self.body = QWidget()
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.text_view)
        body_layout.addLayout(form)
        self.context_title = QLabel("Context and notes")
        self.context_title.setTextFormat(Qt.TextFormat.PlainText)
        body_layout.addWidget(self.context_title)
        body_layout.addWidget(self.context_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.body)
        self.set_claim(None)

    def claim_id(self) -> int | None:
        return self._claim_id

    def set_terms(self, terms: list[str]) -> None:
        self._terms = list(terms)
        self.set_claim(self._claim_id)

    def set_claim(self, claim_id: int | None) -> None:
        self._claim_id = claim_id
        claim = Claim.get_or_none(Claim.id == claim_id) if claim_id is not None else None
        self.placeholder.setVisible(claim is None)
        self.body.setVisible(claim is not None)
        if claim is None:
            return
        self.text_view.show_text(claim.text, self._terms)
        shown = {
            "short_text": claim.short_text,
            "claimant": claim.claimant_name,
            "claimed_on": claim.claimed_on,
            "status": label("status", claim.status),
            "verdict": label("verdict", claim.verdict) or "No verdict yet",
            "location": claim.location,
            "language": claim.language,
            "tags": "; ".join(_tag_names(claim.id)),
            "priority": PRIORITIES.get(claim.priority, str(claim.priority)),
            "created_at": local_time(claim.created_at),
            "updated_at": local_time(claim.updated_at),
            "deleted_at": local_time(claim.deleted_at),
        }
        for key, value in shown.items():
            if key in self.marked_values:
                self.marked_values[key].show_text(value or "\u2014", self._terms)
            else:
                self.values[key].setText(value or "\u2014")
        self.form.setRowVisible(self.values["deleted_at"], bool(claim.deleted_at))
        self.url_label.show_text(claim.appearance_url or "\u2014", [])
        self.open_button.setVisible(bool(claim.appearance_url) and _open_url_function() is not None)
        self.others_label.show_text(claim.other_appearances or "\u2014", [])
        self.context_view.show_text(claim.context, self._terms)
        self.context_title.setVisible(bool(claim.context))
        self.context_view.setVisible(bool(claim.context))

    def _open_appearance(self) -> None:
        open_url = _open_url_function()
        claim = Claim.get_or_none(Claim.id == self._claim_id) if self._claim_id is not None else None
        if open_url is not None and claim is not None and claim.appearance_url:
            open_url(claim.appearance_url, self)
