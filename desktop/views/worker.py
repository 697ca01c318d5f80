"""Run slow work off the GUI thread and hand the result back to it.

``run_task(parent, func, *args, on_done=..., on_error=..., progress_title=None,
cancellable=False)`` runs ``func(*args)`` on the global ``QThreadPool``.
When ``progress_title`` is given, ``func`` also receives ``progress=`` a
callable ``progress(done, total) -> bool`` (the same contract as
``desktop.demo.generate``): it updates the progress dialog and returns False
once the person pressed Cancel, so ``func`` stops and rolls back.
The dialog appears only when the work takes longer than ``SHOW_AFTER_MS``.

Callbacks always run on the GUI thread. The worker thread never touches a
widget; it uses its own SQLite connection (Peewee keeps one per thread) and
closes it when done.

A ``desktop.lanes.Lane`` is a background thread of its own for one kind of
repeated read (the dashboard): its connection stays open between tasks, so
SQLite's page cache stays warm. ``run_task(..., lane=LANE)`` runs there.

Tests: set ``worker.SYNCHRONOUS = True`` (monkeypatch) to run the function
inline, or wait on ``task.finished`` with ``qtbot.waitSignal``.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog

from desktop.lanes import Lane, close_lanes  # noqa: F401 - the GUI's names for them

log = logging.getLogger(__name__)

SHOW_AFTER_MS = 500
SYNCHRONOUS = False  # tests may switch this on

_running: set["Task"] = set()  # keeps tasks alive until their callbacks ran


class Task(QObject):
    """One piece of background work; its signals arrive on the GUI thread."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()  # after on_done / on_error ran

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cancel_event = threading.Event()
        self.dialog: QProgressDialog | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def cancel(self) -> None:
        self.cancel_event.set()

    def report(self, done: int, total: int) -> bool:
        """Called by the function (any thread): show progress; False = stop."""
        self.progressed.emit(int(done), int(total))
        return not self.cancel_event.is_set()


class _Runnable(QRunnable):
    def __init__(self, task: Task, func, args, kwargs):
        super().__init__()
        self.task, self.func, self.args, self.kwargs = task, func, args, kwargs
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            _call(self.task, self.func, self.args, self.kwargs)
        finally:
            _close_thread_connection()


def _call(task: Task, func, args, kwargs) -> None:
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:  # handed to on_error on the GUI thread
        outcome = (task.failed, exc)
    else:
        outcome = (task.succeeded, result)
    try:
        outcome[0].emit(outcome[1])
    except RuntimeError:
        # The task's Qt object is gone: the application quit (or the task's
        # owner was deleted) while this ran. Nobody is left to tell.
        log.debug("a background task finished after its receiver was deleted", exc_info=True)


def _close_thread_connection() -> None:
    """Close this worker thread's own SQLite connection, if it opened one."""
    try:
        from desktop.models import database

        if database.obj is not None and not database.is_closed():
            database.close()
    except Exception:  # pragma: no cover - nothing useful to do
        log.debug("closing the worker connection failed", exc_info=True)


def run_task(
    parent,
    func,
    *args,
    on_done=None,
    on_error=None,
    progress_title: str | None = None,
    cancellable: bool = False,
    lane: Lane | None = None,
    **kwargs,
) -> Task:
    """Run ``func(*args, **kwargs)`` off the GUI thread (on ``lane`` when given); see the module doc."""
    task = Task()
    if progress_title is not None:
        kwargs["progress"] = task.report

    def done(result):
        _finish(task)
        if on_done is not None:
            on_done(result)
        task.finished.emit()

    def failed(exc):
        _finish(task)
        if on_error is not None:
            on_error(exc)
        else:
            log.error("background task failed", exc_info=(type(exc), exc, exc.__traceback__))
        task.finished.emit()

    task.succeeded.connect(done, Qt.ConnectionType.QueuedConnection)
    task.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    _running.add(task)

    if SYNCHRONOUS:
        try:
            result = func(*args, **kwargs)
        except Exception as exc:
            failed(exc)
        else:
            done(result)
        return task

    if progress_title is not None:
        task.dialog = _progress_dialog(parent, progress_title, cancellable, task)
        task.progressed.connect(lambda d, t: _show_progress(task, d, t), Qt.ConnectionType.QueuedConnection)
        task._show_timer = QTimer(task)
        task._show_timer.setSingleShot(True)
        task._show_timer.timeout.connect(lambda: task.dialog is not None and task.dialog.show())
        task._show_timer.start(SHOW_AFTER_MS)
    if lane is not None:
        lane.submit(_call, task, func, args, kwargs)  # _call reports to the task; the future is not needed
    else:
        QThreadPool.globalInstance().start(_Runnable(task, func, args, kwargs))
    return task


def _progress_dialog(parent, title: str, cancellable: bool, task: Task) -> QProgressDialog:
    dialog = QProgressDialog(title, "Cancel" if cancellable else "", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(10**9)  # we decide when it shows
    if not cancellable:
        dialog.setCancelButton(None)
    dialog.canceled.connect(lambda: task.cancel_event.set())
    dialog.hide()
    return dialog


def _show_progress(task: Task, done: int, total: int) -> None:
    dialog = task.dialog
    if dialog is None:
        return
    if total > 0:
        dialog.setMaximum(total)
        dialog.setValue(min(done, total))
        dialog.setLabelText(f"{dialog.windowTitle()}: {done:,} of {total:,}")


def _finish(task: Task) -> None:
    _running.discard(task)
    timer = getattr(task, "_show_timer", None)
    if timer is not None:
        timer.stop()
    if task.dialog is not None:
        task.dialog.hide()
        task.dialog.deleteLater()
        task.dialog = None


def wait_for_all(msecs: int = 30_000) -> bool:
    """Before the process ends: let tasks still running finish (each is one
    transaction, and a Python thread must not outlive the interpreter); the
    lanes' connections are closed."""
    done = QThreadPool.globalInstance().waitForDone(msecs)
    close_lanes()
    return done
