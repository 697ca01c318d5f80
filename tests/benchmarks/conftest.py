"""Shared benchmark databases: demo data built once, reused by every benchmark file and run.

``bench_db(n)`` (a session fixture that returns a function) gives the path of
a complete demo database of ``n`` claims in the temporary folder, building it
with ``claimlog demo`` only when it is missing, incomplete, or of an older
schema. ``big_db`` is ``bench_db(CLAIMLOG_BENCH_CLAIMS)`` (default 1,000,000).
The file name holds ``n`` and the seed (``CLAIMLOG_BENCH_SEED``, default 1), so
``/tmp/claimlog-bench-1000000-seed1.db`` is shared by every benchmark.

A database is built under a temporary name and renamed into place only once
``claimlog demo`` has finished, so an interrupted build is never taken for a
complete one. Benchmarks that write should work on a copy (``shutil.copy``)
or in their own transaction that they roll back.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

BENCH_CLAIMS = int(os.environ.get("CLAIMLOG_BENCH_CLAIMS", "1000000"))
BENCH_SEED = int(os.environ.get("CLAIMLOG_BENCH_SEED", "1"))


def bench_db_path(n: int, seed: int = BENCH_SEED) -> Path:
    return Path(tempfile.gettempdir()) / f"claimlog-bench-{n}-seed{seed}.db"


def is_complete(path: Path, n: int) -> bool:
    """True when ``path`` is a Claimlog database of the current schema holding exactly ``n`` claims."""
    from desktop import db as dbmod

    if not path.exists():
        return False
    try:
        conn = sqlite3.connect("file:" + quote(str(path.resolve())) + "?mode=ro", uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            count = conn.execute("SELECT count(*) FROM claim").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return app_id == dbmod.APPLICATION_ID and version == dbmod.latest_schema_version() and count == n


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def build_demo_db(path: Path, n: int, seed: int = BENCH_SEED) -> float:
    """Run ``claimlog demo`` into a fresh ``path``; return the whole-process wall time in seconds."""
    remove_database(path)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "demo", "--db", str(path), "--claims", str(n), "--seed", str(seed)],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        remove_database(path)
        raise RuntimeError(f"claimlog demo failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed


def _upgrade_in_place(path: Path, n: int) -> bool:
    """An older schema holding the right claims is migrated (and timed), not rebuilt."""
    from desktop import db as dbmod

    try:
        info = dbmod.inspect_file(path)
        if not info.exists or info.empty or info.user_version >= dbmod.latest_schema_version():
            return False
        conn = sqlite3.connect("file:" + quote(str(path.resolve())) + "?mode=ro", uri=True)
        try:
            if conn.execute("SELECT count(*) FROM claim").fetchone()[0] != n:
                return False
        finally:
            conn.close()
        started = time.perf_counter()
        # The backup written before the upgrade is timed, then removed: a copy of the whole file.
        with tempfile.TemporaryDirectory(prefix="claimlog-bench-backup-") as backups:
            db = dbmod.open_database(path, backup_dir=Path(backups))
            dbmod.close_database(db)
    except Exception:
        return False
    print(f"\n(upgraded {path.name} from schema {info.user_version} in {time.perf_counter() - started:.1f} s, "
          f"backup included)")
    return is_complete(path, n)


def ensure_bench_db(n: int, seed: int = BENCH_SEED) -> Path:
    path = bench_db_path(n, seed)
    if is_complete(path, n) or _upgrade_in_place(path, n):
        return path
    building = path.with_name(path.stem + ".building.db")
    elapsed = build_demo_db(building, n, seed)
    print(f"\n(built {path.name}: {n:,} demo claims in {elapsed:.1f} s)")
    remove_database(path)
    wal = Path(str(building) + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise RuntimeError(f"{wal} is not empty after a clean close; not using {building}")
    for suffix in ("-wal", "-shm"):  # empty after the checkpoint on close: nothing in them
        Path(str(building) + suffix).unlink(missing_ok=True)
    os.replace(building, path)
    return path


@pytest.fixture(scope="session")
def bench_db():
    """``bench_db(n, seed=BENCH_SEED) -> Path`` of a complete demo database (built once, then reused)."""
    return ensure_bench_db


def copy_database(source: Path | str, target: Path | str) -> None:
    """Copy a database through SQLite's backup API (the shared file is only read), for benchmarks that write."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(str(target))
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()


class BenchSettings:
    """What benchmark modules need from here (they cannot import a conftest by name)."""

    claims = BENCH_CLAIMS
    seed = BENCH_SEED
    path_for = staticmethod(bench_db_path)
    is_complete = staticmethod(is_complete)
    remove_database = staticmethod(remove_database)
    copy_database = staticmethod(copy_database)


@pytest.fixture(scope="session")
def bench_settings() -> type[BenchSettings]:
    return BenchSettings


@pytest.fixture(scope="session")
def big_db() -> Path:
    """Path of the shared demo database of CLAIMLOG_BENCH_CLAIMS claims."""
    return ensure_bench_db(BENCH_CLAIMS)
