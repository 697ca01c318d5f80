"""Opening, checking, migrating and backing up a Claimlog database file.

Nothing here writes to a file before it has been recognised: the 16-byte
SQLite header, then ``application_id`` and ``user_version`` read through a
read-only connection. A file that is not SQLite, belongs to another
application, or was written by a newer Claimlog is refused with
``DatabaseOpenError`` and left byte-for-byte untouched.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from peewee import SqliteDatabase

from desktop.dbfile import (  # noqa: F401 - re-exported: the checks before an open
    APP_NAME,
    APPLICATION_ID,
    BUSY_TIMEOUT_S,
    MIGRATIONS_DIR,
    QUICK_CHECK_MAX_BYTES,
    SQLITE_HEADER,
    FileInfo,
    _interrupted_write,
    _open_error,
    _ro_uri,
    _roll_back_interrupted_write,
    default_database_path,
    inspect_file,
    latest_schema_version,
    migration_files,
    needs_upgrade,
    quick_check_file,
    truncation_problem,
)
from desktop.errors import DatabaseOpenError, StorageError
from desktop.models import database

log = logging.getLogger(__name__)

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: hand-entered work survives power loss
    "foreign_keys": 1,
    "cache_size": -64_000,  # 64 MB page cache
    "temp_store": 2,  # memory
}


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def connect(path: Path, *, readonly: bool = False) -> SqliteDatabase:
    """A Peewee database for ``path`` with our pragmas (not yet bound to the proxy)."""
    pragmas = dict(PRAGMAS)
    if readonly:
        pragmas.pop("journal_mode")
        db = SqliteDatabase(_ro_uri(path), uri=True, pragmas=pragmas, timeout=BUSY_TIMEOUT_S)
    else:
        # lock_type: every transaction starts BEGIN IMMEDIATE, so a read that
        # turns into a write never fails half-way with a busy snapshot.
        db = SqliteDatabase(str(path), pragmas=pragmas, timeout=BUSY_TIMEOUT_S, lock_type="IMMEDIATE")
    db.readonly = readonly
    db.path = Path(path)
    return db


def verify_pragmas(db: SqliteDatabase, readonly: bool = False) -> dict:
    """Read the pragmas back; raise if SQLite did not accept them."""
    found = {
        "journal_mode": db.execute_sql("PRAGMA journal_mode").fetchone()[0],
        "synchronous": db.execute_sql("PRAGMA synchronous").fetchone()[0],
        "foreign_keys": db.execute_sql("PRAGMA foreign_keys").fetchone()[0],
        "busy_timeout": db.execute_sql("PRAGMA busy_timeout").fetchone()[0],
    }
    expected = {"synchronous": 2, "foreign_keys": 1}
    if not readonly:
        expected["journal_mode"] = "wal"
    for key, value in expected.items():
        if found[key] != value:
            raise DatabaseOpenError(db.database, f"SQLite refused PRAGMA {key}={value} (got {found[key]}).", "io")
    if found["busy_timeout"] <= 0:
        raise DatabaseOpenError(db.database, "SQLite refused the busy timeout.", "io")
    return found


def _stamping_runner(db: SqliteDatabase, directory: Path):
    """playhouse's migration runner (imported only when a file may need it)."""
    from playhouse.migrations import Runner

    class _StampingRunner(Runner):
        _run = _run_stamped

    return _StampingRunner(db, str(directory))


def _run_stamped(self, name, module, direction, fake=False):
    """Run one migration, also setting PRAGMA user_version in its transaction."""
    with self.migrator.migration_context(getattr(module, "atomic", True)):
        getattr(module, direction)(self.migrator, self.database)
        if direction != "up":
            raise NotImplementedError("Claimlog migrations only go forward")
        # Foreign keys are off while a migration runs (table rebuilds must
        # not cascade): check them before this transaction commits.
        broken = self.database.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent = broken[0][:3]
            raise DatabaseOpenError(
                self.database.database,
                f"the upgrade {name} would leave {len(broken)} broken link(s) (first: {table} row {rowid} "
                f"points to a missing {parent}); it was not applied.",
                "other",
            )
        self.History.create(name=name)
        version = int(re.match(r"\d+", name).group())
        self.database.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        self.database.execute_sql(f"PRAGMA user_version = {version}")


def pending_migrations(db: SqliteDatabase, directory: Path = MIGRATIONS_DIR) -> list[str]:
    # Each migration stamps user_version in its own transaction: a file at the
    # newest number needs nothing (and start-up skips importing the runner).
    version = db.execute_sql("PRAGMA user_version").fetchone()[0]
    if version and version == latest_schema_version(directory):
        return []
    runner = _stamping_runner(db, directory)
    return [m.name for m in runner.status() if m.path is not None and not m.applied]


def migrate(db: SqliteDatabase, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations, each in one transaction; return their names."""
    return _stamping_runner(db, directory).up()


def open_database(
    path: str | os.PathLike,
    *,
    readonly: bool = False,
    create: bool = True,
    migrations_dir: Path = MIGRATIONS_DIR,
    backup_dir: Path | None = None,
) -> SqliteDatabase:
    """Open (creating if needed), check, migrate and bind ``database`` to ``path``.

    Before a migration of a database that holds data, an online backup is
    written to ``backup_dir`` (default: ``<file>.backups`` beside it).
    """
    path = Path(path)
    info = inspect_file(path, migrations_dir)
    if not info.exists:
        if readonly or not create:
            raise DatabaseOpenError(path, "does not exist.", "io")
        try:
            _create_private_file(path)
        except OSError as exc:
            raise DatabaseOpenError(path, f"cannot be created ({exc.strerror}).", "io") from None
    db = connect(path, readonly=readonly)
    try:
        db.connect()
        verify_pragmas(db, readonly=readonly)
        pending = pending_migrations(db, migrations_dir)
        if pending and readonly:
            raise DatabaseOpenError(path, "needs a schema upgrade, which cannot be done read-only.", "readonly")
        if pending:
            if info.empty:
                # Mark a new file as ours before anything is written to it, so
                # that an interrupted first migration is resumed at the next
                # start instead of the file being refused as another program's.
                db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            else:
                target_dir = backup_dir or backups_folder(path)
                backup_database(db, target_dir / f"{path.stem}-before-{pending[0]}.db")
            _stamping_runner(db, migrations_dir).up()
    except sqlite3.Error as exc:  # raw sqlite errors from peewee internals
        db.close()
        raise _open_error(path, exc) from None
    except DatabaseOpenError:
        db.close()
        raise
    except Exception as exc:
        db.close()
        cause = _sqlite_cause(exc)
        if cause is not None:
            raise _open_error(path, cause) from None
        raise
    database.initialize(db)
    return db


# Called with the database about to be closed, before it is: other threads that keep
# a connection of their own to it (the views' worker lanes) close theirs first, so that
# nothing still has the file open through a restore, or after the window moved on.
_before_close: list = []


def before_close(callback):
    """Register ``callback(db)`` to run whenever ``close_database(db)`` is called; returns it."""
    _before_close.append(callback)
    return callback


def close_database(db: SqliteDatabase | None = None) -> None:
    """Checkpoint the WAL into the main file and close (clean exit)."""
    db = db or database.obj
    if db is None:
        return
    for callback in list(_before_close):
        try:
            callback(db)
        except Exception:  # another thread's connection must not keep this one open
            log.warning("closing another connection to the database failed", exc_info=True)
    try:
        if not db.is_closed() and not getattr(db, "readonly", False):
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception:  # a checkpoint that cannot run now is done at next open
        log.warning("WAL checkpoint on close failed", exc_info=True)
    db.close()


def _sqlite_cause(exc: BaseException) -> sqlite3.Error | None:
    """The sqlite3 exception behind a Peewee one, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sqlite3.Error):
            return exc
        for arg in getattr(exc, "args", ()):
            if isinstance(arg, sqlite3.Error):
                return arg
        exc = exc.__cause__ or exc.__context__
    return None


STORAGE_MESSAGES = {
    "SQLITE_FULL": "The disk is full; the change was not saved. Free some space and try again.",
    "SQLITE_IOERR": "The disk reported an input/output error; the change was not saved.",
    "SQLITE_READONLY": "The database is read-only; the change was not saved.",
    "SQLITE_BUSY": "The database is busy in another program; the change was not saved. Try again.",
    "SQLITE_LOCKED": "The database is locked; the change was not saved. Try again.",
    "SQLITE_CORRUPT": "The database is damaged; the change was not saved. Restore a backup.",
    "SQLITE_NOTADB": "The file is no longer a database; the change was not saved.",
}


def storage_error(exc: BaseException) -> StorageError | None:
    """Translate an SQLite failure (by its error code, not its text) for a person."""
    cause = _sqlite_cause(exc)
    if cause is None:
        return None
    name = getattr(cause, "sqlite_errorname", "") or ""
    for prefix, message in STORAGE_MESSAGES.items():
        if name.startswith(prefix):
            return StorageError(message, name)
    return None


def backups_folder(db_path: Path) -> Path:
    return Path(str(db_path) + ".backups")


def backup_database(db: SqliteDatabase, out: str | os.PathLike) -> Path:
    """Consistent online backup of ``db`` to ``out``: temp file, verify, fsync, rename.

    A failed backup never replaces an existing file at ``out``.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=out.parent)
    os.close(fd)
    os.chmod(tmp_name, 0o600)
    tmp = Path(tmp_name)
    try:
        target = sqlite3.connect(tmp_name)
        try:
            db.connection().backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            problems = integrity_problems_sqlite(target)
        finally:
            target.close()
        if problems:
            raise StorageError(f"The backup did not verify: {problems[0]}")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
        _fsync_dir(out.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def integrity_problems_sqlite(conn: sqlite3.Connection) -> list[str]:
    """SQLite's own checks: integrity_check is exactly 'ok' and foreign keys hold."""
    problems = []
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.Error as exc:
        return [f"integrity check failed to run: {exc}"]
    if rows != ["ok"]:
        problems.extend(f"integrity: {r}" for r in rows[:20])
    try:
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.Error as exc:
        return problems + [f"foreign key check failed to run: {exc}"]
    problems.extend(f"foreign key: table {r[0]} row {r[1]} points to a missing {r[2]}" for r in fk[:20])
    return problems


def upgrade_file(path: str | os.PathLike) -> None:
    """Check, back up and migrate ``path`` (``open_checked``), then close it: the slow part of
    opening an older file, for a worker thread (this thread's connection only)."""
    db, _report = open_checked(path)
    close_database(db)


@dataclass
class OpenReport:
    readonly: bool
    unclean: bool  # a -wal was left over: the last session did not close cleanly
    checked: bool  # quick_check ran and passed


def open_checked(
    path: str | os.PathLike, *, readonly: bool = False, full_check: bool | None = None, **kwargs
) -> tuple[SqliteDatabase, OpenReport]:
    """``open_database`` for the window: refuse a damaged file before anything writes to it.

    Runs the O(1) truncation test always, and ``PRAGMA quick_check`` when the
    last session did not close cleanly, when the file is small enough for it
    to be instant, or when ``full_check`` is True. A damaged file raises
    DatabaseOpenError(kind="corrupt") and is left byte-for-byte untouched.
    """
    path = Path(path)
    info = inspect_file(path)
    if info.exists and not info.empty:
        problem = truncation_problem(path)
        if problem:
            raise DatabaseOpenError(path, f"is damaged: {problem}. Restore a backup.", "corrupt")
    checked = False
    if info.exists and not info.empty:
        if not readonly and _interrupted_write(path):
            # Recognised as ours: roll the unfinished write back before checking what is left.
            _roll_back_interrupted_write(path)
        if full_check is None:
            full_check = info.wal_left_over or path.stat().st_size <= QUICK_CHECK_MAX_BYTES
        if full_check:
            problems = quick_check_file(path)
            if problems:
                raise DatabaseOpenError(
                    path, f"is damaged ({problems[0]}). Restore a backup.", "corrupt")
            checked = True
    db = open_database(path, readonly=readonly, **kwargs)
    return db, OpenReport(readonly=readonly, unclean=info.wal_left_over, checked=checked)
