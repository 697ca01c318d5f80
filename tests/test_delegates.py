"""The claims table's painting, read back from the pixels of a real view.

Pills are drawn once per label and size and then reused; highlights are laid
out with the words of the search as formats. Both are checked where it shows:
the colour of the pixels in each cell.
"""

from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView

from desktop.views.claims_model import TERM_ROLE
from desktop.views.delegates import HIGHLIGHT_BG, HighlightDelegate, PillDelegate
from desktop.workflow import colour


def _view(qtbot, rows, delegate_for, width=320):
    model = QStandardItemModel(len(rows), 1)
    for row, (text, term) in enumerate(rows):
        item = QStandardItem(text)
        item.setData(term, TERM_ROLE)
        model.setItem(row, 0, item)
    view = QTableView()
    view.setModel(model)
    delegate = delegate_for(view)
    view.setItemDelegateForColumn(0, delegate)
    view.horizontalHeader().resizeSection(0, width)
    view.resize(width + 700, 40 * len(rows) + 60)  # room to its right, where nothing may spill
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.clearSelection()
    view.setCurrentIndex(model.index(-1, -1))
    return view, model, delegate


def _columns_of(view, model, row, wanted: QColor) -> list[int]:
    """The x of each pixel of ``wanted`` colour on the cell's middle line (viewport coordinates)."""
    image = view.viewport().grab().toImage()
    rect = view.visualRect(model.index(row, 0))
    y = rect.center().y()
    return [x for x in range(0, image.width()) if image.pixelColor(x, y).rgb() == wanted.rgb()]


def test_pills_in_the_colour_of_their_term_within_their_cell(qtbot):
    rows = [("Final", "final"), ("Needs review", "needs_review"), ("Final", "final")]
    view, model, delegate = _view(qtbot, rows, lambda v: PillDelegate("status", v))
    final, review = QColor(colour("status", "final")), QColor(colour("status", "needs_review"))
    assert final.rgb() != review.rgb()
    cell = view.visualRect(model.index(0, 0))
    on_final = _columns_of(view, model, 0, final)
    assert on_final and cell.left() <= min(on_final) and max(on_final) < cell.left() + cell.width() // 2
    assert _columns_of(view, model, 1, review) and not _columns_of(view, model, 1, final)
    assert _columns_of(view, model, 2, final) == on_final  # the same label, the same pill
    assert len(delegate._pixmaps) == 2  # drawn once for both "Final" rows
    for wider in (400, 480):  # a wider column: the same pills
        view.horizontalHeader().resizeSection(0, wider)
        assert _columns_of(view, model, 0, final) == on_final
    assert len(delegate._pixmaps) == 2

    view.horizontalHeader().resizeSection(0, 40)  # narrower than the label: the pill keeps to its cell
    narrow = view.visualRect(model.index(1, 0))
    on_review = _columns_of(view, model, 1, review)
    assert on_review and max(on_review) <= narrow.right()


def test_pill_of_an_unknown_term_is_grey_and_a_cell_without_one_is_bare(qtbot):
    view, model, _delegate = _view(qtbot, [("Odd", "no-such-term"), ("", None)], lambda v: PillDelegate("status", v))
    grey = QColor(colour("status", "no-such-term"))
    assert _columns_of(view, model, 0, grey)
    assert not _columns_of(view, model, 1, grey)


def test_highlight_where_the_word_is_shown(qtbot):
    rows = [("Army patrols seen near the river", None), ("Near the river, the army patrols", None),
            ("Nothing to see here at all", None),
            ("A very long sentence that runs on and on past the edge of its cell before the army", None)]

    def highlighter(view):
        delegate = HighlightDelegate(view)
        delegate.set_terms(["army"])
        return delegate

    view, model, _delegate = _view(qtbot, rows, highlighter, width=260)
    cell = view.visualRect(model.index(0, 0))
    first, second = _columns_of(view, model, 0, HIGHLIGHT_BG), _columns_of(view, model, 1, HIGHLIGHT_BG)
    assert first and min(first) < cell.left() + 20  # "Army" opens the line
    assert second and min(second) > max(first)  # "army" is further along
    assert not _columns_of(view, model, 2, HIGHLIGHT_BG)
    assert not _columns_of(view, model, 3, HIGHLIGHT_BG)  # cut off by the elision: nothing to mark


def test_no_highlight_without_a_search(qtbot):
    view, model, _delegate = _view(qtbot, [("Army patrols seen near the river", None)], HighlightDelegate)
    assert not _columns_of(view, model, 0, HIGHLIGHT_BG)


def test_text_beyond_ascii_is_drawn_as_the_style_draws_it(qtbot):
    """Cells with nothing to mark and text beyond ASCII are elided and drawn here, not by the style (which
    lays such text out three times): they must look the same, plain, selected and cut short."""
    from PySide6.QtWidgets import QStyledItemDelegate

    from desktop.views.tables import record_table

    texts = ["Café owners said the curfew “cost them half their trade” over the week", "Zoë Ng",
             "Łódź: two reports disagree on the figures", "قال المتحدث إن القوات انسحبت",
             "Zoë said:\nthe second line"]  # a line break (no single-line field holds one)

    def shot(delegate_for, selected: int | None):
        model = QStandardItemModel(len(texts), 2)
        for row, text in enumerate(texts):
            model.setItem(row, 0, QStandardItem(text))
            model.setItem(row, 1, QStandardItem(text))
        view = record_table(model, "claims_view", multi_select=True)
        view.setItemDelegate(delegate_for(view))
        view.setColumnWidth(0, 240)
        view.setColumnWidth(1, 70)  # every text cut short
        view.resize(420, 200)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        view.setCurrentIndex(model.index(-1, -1))
        view.clearSelection()
        if selected is not None:
            view.selectRow(selected)
        return view.viewport().grab().toImage()

    def searching(view):
        delegate = HighlightDelegate(view)
        delegate.set_terms(["nowhere"])  # a search that none of these cells shows
        return delegate

    for selected in (None, 2):
        drawn_here = shot(searching, selected)
        assert drawn_here == shot(QStyledItemDelegate, selected)
        assert drawn_here != shot(QStyledItemDelegate, 1 if selected is None else None)  # the images tell apart
