"""The workflow features plugged into the real main window."""

import pytest
from PySide6.QtWidgets import QApplication

from desktop import services
from desktop.models import Claim
from desktop.views import preferences, worker


@pytest.fixture
def window(qtbot, database, monkeypatch):
    monkeypatch.setattr(preferences, "ask_checker_name", lambda parent=None: "Tester")
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    from desktop.views.main_window import MainWindow

    win = MainWindow(database)
    qtbot.addWidget(win)
    win.show()
    return win


def select(window, cid):
    window.reload()
    assert window.claims_page.select_claim(cid)
    assert window.current_claim_id() == cid
    # the detail pane follows one event-loop turn later
    for _ in range(100):
        if window.detail_settled():
            break
        QApplication.processEvents()
    assert window.detail.sections["status"].claim_id == cid


def test_sections_page_and_actions_installed(window):
    assert {"status", "history"} <= set(window.detail.sections)
    assert "dashboard" in window.pages
    names = [a.objectName() for a in window.menus["claim"].actions()]
    assert "bulk_change" in names
    assert any("Preferences" in a.text() for a in window.menus["edit"].actions())


def test_gate_refusal_offers_the_sources_link_action(window, make_claim, monkeypatch):
    cid = make_claim("Forty-three soldiers crossed the border, a wire agency said.").id
    services.set_status(cid, "in_progress")
    control = window.detail.sections["status"]
    select(window, cid)
    control.move_to("needs_review")
    assert "supports or refutes" in control.problem_text()
    assert control.go_source.isVisible()
    action = getattr(window, "link_source_action", None)
    if action is None:
        pytest.skip("no sources feature installed in this build")
    triggered = []
    action.triggered.connect(lambda: triggered.append(True))
    monkeypatch.setattr(window, "current_claim_id", lambda: None)  # the link dialog itself is not under test
    control.go_source.click()
    assert triggered == [True]
    assert Claim.get_by_id(cid).status == "in_progress"


def test_status_change_reaches_history_and_undo(window, make_claim):
    cid = make_claim().id
    select(window, cid)
    control = window.detail.sections["status"]
    history = window.detail.sections["history"]
    control.move_buttons["in_progress"].click()
    assert Claim.get_by_id(cid).status == "in_progress"
    assert history.texts()[0].startswith("Status | Unstarted  \u2192  In progress")
    window.undo_stack.undo()
    assert Claim.get_by_id(cid).status == "unstarted"
    assert history.texts()[0].startswith("Status | In progress  \u2192  Unstarted")
    assert "Reason: Undo" in history.texts()[0]


def test_dashboard_follows_the_filter_bar(window, make_claim, qtbot):
    for n in range(3):
        make_claim(f"Ferry fares rose {n} times")
    make_claim("Bridge closed")
    window.reload()
    page = window.pages["dashboard"]
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.data is not None and page.data.total == 4)
    from desktop import search

    window.filter_bar.filter_changed.emit(search.ClaimFilter(text="ferry"))
    qtbot.waitUntil(lambda: page.data.total == 3, timeout=3000)
    assert "matching the current filter" in page.summary.text()


def test_history_follows_trash_and_restore(window, make_claim):
    """Trash and restore are History rows; the timeline shows them when they happen."""
    from desktop.views.history_panel import HistoryPanel

    cid = make_claim("Over 300 surrendered since late October, the group said.").id
    panel = HistoryPanel(window=window)
    panel.set_claim(cid)
    before = len(panel.texts())
    services.trash_claims([cid])
    window.signals.claims_removed.emit([cid])
    assert len(panel.texts()) == before + 1
    services.restore_claims([cid])
    window.signals.claims_removed.emit([cid])
    assert len(panel.texts()) == before + 2


def test_read_only_after_showing_a_claim_disables_status_moves(window, make_claim):
    cid = make_claim().id
    select(window, cid)
    control = window.detail.sections["status"]
    assert control.move_buttons["in_progress"].isEnabled()
    window.set_read_only(True)
    assert control.move_buttons  # the claim offers moves; none may be clickable now
    assert not any(b.isEnabled() for b in control.move_buttons.values())
    window.set_read_only(False)
    assert control.move_buttons["in_progress"].isEnabled()
