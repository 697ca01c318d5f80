"""The look every record table shares (claims, sources): rows, not cells."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def record_table(model, object_name: str, *, multi_select: bool) -> QTableView:
    """A QTableView over ``model`` that selects whole rows, one line high each."""
    view = QTableView()
    view.setObjectName(object_name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection if multi_select
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setShowGrid(False)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    return view


def select_row(view: QTableView, row: int | None) -> bool:
    """Make ``row`` the current, selected and visible row; False when there is none."""
    if row is None:
        return False
    index = view.model().index(row, 0)
    view.selectRow(row)
    view.setCurrentIndex(index)
    view.scrollTo(index)
    return True
