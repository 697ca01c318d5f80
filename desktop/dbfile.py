"""Recognising and checking a Claimlog file with the standard library alone.

What ``desktop.db`` runs before it opens a file through Peewee: the header,
``application_id`` and ``user_version`` read without writing anything, the
O(1) truncation test, an interrupted write, ``PRAGMA quick_check``. Kept free
of Peewee so that the window can decide whether a file may be shown at once
(``desktop.opening``) before the data layer is imported; ``desktop.db``
re-exports all of it.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from desktop.errors import DatabaseOpenError

APP_NAME = "Claimlog"
APPLICATION_ID = 0x436C4C67  # "ClLg"
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_S = 10.0


def default_database_path() -> Path:
    import platformdirs  # 5 ms, when no --db was given

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "claimlog.db"


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str]]:
    found = []
    for path in sorted(directory.glob("[0-9]*.py")):
        match = re.match(r"\d+", path.stem)
        found.append((int(match.group()), path.stem))
    return sorted(found)


def latest_schema_version(directory: Path = MIGRATIONS_DIR) -> int:
    files = migration_files(directory)
    return files[-1][0] if files else 0


@dataclass
class FileInfo:
    exists: bool
    empty: bool  # no tables yet: a new file we may initialise
    application_id: int = 0
    user_version: int = 0
    wal_left_over: bool = False  # a non-empty -wal: the last session did not close cleanly


def _ro_uri(path: Path, immutable: bool = False) -> str:
    # immutable=1: SQLite neither locks nor creates -wal/-shm beside the file.
    return "file:" + quote(str(path.resolve())) + "?mode=ro" + ("&immutable=1" if immutable else "")


def inspect_file(path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> FileInfo:
    """Recognise ``path`` without writing to it; raise DatabaseOpenError if unusable."""
    path = Path(path)
    if not path.exists():
        return FileInfo(exists=False, empty=True)
    if path.is_dir():
        raise DatabaseOpenError(path, "is a folder, not a database file.", "not_sqlite")
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise DatabaseOpenError(path, f"cannot be read ({exc.strerror}).", "io") from None
    wal = Path(str(path) + "-wal")
    wal_left_over = wal.exists() and wal.stat().st_size > 0
    if len(header) == 0:
        return FileInfo(exists=True, empty=True, wal_left_over=wal_left_over)
    if not header.startswith(SQLITE_HEADER):
        raise DatabaseOpenError(path, "is not a Claimlog database (it is not an SQLite file at all).", "not_sqlite")
    if len(header) < 100:
        raise DatabaseOpenError(path, "is damaged: the SQLite header is truncated.", "corrupt")
    try:
        # A closed file (no -wal, no -shm) is read as immutable so that even a
        # WAL-mode file we refuse gets no -wal/-shm created beside it.
        closed = not wal.exists() and not Path(str(path) + "-shm").exists()
        conn = sqlite3.connect(_ro_uri(path, immutable=closed), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from None
    info = FileInfo(True, tables == 0, app_id, version, wal_left_over)
    if not info.empty and app_id != APPLICATION_ID:
        raise DatabaseOpenError(
            path, "is an SQLite database of another application, not a Claimlog database.", "foreign"
        )
    latest = latest_schema_version(migrations_dir)
    if version > latest:
        raise DatabaseOpenError(
            path,
            f"was written by a newer Claimlog (schema version {version}); this Claimlog "
            f"understands schema versions up to {latest}. Update Claimlog to open it.",
            "newer",
        )
    return info


def _open_error(path: Path, exc: sqlite3.Error) -> DatabaseOpenError:
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_NOTADB",):
        return DatabaseOpenError(path, "is not a database, or it is encrypted or badly damaged.", "corrupt")
    if name.startswith("SQLITE_CORRUPT"):
        return DatabaseOpenError(path, "is damaged (SQLite reports corruption). Restore a backup.", "corrupt")
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED"):
        return DatabaseOpenError(path, "is busy: another program holds a lock on it.", "locked")
    if name == "SQLITE_READONLY_ROLLBACK":
        return DatabaseOpenError(
            path, "holds an interrupted write (its -journal file is still beside it). Open it once in "
            "Claimlog, or run any command that writes such as 'claimlog demo --claims 0', to roll that "
            "write back; nothing that was saved before it is lost.", "interrupted")
    if name.startswith("SQLITE_READONLY"):
        return DatabaseOpenError(path, "cannot be written (read-only file, folder or disk).", "readonly")
    if name.startswith("SQLITE_CANTOPEN"):
        return DatabaseOpenError(path, "cannot be opened (check that the folder exists and is readable).", "io")
    if name.startswith("SQLITE_IOERR"):
        return DatabaseOpenError(path, "could not be read: the disk reported an input/output error.", "io")
    return DatabaseOpenError(path, f"cannot be opened: {exc}.", "other")


# ---------------------------------------------------------------- opening for the window

# A clean file up to this size gets PRAGMA quick_check at every open (well
# under a second); a larger one only after an unclean shutdown or on demand
# (``claimlog check``), so that opening a million-claim file stays fast.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024


def truncation_problem(path: Path) -> str | None:
    """A cheap O(1) test: is the file shorter than its own header says? (None when fine)."""
    path = Path(path)
    wal = Path(str(path) + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None  # the header may be ahead of the file until the WAL is checkpointed
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except OSError:
        return None
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    change_counter = int.from_bytes(header[24:28], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    if pages and change_counter == valid_for and size < pages * page_size:
        return f"the file is {size:,} bytes but should be {pages * page_size:,} (it was cut short)"
    if size % page_size:
        return f"the file size ({size:,} bytes) is not a whole number of {page_size}-byte pages"
    return None


def _interrupted_write(path: Path) -> bool:
    """A non-empty -journal beside the file: a write in rollback-journal mode that did not finish."""
    journal = Path(str(path) + "-journal")
    try:
        return journal.stat().st_size > 0
    except OSError:
        return False


def _roll_back_interrupted_write(path: Path) -> None:
    """Let SQLite roll back a hot -journal: the first read of a connection that may write does it."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from None


def quick_check_file(path: Path) -> list[str]:
    """``PRAGMA quick_check`` through a read-only connection (nothing written beside a closed file).

    A file beside a hot -journal is read through it, not as immutable (which would check
    the half-written pages): a read-only connection cannot roll the write back, which is
    reported as the interrupted write it is.
    """
    path = Path(path)
    closed = (not Path(str(path) + "-wal").exists() and not Path(str(path) + "-shm").exists()
              and not _interrupted_write(path))
    try:
        conn = sqlite3.connect(_ro_uri(path, immutable=closed), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK":
            raise _open_error(path, exc) from None
        return [f"the check could not run: {exc}"]
    return [] if rows == ["ok"] else rows[:20]


def needs_upgrade(path: str | os.PathLike) -> bool:
    """Whether opening ``path`` will back it up and migrate it: a file of ours, with data, of an older schema.

    False for a file that cannot be used: opening it reports why.
    """
    try:
        info = inspect_file(Path(path))
    except DatabaseOpenError:
        return False
    return info.exists and not info.empty and info.user_version < latest_schema_version()
