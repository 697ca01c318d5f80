"""Backup, verification and open-time check figures on a large database.

Run with ``-m benchmark -s`` (CLAIMLOG_BACKUP_CLAIMS sets the size, default
100,000). The floor is a plain file copy of the same (closed) database,
measured in the same run; ratios are printed, nothing asserts on time.
"""

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop import backups
from desktop import db as dbmod

ROOT = Path(__file__).resolve().parents[2]


def _timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - started, result


@pytest.mark.benchmark
@pytest.mark.timeout(3600)
def test_backup_and_check_figures(tmp_path):
    n = int(os.environ.get("CLAIMLOG_BACKUP_CLAIMS", "100000"))
    path = tmp_path / "big.db"
    subprocess.run([sys.executable, "-m", "desktop", "demo", "--db", str(path), "--claims", str(n)], cwd=ROOT,
                   check=True, capture_output=True)
    size = path.stat().st_size
    floor, _ = _timed(shutil.copyfile, path, tmp_path / "plain-copy.db")
    quick, problems = _timed(dbmod.quick_check_file, path)
    assert problems == []
    open_fast, (db, report) = _timed(dbmod.open_checked, path, full_check=False)
    dbmod.close_database(db)
    open_checked, (db, report) = _timed(dbmod.open_checked, path, full_check=True)
    try:
        online, _ = _timed(dbmod.backup_database, db, tmp_path / "online.db")
        now = datetime.now()
        full, info = _timed(backups.backup_now, db, now=now)
        fingerprint, _ = _timed(backups.fingerprint_conn, db.connection())
        skip, skipped = _timed(backups.maybe_backup, db, now=now + timedelta(days=2))
        assert skipped is None  # nothing changed: no second backup
    finally:
        dbmod.close_database(db)
    restore, result = _timed(backups.restore_backup, path, info.path)
    assert result.claims == n
    print(f"\n{n:,} claims, {size / 1e6:.1f} MB; floor (plain file copy) {floor * 1000:.0f} ms")
    for label, seconds in [
        ("online backup + integrity check", online),
        ("backup_now (backup, integrity, invariants, rotate)", full),
        ("restore (verify, set aside, copy)", restore),
        ("PRAGMA quick_check", quick),
        ("open without quick_check", open_fast),
        ("open with quick_check", open_checked),
        ("change fingerprint", fingerprint),
        ("automatic backup skipped (unchanged)", skip),
    ]:
        print(f"  {label:52} {seconds * 1000:9.0f} ms  {seconds / floor:7.1f} x floor")
    print(f"  quick_check runs at every open below {dbmod.QUICK_CHECK_MAX_BYTES / 1e6:.0f} MB "
          f"(this file: {'yes' if size <= dbmod.QUICK_CHECK_MAX_BYTES else 'no, only after an unclean shutdown'})")
