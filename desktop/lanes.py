"""Background threads that keep their SQLite connection between jobs (no Qt).

Peewee keeps one connection per thread (a ``threading.local``). A ``Lane`` is
one long-lived Python thread, so the connection it opens on its first job, and
that connection's page cache, are still there for the next one: at a million
claims a dashboard took 10-50 ms more on a fresh connection.

``lane.submit(func, *args, **kwargs)`` runs ``func`` on the lane's thread and
returns a ``concurrent.futures.Future``. The GUI's ``views.worker.run_task(...,
lane=...)`` runs tasks on a lane too, and ``dashboard_data.compute`` hands part
of its work to a second lane, so its queries run on both cores.

A lane's connections are closed on its own thread (sqlite3 wants that) before
their database is closed (``db.before_close``); ``close_lanes()`` closes all.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from concurrent.futures import Future

log = logging.getLogger(__name__)

_lanes: "weakref.WeakSet[Lane]" = weakref.WeakSet()
_here = threading.local()  # on a lane's thread: that lane


def closing() -> bool:
    """Whether this thread is a lane being closed: a long job on it should give up (``Lane.close`` waits)."""
    lane = getattr(_here, "lane", None)
    return lane is not None and lane._closing.is_set()


class Lane:
    """One background thread that keeps its SQLite connection between jobs (see the module doc)."""

    def __init__(self, name: str = "claimlog-lane"):
        self.name = name
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._databases: list = []  # the Peewee databases its thread has a connection to
        self._lock = threading.Lock()
        self._closing = threading.Event()  # set while close() waits for the jobs before its own
        _lanes.add(self)

    def submit(self, func, *args, **kwargs) -> Future:
        """Run ``func(*args, **kwargs)`` on the lane's thread; its result or exception comes in the future."""
        future: Future = Future()

        def job():
            if not future.set_running_or_notify_cancel():
                return
            self._connecting()
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

        self._put(job)
        return future

    def _put(self, job) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
            self._jobs.put(job)

    def _loop(self) -> None:
        _here.lane = self
        while True:
            job = self._jobs.get()
            try:
                job()
            except BaseException:  # pragma: no cover - submit hands errors on; this is a safety net
                log.exception("a lane job failed")
            finally:
                self._jobs.task_done()

    def on_own_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def _connecting(self) -> None:
        """On the lane's thread, before a job: note the database it will read."""
        from desktop.models import database

        if database.obj is not None and database.obj not in self._databases:
            self._databases.append(database.obj)

    def close(self, db=None) -> None:
        """Close the lane's connection to ``db`` (every one, when None), on its own thread, and wait."""
        if self._thread is None or not self._thread.is_alive():
            return

        def close_them():
            for held in list(self._databases):
                if db is None or held is db:
                    try:
                        if not held.is_closed():
                            held.close()
                    except Exception:  # pragma: no cover - nothing useful to do
                        log.debug("closing a lane connection failed", exc_info=True)
                    self._databases.remove(held)

        if self.on_own_thread():  # closing from one of its own jobs: no waiting on itself
            close_them()
            return
        self._closing.set()
        try:
            self._put(close_them)
            self._jobs.join()
        finally:
            self._closing.clear()


def close_lanes(db=None) -> None:
    """Close every lane's connection to ``db`` (or all of them)."""
    for lane in list(_lanes):
        lane.close(db)


def _register_close_hook() -> None:
    from desktop import db as dbmod

    dbmod.before_close(close_lanes)


_register_close_hook()
