"""Rotating online backups, restore, and a backup taken while another process writes."""

import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop import backups
from desktop import db as dbmod
from desktop import services
from desktop.app import main as cli_main
from desktop.errors import ClaimlogError, StorageError

ROOT = Path(__file__).resolve().parents[1]


def _claims(path):
    conn = sqlite3.connect(dbmod._ro_uri(Path(path)), uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT text FROM claim ORDER BY id")]
    finally:
        conn.close()


def test_backup_now_is_verified_owner_only_and_listed(database, db_path, make_claim):
    make_claim("The river rose three metres in a day")
    info = backups.backup_now(database)
    assert info.kind == "rotating" and info.size > 0
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
    assert _claims(info.path) == ["The river rose three metres in a day"]
    listed = backups.list_backups(db_path)
    assert [b.path for b in listed] == [info.path]
    assert listed[0].taken_at.date() == datetime.now().date()
    assert not [p for p in info.path.parent.iterdir() if p.name.startswith(".")]


def test_automatic_backup_at_most_daily_and_only_after_a_change(database, db_path, make_claim):
    assert backups.maybe_backup(database) is None  # empty database: nothing to protect
    make_claim("First claim")
    now = datetime.now()
    first = backups.maybe_backup(database, now=now)
    assert first is not None
    make_claim("Second claim")
    assert backups.maybe_backup(database, now=now + timedelta(hours=5)) is None  # not yet a day
    second = backups.maybe_backup(database, now=now + timedelta(days=1, minutes=1))
    assert second is not None and second.path != first.path
    # a day later, nothing changed since the second: skipped
    assert backups.maybe_backup(database, now=now + timedelta(days=2, minutes=2)) is None
    services.update_claim(1, services.ClaimInput(text="First claim, corrected"))
    assert backups.maybe_backup(database, now=now + timedelta(days=2, minutes=3)) is not None


def test_rotation_daily_for_a_week_weekly_for_a_month(tmp_path):
    db_path = tmp_path / "claims.db"
    folder = backups.backups_folder(db_path)
    folder.mkdir()
    now = datetime(2026, 6, 30, 12, 0, 0)
    made = []
    for hours in range(0, 24 * 60, 8):  # three a day for sixty days
        when = now - timedelta(hours=hours)
        path = folder / f"claims-{when:%Y%m%d-%H%M%S}.db"
        path.write_bytes(b"x")
        made.append((when, path))
    keeper = folder / "claims-before-0002_more.db"
    keeper.write_bytes(b"x")
    (folder / "my-own-copy.db").write_bytes(b"x")
    removed = backups.rotate_backups(db_path, now=now)
    left = {b.taken_at: b for b in backups.list_backups(db_path) if b.kind == "rotating"}
    assert keeper.exists() and (folder / "my-own-copy.db").exists()
    assert removed and all(not p.exists() for p in removed)
    ages = sorted((now - t) for t in left)
    assert all(age < backups.WEEKLY_FOR for age in ages)
    # everything from the last day, one per day for the rest of the week
    assert sum(1 for a in ages if a < timedelta(hours=24)) == 3
    days = {t.date() for t in left if timedelta(hours=24) <= now - t < backups.DAILY_FOR}
    assert len([t for t in left if timedelta(hours=24) <= now - t < backups.DAILY_FOR]) == len(days)
    weeks = [t.isocalendar()[:2] for t in left if now - t >= backups.DAILY_FOR]
    assert len(weeks) == len(set(weeks)) and len(weeks) >= 3


def test_a_damaged_database_never_rotates_good_backups_out(database, db_path, make_claim):
    make_claim("Something worth keeping")
    old = datetime.now() - timedelta(days=60)
    good = backups.backup_now(database, now=old)
    # break an invariant behind the services' back (a counter out of step)
    database.execute_sql("UPDATE claim SET n_supports = 7")
    with pytest.raises(StorageError, match="not kept"):
        backups.backup_now(database)
    assert good.path.exists()
    assert [b.path for b in backups.list_backups(db_path)] == [good.path]
    assert not [p for p in good.path.parent.iterdir() if p.name.startswith(".")]


def test_cli_backup_without_out_rotates(database, db_path, make_claim, capsys):
    make_claim("Claim A")
    dbmod.close_database(database)
    assert cli_main(["backup", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "verified" in out and "rotating backup" in out
    assert len(backups.list_backups(db_path)) == 1


def test_restore_keeps_current_file_aside_with_its_wal(database, db_path, make_claim, capsys):
    make_claim("Claim A")
    taken = backups.backup_now(database)
    dbmod.close_database(database)
    # another session adds a claim and dies without closing: the -wal holds it
    crash = ("import os, sys; from desktop import db as dbmod, services;"
             "dbmod.open_database(sys.argv[1]);"
             "services.create_claim(services.ClaimInput(text='Claim B, typed after the backup'));"
             "os._exit(0)")
    subprocess.run([sys.executable, "-c", crash, str(db_path)], cwd=ROOT, check=True, timeout=60)
    assert Path(str(db_path) + "-wal").stat().st_size > 0
    assert cli_main(["restore", "--db", str(db_path), "--from", str(taken.path)]) == 0
    message = capsys.readouterr().out
    assert taken.path.name in message and f"{taken.taken_at:%Y-%m-%d %H:%M}" in message
    assert "replaced" in message and "1 claims" in message
    assert _claims(db_path) == ["Claim A"]
    aside = [p for p in db_path.parent.iterdir() if ".replaced-" in p.name]
    main_aside = [p for p in aside if not p.name.endswith(("-wal", "-shm"))]
    assert len(main_aside) == 1 and any(p.name.endswith("-wal") for p in aside)
    assert _claims(main_aside[0]) == ["Claim A", "Claim B, typed after the backup"]
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    reopened = dbmod.open_database(db_path)
    try:
        from desktop.checks import check_database

        assert check_database(reopened) == []
    finally:
        dbmod.close_database(reopened)


def test_restore_refuses_a_bad_backup_and_changes_nothing(database, db_path, make_claim, tmp_path, capsys):
    make_claim("Claim A")
    dbmod.close_database(database)
    before = db_path.read_bytes()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is a shopping list, not a database\n" * 100)
    assert cli_main(["restore", "--db", str(db_path), "--from", str(junk)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "junk.db" in err
    assert db_path.read_bytes() == before
    assert not [p for p in db_path.parent.iterdir() if ".replaced-" in p.name]
    with pytest.raises(ClaimlogError, match="no backups"):
        backups.restore_backup(db_path)


def test_restore_refused_while_a_window_holds_the_lock(database, db_path, make_claim, capsys):
    make_claim("Claim A")
    backups.backup_now(database)
    dbmod.close_database(database)
    sleeper = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        backups.lock_file_path(db_path).write_text(f"{sleeper.pid}\nclaimlog\nhost\n")
        assert cli_main(["restore", "--db", str(db_path)]) == 3
        assert "open in a Claimlog window" in capsys.readouterr().err
    finally:
        sleeper.communicate(b"")
    # the process is gone: the lock is stale and restore goes ahead
    assert cli_main(["restore", "--db", str(db_path)]) == 0


def test_restore_list(database, db_path, make_claim, capsys):
    make_claim("Claim A")
    info = backups.backup_now(database)
    assert cli_main(["restore", "--db", str(db_path), "--list"]) == 0
    out = capsys.readouterr().out
    assert str(info.path) in out and f"{info.size:,}" in out


WRITER = textwrap.dedent("""
    import sys
    from desktop import db as dbmod, services
    from desktop.models import database
    path, batches, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    db = dbmod.open_database(path)
    services.set_actor("Writer")
    print("ready", flush=True)
    for b in range(batches):
        with database.atomic():
            for i in range(per):
                services.create_claim(services.ClaimInput(text=f"Batch {b} claim {i}", tags=[f"b{b}"]))
    dbmod.close_database(db)
    print("done", flush=True)
""")


def test_backup_while_another_process_writes_is_consistent(database, db_path, make_claim, tmp_path):
    from desktop.checks import check_database

    make_claim("Before the writer")
    per = 40
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), "25", str(per)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "ready"
    counts = []
    try:
        while child.poll() is None or len(counts) < 3:
            out = tmp_path / f"during-{len(counts)}.db"
            dbmod.backup_database(database, out)
            snapshot = dbmod.connect(out, readonly=True)
            snapshot.connect()
            try:
                assert check_database(snapshot) == []
                counts.append(snapshot.execute_sql("SELECT count(*) FROM claim").fetchone()[0])
            finally:
                snapshot.close()
            if len(counts) > 200:
                break
    finally:
        child.wait(timeout=120)
    assert child.returncode == 0
    # every snapshot holds whole batches only
    assert all((c - 1) % per == 0 for c in counts), counts
    # One taken once the writer is done holds every batch (the loop's last one may have begun just
    # before the writer's last commit: this failed now and then on a busy machine).
    final = tmp_path / "after.db"
    dbmod.backup_database(database, final)
    snapshot = dbmod.connect(final, readonly=True)
    snapshot.connect()
    try:
        assert snapshot.execute_sql("SELECT count(*) FROM claim").fetchone()[0] == 1 + 25 * per
    finally:
        snapshot.close()
    assert len(set(counts)) >= 2, counts  # the backups really ran while the writer wrote
    print("backups during the write:", len(counts), "distinct states:", len(set(counts)))
