"""Dashboard figures at scale, against a floor measured in the same run.

Uses the database named by CLAIMLOG_BENCH_DB (default /tmp/demo1m.db, the
one-million-claim demo: ``python -m desktop demo --db /tmp/demo1m.db --claims
1000000``) when it exists, else builds CLAIMLOG_BENCH_CLAIMS demo claims
(default 100,000) in a temporary file. The target is under 200 ms for the
whole dashboard at a million claims. Prints figures; never asserts on time.

Floor: ``SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL`` through the
plain sqlite3 module: the least any "how many live claims" answer can cost.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from pathlib import Path

import pytest

from desktop import dashboard_data, search
from desktop import db as dbmod

pytestmark = pytest.mark.benchmark

FILTERS = {
    "everything": search.ClaimFilter(),
    "status final": search.ClaimFilter(statuses=frozenset({"final"})),
    "verdict false": search.ClaimFilter(verdicts=frozenset({"false"})),
    "search 'soldiers'": search.ClaimFilter(text="soldiers"),
}


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory):
    path = Path(os.environ.get("CLAIMLOG_BENCH_DB", "/tmp/demo1m.db"))
    if path.exists():
        db = dbmod.open_database(path, readonly=True)  # a shared file: only read it
    else:
        from desktop import demo

        path = tmp_path_factory.mktemp("dash") / "bench.db"
        db = dbmod.open_database(path)
        demo.generate(int(os.environ.get("CLAIMLOG_BENCH_CLAIMS", "100000")), seed=3)
    yield db, path
    dbmod.close_database(db)


def _median_ms(func, runs=5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def test_dashboard_speed(bench_db):
    db, path = bench_db
    conn = sqlite3.connect(str(path))
    try:
        floor = _median_ms(lambda: conn.execute("SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL").fetchone())
    finally:
        conn.close()
    n = db.execute_sql("SELECT COUNT(*) FROM claim").fetchone()[0]
    print(f"\n{path}: {n:,} claims; floor (count live claims, sqlite3) {floor:.1f} ms")
    for name, flt in FILTERS.items():
        dashboard_data.compute(flt)  # warm the page cache
        parts = {}

        def run():
            data = dashboard_data.compute(flt)
            parts.update({k: round(v, 1) for k, v in data.timings_ms.items()})

        ms = _median_ms(run)
        print(f"dashboard [{name:18s}] {ms:7.1f} ms median = {ms / floor:5.1f}x floor; "
              f"target 200 ms at 1M; last run parts {parts}")
    data = dashboard_data.compute()
    assert data.total > 0
