"""Evidence links from the window: keyboard-only linking, paste and drop of a URL, edit, remove, undo."""

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import drafts, services
from desktop.models import Claim, Evidence, Source
from desktop.views import evidence_panel, link_dialog, source_form
from desktop.views.main_window import MainWindow

Key = Qt.Key


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: seen.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a, **k: seen.append(text))
    return seen


@pytest.fixture
def window(database, qtbot, tmp_path, monkeypatch, warnings):
    monkeypatch.setattr(drafts, "_state_dir_override", tmp_path / "state", raising=False)
    win = MainWindow(database)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    win.undo_stack.clear()


def focused():
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup.focusWidget() or popup
    return QApplication.focusWidget()


def press(key, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(focused(), key, modifier)


def type_text(text):
    QTest.keyClicks(focused(), text)


def active(qtbot, dialog):
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def select(window, qtbot, claim_id):
    window.claims_page.refresh_claims([])
    assert window.select_claim(claim_id)
    qtbot.waitUntil(lambda: window.current_claim_id() == claim_id)
    qtbot.waitUntil(window.detail_settled)  # the detail pane follows one event-loop turn later


def test_stance_summary_wording():
    summary = evidence_panel.stance_summary
    assert summary({"supports": 2, "refutes": 1, "context": 1}) == "2 support, 1 refutes, 1 context"
    assert summary({"supports": 1, "refutes": 3, "appearance": 2}) == "1 supports, 3 refute, 2 appearances"
    assert summary({}) == "No sources linked yet"


def test_link_a_source_with_stance_and_quote_by_keyboard_only(window, qtbot, make_claim, make_source):
    claim = make_claim("The bridge toll rose by half in 2022")
    make_source("Annual roads budget", publisher="Transport office")
    wanted = make_source("Toll schedule published by the bridge authority", publisher="Bridge authority")
    select(window, qtbot, claim.id)
    window.claims_view.setFocus()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    QTest.keyClick(window.claims_view, Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Claim > Link source...
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, link_dialog.LinkDialog) and w.isVisible())
    active(qtbot, dialog)
    assert focused() is dialog.search
    type_text("toll sched")
    qtbot.waitUntil(lambda: dialog._hits and dialog._hits[0][0] == wanted.id)
    press(Key.Key_Return)  # picks the highlighted source, moves to Stance
    assert dialog.source_id == wanted.id
    assert focused() is dialog.stance
    press(Key.Key_Down)  # Supports (the default) -> Refutes
    assert dialog.stance.currentData() == "refutes"
    press(Key.Key_Tab)
    assert focused() is dialog.quote
    type_text("Tolls rose from 4 to 5 units.")
    press(Key.Key_Tab)
    assert focused() is dialog.locator
    type_text("table 2")
    press(Key.Key_Tab)
    assert focused() is dialog.note
    type_text("Only a quarter, not half.")
    with qtbot.waitSignal(dialog.evidence_saved):
        press(Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    link = Evidence.get(Evidence.claim == claim.id)
    assert (link.source_id, link.stance, link.quote, link.locator, link.note) == (
        wanted.id, "refutes", "Tolls rose from 4 to 5 units.", "table 2", "Only a quarter, not half.")
    assert Claim.get_by_id(claim.id).n_refutes == 1
    assert Source.get_by_id(wanted.id).n_claims == 1
    panel = window.evidence_panel
    qtbot.waitUntil(lambda: panel.summary.text() == "1 refutes")
    assert [item.quote.text() for item in panel.items] == ["\u201cTolls rose from 4 to 5 units.\u201d"]
    assert panel.items[0].quote.textFormat() == Qt.TextFormat.PlainText

    window.undo_stack.undo()
    assert Evidence.select().count() == 0
    assert Claim.get_by_id(claim.id).n_refutes == 0
    assert Source.get_by_id(wanted.id).n_claims == 0
    window.undo_stack.redo()
    assert Evidence.get(Evidence.claim == claim.id).quote == "Tolls rose from 4 to 5 units."


def test_new_source_from_the_picker_then_link(window, qtbot, make_claim):
    claim = make_claim("Rice prices fell last month")
    dialog = link_dialog.open_link_dialog(window, claim.id)
    dialog.search.setText("Market price bulletin")
    form = dialog.new_source()
    assert form.title.text() == "Market price bulletin"
    form.kind.setCurrentIndex(form.kind.findData("report"))
    form.url.setText("https://stats.example.org/bulletin?utm_campaign=x")
    form.url.editingFinished.emit()
    form.save()
    source = Source.get(Source.title == "Market price bulletin")
    assert source.url == "https://stats.example.org/bulletin" and source.kind == "report"
    assert dialog.source_id == source.id
    dialog.quote.setPlainText("Prices were 3% lower.")
    dialog.save()
    assert Evidence.get(Evidence.claim == claim.id).source_id == source.id


def test_same_source_twice_needs_a_different_locator(window, qtbot, make_claim, make_source):
    claim, source = make_claim(), make_source()
    services.link_evidence(claim.id, source.id, "supports", locator="p. 1")
    dialog = link_dialog.open_link_dialog(window, claim.id, source_id=source.id)
    dialog.locator.setText("p. 1")
    dialog.save()
    assert dialog.errors["locator"].isVisibleTo(dialog)
    assert "different locator" in dialog.errors["locator"].text()
    assert Evidence.select().count() == 1
    dialog.locator.setText("p. 2")
    dialog.save()
    assert Evidence.select().count() == 2
    dialog.close()


def test_paste_a_url_onto_a_selected_claim(window, qtbot, make_claim, make_source, monkeypatch):
    claim = make_claim("The port handled a record tonnage")
    existing = make_source("Port statistics", url="https://port.example.org/stats")
    select(window, qtbot, claim.id)
    window.claims_view.setFocus()

    # An address the library has: the link dialog opens with that source chosen.
    QGuiApplication.clipboard().setText("https://PORT.example.org:443/stats?fbclid=abc#table")
    QTest.keyClick(window.claims_view, Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, link_dialog.LinkDialog) and w.isVisible())
    assert dialog.claim_id == claim.id and dialog.source_id == existing.id
    assert "already in the library" in dialog.banner.text()
    dialog.quote.setPlainText("Record year.")
    dialog.save()
    assert Evidence.get(Evidence.claim == claim.id).source_id == existing.id

    # A new address: the new-source form opens pre-filled, then the link uses the new source.
    QGuiApplication.clipboard().setText("https://news.example.com/port-record?utm_source=feed")
    QTest.keyClick(window.claims_view, Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    form = next(w for w in QApplication.topLevelWidgets() if isinstance(w, source_form.SourceDialog) and w.isVisible())
    assert form.url.text() == "https://news.example.com/port-record"
    form.title.setText("Port sets a record")
    form.save()
    new = Source.get(Source.url == "https://news.example.com/port-record")
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, link_dialog.LinkDialog) and w.isVisible() and w.source_id == new.id)
    dialog.save()
    assert Evidence.select().where(Evidence.claim == claim.id).count() == 2


def test_paste_of_plain_text_does_not_start_a_link(window, qtbot, make_claim, monkeypatch):
    claim = make_claim()
    select(window, qtbot, claim.id)
    calls = []
    monkeypatch.setattr(link_dialog, "start_link_with_url", lambda *a: calls.append(a))
    for text in ("just some words", "javascript:alert(1)", "file:///etc/passwd"):
        QGuiApplication.clipboard().setText(text)
        QTest.keyClick(window.claims_view, Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert calls == []
    QGuiApplication.clipboard().setText("https://example.org/x")
    QTest.keyClick(window.claims_view, Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert calls == [(window, claim.id, "https://example.org/x")]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_drop_a_url_on_a_claim_row(window, qtbot, make_claim, monkeypatch):
    first = make_claim("First claim")
    second = make_claim("Second claim")
    window.claims_page.refresh_claims([])
    calls = []
    monkeypatch.setattr(link_dialog, "start_link_with_url", lambda *a: calls.append(a))
    view = window.claims_view
    row = window.claims_model.row_of(second.id)
    if row is None:
        row = next(r for r in range(window.claims_model.rowCount()) if window.claims_model.claim_id(r) == second.id)
    pos = view.viewport().mapTo(window, view.visualRect(window.claims_model.index(row, 0)).center())
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/evidence?id=4")])
    # As a browser's drag arrives: enter, move, drop on the window, routed by Qt to the row.
    handle = window.windowHandle()
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(handle, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(handle, QDragMoveEvent(pos, *args))
    QApplication.sendEvent(handle, QDropEvent(QPointF(pos), *args))
    assert calls == [(window, second.id, "https://example.org/evidence?id=4")]
    assert first.id != second.id


def test_edit_and_remove_a_link_with_undo(window, qtbot, make_claim, make_source):
    claim, source = make_claim(), make_source()
    link = services.link_evidence(claim.id, source.id, "supports", quote="Original quote", locator="p. 3")
    select(window, qtbot, claim.id)
    panel = window.evidence_panel
    qtbot.waitUntil(lambda: len(panel.items) == 1)

    dialog = panel.edit_link(link.id)
    assert dialog.quote.toPlainText() == "Original quote"
    dialog.stance.setCurrentIndex(dialog.stance.findData("context"))
    dialog.quote.setPlainText("Corrected quote")
    dialog.save()
    link = Evidence.get_by_id(link.id)
    assert (link.stance, link.quote) == ("context", "Corrected quote")
    assert Claim.get_by_id(claim.id).n_context == 1 and Claim.get_by_id(claim.id).n_supports == 0
    qtbot.waitUntil(lambda: panel.summary.text() == "1 context")

    panel.items[0].remove_button.click()
    assert Evidence.select().count() == 0
    assert Claim.get_by_id(claim.id).n_sources == 0
    qtbot.waitUntil(lambda: panel.items == [])

    window.undo_stack.undo()  # the removal
    back = Evidence.get(Evidence.claim == claim.id)
    assert (back.stance, back.quote, back.locator) == ("context", "Corrected quote", "p. 3")
    window.undo_stack.undo()  # the edit, on the re-created link
    back = Evidence.get(Evidence.claim == claim.id)
    assert (back.stance, back.quote) == ("supports", "Original quote")
    window.undo_stack.redo()
    window.undo_stack.redo()
    assert Evidence.select().count() == 0


def test_removing_the_only_decisive_source_of_a_claim_in_review_is_refused(
        window, qtbot, make_claim, make_source, warnings):
    claim, source = make_claim(), make_source()
    link = services.link_evidence(claim.id, source.id, "supports")
    services.set_verdict(claim.id, "true")
    services.set_status(claim.id, "in_progress")
    services.set_status(claim.id, "needs_review")
    assert link_dialog.remove_link(window, link.id) is False
    assert Evidence.select().count() == 1
    assert warnings and "Needs review" in warnings[-1]
    assert window.undo_stack.count() == 0


def test_source_title_link_opens_only_through_open_url(window, qtbot, make_claim, make_source, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toString()) or True))
    claim = make_claim()
    source = make_source("A <b>bold</b> title", url="https://example.org/page")
    services.link_evidence(claim.id, source.id, "context", quote="<i>not italic</i>")
    select(window, qtbot, claim.id)
    panel = window.evidence_panel
    qtbot.waitUntil(lambda: len(panel.items) == 1)
    item = panel.items[0]
    assert "&lt;b&gt;bold&lt;/b&gt;" in item.title.text()  # shown as typed, not rendered
    assert item.quote.text() == "\u201c<i>not italic</i>\u201d"
    item.title.linkActivated.emit("open-source")
    assert opened == ["https://example.org/page"]


def test_read_only_window_offers_no_linking(window, qtbot, make_claim, make_source):
    claim = make_claim()
    services.link_evidence(claim.id, make_source().id, "supports")
    window.set_read_only(True)
    select(window, qtbot, claim.id)
    panel = window.evidence_panel
    panel.refresh()
    assert not panel.link_button.isEnabled()
    assert not panel.items[0].remove_button.isEnabled()
    assert panel.remove_link(panel.items[0].evidence_id) is False
    assert Evidence.select().count() == 1


def test_a_preset_source_is_kept_until_the_person_searches(window, qtbot, make_claim, make_source):
    claim = make_claim()
    preset = make_source("Older source")
    make_source("Newer source")
    dialog = link_dialog.open_link_dialog(window, claim.id, source_id=preset.id)
    assert dialog.source_id == preset.id
    assert "Older source" in dialog.chosen.text()
    dialog.search.setText("newer")
    dialog.refresh_results()
    assert "Newer source" in dialog.chosen.text()
    dialog.save()
    assert Evidence.get(Evidence.claim == claim.id).source.title == "Newer source"


def test_a_final_claims_links_cannot_be_changed_from_the_panel(window, qtbot, make_claim, make_source):
    claim, source = make_claim(), make_source()
    services.link_evidence(claim.id, source.id, "supports")
    services.set_verdict(claim.id, "true")
    for status in ("in_progress", "needs_review", "final"):
        services.set_status(claim.id, status)
    select(window, qtbot, claim.id)
    panel = window.evidence_panel
    panel.refresh()
    assert not panel.link_button.isEnabled()
    assert "Reopen" in panel.link_button.toolTip()
    assert not panel.items[0].edit_button.isEnabled() and not panel.items[0].remove_button.isEnabled()
