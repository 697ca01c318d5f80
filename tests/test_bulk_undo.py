"""Undo and redo of a bulk change through the real window: off the GUI thread, stack held still, one transaction."""

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence

from desktop import demo, search, services
from desktop.models import Claim, History, database as db_proxy
from desktop.services import bulk
from desktop.services.bulk import BulkChange
from desktop.views import bulk_dialog, preferences

CHANGE = BulkChange("status", "on_hold")


@pytest.fixture
def messages(monkeypatch):
    seen = []
    monkeypatch.setattr(bulk_dialog, "report_error", lambda title, text: seen.append((title, text)))
    return seen


@pytest.fixture
def window(qtbot, database, monkeypatch, messages):
    demo.generate(300, seed=3)
    monkeypatch.setattr(preferences, "ask_checker_name", lambda parent=None: "Tester")
    monkeypatch.setattr(bulk_dialog, "WORKER_FROM", 50)  # "large" from 50 claims: the worker path
    from desktop.views.main_window import MainWindow

    win = MainWindow(database)
    qtbot.addWidget(win)
    win.show()
    return win


def edit_action(window, key):
    wanted = QKeySequence(key)
    found = [a for a in window.menus["edit"].actions() if a.shortcut() == wanted]
    assert len(found) == 1
    return found[0]


def statuses():
    return dict(Claim.select(Claim.id, Claim.status).tuples())


def apply_bulk(window):
    result = bulk.apply(search.ClaimFilter(), CHANGE)
    assert result.count >= 100
    command = bulk_dialog.BulkCommand(window, result)
    window.undo_stack.push(command)
    return command


class Gate:
    """Holds the worker inside a service call until a GUI timer opens it.

    If the call ran on the GUI thread, the timer could never fire: the wait
    times out and the call fails. The timer also records what the person sees.
    """

    def __init__(self, monkeypatch, name, window, command, on_tick=None):
        self.opened = threading.Event()
        self.seen = {}
        real = getattr(bulk, name)

        def held(*args, **kwargs):
            self.seen["worker_thread"] = threading.current_thread() is not threading.main_thread()
            if not self.opened.wait(5):
                raise RuntimeError("the GUI thread never ran the timer")
            return real(*args, **kwargs)

        def tick():
            undo, redo = edit_action(window, QKeySequence.StandardKey.Undo), edit_action(window, "Ctrl+Y")
            self.seen["enabled"] = (undo.isEnabled(), redo.isEnabled(), window.bulk_action.isEnabled())
            self.seen["detail"] = window.detail.isEnabled()
            task = command.task if command is not None else None
            self.seen["dialog"] = task is not None and task.dialog is not None and task.dialog.isVisible()
            if on_tick is not None:
                on_tick()
            self.opened.set()

        monkeypatch.setattr(bulk, name, held)
        QTimer.singleShot(0, tick)


def test_undo_and_redo_run_on_a_worker_with_the_stack_held(window, qtbot, monkeypatch, messages):
    before = statuses()
    command = apply_bulk(window)
    applied = statuses()
    assert applied != before
    undo, redo = edit_action(window, QKeySequence.StandardKey.Undo), edit_action(window, "Ctrl+Y")
    assert undo.isEnabled() and not redo.isEnabled()

    gate = Gate(monkeypatch, "revert", window, command)
    undo.trigger()
    qtbot.waitUntil(lambda: redo.isEnabled(), timeout=20000)
    assert gate.seen["worker_thread"] is True
    assert gate.seen["enabled"] == (False, False, False)  # Undo, Redo, Bulk change: all held
    assert gate.seen["detail"] is False and window.detail.isEnabled()  # no status click waits on the lock
    assert gate.seen["dialog"] is True  # the progress dialog was up at once
    assert statuses() == before
    assert History.select().where(History.reason == "Undo").count() == command.result.count
    assert not undo.isEnabled() and window.bulk_action.isEnabled()

    gate = Gate(monkeypatch, "apply", window, command)
    redo.trigger()
    qtbot.waitUntil(lambda: undo.isEnabled(), timeout=20000)
    assert gate.seen["worker_thread"] is True
    assert gate.seen["enabled"] == (False, False, False)
    assert statuses() == applied
    assert window.undo_stack.count() == 1 and window.undo_stack.index() == 1  # still one step
    assert messages == []


def test_closing_the_window_mid_way_waits_for_the_whole_undo(window, qtbot, monkeypatch, messages):
    before = statuses()
    command = apply_bulk(window)
    gate = Gate(monkeypatch, "revert", window, command,
                on_tick=lambda: (window.close(), gate.seen.__setitem__("open_after_close", window.isVisible())))
    edit_action(window, QKeySequence.StandardKey.Undo).trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    assert gate.seen["open_after_close"] is True  # the close waited
    assert statuses() == before  # the whole undo, not part of it
    assert History.select().where(History.reason == "Undo").count() == command.result.count
    assert messages == []


def _read_only_in_the_worker(monkeypatch, name):
    real = getattr(bulk, name)

    def refused(*args, **kwargs):
        assert threading.current_thread() is not threading.main_thread()
        db_proxy.execute_sql("PRAGMA query_only = 1")  # this worker's own connection only
        try:
            return real(*args, **kwargs)
        finally:
            db_proxy.execute_sql("PRAGMA query_only = 0")

    monkeypatch.setattr(bulk, name, refused)
    return real


def test_a_failed_undo_changes_nothing_and_keeps_the_step(window, qtbot, monkeypatch, messages):
    before = statuses()
    apply_bulk(window)
    applied, n_history = statuses(), History.select().count()
    undo, redo = edit_action(window, QKeySequence.StandardKey.Undo), edit_action(window, "Ctrl+Y")
    real = _read_only_in_the_worker(monkeypatch, "revert")
    undo.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=20000)
    title, text = messages[0]
    assert title == "Bulk change not undone"
    assert "read-only" in text and "Nothing was changed" in text and "try again" in text
    assert statuses() == applied and History.select().count() == n_history
    assert window.undo_stack.index() == 1  # the stack says what the database holds
    assert undo.isEnabled() and not redo.isEnabled()

    monkeypatch.setattr(bulk, "revert", real)  # writable again: the same step undoes
    undo.trigger()
    qtbot.waitUntil(lambda: redo.isEnabled(), timeout=20000)
    assert statuses() == before
    assert len(messages) == 1


def test_a_failed_redo_changes_nothing_and_keeps_the_step(window, qtbot, monkeypatch, messages):
    before = statuses()
    apply_bulk(window)
    applied = statuses()
    undo, redo = edit_action(window, QKeySequence.StandardKey.Undo), edit_action(window, "Ctrl+Y")
    undo.trigger()
    qtbot.waitUntil(lambda: redo.isEnabled(), timeout=20000)
    n_history = History.select().count()
    real = _read_only_in_the_worker(monkeypatch, "apply")
    redo.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=20000)
    assert messages[0][0] == "Bulk change not redone"
    assert statuses() == before and History.select().count() == n_history
    assert window.undo_stack.index() == 0
    assert redo.isEnabled() and not undo.isEnabled()

    monkeypatch.setattr(bulk, "apply", real)
    redo.trigger()
    qtbot.waitUntil(lambda: undo.isEnabled(), timeout=20000)
    assert statuses() == applied


def test_small_changes_undo_in_place_and_redo_only_what_undo_put_back(window, qtbot, monkeypatch, messages):
    monkeypatch.setattr(bulk_dialog, "WORKER_FROM", 10_000)
    command = apply_bulk(window)
    moved = command.result.ids[0]
    services.set_status(moved, "in_progress")  # changed by hand since the bulk change
    undo, redo = edit_action(window, QKeySequence.StandardKey.Undo), edit_action(window, "Ctrl+Y")
    undo.trigger()
    assert command.task is None  # no worker: done in place
    assert command.undone.skipped == 1 and moved not in command.undone.ids
    qtbot.waitUntil(lambda: redo.isEnabled(), timeout=5000)  # held until the stack settled
    redo.trigger()
    assert moved not in command.result.ids  # redo re-applies what undo put back, nothing more
    assert Claim.get_by_id(moved).status == "in_progress"
    assert command.result.count == command.undone.count
    qtbot.waitUntil(lambda: undo.isEnabled() and window.bulk_action.isEnabled(), timeout=5000)
    assert messages == []


def test_the_stack_is_held_while_the_dialog_applies_even_if_the_dialog_is_closed(window, qtbot, monkeypatch,
                                                                              messages):
    before = statuses()
    dialog = bulk_dialog.open_bulk_dialog(window)
    dialog.use_filter.setChecked(True)
    dialog.status_value.setCurrentIndex(dialog.status_value.findData("on_hold"))
    dialog.preview_button.click()
    qtbot.waitUntil(dialog.apply_button.isEnabled, timeout=10000)
    undo = edit_action(window, QKeySequence.StandardKey.Undo)
    gate = Gate(monkeypatch, "apply", window, None, on_tick=dialog.reject)
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: undo.isEnabled(), timeout=20000)
    assert gate.seen["worker_thread"] is True and gate.seen["enabled"] == (False, False, False)
    assert gate.seen["detail"] is False and window.detail.isEnabled()
    assert window.undo_stack.count() == 1  # the step landed although the dialog was gone
    assert statuses() != before
    undo.trigger()
    qtbot.waitUntil(lambda: edit_action(window, "Ctrl+Y").isEnabled(), timeout=20000)
    assert statuses() == before
    assert messages == []


@pytest.mark.parametrize("fail", [False, True])
def test_the_stack_cleared_mid_way_is_no_crash(window, qtbot, monkeypatch, messages, fail):
    """What the Backups restore does to the stack, arriving while an undo runs."""
    before = statuses()
    command = apply_bulk(window)
    applied = statuses()
    if fail:
        _read_only_in_the_worker(monkeypatch, "revert")
    Gate(monkeypatch, "revert", window, command, on_tick=window.undo_stack.clear)
    edit_action(window, QKeySequence.StandardKey.Undo).trigger()
    qtbot.waitUntil(lambda: not bulk_dialog.StackGuard.of(window).running, timeout=20000)
    assert window.undo_stack.count() == 0
    if fail:
        assert statuses() == applied
        assert len(messages) == 1 and "no longer on the undo stack" in messages[0][1]
        assert messages[0][1].startswith("Bulk change: status to On hold")
    else:
        assert statuses() == before and messages == []
