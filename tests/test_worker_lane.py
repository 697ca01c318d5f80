"""A worker lane keeps its SQLite connection between tasks and closes it before its database is closed."""

from __future__ import annotations

import threading

from desktop import db as dbmod
from desktop.models import database as proxy
from desktop.views import worker


def _connection_of_this_thread():
    """The sqlite3 connection the current thread reads with, and the thread's name."""
    conn = proxy.connection()
    conn.execute("SELECT count(*) FROM claim").fetchone()
    return conn, threading.current_thread().name


def _run(qtbot, func, lane=None):
    """Run ``func`` as a task; its result, or the exception it raised."""
    got = []
    task = worker.run_task(None, func, on_done=got.append, on_error=got.append, lane=lane)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    return got[0]


def _usable(qtbot, lane, conn) -> bool:
    """Whether ``conn`` still answers, asked on the lane's own thread (sqlite3 refuses other threads)."""
    outcome = _run(qtbot, lambda: conn.execute("SELECT 1").fetchone(), lane)
    if isinstance(outcome, BaseException):
        assert "closed" in str(outcome), outcome
        return False
    return True


def test_a_lane_keeps_its_connection_between_tasks(qtbot, database):
    lane = worker.Lane()
    first, thread = _run(qtbot, _connection_of_this_thread, lane)
    second, same_thread = _run(qtbot, _connection_of_this_thread, lane)
    assert second is first and same_thread == thread != threading.current_thread().name
    pooled, pool_thread = _run(qtbot, _connection_of_this_thread)  # an ordinary task: not on the lane
    assert pooled is not first and pool_thread != thread
    assert _usable(qtbot, lane, first)
    lane.close()
    assert not _usable(qtbot, lane, first)


def test_closing_the_database_closes_the_lanes_connection_first(qtbot, db_path):
    db = dbmod.open_database(db_path)
    lane = worker.Lane()
    try:
        held, _ = _run(qtbot, _connection_of_this_thread, lane)
    finally:
        dbmod.close_database(db)  # db.before_close: the lane closes its connection on its thread
    assert not _usable(qtbot, lane, held)
    db = dbmod.open_database(db_path)
    try:
        fresh, _ = _run(qtbot, _connection_of_this_thread, lane)  # the database bound now
        assert fresh is not held
    finally:
        dbmod.close_database(db)
    assert not _usable(qtbot, lane, fresh)


def test_a_task_finishing_after_its_qt_object_was_deleted_reports_nothing(qtbot):
    """Quitting while a count still runs deletes the task's QObject; the worker's last emit must
    not raise (it printed 'Signal source has been deleted' with a traceback)."""
    import shiboken6

    task = worker.Task()
    shiboken6.delete(task)
    worker._call(task, lambda: 42, (), {})  # would raise RuntimeError before
    worker._call(task, lambda: 1 / 0, (), {})


def test_a_long_job_on_a_lane_sees_the_lane_closing_and_may_give_up():
    from desktop import lanes

    lane = lanes.Lane("test-closing")
    started = threading.Event()

    def long_job():  # as a build of an order's places asks between SQLite steps
        started.set()
        looks = 0
        while not lanes.closing():
            looks += 1
            threading.Event().wait(0.001)
            assert looks < 5000, "the lane never said it was closing"
        return looks

    job = lane.submit(long_job)
    assert started.wait(timeout=5) and not lanes.closing()  # only a lane's own thread can be closing
    lane.close()  # returns once the job has given up
    assert job.done() and job.result() >= 0
    assert lane.submit(lanes.closing).result(timeout=5) is False  # closed: a new job runs as usual
