"""Status control, reason prompt and history timeline, driven with qtbot and checked in the database."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from desktop import services, workflow
from desktop.models import Claim, History
from desktop.views import history_panel, preferences, status_control
from desktop.views.signals import DataSignals


class FakeWindow(QWidget):
    """The extension points the workflow views use, without the whole main window."""

    def __init__(self):
        super().__init__()
        self.signals = DataSignals(self)
        self.undo_stack = QUndoStack(self)
        self.menus = {"claim": QMenu("Claim", self)}
        self.read_only = False


@pytest.fixture
def window(qtbot, database, monkeypatch):
    monkeypatch.setattr(preferences, "ask_checker_name", lambda parent=None: "Tester")
    win = FakeWindow()
    qtbot.addWidget(win)
    return win


@pytest.fixture
def control(window, qtbot):
    widget = status_control.StatusControl(window)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def db_status(cid):
    return Claim.get_by_id(cid).status


def ready_claim(make_claim, make_source, status="in_progress"):
    claim = make_claim("Over 300 surrendered since 27 October, the group said.")
    services.set_status(claim.id, "in_progress")
    services.link_evidence(claim.id, make_source().id, "refutes")
    services.set_verdict(claim.id, "false")
    if status in ("needs_review", "final"):
        services.set_status(claim.id, "needs_review")
    if status == "final":
        services.set_status(claim.id, "final")
    return claim.id


def test_only_allowed_transitions_are_offered(control, make_claim, qtbot):
    cid = make_claim().id
    control.set_claim(cid)
    assert control.offered_transitions() == workflow.allowed_transitions("unstarted")
    assert control.status_label.text() == "Unstarted"
    assert control.status_label.textFormat() == Qt.TextFormat.PlainText
    qtbot.mouseClick(control.move_buttons["in_progress"], Qt.MouseButton.LeftButton)
    assert db_status(cid) == "in_progress"
    assert control.offered_transitions() == workflow.allowed_transitions("in_progress")
    assert "final" not in control.offered_transitions()


def test_gate_refusal_says_what_is_missing_and_offers_to_go_there(control, make_claim, qtbot, window):
    cid = make_claim().id
    services.set_status(cid, "in_progress")
    control.set_claim(cid)
    qtbot.mouseClick(control.move_buttons["needs_review"], Qt.MouseButton.LeftButton)
    assert db_status(cid) == "in_progress"
    text = control.problem_text()
    assert "a verdict" in text and "supports or refutes" in text
    assert control.go_verdict.isVisible() and control.go_source.isVisible()
    assert window.undo_stack.count() == 0
    # No link action installed: the message says so instead of doing nothing.
    assert not control.link_source()
    assert "No link action" in control.problem_text()
    triggered = []
    action = QAction("Link source\u2026", window)
    action.setObjectName("link_source")
    action.triggered.connect(lambda: triggered.append(True))
    window.menus["claim"].addAction(action)
    qtbot.mouseClick(control.go_source, Qt.MouseButton.LeftButton)
    assert triggered == [True]
    qtbot.mouseClick(control.go_verdict, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: control.verdict_combo.hasFocus())


def test_gate_refusal_names_only_the_missing_verdict(control, make_claim, make_source, qtbot):
    cid = make_claim().id
    services.set_status(cid, "in_progress")
    services.link_evidence(cid, make_source().id, "supports")
    control.set_claim(cid)
    control.move_to("needs_review")
    assert "a verdict" in control.problem_text()
    assert "supports or refutes" not in control.problem_text()
    assert control.go_verdict.isVisible() and not control.go_source.isVisible()


def test_reason_prompt_for_reopening_a_final_claim(control, make_claim, make_source, monkeypatch):
    cid = ready_claim(make_claim, make_source, "final")
    control.set_claim(cid)
    assert control.offered_transitions() == ["reopened"]
    asked = []

    def declined(parent, old, new):
        asked.append((old, new))
        return None

    monkeypatch.setattr(status_control, "ask_reason", declined)
    control.move_buttons["reopened"].click()
    assert asked == [("final", "reopened")] and db_status(cid) == "final"
    monkeypatch.setattr(status_control, "ask_reason", lambda *a: "  ")
    control.move_buttons["reopened"].click()
    assert db_status(cid) == "final" and "a reason" in control.problem_text()
    monkeypatch.setattr(status_control, "ask_reason", lambda *a: "The ministry revised its figures.")
    control.move_buttons["reopened"].click()
    assert db_status(cid) == "reopened"
    last = History.select().order_by(History.id.desc()).first()
    assert (last.new_value, last.reason, last.is_correction) == ("reopened", "The ministry revised its figures.", True)


def test_no_reason_asked_for_ordinary_moves(control, make_claim, monkeypatch):
    monkeypatch.setattr(status_control, "ask_reason", lambda *a: pytest.fail("asked for a reason"))
    cid = make_claim().id
    control.set_claim(cid)
    control.move_buttons["on_hold"].click()
    assert db_status(cid) == "on_hold"


def test_status_change_is_one_undo_step(control, make_claim, make_source, window):
    cid = ready_claim(make_claim, make_source)
    control.set_claim(cid)
    control.move_buttons["needs_review"].click()
    assert db_status(cid) == "needs_review" and window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert db_status(cid) == "in_progress"
    assert History.select().order_by(History.id.desc()).first().reason == "Undo"
    assert control.offered_transitions() == workflow.allowed_transitions("in_progress")
    window.undo_stack.redo()
    assert db_status(cid) == "needs_review"


def test_undo_refused_by_the_gate_shows_why(control, make_claim, make_source, window, monkeypatch):
    shown = []
    monkeypatch.setattr(status_control, "show_problem", lambda parent, title, text: shown.append(text))
    cid = ready_claim(make_claim, make_source, "needs_review")
    control.set_claim(cid)
    control.move_buttons["in_progress"].click()
    services.set_verdict(cid, None)  # the claim no longer passes the Needs review gate
    window.undo_stack.undo()
    assert db_status(cid) == "in_progress"
    assert shown and "needs a verdict" in shown[0]


def test_verdict_saved_only_on_save_and_undoable(control, make_claim, window, qtbot):
    cid = make_claim().id
    control.set_claim(cid)
    assert not control.save_button.isEnabled()
    control.verdict_combo.setCurrentIndex(control.verdict_combo.findData("misleading"))
    qtbot.keyClicks(control.explanation, "Only part of the figure holds.")
    assert Claim.get_by_id(cid).verdict is None  # nothing saved while editing
    assert control.save_button.isEnabled()
    qtbot.mouseClick(control.save_button, Qt.MouseButton.LeftButton)
    claim = Claim.get_by_id(cid)
    assert (claim.verdict, claim.verdict_explanation) == ("misleading", "Only part of the figure holds.")
    assert not control.save_button.isEnabled()
    window.undo_stack.undo()
    claim = Claim.get_by_id(cid)
    assert (claim.verdict, claim.verdict_explanation) == (None, "")
    assert control.verdict_combo.currentData() is None


def test_verdict_locked_on_final_claims(control, make_claim, make_source):
    cid = ready_claim(make_claim, make_source, "final")
    control.set_claim(cid)
    assert not control.verdict_combo.isEnabled()
    assert control.explanation.isReadOnly()


def test_no_claim_disables_the_section(control):
    control.set_claim(None)
    assert not control.isEnabled() and control.offered_transitions() == []


# -- history timeline ------------------------------------------------------------

def test_history_newest_first_with_correction_marked(window, qtbot, make_claim, make_source):
    cid = ready_claim(make_claim, make_source, "final")
    services.set_status(cid, "reopened", reason="Figures <b>revised</b> by the ministry")
    panel = history_panel.HistoryPanel(window)
    qtbot.addWidget(panel)
    panel.set_claim(cid)
    rows = list(History.select().where(History.claim == cid).order_by(History.id.desc()))
    assert len(panel.entries) == len(rows)
    assert [e.row.id for e in panel.entries] == [r.id for r in rows]
    first = panel.texts()[0]
    assert first.startswith("Status | Correction | Final  \u2192  Reopened")
    assert "Reason: Figures <b>revised</b> by the ministry" in first
    assert panel.entries[0].findChild(QLabel, "correctionBadge") is not None
    # Before publication nothing is marked as a correction.
    assert all("Correction" not in t for t in panel.texts()[1:])
    for label in panel.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText


def test_history_follows_changes_and_labels_values(window, qtbot, make_claim):
    cid = make_claim().id
    panel = history_panel.HistoryPanel(window)
    qtbot.addWidget(panel)
    panel.set_claim(cid)
    assert panel.texts() == ["Logged | A claim to check | " + panel.entries[0].who_label.text()]
    panel.set_claim(cid + 1000)
    assert panel.entries == [] and not panel.empty_label.isHidden()
    panel.set_claim(cid)
    services.set_verdict(cid, "not_checkable")
    window.signals.claims_changed.emit([cid])
    assert panel.texts()[0].startswith("Verdict | none  \u2192  Not checkable / opinion")
    assert "Tester" in panel.texts()[0]


def test_history_local_time():
    assert history_panel.local_time("garbage") == "garbage"
    assert len(history_panel.local_time("2026-11-23T19:40:00.123456Z")) == 16


def test_read_only_window_changes_nothing(control, window, make_claim):
    cid = make_claim().id
    window.read_only = True
    control.set_claim(cid)
    assert not any(b.isEnabled() for b in control.move_buttons.values())
    assert not control.move_to("in_progress")
    assert db_status(cid) == "unstarted"


def test_switching_claims_leaves_no_stale_cards_or_buttons(window, control, qtbot, make_claim):
    first, second = make_claim("First").id, make_claim("Second").id
    services.set_status(first, "in_progress")
    panel = history_panel.HistoryPanel(window)
    qtbot.addWidget(panel)
    panel.show()

    def visible_cards():
        return [w for w in panel.findChildren(history_panel.HistoryEntry) if w.isVisible()]

    panel.set_claim(first)
    control.set_claim(first)
    qtbot.waitUntil(lambda: len(visible_cards()) == 2)
    panel.set_claim(second)
    control.set_claim(second)
    # Before the event loop runs (and deletes the old cards), none of them may still paint.
    assert [c for c in visible_cards() if c.row.claim_id == first] == []

    qtbot.waitUntil(lambda: len(visible_cards()) >= 1)  # layouts show new children from the event loop
    assert [c.row.claim_id for c in visible_cards()] == [second]
    visible_buttons = [b for b in control.findChildren(status_control.QPushButton)
                       if b.isVisible() and b not in (control.save_button, control.revert_button,
                                                         control.go_verdict, control.go_source)]
    assert len(visible_buttons) == len(workflow.allowed_transitions("unstarted"))
