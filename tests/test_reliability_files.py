"""Damaged and foreign files: a clear message, never a traceback, the file untouched."""

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import db as dbmod
from desktop import services
from desktop.errors import DatabaseOpenError

ROOT = Path(__file__).resolve().parents[1]


def _populated(path: Path, n: int = 300) -> Path:
    db = dbmod.open_database(path)
    try:
        services.set_actor("Tester")
        for i in range(n):
            services.create_claim(services.ClaimInput(
                text=f"Claim {i}: " + "the harbour handled a record tonnage last spring. " * 8,
                claimant=f"Speaker {i % 11}", tags=[f"t{i % 5}"]))
    finally:
        services.set_actor("")
        dbmod.close_database(db)
    return path


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    return _populated(tmp_path_factory.mktemp("healthy") / "healthy.db")


def _not_sqlite(folder, healthy):
    path = folder / "notes.db"
    path.write_bytes(b"Shopping: bread, eggs, a new notebook.\n" * 200)
    return path


def _truncated(folder, healthy):
    path = folder / "truncated.db"
    data = healthy.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zeroed(folder, healthy):
    path = folder / "zeroed.db"
    data = bytearray(healthy.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    pages = len(data) // page
    start, end = pages * 2 // 5, pages * 3 // 5
    data[start * page: end * page] = bytes((end - start) * page)
    path.write_bytes(bytes(data))
    return path


def _foreign(folder, healthy):
    path = folder / "bookmarks.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmark (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO bookmark (url) VALUES ('https://example.org/')")
    conn.commit()
    conn.close()
    return path


def _newer(folder, healthy):
    path = folder / "newer.db"
    path.write_bytes(healthy.read_bytes())
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.execute("PRAGMA journal_mode = DELETE")  # no -wal/-shm beside the copy
    conn.close()
    return path


KINDS = {
    "not_sqlite": (_not_sqlite, "not an SQLite file"),
    "truncated": (_truncated, "damaged"),
    "zeroed": (_zeroed, "damaged"),
    "foreign": (_foreign, "another application"),
    "newer": (_newer, "newer Claimlog"),
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _siblings(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


@pytest.fixture(params=sorted(KINDS))
def bad_file(request, tmp_path, healthy):
    make, words = KINDS[request.param]
    path = make(tmp_path, healthy)
    return request.param, path, words


def test_opening_for_the_window_refuses_with_a_clear_message(bad_file):
    kind, path, words = bad_file
    before, around = _digest(path), _siblings(path)
    with pytest.raises(DatabaseOpenError) as caught:
        dbmod.open_checked(path)
    assert words in str(caught.value)
    assert str(path) in str(caught.value)
    assert _digest(path) == before
    assert _siblings(path) == around  # no -wal, -shm or journal left beside it


@pytest.mark.parametrize("command", ["check", "backup", "demo"])
def test_command_line_one_line_and_non_zero_exit(bad_file, command):
    kind, path, _words = bad_file
    before = _digest(path)
    argv = [sys.executable, "-m", "desktop", command, "--db", str(path)]
    if command == "demo":
        argv += ["--claims", "3"]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("claimlog: ") and str(path) in lines[0] or "problem" in lines[0]
    if command != "check":
        assert len(lines) == 1, result.stderr
    assert _digest(path) == before


def test_healthy_file_opens_checked(healthy, tmp_path):
    copy = tmp_path / "copy.db"
    copy.write_bytes(healthy.read_bytes())
    db, report = dbmod.open_checked(copy)
    try:
        assert report.checked and not report.unclean and not report.readonly
    finally:
        dbmod.close_database(db)


def test_large_clean_file_skips_the_quick_check(healthy, tmp_path, monkeypatch):
    copy = tmp_path / "copy.db"
    copy.write_bytes(healthy.read_bytes())
    monkeypatch.setattr(dbmod, "QUICK_CHECK_MAX_BYTES", 1000)
    db, report = dbmod.open_checked(copy)
    dbmod.close_database(db)
    assert not report.checked
    db, report = dbmod.open_checked(copy, full_check=True)
    dbmod.close_database(db)
    assert report.checked


def test_unclean_shutdown_is_checked_even_when_large(healthy, tmp_path, monkeypatch):
    copy = tmp_path / "copy.db"
    copy.write_bytes(healthy.read_bytes())
    crash = ("import os, sys; from desktop import db as dbmod, services;"
             "dbmod.open_database(sys.argv[1]);"
             "services.create_claim(services.ClaimInput(text='Typed just before the crash'));"
             "os._exit(9)")
    subprocess.run([sys.executable, "-c", crash, str(copy)], cwd=ROOT, timeout=60)
    assert dbmod.inspect_file(copy).wal_left_over
    monkeypatch.setattr(dbmod, "QUICK_CHECK_MAX_BYTES", 1000)
    db, report = dbmod.open_checked(copy)
    try:
        assert report.unclean and report.checked
        texts = [r[0] for r in db.execute_sql("SELECT text FROM claim ORDER BY id DESC LIMIT 1")]
        assert texts == ["Typed just before the crash"]
    finally:
        dbmod.close_database(db)
