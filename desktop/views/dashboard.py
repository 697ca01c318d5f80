"""The Dashboard page: counts and trends for the claims matching the current filter.

Charts are painted with QPainter (we ship PySide6-Essentials, without
QtCharts). Bars use the vocabulary colours from ``workflow`` (mid-tones that
read on light and dark backgrounds); text, axes and grid lines come from the
widget's palette, so the page follows the light or dark theme.

The numbers come from ``desktop.dashboard_data`` (SQL only), computed off the
GUI thread; the page refreshes when it is shown and the filter or the data
changed. "Export PNG..." saves what is shown (``QFileDialog``, patchable).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop import dashboard_data, search, workflow
from desktop.views import worker

LOGGED_COLOUR = "#1a66c2"
FINALISED_COLOUR = "#1d7a3a"
NO_VERDICT_COLOUR = "#8a8f98"


def _text_colour(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.WindowText)


def _muted(widget: QWidget) -> QColor:
    colour = QColor(_text_colour(widget))
    colour.setAlphaF(0.25)
    return colour


class ChartBase(QWidget):
    """A titled chart; subclasses paint below the title."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.title = title
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(320)

    def line(self) -> int:
        return self.fontMetrics().height()

    def paint_title(self, painter: QPainter) -> float:
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(_text_colour(self))
        painter.drawText(QRectF(0, 0, self.width(), self.line() * 1.5),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        font.setBold(False)
        painter.setFont(font)
        return self.line() * 1.8


class BarChart(ChartBase):
    """Horizontal bars, optionally stacked: rows of (label, [(value, colour), ...])."""

    def __init__(self, title: str, legend: list[tuple[str, str]] | None = None, parent=None):
        super().__init__(title, parent)
        self.rows: list[tuple[str, list[tuple[int, str]]]] = []
        self.legend = legend or []
        self.empty_text = "Nothing to show for this filter."

    def set_rows(self, rows) -> None:
        self.rows = list(rows)
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:
        extra = 1 if self.legend else 0
        n = max(1, len(self.rows)) + extra
        return QSize(420, int(self.line() * (1.8 + 1.6 * n) + 8))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = self.paint_title(painter)
        fm = self.fontMetrics()
        text = _text_colour(self)
        if not self.rows:
            painter.setPen(text)
            painter.drawText(QRectF(0, top, self.width(), self.line()), Qt.AlignmentFlag.AlignLeft, self.empty_text)
            return
        label_w = min(max(fm.horizontalAdvance(label) for label, _ in self.rows) + 12, int(self.width() * 0.42))
        totals = [sum(v for v, _ in parts) for _, parts in self.rows]
        biggest = max(totals) or 1
        value_w = fm.horizontalAdvance(f"{biggest:,}") + 10
        bar_x = label_w
        bar_span = max(10, self.width() - label_w - value_w)
        row_h = self.line() * 1.6
        for i, (label, parts) in enumerate(self.rows):
            y = top + i * row_h
            painter.setPen(text)
            elided = fm.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 10)
            painter.drawText(QRectF(0, y, label_w - 8, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             elided)
            x = bar_x
            bar_h = self.line() * 1.05
            for value, colour in parts:
                w = bar_span * value / biggest
                painter.fillRect(QRectF(x, y + (row_h - bar_h) / 2, w, bar_h), QColor(colour))
                x += w
            painter.setPen(text)
            painter.drawText(QRectF(x + 5, y, value_w, row_h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             f"{totals[i]:,}")
        if self.legend:
            _paint_legend(painter, self, self.legend, top + len(self.rows) * row_h + 4, bar_x)


def _paint_legend(painter: QPainter, widget: QWidget, legend, y: float, x: float) -> None:
    fm = widget.fontMetrics()
    size = fm.height() * 0.8
    for name, colour in legend:
        painter.fillRect(QRectF(x, y + (fm.height() - size) / 2, size, size), QColor(colour))
        x += size + 5
        painter.setPen(_text_colour(widget))
        painter.drawText(QRectF(x, y, fm.horizontalAdvance(name) + 4, fm.height()), Qt.AlignmentFlag.AlignLeft, name)
        x += fm.horizontalAdvance(name) + 18


class WeekChart(ChartBase):
    """Columns per week: claims logged and claims finalised side by side."""

    def __init__(self, title: str, parent=None):
        super().__init__(title, parent)
        self.weeks: list[tuple[str, int, int]] = []

    def set_weeks(self, weeks) -> None:
        self.weeks = list(weeks)
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, int(self.line() * 16))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        top = self.paint_title(painter)
        fm = self.fontMetrics()
        text = _text_colour(self)
        if not self.weeks:
            painter.setPen(text)
            painter.drawText(QRectF(0, top, self.width(), self.line()), Qt.AlignmentFlag.AlignLeft,
                             "Nothing to show for this filter.")
            return
        biggest = max(max(l, f) for _, l, f in self.weeks) or 1
        axis_w = fm.horizontalAdvance(f"{biggest:,}") + 8
        legend_h = self.line() * 1.4
        label_h = self.line() * 1.4
        plot = QRectF(axis_w, top + self.line() * 0.5, self.width() - axis_w - 4,
                      self.height() - top - label_h - legend_h - self.line() * 0.5)
        painter.setPen(_muted(self))
        for frac in (0.0, 0.5, 1.0):
            y = plot.bottom() - plot.height() * frac
            painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
        painter.setPen(text)
        for frac in (0.0, 0.5, 1.0):
            y = plot.bottom() - plot.height() * frac
            painter.drawText(QRectF(0, y - self.line() / 2, axis_w - 6, self.line()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{round(biggest * frac):,}")
        slot = plot.width() / len(self.weeks)
        bar_w = max(1.0, slot * 0.38)
        every = max(1, int((fm.horizontalAdvance("Mmm 00") + 12) // slot) + 1)
        for i, (week, logged, finalised) in enumerate(self.weeks):
            x = plot.left() + i * slot + slot * 0.1
            for n, (value, colour) in enumerate(((logged, LOGGED_COLOUR), (finalised, FINALISED_COLOUR))):
                h = plot.height() * value / biggest
                painter.fillRect(QRectF(x + n * bar_w, plot.bottom() - h, bar_w, h), QColor(colour))
            if i % every == 0:
                painter.setPen(text)
                painter.drawText(QRectF(x - slot, plot.bottom() + 2, slot * 3, label_h),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, _week_label(week))
        _paint_legend(painter, self, [("Logged", LOGGED_COLOUR), ("Finalised", FINALISED_COLOUR)],
                      self.height() - legend_h + 2, axis_w)


def _week_label(week: str) -> str:
    try:
        return date.fromisoformat(week).strftime("%b %d")
    except ValueError:
        return week


class DashboardPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.data: dashboard_data.Dashboard | None = None
        self.stale = True
        self._task = None
        self._again = False

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.export_button = QPushButton("Export PNG\u2026")
        self.export_button.clicked.connect(self.export_png)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.export_button)

        self.status_chart = BarChart("Claims by work status")
        self.verdict_chart = BarChart("Claims by verdict")
        self.week_chart = WeekChart("Claims logged and finalised per week")
        self.claimant_chart = BarChart(
            "Claimants with the most False or Misleading verdicts",
            legend=[(workflow.label("verdict", "false"), workflow.colour("verdict", "false")),
                    (workflow.label("verdict", "misleading"), workflow.colour("verdict", "misleading"))],
        )
        self.source_chart = BarChart("Sources cited most")

        self.content = QWidget()
        self.content.setAutoFillBackground(True)
        grid = QGridLayout(self.content)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(18)
        grid.addLayout(head, 0, 0, 1, 2)
        grid.addWidget(self.status_chart, 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.verdict_chart, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.week_chart, 2, 0, 1, 2)
        grid.addWidget(self.claimant_chart, 3, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.source_chart, 3, 1, Qt.AlignmentFlag.AlignTop)
        grid.setRowStretch(4, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self._refresh_if_visible)
        signals = getattr(window, "signals", None)
        if signals is not None:
            for signal in (signals.claims_changed, signals.claims_added, signals.claims_removed,
                           signals.sources_changed):
                signal.connect(self.mark_stale)
            signals.database_replaced.connect(self.mark_stale)
        filter_bar = getattr(window, "filter_bar", None)
        if filter_bar is not None:
            filter_bar.filter_changed.connect(self.mark_stale)

    # -- refreshing -------------------------------------------------------------

    def mark_stale(self, *args) -> None:
        self.stale = True
        self._debounce.start()

    def _refresh_if_visible(self) -> None:
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def current_filter(self) -> search.ClaimFilter:
        getter = getattr(self.window, "current_filter", None)
        flt = getter() if getter is not None else search.ClaimFilter()
        return flt.with_(ids=None) if flt.ids is not None and not flt.ids else flt

    def refresh(self) -> None:
        """Recompute off the GUI thread; the charts update when the numbers arrive."""
        if self._task is not None:
            self._again = True
            return
        self.stale = False
        flt = self.current_filter()
        self.summary.setText("Counting\u2026")
        self._task = True  # busy; cleared by _show/_failed (which may run before run_task returns)
        task = worker.run_task(self, dashboard_data.compute, flt, on_done=self._show, on_error=self._failed,
                               lane=_lane(), helper=_lane("helper"))
        if self._task is True:
            self._task = task

    def _done(self) -> None:
        self._task = None
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, exc) -> None:
        self._task = None
        self.summary.setText(f"The dashboard could not be computed: {exc}")
        self._done()

    def _show(self, data: dashboard_data.Dashboard) -> None:
        self._task = None
        self.data = data
        flt = self.current_filter()
        where = "in the trash" if flt.trash else (
            "in the database" if flt.is_default else "matching the current filter")
        self.summary.setText(f"{data.total:,} claims {where} (computed in {data.total_ms:,.0f} ms).")
        self.status_chart.set_rows(
            [(workflow.label("status", s), [(n, workflow.colour("status", s))]) for s, n in data.by_status])
        self.verdict_chart.set_rows(
            [(workflow.label("verdict", v) if v else "No verdict yet",
              [(n, workflow.colour("verdict", v) if v else NO_VERDICT_COLOUR)]) for v, n in data.by_verdict])
        self.week_chart.set_weeks(data.weeks)
        self.claimant_chart.set_rows(
            [(name, [(f, workflow.colour("verdict", "false")), (m, workflow.colour("verdict", "misleading"))])
             for name, f, m in data.top_claimants])
        self.source_chart.set_rows([(title, [(n, LOGGED_COLOUR)]) for title, n in data.top_sources])
        self._done()

    # -- export -------------------------------------------------------------------

    def render_image(self):
        return self.content.grab()

    def export_png(self) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the dashboard as PNG", "dashboard.png",
                                              "PNG images (*.png)")
        if not path:
            return None
        if not path.lower().endswith(".png"):
            path += ".png"
        if not self.render_image().save(path, "PNG"):
            QMessageBox.warning(self, "Dashboard not exported", f"Could not write {path}.")
            return None
        return path


_LANES: dict[str, worker.Lane] = {}


def _lane(role: str = "main") -> worker.Lane:
    """The dashboard's own worker threads (it computes on one and hands part to the other):
    their connections, and page caches, stay between recomputes."""
    if role not in _LANES:
        _LANES[role] = worker.Lane(f"claimlog-dashboard-{role}")
    return _LANES[role]


def install(window) -> None:
    page = DashboardPage(window)
    window.add_page("dashboard", page, "Dashboard")
    window.dashboard = page
