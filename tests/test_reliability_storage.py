"""Write failures and concurrent writers at the service level."""

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop import db as dbmod
from desktop import services
from desktop.checks import check_database
from desktop.errors import ClaimlogError, StorageError

ROOT = Path(__file__).resolve().parents[1]


def _count(database, table="claim"):
    return database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_disk_full_raises_storage_error_and_rolls_back(database, make_claim):
    make_claim("Already saved")
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages + 2}")
    big = services.ClaimInput(text="A long claim " * 700, context="background " * 15000, tags=["a", "b"])
    with pytest.raises(StorageError) as caught:
        services.create_claim(big)
    assert isinstance(caught.value, ClaimlogError)
    assert caught.value.code == "SQLITE_FULL"
    assert "disk is full" in str(caught.value) and "not saved" in str(caught.value)
    assert not database.in_transaction() and not database.connection().in_transaction
    assert _count(database) == 1 and _count(database, "tag") == 0
    assert check_database(database) == []
    database.execute_sql("PRAGMA max_page_count = 1073741823")
    services.create_claim(big)  # space again: the same input saves
    assert _count(database) == 2


def test_update_on_a_full_disk_leaves_the_old_values(database, make_claim):
    claim = make_claim("Old text")
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError):
        services.update_claim(claim.id, services.ClaimInput(text="New text " * 1000, context="x" * 150000))
    assert database.execute_sql("SELECT text FROM claim WHERE id = ?", (claim.id,)).fetchone()[0] == "Old text"
    assert check_database(database) == []


@pytest.mark.parametrize("code", ["SQLITE_IOERR_WRITE", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_BUSY",
                                  "SQLITE_CORRUPT"])
def test_sqlite_errors_are_translated_by_code(code):
    exc = sqlite3.OperationalError("some text that is not looked at")
    exc.sqlite_errorname = code
    translated = dbmod.storage_error(exc)
    assert isinstance(translated, StorageError) and translated.code == code
    assert "not saved" in str(translated)


def test_io_error_inside_a_service_rolls_back(database, make_claim, monkeypatch):
    make_claim("Already saved")
    from desktop.services import claims as claims_service

    real = claims_service.reindex_claim

    def failing(claim_id):
        real(claim_id)
        exc = sqlite3.OperationalError("disk I/O error")
        exc.sqlite_errorname = "SQLITE_IOERR_WRITE"
        raise exc

    monkeypatch.setattr(claims_service, "reindex_claim", failing)
    with pytest.raises(StorageError, match="input/output"):
        services.create_claim(services.ClaimInput(text="Will not be kept"))
    assert _count(database) == 1 and not database.connection().in_transaction
    assert check_database(database) == []


WRITER = textwrap.dedent("""
    import sys
    from desktop import db as dbmod, services
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    dbmod.open_database(path)
    services.set_actor(who)
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(n):
        services.create_claim(services.ClaimInput(text=f"{who} claim {i}", tags=[who]))
        if i % 10 == 0:
            services.update_claim(1, services.ClaimInput(text="Shared claim", context=f"{who} {i}"))
    dbmod.close_database()
    print("done", flush=True)
""")


def test_two_processes_writing_at_once_never_corrupt(database, make_claim, db_path):
    make_claim("Shared claim")
    dbmod.close_database(database)
    n = 120
    children = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), who, str(n)], cwd=ROOT,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for who in ("alice", "bruno")]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:  # start both at once
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    db = dbmod.open_database(db_path)
    try:
        assert check_database(db) == []
        assert _count(db) == 1 + 2 * n
        for who in ("alice", "bruno"):
            got = db.execute_sql("SELECT count(*) FROM claim WHERE text LIKE ?", (f"{who} claim %",)).fetchone()[0]
            assert got == n
    finally:
        dbmod.close_database(db)


HOLDER = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO tag (name) VALUES ('held')")
    print("holding", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
""")


def test_a_writer_blocked_past_the_busy_timeout_gets_a_clear_message(database, make_claim, db_path, monkeypatch):
    make_claim("Before")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        database.execute_sql("PRAGMA busy_timeout = 150")
        with pytest.raises(StorageError) as caught:
            services.create_claim(services.ClaimInput(text="Waits, then gives up"))
        assert caught.value.code.startswith("SQLITE_BUSY") and "busy" in str(caught.value)
    finally:
        holder.communicate("go\n", timeout=30)
    assert not database.connection().in_transaction
    services.create_claim(services.ClaimInput(text="Works once the other writer is done"))
    assert _count(database) == 2
