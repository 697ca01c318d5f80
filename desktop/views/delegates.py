"""Painting for the claims table: coloured status/verdict pills, search highlights.

Pill colours come from ``workflow.colour()``: mid-tone backgrounds chosen to
carry white text, so a pill reads the same on light and dark palettes.
Highlighted words get a yellow background with black text for the same reason.
"""

from __future__ import annotations

import functools
import math
import re

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPixmap
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


_LINE_BREAK = re.compile("[\n\r\u2028\u2029]")

PILL_CACHE = 256  # pills kept drawn; a column shows one per label in use (more only while cut narrow)
PILL_PAD_X, PILL_PAD_Y = 7, 2


def _draw_pill(text: str, fill: QColor, font, width: int, cell_height: int, ratio: float) -> QPixmap:
    """A rounded ``fill`` label with white ``text`` in ``font``, ``width`` wide, elided to fit."""
    metrics = QFontMetrics(font)
    width = max(1, width)
    height = max(1, min(metrics.height() + 2 * PILL_PAD_Y, cell_height - 2))
    pixmap = QPixmap(math.ceil(width * ratio), math.ceil(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        box = QRectF(0, 0, width, height)
        painter.drawRoundedRect(box, height / 2, height / 2)
        painter.setPen(QColor("#ffffff"))
        painter.setFont(font)
        inner = width - 2 * PILL_PAD_X
        shown = text if metrics.horizontalAdvance(text) <= inner + 1 else metrics.elidedText(
            text, Qt.TextElideMode.ElideRight, inner)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shown)
    finally:
        painter.end()
    return pixmap


class PillDelegate(QStyledItemDelegate):
    """A rounded coloured label with white text (status or verdict).

    The style draws the cell (background, selection, focus) with its text left out
    (``initStyleOption``); the pill goes on top. Nothing here names ``QStyle``, whose 20
    enumerations PySide makes at the first mention: 6 ms of the start-up's first paint."""

    def __init__(self, vocabulary: str, parent=None):
        super().__init__(parent)
        self.vocabulary = vocabulary
        self._painting = False
        self._pixmaps: dict[tuple, QPixmap] = {}
        self._widths: dict[tuple[str, str], int] = {}  # a label's pill width with room to spare

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
        rect = option.rect.adjusted(4, 0, -4, 0)
        pill = self._pill(text, term, option.font, rect.width(), rect.height(), painter.device().devicePixelRatioF())
        tall = round(pill.height() / pill.devicePixelRatio())
        painter.drawPixmap(QPoint(rect.left(), rect.top() + (rect.height() - tall) // 2 + 1), pill)

    def _pill(self, text: str, term: str, font, room: int, cell_height: int, ratio: float) -> QPixmap:
        """The pill as a pixmap, drawn once per label, colour, font, width and height: a page shows a
        handful, and a column narrower than a label gets that label cut to it."""
        font_key = font.key()
        natural = self._widths.get((text, font_key))
        if natural is None:
            natural = self._widths[(text, font_key)] = QFontMetrics(font).horizontalAdvance(text) + 2 * PILL_PAD_X
        fill = colour(self.vocabulary, term)
        key = (text, fill, font_key, min(natural, room), cell_height, ratio)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            if len(self._pixmaps) >= PILL_CACHE:
                self._pixmaps.clear()
                self._widths.clear()
            pixmap = self._pixmaps[key] = _draw_pill(text, QColor(fill), font, min(natural, room), cell_height, ratio)
        return pixmap

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        size.setWidth(size.width() + 22)
        return size


class HighlightDelegate(QStyledItemDelegate):
    """Plain text with the words of the current search highlighted (the claim, claimant and tags columns:
    the search matches all three).

    An ASCII cell with nothing to mark is drawn by the style, in C++. Any other is elided and drawn
    here, which is also quicker for text beyond ASCII (Burmese above all), and looks the same."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.terms: list[str] = []
        self._marking = None  # (QTextLayout, one-line option, hit format): made at the first cell to mark

    def set_terms(self, terms: list[str]) -> None:
        self.terms = list(terms)

    def paint(self, painter, option, index):
        text = index.data(Qt.ItemDataRole.DisplayRole)
        marked = bool(self.terms) and bool(match_spans(text, self.terms))
        if not marked and (not text or text.isascii() or _LINE_BREAK.search(text)):
            # Nothing to mark: the style's own drawing, all in C++ (and its way with a line break, which
            # single-line fields never hold: it elides at the break).
            super().paint(painter, option, index)
            return
        # A cell to mark, or text beyond ASCII: the style lays such text out three times to elide it
        # (a screen of Burmese headlines: 9-10 ms by the style, 6-7 here).
        from PySide6.QtWidgets import QStyle  # only for such cells (see PillDelegate)

        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget).adjusted(3, 0, -3, 0)
        shown = opt.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        painter.save()
        painter.setPen(opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        if marked:
            # One layout of the shown text, the hits as formats: the text is shaped to elide it and once
            # more to draw it, where measuring and drawing each piece shaped it three times.
            text_layout, one_line, hit_format = self._marking or self._make_marking()
            layout = text_layout(shown, opt.font)
            layout.setTextOption(one_line)
            hits = []
            for start, end in match_spans(shown, self.terms):
                hit = text_layout.FormatRange()
                hit.start, hit.length, hit.format = start, end - start, hit_format
                hits.append(hit)
            layout.setFormats(hits)
            layout.beginLayout()
            line = layout.createLine()
            line.setLineWidth(rect.width() + 1)
            layout.endLayout()
            layout.draw(painter, QPointF(rect.left(), rect.top() + (rect.height() - line.height()) / 2))
        else:
            painter.setFont(opt.font)
            painter.drawText(rect, opt.displayAlignment, shown)
        painter.restore()

    def _make_marking(self):
        # Not at import: PySide makes QTextCharFormat's type at its first mention, 1.7 ms of start-up.
        from PySide6.QtGui import QTextCharFormat, QTextLayout, QTextOption

        one_line = QTextOption()
        one_line.setWrapMode(QTextOption.WrapMode.NoWrap)
        hit_format = QTextCharFormat()
        hit_format.setBackground(HIGHLIGHT_BG)
        hit_format.setForeground(HIGHLIGHT_FG)
        self._marking = (QTextLayout, one_line, hit_format)
        return self._marking
