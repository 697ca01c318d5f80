"""Bulk change speed on CLAIMLOG_BENCH_CLAIMS demo claims (default 100,000), against a floor.

The database is a private copy (SQLite's online backup, safe while others read
it) of the shared ``/tmp/claimlog-bench-<n>-seed1.db`` when that file holds
exactly ``n`` claims; otherwise demo data is generated into a fresh file. The
shared file is only read, never migrated or rebuilt from here.

Floor: the bare UPDATE of the same claims' status in one transaction through
the plain sqlite3 module (rolled back), i.e. what SQLite needs without the
gates, History rows, index upkeep or undo data. Each change is applied and
reverted ``CLAIMLOG_BULK_ROUNDS`` times (default 3); the medians are printed.
Prints figures only.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from desktop import db as dbmod
from desktop import demo, search, services
from desktop.services import bulk

pytestmark = pytest.mark.benchmark

N_CLAIMS = int(os.environ.get("CLAIMLOG_BENCH_CLAIMS", "100000"))
ROUNDS = int(os.environ.get("CLAIMLOG_BULK_ROUNDS", "3"))


def _shared_copy(n: int, dest: Path) -> bool:
    """Copy the shared demo database of ``n`` claims to ``dest``; False when there is none."""
    shared = Path(tempfile.gettempdir()) / f"claimlog-bench-{n}-seed1.db"
    if not shared.exists():
        return False
    try:
        src = sqlite3.connect("file:" + quote(str(shared.resolve())) + "?mode=ro", uri=True)
        try:
            if src.execute("SELECT count(*) FROM claim").fetchone()[0] != n:
                return False
            out = sqlite3.connect(str(dest))
            try:
                src.backup(out)
            finally:
                out.close()
        finally:
            src.close()
    except sqlite3.Error:
        return False
    return True


@pytest.fixture(scope="module")
def bulk_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("bulk") / "bulk.db"
    copied = _shared_copy(N_CLAIMS, path)
    db = dbmod.open_database(path)
    if not copied:
        demo.generate(N_CLAIMS, seed=5)
    services.set_actor("Bench")
    print(f"\n(database: {'copy of the shared demo file' if copied else 'generated demo data'})")
    yield db, path
    dbmod.close_database(db)


def test_bulk_apply_and_revert_speed(bulk_db):
    db, path = bulk_db
    n = db.execute_sql("SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL").fetchone()[0]
    floors = []
    conn = sqlite3.connect(str(path), isolation_level=None)
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("UPDATE claim SET status = 'on_hold', updated_at = 'x' "
                     "WHERE deleted_at IS NULL AND status IN ('unstarted', 'in_progress')")
        conn.execute("ROLLBACK")
        floors.append(time.perf_counter() - t0)
    conn.close()
    floor = statistics.median(floors)
    print(f"\n{n:,} live claims; floor (bare UPDATE, sqlite3) {floor:.2f} s; medians of {ROUNDS} rounds")
    for change in (bulk.BulkChange("status", "on_hold"), bulk.BulkChange("verdict", "unverified"),
                   bulk.BulkChange("add_tag", "bench-tag")):
        times = {"preview": [], "apply": [], "revert": []}
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            preview = bulk.preview(search.ClaimFilter(), change)
            t1 = time.perf_counter()
            result = bulk.apply(search.ClaimFilter(), change)
            t2 = time.perf_counter()
            undone = bulk.revert(result)
            t3 = time.perf_counter()
            assert result.count == preview.will_change == undone.count
            times["preview"].append(t1 - t0)
            times["apply"].append(t2 - t1)
            times["revert"].append(t3 - t2)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{change.describe():28s} {result.count:8,} claims: preview {med['preview']:5.2f} s, "
              f"apply {med['apply']:5.2f} s ({med['apply'] / floor:4.1f}x floor), "
              f"revert {med['revert']:5.2f} s ({med['revert'] / floor:4.1f}x floor)")


def test_bulk_undo_and_redo_keep_the_window_live(bulk_db, qtbot, monkeypatch):
    """Longest gap between the ticks of a 10 ms GUI timer while the real window's Undo and
    Redo actions undo and redo a bulk change: in place (how it was, WORKER_FROM out of
    reach) against the worker (the default). Includes the window's refresh afterwards."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QKeySequence

    from desktop.views import bulk_dialog, preferences
    from desktop.views.main_window import MainWindow

    db, _ = bulk_db
    monkeypatch.setattr(preferences, "ask_checker_name", lambda parent=None: "Bench")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    keys = {a.shortcut().toString(): a for a in window.menus["edit"].actions()}
    undo, redo = keys[QKeySequence(QKeySequence.StandardKey.Undo).toString()], keys["Ctrl+Y"]

    def longest_stall(action, finished) -> tuple[float, float]:
        gaps, last = [], [time.perf_counter()]

        def tick():
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        timer.start()
        t0 = time.perf_counter()
        QTimer.singleShot(0, action.trigger)
        qtbot.waitUntil(finished, timeout=600_000)
        elapsed = time.perf_counter() - t0
        timer.stop()
        return elapsed, max(gaps, default=elapsed)

    print()
    worker_from = bulk_dialog.WORKER_FROM
    for change in (bulk.BulkChange("status", "on_hold"), bulk.BulkChange("add_tag", "bench-tag")):
        for mode, threshold in (("in place (before)", 10**12), ("on the worker", worker_from)):
            monkeypatch.setattr(bulk_dialog, "WORKER_FROM", threshold)
            result = bulk.apply(search.ClaimFilter(), change)
            command = bulk_dialog.BulkCommand(window, result)
            window.undo_stack.push(command)
            qtbot.waitUntil(undo.isEnabled)
            undo_s, undo_gap = longest_stall(undo, redo.isEnabled)
            redo_s, redo_gap = longest_stall(redo, undo.isEnabled)
            bulk.revert(command.result)
            window.undo_stack.clear()
            print(f"{change.describe():24s} {result.count:7,} claims, {mode:17s}: undo {undo_s:5.2f} s "
                  f"(GUI stalled up to {undo_gap * 1000:5.0f} ms), redo {redo_s:5.2f} s "
                  f"(up to {redo_gap * 1000:5.0f} ms)")
