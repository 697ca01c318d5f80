"""The claims workspace through its real widgets: search, filters, sort, trash, layout, screenshot."""

import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from desktop import search, services
from desktop.models import Claim
from desktop.views import claims_page, main_window, worker
from desktop.views.claims_model import COLUMN, ID_ROLE
from desktop.views.main_window import MainWindow


@pytest.fixture(autouse=True)
def fresh_settings():
    main_window.settings().clear()
    yield
    main_window.settings().clear()


@pytest.fixture
def claims(database):
    made = []
    texts = [
        "The river flooded twelve villages in March",
        "Covid-19 cases doubled in the capital, says O'Brien",
        "The bridge to the border town was destroyed",
        "Officials said the river dam is safe",
        "Exports of rice fell by half last year",
        "The mayor promised free buses for students",
    ]
    for n, text in enumerate(texts):
        made.append(services.create_claim(services.ClaimInput(
            text=text, claimant=["Ministry of Water", "Dr. Aye", "Town Council"][n % 3],
            claimed_on=f"2023-0{n + 1}", tags=["water"] if "river" in text else ["other"],
        )).id)
    services.set_status(made[1], "in_progress")
    services.set_verdict(made[2], "false")
    return made


@pytest.fixture
def window(qtbot, database, claims):
    win = MainWindow(database)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def table_ids(win):
    model = win.claims_view.model()
    return [model.index(r, 0).data(ID_ROLE) for r in range(model.rowCount())]


def table_texts(win, column="headline"):
    model = win.claims_view.model()
    return [model.index(r, COLUMN[column]).data() for r in range(model.rowCount())]


def db_ids(**where):
    return [cid for (cid,) in search.claim_ids(search.ClaimFilter(**where)).tuples()]


def test_table_shows_the_live_claims_newest_first(window, claims):
    newest = [c.id for c in Claim.select().order_by(Claim.updated_at.desc())]
    assert table_ids(window) == newest
    assert window.count_label.text() == "6 claims"
    assert window.current_claim_id() == newest[0]  # first row selected, details shown
    assert window.claim_details.text_view.toPlainText() == Claim.get_by_id(newest[0]).text


def test_search_as_you_type_filters_and_highlights(qtbot, window, claims):
    qtbot.keyClicks(window.filter_bar.search_box, "river")
    qtbot.waitUntil(lambda: window.current_filter().text == "river", timeout=2000)
    expected = {c.id for c in Claim.select() if "river" in c.text.lower()}
    assert set(table_ids(window)) == expected and len(expected) == 2
    assert window.count_label.text() == "2 of 6 claims"
    assert window.claims_page.highlighter.terms == ["river"]
    window.claims_page.select_claim(claims[0])
    qtbot.waitUntil(window.detail_settled)  # the detail pane follows one event-loop turn later
    text_view = window.claim_details.text_view
    cursor = text_view.document().find("river")
    assert cursor.charFormat().background().color().name() == "#ffd54f"


def test_the_claimant_and_tags_columns_highlight_what_the_search_matched(qtbot, window):
    """The search matches claimants and tags too: a row found through them shows why."""
    from PySide6.QtGui import QColor

    from desktop.views.delegates import HIGHLIGHT_BG

    window.claims_page.set_filter(search.ClaimFilter(text="water"))  # "Ministry of Water", tag "water"
    view, model = window.claims_view, window.claims_model
    assert model.rowCount() > 0
    image = view.viewport().grab().toImage()
    row = next(r for r in range(model.rowCount()) if model.data(model.index(r, COLUMN["claimant"])) == "Ministry of Water")

    def marked(column: str) -> bool:
        rect = view.visualRect(model.index(row, COLUMN[column]))
        y = rect.center().y()
        return any(image.pixelColor(x, y).rgb() == QColor(HIGHLIGHT_BG).rgb() for x in range(rect.left(), rect.right()))

    assert marked("claimant") and marked("tags") and not marked("headline")  # the text says "river"
    view.clearSelection()


def test_the_detail_pane_marks_the_search_in_the_claimant_and_tags_too(qtbot, window):
    qtbot.keyClicks(window.filter_bar.search_box, "water")
    qtbot.waitUntil(lambda: window.current_filter().text == "water", timeout=2000)
    claim = Claim.get((Claim.claimant_name == "Ministry of Water") & Claim.text.contains("river"))
    assert window.select_claim(claim.id)
    qtbot.waitUntil(lambda: window.detail_settled() and window.claim_details.claim_id() == claim.id, timeout=5000)
    details = window.claim_details

    def marked(view, word: str) -> bool:
        found = view.document().find(word)
        return not found.isNull() and found.charFormat().background().color().name() == "#ffd54f"

    assert details.values["claimant"].toPlainText() == "Ministry of Water"
    assert marked(details.values["claimant"], "Water") and not marked(details.values["claimant"], "Ministry")
    assert details.values["tags"].toPlainText() == "water" and marked(details.values["tags"], "water")
    window.filter_bar.search_box.clear()
    qtbot.waitUntil(lambda: window.current_filter().text == "", timeout=2000)
    qtbot.waitUntil(lambda: not marked(window.claim_details.values["claimant"], "Water"), timeout=5000)


@pytest.mark.parametrize("typed", ["covid-19", "o'brien", '"exact phrase"', "ရန်ကုန်", "AND OR (", "-", '"'])
def test_awkward_search_text_never_errors(window, typed):
    window.apply_search(typed)
    assert window.claims_model.rowCount() == search.count_claims(search.ClaimFilter(text=typed))


def test_ctrl_f_and_slash_focus_the_search_box(qtbot, window):
    window.activateWindow()
    window.claims_view.setFocus()
    qtbot.waitUntil(window.claims_view.hasFocus, timeout=2000)
    qtbot.keyClick(window.claims_view, Qt.Key.Key_Slash)
    qtbot.waitUntil(window.filter_bar.search_box.hasFocus, timeout=2000)
    window.claims_view.setFocus()
    qtbot.waitUntil(window.claims_view.hasFocus, timeout=2000)
    window.find_action.trigger()
    assert window.filter_bar.search_box.hasFocus()
    assert window.find_action.shortcut().matches(Qt.Key.Key_F | Qt.KeyboardModifier.ControlModifier).name == "ExactMatch"


def test_status_verdict_tag_claimant_date_filters_combine(qtbot, window, claims):
    bar = window.filter_bar
    bar.status_box.setCurrentIndex(bar.status_box.findData("in_progress"))
    assert table_ids(window) == [claims[1]] == db_ids(statuses=frozenset({"in_progress"}))
    bar.status_box.setCurrentIndex(0)
    bar.verdict_box.setCurrentIndex(bar.verdict_box.findData(""))
    assert set(table_ids(window)) == set(claims) - {claims[2]}
    bar.verdict_box.setCurrentIndex(0)
    bar.tag_box.setCurrentIndex(bar.tag_box.findText("water"))
    assert set(table_ids(window)) == {claims[0], claims[3]}
    qtbot.keyClicks(bar.claimant_box, "ministry of water")
    bar.claimant_box.editingFinished.emit()
    assert set(table_ids(window)) == {claims[0], claims[3]}
    bar.date_from.setText("2023-02")
    bar.date_from.editingFinished.emit()
    assert table_ids(window) == [claims[3]]
    assert window.count_label.text() == "1 of 6 claims"
    bar.date_to.setText("not a date")
    bar.date_to.editingFinished.emit()
    assert "not a date like" in bar.problem.text()
    bar.clear_button.click()
    assert len(table_ids(window)) == 6


def test_claimant_completion_offers_existing_names(qtbot, window):
    qtbot.keyClicks(window.filter_bar.claimant_box, "to")
    assert window.filter_bar._claimant_names.stringList() == ["Town Council"]


def test_unknown_claimant_shows_nothing(qtbot, window):
    window.filter_bar.claimant_box.setText("Nobody at all")
    window.filter_bar.claimant_box.editingFinished.emit()
    assert table_ids(window) == []


def test_no_sources_filter(window, claims, make_source):
    source = make_source()
    services.link_evidence(claims[4], source.id, "supports")
    window.signals.claims_changed.emit([claims[4]])
    window.filter_bar.no_sources.setChecked(True)
    assert claims[4] not in table_ids(window) and len(table_ids(window)) == 5
    assert window.claims_model.data(window.claims_model.index(0, COLUMN["evidence"])) == "0 / 0"


def test_click_header_sorts_in_sql(qtbot, window, claims):
    header = window.claims_view.horizontalHeader()
    x = header.sectionViewportPosition(COLUMN["claimant"]) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    shown = table_texts(window, "claimant")
    assert shown == sorted(shown) or shown == sorted(shown, reverse=True)
    assert window.current_filter().sort == "claimant"
    order = window.current_filter().descending
    assert table_ids(window) == db_ids(sort="claimant", descending=order)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert window.current_filter().descending is not order
    assert table_ids(window) == db_ids(sort="claimant", descending=not order)


def test_trash_view_and_updates_in_place(qtbot, window, claims):
    services.trash_claims([claims[2]])
    window.signals.claims_removed.emit([claims[2]])
    assert claims[2] not in table_ids(window)
    assert window.count_label.text() == "5 claims"
    window.filter_bar.trash.setChecked(True)
    assert table_ids(window) == [claims[2]]
    assert window.trash_action.isChecked()
    assert window.count_label.text() == "1 claim in the trash"
    services.restore_claims([claims[2]])
    window.signals.claims_removed.emit([claims[2]])
    assert table_ids(window) == []
    window.trash_action.setChecked(False)
    assert set(table_ids(window)) == set(claims)


def test_edit_updates_the_row_and_the_details(qtbot, window, claims):
    window.claims_page.select_claim(claims[3])
    services.update_claim(claims[3], services.ClaimInput(text="Officials now say the dam is cracked",
                                                         tags=["dams"]))
    resets = []
    window.claims_model.modelReset.connect(lambda: resets.append(1))
    window.signals.claims_changed.emit([claims[3]])
    assert "Officials now say the dam is cracked" in table_texts(window)
    assert window.claim_details.text_view.toPlainText() == "Officials now say the dam is cracked"
    assert window.current_claim_id() == claims[3]
    assert not resets
    assert window.filter_bar.tag_box.findText("dams") > 0


def test_layout_is_remembered(qtbot, database, claims):
    first = MainWindow(database)
    qtbot.addWidget(first)
    first.resize(720, 520)
    first.claims_page.set_column_visible(COLUMN["tags"], False)
    first.claims_view.horizontalHeader().resizeSection(COLUMN["claimant"], 222)
    first.splitter.setSizes([400, 300])
    sizes = first.splitter.sizes()
    first.close()
    second = MainWindow(database)
    qtbot.addWidget(second)
    header = second.claims_view.horizontalHeader()
    assert header.isSectionHidden(COLUMN["tags"])
    assert header.sectionSize(COLUMN["claimant"]) == 222
    assert second.size().width() == 720
    assert second.splitter.sizes() == sizes


def test_header_menu_hides_columns_but_keeps_one(window):
    page = window.claims_page
    for column in range(len(COLUMN)):
        page.set_column_visible(column, False)
    header = window.claims_view.horizontalHeader()
    assert sum(not header.isSectionHidden(c) for c in range(len(COLUMN))) == 1


def test_empty_database_shows_the_first_run_state(qtbot, database, monkeypatch):
    win = MainWindow(database)
    qtbot.addWidget(win)
    assert win.claims_page.stack.currentWidget() is win.claims_page.empty
    opened = []
    import desktop.views.claim_form as claim_form

    monkeypatch.setattr(claim_form, "open_claim_dialog", lambda w, *a, **k: opened.append(w))
    win.claims_page.empty.new_button.click()
    assert opened == [win]


def test_load_sample_data_runs_off_the_gui_thread(qtbot, database, monkeypatch):
    monkeypatch.setattr(claims_page, "SAMPLE_CLAIMS", 30)
    win = MainWindow(database)
    qtbot.addWidget(win)
    win.claims_page.empty.sample_button.click()
    with qtbot.waitSignal(win.claims_page.sample_task.finished, timeout=30000):
        pass
    assert win.claims_page.stack.currentWidget() is win.claims_view
    assert win.claims_model.rowCount() == search.count_claims(search.ClaimFilter()) >= 30


def test_cancelled_sample_data_leaves_nothing(qtbot, database, monkeypatch):
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    monkeypatch.setattr(claims_page, "SAMPLE_CLAIMS", 30)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a))
    win = MainWindow(database)
    qtbot.addWidget(win)
    import desktop.demo as demo

    real = demo.generate
    monkeypatch.setattr(demo, "generate", lambda n, progress=None: real(n, progress=lambda d, t: False))
    win.claims_page.empty.sample_button.click()
    assert Claim.select().count() == 0
    assert win.claims_page.stack.currentWidget() is win.claims_page.empty
    assert not warnings  # a cancel is not an error


def test_open_database_reopens_the_window(qtbot, window, tmp_path, monkeypatch):
    other = tmp_path / "other.db"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    from desktop.views import application

    monkeypatch.setattr(application, "after_show", lambda session: None)  # no drafts prompt, no backup thread
    window.open_action.trigger()
    new = main_window._open_windows[-1]
    qtbot.addWidget(new)
    try:
        assert new.database.path == other
        assert new.claims_model.rowCount() == 0
        assert str(other.resolve()) == main_window.recent_databases()[0]
        # It went through the start-up path: the new file is locked by this window.
        assert new.session.lock is not None and new.session.lock.isLocked()
    finally:
        main_window._open_windows.clear()
        application.end_session(new.session)


def test_damage_found_after_open_database_is_the_new_windows(qtbot, window, tmp_path, monkeypatch):
    """After File > Open database..., a damaged page met in the new file switches the new window to
    read-only and offers its way out; the window it replaced (closed, its file released) is left alone."""
    import sqlite3

    from desktop.views import application

    other = tmp_path / "other.db"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    monkeypatch.setattr(application, "after_show", lambda session: None)
    monkeypatch.setattr(application, "_hook_parent", window)  # as install_excepthook(window) at start
    asked = []
    monkeypatch.setattr(application, "ask_damaged_in_use", lambda parent, text: asked.append(parent) or None)
    window.open_action.trigger()
    new = main_window._open_windows[-1]
    qtbot.addWidget(new)
    try:
        assert new is not window and not window.isVisible()
        damage = sqlite3.DatabaseError("database disk image is malformed")
        damage.sqlite_errorname = "SQLITE_CORRUPT"
        application.handle_exception(sqlite3.DatabaseError, damage, None)
        assert asked == [new]
        assert new.read_only and "damage" in new.banner.text().lower()
        assert not window.read_only
    finally:
        main_window._open_windows.clear()
        application.end_session(new.session)


def test_open_database_refused_keeps_the_current_one(window, tmp_path, monkeypatch):
    bad = tmp_path / "notes.db"
    bad.write_text("just some notes, not a database\n" * 10)
    from desktop.views import application

    shown = []

    def give_up(parent, exc):  # the damaged-file dialog: Restore / Open another / Quit
        shown.append(str(exc))
        return "quit"

    monkeypatch.setattr(application, "ask_damaged", give_up)
    before = bad.read_bytes()
    assert window.open_database_file(bad) is None
    assert shown and "not a Claimlog database" in shown[0]
    assert bad.read_bytes() == before
    assert window.claims_model.rowCount() == 6
    assert window.isVisible()


def test_screenshot_command_writes_a_png(database, claims, db_path, tmp_path):
    database.close()
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db_path), "--screenshot", str(out), "--size", "900x600",
         "--search", "river"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_of_unopenable_database_exits_3(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite at all" * 20)
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(bad), "--screenshot", str(tmp_path / "x.png")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_void_qt_calls_do_not_exhaust_none():
    """PySide6 6.12.0 on Python 3.11 drops a reference to None per void call; pyproject pins below it there."""
    code = (
        "import desktop.views, sys\n"
        "from PySide6.QtWidgets import QApplication, QWidget\n"
        "app = QApplication([]); w = QWidget()\n"
        "for _ in range(200_000): w.setEnabled(True)\n"
        "print('alive')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-500:]
    assert "alive" in result.stdout


def test_select_all_reads_ids_by_range(qtbot, window, claims, monkeypatch):
    from desktop.views import claims_page as page_module

    monkeypatch.setattr(page_module, "PAGE_SIZE", 2)  # every span counts as large
    window.claims_view.selectAll()
    assert window.selected_claim_ids() == db_ids()
    window.claims_view.clearSelection()
    window.claims_view.selectRow(2)
    assert window.selected_claim_ids() == [db_ids()[2]]


def test_one_typed_letter_waits_for_a_second_or_enter(qtbot, window):
    box = window.filter_bar.search_box
    qtbot.keyClicks(box, "r")
    qtbot.waitUntil(lambda: not window.filter_bar._debounce.isActive(), timeout=2000)
    assert window.current_filter().text == ""  # the pause passed; one Latin letter waits
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert window.current_filter().text == "r"
    box.clear()
    qtbot.keyClicks(box, "ri")
    qtbot.waitUntil(lambda: window.current_filter().text == "ri", timeout=2000)
    qtbot.keyClicks(box, " d")  # a new one-letter word waits too
    qtbot.waitUntil(lambda: not window.filter_bar._debounce.isActive(), timeout=2000)
    assert window.current_filter().text == "ri"
    qtbot.keyClicks(box, "a")
    qtbot.waitUntil(lambda: window.current_filter().text == "ri da", timeout=2000)
    box.clear()
    box.setText("ရ")  # Burmese: one character is a word (QTest cannot type it)
    qtbot.waitUntil(lambda: window.current_filter().text == "ရ", timeout=2000)


def test_run_task_shows_progress_after_a_while_and_cancels(qtbot):
    import threading

    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    started = threading.Event()
    results, errors = [], []

    def slow(n, progress):
        done = 0
        started.set()
        while progress(done, n):  # until Cancel
            done = (done + 1) % n
            threading.Event().wait(0.005)
        raise RuntimeError("cancelled at the person's request")

    task = worker.run_task(parent, slow, 100, on_done=results.append, on_error=errors.append,
                           progress_title="Working", cancellable=True)
    assert task.dialog is not None and not task.dialog.isVisible()  # not before ~0.5 s
    qtbot.waitUntil(lambda: task.dialog is not None and task.dialog.isVisible(), timeout=5000)
    from PySide6.QtWidgets import QPushButton

    with qtbot.waitSignal(task.finished, timeout=5000):
        task.dialog.findChild(QPushButton).click()  # the person presses Cancel
    assert task.cancelled and not results
    assert [str(e) for e in errors] == ["cancelled at the person's request"]
    assert task.dialog is None


def test_run_task_synchronous_mode_for_tests(monkeypatch):
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    seen = []
    worker.run_task(None, lambda a, b: a + b, 2, 3, on_done=seen.append)
    assert seen == [5]


def test_detail_pane_widens_instead_of_clipping_its_sections(qtbot, window, make_claim):
    """A long unbroken address must not push the detail pane into a horizontal scrollbar."""
    claim = make_claim("Nineteen schools reopened in the district, the education office said.",
                       appearance_url="https://www.displacementmonitor.example/2026/03/"
                                      "schools-reopened-across-the-district-office-says-631")
    window.resize(1280, 800)
    window.reload()
    assert window.select_claim(claim.id)
    qtbot.waitUntil(window.detail_settled)
    QApplication.processEvents()
    detail = window.detail
    assert detail.widget().width() <= detail.viewport().width()
    assert not detail.horizontalScrollBar().isVisible()


def test_a_long_web_address_wraps_inside_the_detail_pane(qtbot, window):
    """An address has long runs without a space: it must not widen the pane into a sideways scroll."""
    url = "https://news.example.org/" + "a-very-long-slug-without-any-spaces-" * 6 + "end"
    claim = services.create_claim(services.ClaimInput(
        text="A claim whose appearance has a long address", appearance_url=url,
        other_appearances=url + "/again"))
    window.resize(1280, 800)
    window.reload()
    assert window.select_claim(claim.id)
    qtbot.waitUntil(lambda: window.detail.claim_id() == claim.id, timeout=5000)
    window.detail.setFixedWidth(300)  # a narrow pane, as the splitter may leave it
    QApplication.processEvents()
    assert window.detail.widget().minimumSizeHint().width() <= window.detail.viewport().width()
    assert window.detail.horizontalScrollBar().maximum() == 0
    details = window.detail.sections["claim"]
    for view in (details.url_label, details.others_label):  # shown whole: wrapped, not cut
        assert view.document().idealWidth() <= view.viewport().width()
    assert details.url_label.toPlainText() == url  # and copied as it is


def test_a_new_sort_or_filter_starts_at_the_top(qtbot, window, monkeypatch):
    """Kept half-way down, the view would read that page at once with a huge OFFSET (a stall)."""
    from desktop.views import claims_model

    for n in range(40):
        services.create_claim(services.ClaimInput(text=f"Claim number {n} about the harbour", claimant=f"Port {n % 5}"))
    monkeypatch.setattr(claims_model, "PAGE_SIZE", 2)
    window.resize(900, 300)
    window.reload()  # 46 claims in pages of two rows: the bottom is many pages away from the top
    model, view = window.claims_model, window.claims_view
    view.scrollToBottom()
    QApplication.processEvents()
    assert view.verticalScrollBar().value() > 0
    read = []
    real = model._page_rows
    monkeypatch.setattr(model, "_page_rows", lambda flt, size, offset: read.append(offset) or real(flt, size, offset))
    model.sort(COLUMN["claimant"], Qt.SortOrder.AscendingOrder)
    view.viewport().repaint()
    assert view.verticalScrollBar().value() == 0
    assert read and max(read) < model.rowCount() // 2  # only pages near the top were read
    view.scrollToBottom()
    QApplication.processEvents()
    window.claims_page.set_filter(search.ClaimFilter(text="claim"))
    assert view.verticalScrollBar().value() == 0


# ---------------------------------------------------------------- staged start


def _staged_window(qtbot, database):
    win = MainWindow(database, staged=True)
    qtbot.addWidget(win)
    order = []
    win.when_ready(lambda: order.append(("ready", win.features_installed)))
    win.when_complete(lambda: order.append(("complete", win.features_installed)))
    return win, order


def test_staged_window_paints_the_rows_before_the_features(qtbot, database, claims):
    win, order = _staged_window(qtbot, database)
    assert list(win.pages) == ["claims"] and not win.features_installed
    assert win.claims_model.rowCount() == 6  # the rows are there to paint
    # the detail pane is blank until the features come (not "Select a claim" beside a selected row)
    assert win.detail.claim_id() is None and win.claim_details.placeholder.isHidden()
    win.show()
    qtbot.waitUntil(lambda: len(order) == 2, timeout=5000)
    # the first page was painted with the features still to come; then they came, once
    assert order == [("ready", False), ("complete", True)]
    assert {"sources", "dashboard"} <= set(win.pages)
    assert win.tabs.count() == len(win.pages)
    assert {"status", "history"} <= set(win.detail.sections)
    assert win.backups_action in win.menus["tools"].actions()
    before = win.tabs.count()
    win.install_features()  # a second call changes nothing
    assert win.tabs.count() == before
    # and the detail sections the features added show the selected claim
    assert win.detail.claim_id() == win.current_claim_id() is not None


def test_staged_window_never_shown_still_gets_its_features(qtbot, database, claims, monkeypatch):
    monkeypatch.setattr(main_window, "FEATURES_LATEST_MS", 20)
    win, order = _staged_window(qtbot, database)
    qtbot.waitUntil(lambda: win.features_installed, timeout=5000)
    qtbot.waitUntil(lambda: ("complete", True) in order, timeout=5000)
    assert "sources" in win.pages


def test_staged_read_only_window_disables_what_the_features_add(qtbot, database, claims):
    win, order = _staged_window(qtbot, database)
    win.set_read_only(True, "Read-only: a test.")
    own = list(win.edit_actions)
    win.show()
    qtbot.waitUntil(lambda: win.features_installed, timeout=5000)
    added = [a for a in win.edit_actions if a not in own]
    assert added, "the features add edit actions"
    assert not any(a.isEnabled() for a in win.edit_actions)
    assert win.banner.isVisible() and win.banner.text() == "Read-only: a test."


def test_the_application_window_is_staged(qtbot, tmp_path, monkeypatch):
    from desktop import db as dbmod
    from desktop.views import application

    path = tmp_path / "claims.db"
    dbmod.close_database(dbmod.open_database(path))
    session = application.start_session(path)
    win = application.make_window(session)
    qtbot.addWidget(win)
    try:
        assert not win.features_installed
        win.show()
        qtbot.waitUntil(lambda: win.features_installed, timeout=5000)
    finally:
        win.close()
        application.end_session(session)


def test_detail_pane_follows_the_current_row_once_per_turn(qtbot, window, claims):
    """Rows first: moving through rows (or a new search) rebuilds the detail sections once, a turn later."""
    qtbot.waitUntil(window.detail_settled)
    shown = []
    real = window.detail.set_claim
    window.detail.set_claim = lambda cid: (shown.append(cid), real(cid))
    for row in range(4):
        window.claims_view.setCurrentIndex(window.claims_model.index(row, 0))
    assert shown == [] and not window.detail_settled()
    qtbot.waitUntil(window.detail_settled)
    assert shown == [window.current_claim_id()]
    text = Claim.get_by_id(window.current_claim_id()).text
    assert window.claim_details.text_view.toPlainText() == text
    window.filter_bar.set_search("river")  # a new search: the first row, then its details
    assert shown == [shown[0]]
    qtbot.waitUntil(window.detail_settled)
    assert shown[-1] == window.current_claim_id() and "river" in window.claim_details.text_view.toPlainText()


def test_a_staged_window_restores_the_remembered_layout(qtbot, database, claims):
    first = MainWindow(database, staged=True)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.features_installed and first.detail_settled(), timeout=5000)
    first.resize(760, 560)
    first.splitter.setSizes([420, 330])
    first.claims_view.horizontalHeader().resizeSection(COLUMN["claimant"], 205)
    QApplication.processEvents()
    sizes, width = first.splitter.sizes(), first.size().width()
    first.close()
    second = MainWindow(database, staged=True)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: second.features_installed and second.detail_settled(), timeout=5000)
    QApplication.processEvents()
    assert second.size().width() == width
    assert second.splitter.sizes() == sizes
    assert second.claims_view.horizontalHeader().sectionSize(COLUMN["claimant"]) == 205


def test_highlighted_where_the_search_matched():
    from desktop import search
    from desktop.views.delegates import match_spans

    text = "A video shared on 23 June shows the Army at Lashio"
    assert [text[a:b] for a, b in match_spans(text, ["ar"])] == ["Ar"]  # not inside "shared"
    assert [text[a:b] for a, b in match_spans(text, ["lashio", "23"])] == ["23", "Lashio"]
    assert match_spans("O'Brien's figures", ["o'brien"]) == [(0, 7)]
    assert match_spans("covid-19 cases", ["covid-19"]) == [(0, 8)]
    burmese = "ရန်ကုန်မြို့တွင် ဆန်ဈေး"
    assert [burmese[a:b] for a, b in match_spans(burmese, ["မြို့"])] == ["မြို့"]  # inside a word: unspaced
    assert search.written_unspaced("မြို့") and not search.written_unspaced("army")
