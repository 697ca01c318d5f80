"""Automatic rotating backups and restore (no Qt).

Backups go through SQLite's online backup API (``db.backup_database``: a
temporary file, verified, fsynced, renamed, owner-only), into the folder
``<database>.backups`` beside the database. Three kinds live there:

- rotating backups ``<stem>-YYYYMMDD-HHMMSS.db``, taken automatically (at
  most once a day, and only when something changed since the newest one) or
  by ``claimlog backup`` / "Back up now";
- ``<stem>-before-NNNN_name.db``, taken before a schema migration (by
  ``db.open_database``), never rotated out;
- anything else a person put there, never touched.

Rotation keeps every rotating backup of the last 24 hours, the newest of each
day for a week, and the newest of each ISO week for a month (35 days). A new
backup that does not pass the integrity check and Claimlog's invariants is
not kept under a rotating name and rotation does not run, so good backups are
never rotated out by a copy of a damaged database.

Restore verifies the chosen backup, sets the current file aside as
``<name>.replaced-YYYYMMDD-HHMMSS`` together with its ``-wal`` and ``-shm``
(renamed with the same suffix so SQLite can still open the set-aside file with
its journal), and copies the backup into place through a temporary file.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from desktop.errors import ClaimlogError, DatabaseOpenError, StorageError
from desktop.lazy import lazy_module

# Loaded at first use: ``claimlog``'s argument parser imports this module for its options,
# and the window is painted before Peewee is loaded (``desktop.opening``).
dbmod = lazy_module("desktop.db")

MIN_INTERVAL = timedelta(hours=24)
KEEP_ALL_FOR = timedelta(hours=24)
DAILY_FOR = timedelta(days=7)
WEEKLY_FOR = timedelta(days=35)
STAMP = "%Y%m%d-%H%M%S"
_ROTATING = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.db$")
_BEFORE = re.compile(r"^(?P<stem>.+)-before-(?P<name>.+)\.db$")
# Tables whose row counts and highest ids make up the change fingerprint.
_FINGERPRINT_TABLES = ("claim", "source", "evidence", "history", "claimant", "tag", "claim_tag", "archive")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime  # local time
    size: int
    kind: str  # "rotating", "before-migration", "other"

    @property
    def label(self) -> str:
        what = {"rotating": "", "before-migration": " (before a schema upgrade)", "other": ""}[self.kind]
        return f"{self.taken_at:%Y-%m-%d %H:%M}{what}"


# ---------------------------------------------------------------- listing


def backups_folder(db_path) -> Path:
    return dbmod.backups_folder(Path(db_path))


def _classify(path: Path, stem: str) -> BackupInfo | None:
    try:
        st = path.stat()
    except OSError:
        return None
    match = _ROTATING.match(path.name)
    if match and match.group("stem") == stem:
        try:
            taken = datetime.strptime(match.group("stamp"), STAMP)
        except ValueError:
            taken = datetime.fromtimestamp(st.st_mtime)
        return BackupInfo(path, taken, st.st_size, "rotating")
    kind = "before-migration" if _BEFORE.match(path.name) else "other"
    return BackupInfo(path, datetime.fromtimestamp(st.st_mtime), st.st_size, kind)


def list_backups(db_path) -> list[BackupInfo]:
    """Every backup beside ``db_path``, newest first, with its date and size."""
    db_path = Path(db_path)
    folder = backups_folder(db_path)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith(".") or path.suffix != ".db":
            continue
        info = _classify(path, db_path.stem)
        if info is not None:
            found.append(info)
    found.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return found


def latest_backup(db_path, kind: str | None = "rotating") -> BackupInfo | None:
    for info in list_backups(db_path):
        if kind is None or info.kind == kind:
            return info
    return None


# ---------------------------------------------------------------- fingerprint


def fingerprint_conn(conn: sqlite3.Connection) -> tuple:
    """A cheap summary that changes when the content changes (counts, highest ids, last edits)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    parts: list = [conn.execute("PRAGMA user_version").fetchone()[0]]
    for table in _FINGERPRINT_TABLES:
        if table not in present:
            parts.append(None)
            continue
        parts.append(tuple(conn.execute(f'SELECT count(*), max(rowid) FROM "{table}"').fetchone()))
    for table in ("claim", "source"):
        if table in present:
            parts.append(conn.execute(f'SELECT max(updated_at) FROM "{table}"').fetchone()[0])
    if "claim" in present:
        parts.append(conn.execute("SELECT count(*) FROM claim WHERE deleted_at IS NOT NULL").fetchone()[0])
    return tuple(parts)


def fingerprint_file(path: Path) -> tuple | None:
    try:
        conn = sqlite3.connect(dbmod._ro_uri(Path(path)), uri=True, timeout=dbmod.BUSY_TIMEOUT_S)
        try:
            return fingerprint_conn(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return None


# ---------------------------------------------------------------- taking backups


def _verify_backup_file(path: Path, *, invariants_only: bool = False) -> list[str]:
    """Integrity, foreign keys and Claimlog's invariants of a closed backup file.

    ``invariants_only``: SQLite's own checks already ran (backup_database does them).
    """
    from peewee import SqliteDatabase

    from desktop.checks import check_database, invariant_problems

    db = SqliteDatabase(dbmod._ro_uri(Path(path)), uri=True)
    try:
        db.connect()
        return invariant_problems(db) if invariants_only else check_database(db)
    except Exception as exc:  # noqa: BLE001 - any failure to read means "does not verify"
        return [f"cannot be read: {exc}"]
    finally:
        db.close()


def _unique_name(folder: Path, stem: str, when: datetime) -> Path:
    base = f"{stem}-{when:{STAMP}}"
    candidate = folder / f"{base}.db"
    n = 1
    while candidate.exists():
        candidate = folder / f"{base}-{n}.db"
        n += 1
    return candidate


def backup_now(db, db_path=None, *, rotate: bool = True, now: datetime | None = None) -> BackupInfo:
    """Take a verified rotating backup of the open Peewee ``db`` right now; then rotate.

    Raises StorageError when the copy does not verify: then no rotating
    backup was added and none was removed.
    """
    db_path = Path(db_path or db.path)
    now = now or datetime.now()
    folder = backups_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)
    except OSError:
        pass
    staging = folder / f".verify-{os.getpid()}-{time.monotonic_ns()}.db"
    try:
        dbmod.backup_database(db, staging)  # integrity + foreign keys verified inside
        problems = _verify_backup_file(staging, invariants_only=True)
        if problems:
            raise StorageError(f"The backup was not kept: the database has problems ({problems[0]}). "
                               "Run 'claimlog check' and consider restoring an older backup.")
        out = _unique_name(folder, db_path.stem, now)
        os.replace(staging, out)
        dbmod._fsync_dir(folder)
    finally:
        staging.unlink(missing_ok=True)
    if rotate:
        rotate_backups(db_path, now=now)
    return _classify(out, db_path.stem)


def needs_backup(db, db_path=None, *, now: datetime | None = None) -> bool:
    """True when the newest rotating backup is a day old (or missing) and the content changed since."""
    db_path = Path(db_path or db.path)
    now = now or datetime.now()
    newest = latest_backup(db_path)
    if newest is None:
        # Nothing to protect in a database without a single claim or source.
        fp = fingerprint_conn(db.connection())
        return any(isinstance(p, tuple) and p[0] for p in fp[1:3])
    if now - newest.taken_at < MIN_INTERVAL:
        return False
    return fingerprint_file(newest.path) != fingerprint_conn(db.connection())


def maybe_backup(db, db_path=None, *, now: datetime | None = None) -> BackupInfo | None:
    """The automatic backup: taken at most daily, and only when something changed."""
    if not needs_backup(db, db_path, now=now):
        return None
    return backup_now(db, db_path, now=now)


def rotation_keeps(backups: list[BackupInfo], now: datetime) -> set[Path]:
    """Which rotating backups to keep (all others of the rotating kind go)."""
    rotating = sorted((b for b in backups if b.kind == "rotating"), key=lambda b: b.taken_at, reverse=True)
    keep: set[Path] = set()
    if rotating:
        keep.add(rotating[0].path)  # the newest always stays
    days_seen: set = set()
    weeks_seen: set = set()
    for b in rotating:
        age = now - b.taken_at
        if age < KEEP_ALL_FOR:
            keep.add(b.path)
        elif age < DAILY_FOR:
            if b.taken_at.date() not in days_seen:
                keep.add(b.path)
        elif age < WEEKLY_FOR:
            week = b.taken_at.isocalendar()[:2]
            if week not in weeks_seen:
                keep.add(b.path)
        days_seen.add(b.taken_at.date())
        weeks_seen.add(b.taken_at.isocalendar()[:2])
    return keep


def rotate_backups(db_path, *, now: datetime | None = None) -> list[Path]:
    """Remove rotating backups that the schedule no longer keeps; return them."""
    now = now or datetime.now()
    backups = list_backups(db_path)
    keep = rotation_keeps(backups, now)
    removed = []
    for b in backups:
        if b.kind == "rotating" and b.path not in keep:
            try:
                b.path.unlink()
                removed.append(b.path)
            except OSError:
                pass
    return removed


# ---------------------------------------------------------------- restore


@dataclass
class RestoreResult:
    restored_from: Path
    taken_at: datetime
    set_aside: list[Path]
    claims: int

    @property
    def message(self) -> str:
        aside = self.set_aside[0].name if self.set_aside else "nothing (there was no current file)"
        return (f"Restored the backup of {self.taken_at:%Y-%m-%d %H:%M} ({self.claims:,} claims) "
                f"from {self.restored_from.name}. The file it replaced was kept as {aside}.")


def verify_backup(path) -> int:
    """Check that ``path`` is a healthy Claimlog database; return its number of claims."""
    path = Path(path)
    if not path.is_file():
        raise ClaimlogError(f"{path}: there is no such backup file.")
    info = dbmod.inspect_file(path)  # not SQLite, foreign, newer: DatabaseOpenError
    if info.empty:
        raise ClaimlogError(f"{path}: this backup is empty; it was not restored.")
    problems = _verify_backup_file(path)
    if problems:
        raise ClaimlogError(f"{path}: this backup does not pass the integrity check ({problems[0]}); "
                            "it was not restored.")
    conn = sqlite3.connect(dbmod._ro_uri(path), uri=True)
    try:
        return conn.execute("SELECT count(*) FROM claim").fetchone()[0]
    finally:
        conn.close()


def lock_holder(db_path) -> int | None:
    """The process id holding the window's lock file on ``db_path``, if it is alive."""
    lock = lock_file_path(db_path)
    try:
        first = lock.read_text(errors="replace").splitlines()[0].strip()
        pid = int(first)
    except (OSError, ValueError, IndexError):
        return None
    if pid <= 0 or pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def lock_file_path(db_path) -> Path:
    return Path(str(db_path) + ".lock")


def set_aside(db_path, label: str = "replaced", *, now: datetime | None = None) -> list[Path]:
    """Rename the database and its -wal/-shm/-journal to ``<name>.<label>-<time>``; return the new paths."""
    db_path = Path(db_path)
    stamp = f"{(now or datetime.now()):{STAMP}}"
    base = db_path.with_name(f"{db_path.name}.{label}-{stamp}")
    n = 1
    while base.exists():
        base = db_path.with_name(f"{db_path.name}.{label}-{stamp}-{n}")
        n += 1
    moved = []
    if db_path.exists():
        os.replace(db_path, base)
        moved.append(base)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = Path(str(db_path) + suffix)
        if companion.exists():
            target = Path(str(base) + suffix)
            os.replace(companion, target)
            moved.append(target)
    dbmod._fsync_dir(db_path.parent)
    return moved


def restore_backup(db_path, backup_path=None, *, now: datetime | None = None) -> RestoreResult:
    """Replace the (closed) database at ``db_path`` with a verified backup.

    ``backup_path`` defaults to the newest backup. The current file is kept
    aside, never deleted. The caller must have closed its own connection.
    """
    db_path = Path(db_path)
    if backup_path is None:
        newest = latest_backup(db_path, kind=None)
        if newest is None:
            raise ClaimlogError(f"{db_path}: there are no backups in {backups_folder(db_path)}.")
        backup_path = newest.path
    backup_path = Path(backup_path)
    if backup_path.resolve() == db_path.resolve():
        raise ClaimlogError(f"{backup_path}: this is the database itself, not a backup.")
    claims = verify_backup(backup_path)
    info = _classify(backup_path, db_path.stem)
    taken_at = info.taken_at if info else datetime.fromtimestamp(backup_path.stat().st_mtime)
    # Copy first (beside the database, so the final rename is atomic); only
    # then move the current file aside, so a failed copy changes nothing.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.restore-", suffix=".tmp", dir=db_path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, open(backup_path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        moved = set_aside(db_path, "replaced", now=now)
        os.replace(tmp, db_path)
        dbmod._fsync_dir(db_path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return RestoreResult(backup_path, taken_at, moved, claims)


# ---------------------------------------------------------------- command line


def cmd_restore(args) -> int:
    db_path = Path(args.db)
    if args.list:
        backups = list_backups(db_path)
        if not backups:
            print(f"{db_path}: no backups in {backups_folder(db_path)}.")
            return 0
        for b in backups:
            print(f"{b.label:40}  {b.size:>14,} bytes  {b.path}")
        return 0
    holder = lock_holder(db_path)
    if holder is not None:
        raise DatabaseOpenError(db_path, f"is open in a Claimlog window (process {holder}); close it first.",
                                "locked")
    result = restore_backup(db_path, args.from_file)
    print(result.message)
    return 0


def run_backup_command(db_path, out=None) -> str:
    """``claimlog backup``: to ``out`` when given, else a rotating backup beside the database."""
    db_path = Path(db_path)
    dbmod.inspect_file(db_path)
    if not db_path.exists():
        raise DatabaseOpenError(db_path, "does not exist.", "io")
    database = dbmod.connect(db_path, readonly=True)
    try:
        database.connect()
        if out is not None:
            try:
                dbmod.backup_database(database, out)
            except StorageError as exc:
                raise DatabaseOpenError(db_path, f"was not backed up: {exc}", "corrupt") from None
            return f"Backup written to {out} ({Path(out).stat().st_size:,} bytes, verified)."
        info = backup_now(database, db_path)
    except StorageError as exc:
        raise DatabaseOpenError(db_path, f"was not backed up: {exc}", "corrupt") from None
    except ClaimlogError:
        raise
    except Exception as exc:
        cause = dbmod._sqlite_cause(exc)
        if cause is None:
            raise
        raise dbmod._open_error(db_path, cause) from None
    finally:
        database.close()
    kept = len([b for b in list_backups(db_path) if b.kind == "rotating"])
    return f"Backup written to {info.path} ({info.size:,} bytes, verified); {kept} rotating backup(s) kept."


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: claimlog restore / claimlog backup")
