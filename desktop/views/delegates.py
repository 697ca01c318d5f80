"""Painting for the claims table: coloured status/verdict pills, search highlights.

Pill colours come from ``workflow.colour()``: mid-tone backgrounds chosen to
carry white text, so a pill reads the same on light and dark palettes.
Highlighted words get a yellow background with black text for the same reason.
"""

from __future__ import annotations

import functools
import re

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem

from desktop.claim_filter import written_unspaced
from desktop.views.claims_model import TERM_ROLE
from desktop.workflow import colour

HIGHLIGHT_BG = QColor("#ffd54f")
HIGHLIGHT_FG = QColor("#000000")


@functools.lru_cache(maxsize=32)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern:
    """One pattern per search (built once, not on every cell paint); longest terms first.

    As the full-text index matches: a term starts a word ("ar" in "army", not in "shared"), except in
    scripts written without spaces (Burmese...), whose pieces are found inside words."""
    return re.compile("|".join(re.escape(t) if written_unspaced(t) else r"(?<!\w)" + re.escape(t)
                               for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of each term in ``text``, case-insensitive, as the search matched them."""
    if not text or not terms:
        return []
    pattern = _terms_pattern(tuple(terms))
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]


class PillDelegate(QStyledItemDelegate):
    """A rounded coloured label with white text (status or verdict).

    The style draws the cell (background, selection, focus) with its text left out
    (``initStyleOption``); the pill goes on top. Nothing here names ``QStyle``, whose 20
    enumerations PySide makes at the first mention: 6 ms of the start-up's first paint."""

    def __init__(self, vocabulary: str, parent=None):
        super().__init__(parent)
        self.vocabulary = vocabulary
        self._painting = False

    def initStyleOption(self, option, index):
        super().initStyleOption(option, index)
        if self._painting:
            option.text = ""

    def paint(self, painter, option, index):
        self._painting = True
        try:
            super().paint(painter, option, index)
        finally:
            self._painting = False
        text = index.data(Qt.ItemDataRole.DisplayRole)
        term = index.data(TERM_ROLE)
        if not text or not term:
            return
        metrics = option.fontMetrics
        pad_x, pad_y = 7, 2
        rect = option.rect.adjusted(4, 0, -4, 0)
        width = min(metrics.horizontalAdvance(text) + 2 * pad_x, rect.width())
        height = min(metrics.height() + 2 * pad_y, rect.height() - 2)
        pill = QRectF(rect.left(), rect.center().y() - height / 2 + 1, width, height)
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour(self.vocabulary, term)))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor("#ffffff"))
        room = int(pill.width()) - 2 * pad_x
        shown = text if metrics.horizontalAdvance(text) <= room + 1 else metrics.elidedText(
            text, Qt.TextElideMode.ElideRight, room)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)
        painter.restore()

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        size.setWidth(size.width() + 22)
        return size


class HighlightDelegate(QStyledItemDelegate):
    """Plain text with the words of the current search highlighted."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.terms: list[str] = []

    def set_terms(self, terms: list[str]) -> None:
        self.terms = list(terms)

    def paint(self, painter, option, index):
        if not self.terms:
            super().paint(painter, option, index)
            return
        from PySide6.QtWidgets import QStyle  # with a search only (see PillDelegate)

        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget).adjusted(3, 0, -3, 0)
        metrics = opt.fontMetrics
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        spans = match_spans(shown, self.terms)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        normal = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.save()
        painter.setFont(opt.font)
        x = rect.left()
        top, height = rect.top(), rect.height()
        pos = 0
        pieces = []
        for start, end in spans:
            if start > pos:
                pieces.append((shown[pos:start], False))
            pieces.append((shown[start:end], True))
            pos = end
        if pos < len(shown):
            pieces.append((shown[pos:], False))
        for piece, hit in pieces:
            width = metrics.horizontalAdvance(piece)
            box = QRectF(x, top, width, height)
            if hit:
                painter.fillRect(box.adjusted(0, 2, 0, -2), HIGHLIGHT_BG)
                painter.setPen(HIGHLIGHT_FG)
            else:
                painter.setPen(normal)
            painter.drawText(box, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), piece)
            x += width
        painter.restore()
