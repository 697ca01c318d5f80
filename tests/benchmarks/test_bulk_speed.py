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
