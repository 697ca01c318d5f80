"""How long ``claimlog demo`` takes at 100,000 and 1,000,000 claims, against a floor.

Target (shared/guide/performance.md): one million claims in under 60 s.

What is timed: the whole ``python -m desktop demo --db NEW --claims N`` process
(start-up, migration of the new file, generation, index rebuild, ANALYZE,
checkpoint on close), with its peak memory when ``/usr/bin/time`` is there.

Floor, measured in the same run: the ``sqlite3`` module's ``executemany`` of
the same number of bare claim rows (every column given, one short constant
text, no sources, links, history or search index) into a freshly migrated
database, in one transaction, then the checkpoint on close. No generator of
this schema can write N claims faster; the ratio says what the realistic
rows, the other tables, the full-text index and the history cost on top.

Sizes: 100,000 and CLAIMLOG_BENCH_CLAIMS (default 1,000,000). The largest run
is then kept as the shared benchmark database (see conftest.py), so the other
benchmarks need not build it again. Prints figures; never asserts on time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop import db as dbmod

pytestmark = pytest.mark.benchmark

# Same settings as conftest.py (a conftest cannot be imported by name).
BENCH_CLAIMS = int(os.environ.get("CLAIMLOG_BENCH_CLAIMS", "1000000"))
SIZES = sorted({min(100_000, BENCH_CLAIMS), BENCH_CLAIMS})
TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)

CLAIM_SQL = ("INSERT INTO claim (uuid, text, short_text, headline, claimant_id, claimant_name, claimed_on, "
             "appearance_url, other_appearances, location, language, context, priority, status, verdict, "
             "verdict_explanation, published_url, tags_text, n_supports, n_refutes, n_context, n_appearance, "
             "n_sources, created_at, updated_at, deleted_at, finalised_at, synced_at) "
             "VALUES (?,?,'',?,NULL,'','2024-05-01','','','','en','',0,'unstarted',NULL,'','','',0,0,0,0,0,?,?,"
             "NULL,NULL,NULL)")
TEXT = "At least 447 soldiers and police surrendered within three weeks, according to a local outlet."


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def floor_seconds(path: Path, n: int) -> float:
    """Bare claim rows through sqlite3's executemany, one transaction, plus the close."""
    remove_database(path)
    db = dbmod.open_database(path)
    conn = db.connection()
    stamp = "2024-05-01T08:00:00.000000Z"
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(CLAIM_SQL, ((f"{i:08x}-0000-4000-8000-000000000000", TEXT, TEXT, stamp, stamp)
                                 for i in range(n)))
    conn.execute("COMMIT")
    dbmod.close_database(db)
    elapsed = time.perf_counter() - started
    remove_database(path)
    return elapsed


def demo_run(path: Path, n: int, seed: int) -> tuple[float, int | None]:
    """Whole-process wall time of ``claimlog demo`` and its peak memory in KiB (None if unknown)."""
    remove_database(path)
    command = [sys.executable, "-m", "desktop", "demo", "--db", str(path), "--claims", str(n),
               "--seed", str(seed)]
    if TIME:
        command = [TIME, "-f", "peak-kib=%M", *command]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r"peak-kib=(\d+)", result.stderr)
    return elapsed, int(found.group(1)) if found else None


@pytest.mark.parametrize("n", SIZES)
def test_demo_speed(n, tmp_path, bench_settings):
    work = tmp_path / f"demo-{n}.db"
    floor = floor_seconds(tmp_path / f"floor-{n}.db", n)
    elapsed, peak = demo_run(work, n, bench_settings.seed)
    size_mb = work.stat().st_size / 1e6
    peak_text = f"{peak / 1024:,.0f} MiB" if peak else "unknown"
    print(
        f"\ndemo {n:>9,} claims: {elapsed:6.1f} s ({n / elapsed:,.0f} claims/s), peak memory {peak_text} "
        f"(of the writing process), file {size_mb:,.0f} MB"
        f"\n  floor (bare claim rows, sqlite3 executemany): {floor:6.2f} s -> ratio {elapsed / floor:.1f}x"
        + ("\n  target: under 60 s for 1,000,000 claims" if n >= 1_000_000 else "")
    )
    if n == bench_settings.claims:
        # Keep it as the shared benchmark database rather than building it again.
        shared = bench_settings.path_for(n)
        remove_database(shared)
        for suffix in ("-wal", "-shm"):
            extra = Path(str(work) + suffix)
            if extra.exists() and extra.stat().st_size == 0:
                extra.unlink()
        if not Path(str(work) + "-wal").exists():
            shutil.move(work, shared)
