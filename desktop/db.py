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
from urllib.parse import quote

import platformdirs
from peewee import SqliteDatabase

from desktop.errors import DatabaseOpenError, StorageError
from desktop.models import database

log = logging.getLogger(__name__)

APP_NAME = "Claimlog"
APPLICATION_ID = 0x436C4C67  # "ClLg"
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_S = 10.0
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: hand-entered work survives power loss
    "foreign_keys": 1,
    "cache_size": -64_000,  # 64 MB page cache
    "temp_store": 2,  # memory
}


def default_database_path() -> Path:
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
