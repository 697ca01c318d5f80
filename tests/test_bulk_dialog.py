"""The bulk change dialog: preview, apply (off the GUI thread), one undo step; checked in the database."""

import pytest
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMenu, QWidget

from desktop import search, services
from desktop.models import Claim, History
from desktop.views import bulk_dialog, preferences, worker
from desktop.views.signals import DataSignals


class FakeWindow(QWidget):
    def __init__(self, selected=(), flt=None):
        super().__init__()
        self.signals = DataSignals(self)
        self.undo_stack = QUndoStack(self)
        self.menus = {"claim": QMenu(self)}
        self.edit_actions = []
        self.selected = list(selected)
        self.flt = flt or search.ClaimFilter()

    def selected_claim_ids(self):
        return self.selected

    def current_filter(self):
        return self.flt


@pytest.fixture(autouse=True)
def no_name_prompt(monkeypatch):
    monkeypatch.setattr(preferences, "ask_checker_name", lambda parent=None: "Tester")


@pytest.fixture
def claims(make_claim, make_source):
    """Six claims in progress: four ready for review (verdict + refuting source), two not."""
    source = make_source()
    ids = []
    for n in range(6):
        cid = make_claim(f"Bulk claim {n} on the ferry fares").id
        services.set_status(cid, "in_progress")
        if n < 4:
            services.set_verdict(cid, "false")
            services.link_evidence(cid, source.id, "refutes")
        ids.append(cid)
    return ids


def statuses(ids):
    return [Claim.get_by_id(c).status for c in ids]


def make_dialog(qtbot, window):
    dialog = bulk_dialog.BulkDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_preview_then_apply_then_undo_on_the_filter(claims, qtbot, monkeypatch):
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    window = FakeWindow(flt=search.ClaimFilter(text="ferry"))
    qtbot.addWidget(window)
    dialog = make_dialog(qtbot, window)
    assert dialog.use_filter.isChecked() and not dialog.use_selection.isEnabled()
    assert "All 6 claims" in dialog.use_filter.text()
    dialog.status_value.setCurrentIndex(dialog.status_value.findData("needs_review"))
    assert not dialog.apply_button.isEnabled()  # no preview yet
    dialog.preview_button.click()
    text = dialog.preview_label.text()
    assert "4 will change" in text
    assert "2 refused: needs a verdict and a linked source that supports or refutes it" in text
    assert statuses(claims) == ["in_progress"] * 6  # a preview changes nothing
    with qtbot.waitSignal(dialog.applied):
        dialog.apply_button.click()
    assert statuses(claims) == ["needs_review"] * 4 + ["in_progress"] * 2
    assert History.select().where(History.new_value == "needs_review").count() == 4
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert statuses(claims) == ["in_progress"] * 6
    window.undo_stack.redo()
    assert statuses(claims) == ["needs_review"] * 4 + ["in_progress"] * 2


def test_changing_a_setting_after_preview_disables_apply(claims, qtbot, monkeypatch):
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    window = FakeWindow(selected=claims[:2])
    qtbot.addWidget(window)
    dialog = make_dialog(qtbot, window)
    assert dialog.use_selection.isChecked()
    dialog.preview_button.click()
    assert "refused: cannot go from In progress to Unstarted" in dialog.preview_label.text()
    assert not dialog.apply_button.isEnabled()  # nothing would change
    dialog.status_value.setCurrentIndex(dialog.status_value.findData("on_hold"))
    dialog.preview_button.click()
    assert dialog.apply_button.isEnabled()
    dialog.kind.setCurrentIndex(dialog.kind.findData("add_tag"))
    assert not dialog.apply_button.isEnabled()
    dialog.tag_value.setText("ferries")
    dialog.preview_button.click()
    assert "2 will change" in dialog.preview_label.text()
    dialog.apply_button.click()
    assert [Claim.get_by_id(c).tags_text for c in claims[:3]] == ["ferries", "ferries", ""]
    window.undo_stack.undo()
    assert [Claim.get_by_id(c).tags_text for c in claims[:3]] == ["", "", ""]


def test_bad_input_is_shown_not_raised(claims, qtbot, monkeypatch):
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    window = FakeWindow(selected=claims)
    qtbot.addWidget(window)
    dialog = make_dialog(qtbot, window)
    dialog.kind.setCurrentIndex(dialog.kind.findData("add_tag"))
    dialog.tag_value.setText("a;b")
    dialog.preview_button.click()
    assert "tag" in dialog.preview_label.text() and ";" in dialog.preview_label.text()
    assert not dialog.apply_button.isEnabled()


def test_apply_runs_on_a_worker_thread(claims, qtbot):
    window = FakeWindow(selected=claims)
    qtbot.addWidget(window)
    dialog = make_dialog(qtbot, window)
    dialog.kind.setCurrentIndex(dialog.kind.findData("verdict"))
    dialog.verdict_value.setCurrentIndex(dialog.verdict_value.findData("misleading"))
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.apply_button.isEnabled(), timeout=5000)
    with qtbot.waitSignal(dialog.applied, timeout=10000) as blocker:
        dialog.apply_button.click()
    assert blocker.args[0].count == 6
    assert {Claim.get_by_id(c).verdict for c in claims} == {"misleading"}


def test_install_adds_the_menu_action(qtbot, database, monkeypatch):
    window = FakeWindow()
    qtbot.addWidget(window)
    bulk_dialog.install(window)
    opened = []
    monkeypatch.setattr(bulk_dialog, "open_bulk_dialog", lambda w: opened.append(w))
    window.bulk_action.trigger()
    assert opened == [window]
    assert window.bulk_action in window.edit_actions
