"""Bulk change speed on CLAIMLOG_BENCH_CLAIMS demo claims (default 100,000), against a floor.

Floor: the bare UPDATE of the same claims' status in one transaction through
the plain sqlite3 module (rolled back), i.e. what SQLite needs without the
gates, History rows, index upkeep or undo data. Prints figures only.
"""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

from desktop import db as dbmod
from desktop import demo, search, services
from desktop.services import bulk

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("bulk") / "bulk.db"
    db = dbmod.open_database(path)
    demo.generate(int(os.environ.get("CLAIMLOG_BENCH_CLAIMS", "100000")), seed=5)
    services.set_actor("Bench")
    yield db, path
    dbmod.close_database(db)


def test_bulk_apply_and_revert_speed(bench_db):
    db, path = bench_db
    n = db.execute_sql("SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL").fetchone()[0]
    conn = sqlite3.connect(str(path), isolation_level=None)
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("UPDATE claim SET status = 'on_hold', updated_at = 'x' "
                 "WHERE deleted_at IS NULL AND status IN ('unstarted', 'in_progress')")
    conn.execute("ROLLBACK")
    floor = time.perf_counter() - t0
    conn.close()
    print(f"\n{n:,} live claims; floor (bare UPDATE, sqlite3) {floor:.2f} s")
    for change in (bulk.BulkChange("status", "on_hold"), bulk.BulkChange("verdict", "unverified"),
                   bulk.BulkChange("add_tag", "bench-tag")):
        t0 = time.perf_counter()
        preview = bulk.preview(search.ClaimFilter(), change)
        t1 = time.perf_counter()
        result = bulk.apply(search.ClaimFilter(), change)
        t2 = time.perf_counter()
        undone = bulk.revert(result)
        t3 = time.perf_counter()
        assert result.count == preview.will_change == undone.count
        print(f"{change.describe():28s} {result.count:8,} claims: preview {t1 - t0:5.2f} s, "
              f"apply {t2 - t1:5.2f} s ({(t2 - t1) / floor:4.1f}x floor), revert {t3 - t2:5.2f} s")
