"""Opening, recognising, refusing and backing up database files (desktop/db.py)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import platformdirs
import pytest

from desktop import db as dbmod
from desktop import services
from desktop.errors import DatabaseOpenError
from desktop.models import Claim, database as proxy
from tests.conftest import make_interrupted_copy


def _pragmas(db) -> dict:
    return {
        "journal_mode": db.execute_sql("PRAGMA journal_mode").fetchone()[0],
        "synchronous": db.execute_sql("PRAGMA synchronous").fetchone()[0],
        "foreign_keys": db.execute_sql("PRAGMA foreign_keys").fetchone()[0],
        "busy_timeout": db.execute_sql("PRAGMA busy_timeout").fetchone()[0],
    }


def _assert_expected(found: dict) -> None:
    assert found["journal_mode"] == "wal"
    assert found["synchronous"] == 2  # FULL
    assert found["foreign_keys"] == 1
    assert found["busy_timeout"] > 0


def test_pragmas_read_back_on_the_first_connection(database):
    _assert_expected(_pragmas(database))
    _assert_expected(dbmod.verify_pragmas(database))


def test_pragmas_read_back_on_a_connection_from_another_thread(database):
    found = {}

    def work():
        try:
            found.update(_pragmas(database))
        finally:
            database.close()  # this thread's own connection

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    _assert_expected(found)


def test_pragmas_read_back_after_reconnecting(database):
    database.close()
    database.connect()
    _assert_expected(_pragmas(database))


def test_new_file_is_owner_only_and_marked_as_ours(db_path):
    db = dbmod.open_database(db_path)
    try:
        assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
        assert db.execute_sql("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == dbmod.latest_schema_version() >= 1
    finally:
        dbmod.close_database(db)
    info = dbmod.inspect_file(db_path)
    assert info.application_id == dbmod.APPLICATION_ID
    assert info.user_version == dbmod.latest_schema_version()
    assert not info.empty


def test_new_file_created_in_a_missing_folder(tmp_path):
    path = tmp_path / "deep" / "er" / "claims.db"
    db = dbmod.open_database(path)
    dbmod.close_database(db)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_empty_file_is_initialised(db_path):
    db_path.write_bytes(b"")
    db = dbmod.open_database(db_path)
    try:
        assert db.execute_sql("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
    finally:
        dbmod.close_database(db)


def test_missing_file_is_refused_when_not_creating(db_path):
    with pytest.raises(DatabaseOpenError, match="does not exist"):
        dbmod.open_database(db_path, create=False)
    assert not db_path.exists()


def test_default_path_is_in_the_user_data_folder():
    path = dbmod.default_database_path()
    data = platformdirs.user_data_path("Claimlog", appauthor=False)
    assert path.parent == data
    assert path.suffix == ".db"
    # conftest points XDG_DATA_HOME at a scratch folder: never the real home
    assert str(path).startswith(os.environ["XDG_DATA_HOME"])


# --- files that must be refused and left untouched ---------------------------------


def _text_file(path: Path) -> None:
    path.write_text("Minutes of the desk meeting\nNothing to see here.\n", encoding="utf-8")


def _truncated_sqlite(path: Path) -> None:
    scratch = path.with_name("whole.db")
    conn = sqlite3.connect(scratch)
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [("row %d" % i * 20,) for i in range(500)])
    conn.commit()
    conn.close()
    data = scratch.read_bytes()
    scratch.unlink()
    path.write_bytes(data[: len(data) // 3])


def _short_header(path: Path) -> None:
    path.write_bytes(dbmod.SQLITE_HEADER + b"\x10\x00")


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT, minutes INTEGER)")
    conn.execute("INSERT INTO recipes VALUES ('lentil soup', 40)")
    conn.commit()
    conn.close()


def _newer_claimlog(path: Path) -> None:
    db = dbmod.open_database(path)
    services.create_claim(services.ClaimInput(text="Written by a later version"))
    dbmod.close_database(db)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {dbmod.latest_schema_version() + 41}")
    conn.commit()
    conn.close()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


REFUSED = {
    "text": (_text_file, "not_sqlite", "not an SQLite file"),
    "truncated": (_truncated_sqlite, "corrupt", ""),
    "short header": (_short_header, "corrupt", "truncated"),
    "foreign": (_foreign_sqlite, "foreign", "another application"),
    "newer": (_newer_claimlog, "newer", "newer Claimlog"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
@pytest.mark.parametrize("readonly", [False, True])
def test_refused_files_are_left_byte_for_byte_untouched(tmp_path, case, readonly):
    make, kind, words = REFUSED[case]
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "suspect.db"
    make(path)
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    mode = path.stat().st_mode
    bound = proxy.obj
    with pytest.raises(DatabaseOpenError) as caught:
        dbmod.open_database(path, readonly=readonly)
    err = caught.value
    message = str(err)
    assert str(path) in message
    assert words.lower() in message.lower()
    if case != "truncated":
        assert err.kind == kind
    else:
        assert err.kind in ("corrupt", "not_sqlite")
        assert "damaged" in message or "not a database" in message
    if case == "newer":
        newer = dbmod.latest_schema_version() + 41
        assert str(newer) in message and str(dbmod.latest_schema_version()) in message
        assert "version" in message
    assert "\n" not in message
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert path.stat().st_mode == mode
    assert sorted(p.name for p in folder.iterdir()) == ["suspect.db"], "no -wal, -shm or -journal beside it"
    assert proxy.obj is bound, "a refused file must not be bound to the models"


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(DatabaseOpenError, match="folder"):
        dbmod.open_database(tmp_path)


def test_inspect_file_reports_a_left_over_wal(db_path):
    db = dbmod.open_database(db_path)
    try:
        services.create_claim(services.ClaimInput(text="Still in the write-ahead log"))
        info = dbmod.inspect_file(db_path)  # while open: the WAL holds the change
        assert info.wal_left_over
    finally:
        dbmod.close_database(db)
    assert not dbmod.inspect_file(db_path).wal_left_over


# --- backups --------------------------------------------------------------------------


def test_backup_is_verified_owner_only_and_holds_the_rows(database, tmp_path, make_claim):
    texts = [f"Claim number {n} about the river crossing" for n in range(25)]
    for text in texts:
        make_claim(text)
    out = dbmod.backup_database(database, tmp_path / "backups" / "copy.db")
    assert out.exists()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(out.parent.glob(".backup-*")), "temporary file left behind"
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
        assert sorted(r[0] for r in conn.execute("SELECT text FROM claim")) == sorted(texts)
    finally:
        conn.close()
    # and it opens as a Claimlog database in its own right
    dbmod.close_database(database)
    copy = dbmod.open_database(out)
    try:
        assert Claim.select().count() == 25
    finally:
        dbmod.close_database(copy)


def test_failed_backup_keeps_the_previous_one(database, tmp_path, make_claim, monkeypatch):
    make_claim("First state of the file")
    out = dbmod.backup_database(database, tmp_path / "copy.db")
    good = out.read_bytes()
    monkeypatch.setattr(dbmod, "integrity_problems_sqlite", lambda conn: ["integrity: page 3 is broken"])
    with pytest.raises(dbmod.StorageError, match="did not verify"):
        dbmod.backup_database(database, out)
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.db", "claims.db-shm", "claims.db-wal", "copy.db"]


def test_storage_error_translates_by_code_not_text():
    exc = sqlite3.OperationalError("something odd")
    exc.sqlite_errorname = "SQLITE_FULL"
    translated = dbmod.storage_error(exc)
    assert translated is not None and translated.code == "SQLITE_FULL"
    assert "not saved" in str(translated)
    plain = sqlite3.OperationalError("database or disk is full")
    plain.sqlite_errorname = "SQLITE_ERROR"
    assert dbmod.storage_error(plain) is None
    assert dbmod.storage_error(ValueError("x")) is None


def test_writes_begin_immediate(database):
    statements = []
    database.connection().set_trace_callback(statements.append)
    try:
        services.create_claim(services.ClaimInput(text="Traced"))
    finally:
        database.connection().set_trace_callback(None)
    begins = [s for s in statements if s.upper().startswith("BEGIN")]
    assert begins and all(s.upper().startswith("BEGIN IMMEDIATE") for s in begins), begins
    assert any(s.upper().startswith("COMMIT") for s in statements)


def test_read_only_open_of_a_file_that_needs_an_upgrade_is_refused(tmp_path):
    folder = tmp_path / "old-migrations"
    folder.mkdir()
    first = dbmod.migration_files()[0][1]
    (folder / f"{first}.py").write_bytes((dbmod.MIGRATIONS_DIR / f"{first}.py").read_bytes())
    path = tmp_path / "old.db"
    db = dbmod.open_database(path, migrations_dir=folder)
    dbmod.close_database(db)
    if dbmod.latest_schema_version() == 1:
        pytest.skip("only one migration exists")
    before = path.read_bytes()
    with pytest.raises(DatabaseOpenError, match="needs a schema upgrade"):
        dbmod.open_database(path, readonly=True)
    assert path.read_bytes() == before
    db = dbmod.open_database(path)  # read-write upgrades it
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == dbmod.latest_schema_version()
    finally:
        dbmod.close_database(db)


def test_opening_to_write_rolls_an_interrupted_write_back_before_checking(tmp_path, make_claim, database, db_path):
    make_claim("Committed before the interrupted write")
    crashed = make_interrupted_copy(tmp_path, database, db_path)
    # read as it lies (ignoring the journal), the file fails the check: it must not be judged that way
    as_it_lies = sqlite3.connect(dbmod._ro_uri(crashed, immutable=True), uri=True)
    assert as_it_lies.execute("PRAGMA quick_check").fetchall() != [("ok",)]
    as_it_lies.close()
    db, report = dbmod.open_checked(crashed, full_check=True)
    try:
        assert report.checked
        assert db.execute_sql("SELECT count(*) FROM tag WHERE name LIKE 'half-written%'").fetchone()[0] == 0
        assert [r[0] for r in db.execute_sql("SELECT text FROM claim")] == ["Committed before the interrupted write"]
    finally:
        dbmod.close_database(db)
    assert not Path(str(crashed) + "-journal").exists()


def test_opening_read_only_reports_an_interrupted_write_as_one(tmp_path, make_claim, database, db_path):
    make_claim("Committed before the interrupted write")
    crashed = make_interrupted_copy(tmp_path, database, db_path)
    before = crashed.read_bytes()
    with pytest.raises(DatabaseOpenError) as caught:
        dbmod.open_checked(crashed, readonly=True, full_check=True)
    assert caught.value.kind == "interrupted" and "interrupted write" in str(caught.value)
    assert crashed.read_bytes() == before and Path(str(crashed) + "-journal").exists()
