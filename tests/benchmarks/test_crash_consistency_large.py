"""The crash-consistency runs at a larger scale: bigger transactions, more kills.

Run with ``-m benchmark -s``; prints kills and failures, and the time per
run against the floor of one child process that imports Claimlog and exits.
Sizes can be raised with CLAIMLOG_CRASH_KILLS / CLAIMLOG_CRASH_PER_OP /
CLAIMLOG_CRASH_DEMO / CLAIMLOG_CRASH_IMPORT.
"""

import os
import subprocess
import sys
import time

import pytest

from tests.test_crash_consistency import (
    COUNTED, ROOT, _seed, demo_command, import_scenario, run_cli_kills, run_kills)


def _floor() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import desktop.db, desktop.services"], cwd=ROOT, check=True)
    return time.perf_counter() - started


def _print(name, result, floor):
    per_run = result["seconds"] / max(result["attempts"], 1)
    print(f"\n{name}: kills: {result['kills']}, failures: {len(result['failures'])}; "
          f"{result['completed']} completed of {result['attempts']} runs; {result['seconds']:.1f} s in all, "
          f"{per_run:.2f} s per run = {per_run / floor:.1f} x the floor (child start-up {floor:.2f} s)")
    if "full_run" in result:
        print(f"   a full run took {result['full_run']:.2f} s and adds {result['delta']}")
    for failure in result["failures"][:10]:
        print("  ", failure)


@pytest.mark.benchmark
@pytest.mark.timeout(3600)
def test_many_kills_during_large_service_transactions(tmp_path):
    floor = _floor()
    result = run_kills(tmp_path, kills=int(os.environ.get("CLAIMLOG_CRASH_KILLS", "200")),
                       per_op=int(os.environ.get("CLAIMLOG_CRASH_PER_OP", "400")), n_base=2000, seed=7)
    _print(f"services bulk write ({os.environ.get('CLAIMLOG_CRASH_PER_OP', '400')} claims per transaction)",
           result, floor)
    assert result["failures"] == []


@pytest.mark.benchmark
@pytest.mark.timeout(3600)
def test_many_kills_during_a_large_demo(tmp_path):
    floor = _floor()
    n = int(os.environ.get("CLAIMLOG_CRASH_DEMO", "50000"))
    _seed(tmp_path / "crash.db", 100)
    result = run_cli_kills(tmp_path, command=demo_command(n), kills=int(os.environ.get("CLAIMLOG_CRASH_KILLS", "100")),
                           seed=7)
    _print(f"claimlog demo --claims {n}", result, floor)
    assert result["failures"] == []


@pytest.mark.benchmark
@pytest.mark.timeout(3600)
def test_many_kills_during_a_large_import(tmp_path):
    floor = _floor()
    n = int(os.environ.get("CLAIMLOG_CRASH_IMPORT", "10000"))
    command, reset = import_scenario(tmp_path, n, 100)
    result = run_cli_kills(tmp_path, command=command, kills=int(os.environ.get("CLAIMLOG_CRASH_KILLS", "100")),
                           seed=7, exact=COUNTED, reset=reset)
    _print(f"claimlog import of a {n}-claim package", result, floor)
    assert result["failures"] == []
