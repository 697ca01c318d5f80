"""The crash-consistency run at a larger scale: bigger transactions, more kills.

Run with ``-m benchmark -s``; prints kills, failures and the time per kill
against the floor of one child process that opens the file and exits.
"""

import os
import subprocess
import sys
import time

import pytest

from tests.test_crash_consistency import ROOT, run_kills


@pytest.mark.benchmark
@pytest.mark.timeout(1800)
def test_many_kills_during_large_transactions(tmp_path):
    kills = int(os.environ.get("CLAIMLOG_CRASH_KILLS", "300"))
    per_op = int(os.environ.get("CLAIMLOG_CRASH_PER_OP", "400"))
    floor_start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import desktop.db, desktop.services"], cwd=ROOT, check=True)
    floor = time.perf_counter() - floor_start
    result = run_kills(tmp_path, kills=kills, per_op=per_op, n_base=2000, seed=7)
    per_kill = result["seconds"] / max(result["attempts"], 1)
    print(f"\nkills: {result['kills']}, failures: {len(result['failures'])}; "
          f"{result['completed']} operations completed of {result['attempts']} runs; "
          f"{per_op} claims per transaction; {result['seconds']:.1f} s in all, "
          f"{per_kill:.2f} s per run = {per_kill / floor:.1f} x the floor (child start-up {floor:.2f} s); "
          f"database {(tmp_path / 'crash.db').stat().st_size / 1e6:.1f} MB")
    for failure in result["failures"][:10]:
        print("  ", failure)
    assert result["failures"] == []
