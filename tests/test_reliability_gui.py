"""The window's start-up flow under faults: damaged files, the lock, read-only,
unclean shutdowns, unexpected errors, damaged settings, drafts after a crash."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer

from desktop import backups, drafts, errorlog
from desktop import db as dbmod
from desktop import services
from desktop.errors import DatabaseOpenError, StorageError
from desktop.views import application as appmod
from tests.conftest import make_older_file

ROOT = Path(__file__).resolve().parents[1]


def _make_db(path: Path, texts=("Claim A", "Claim B")) -> Path:
    db = dbmod.open_database(path)
    try:
        services.set_actor("Tester")
        for text in texts:
            services.create_claim(services.ClaimInput(text=text))
    finally:
        services.set_actor("")
        dbmod.close_database(db)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _texts(db) -> list[str]:
    return [r[0] for r in db.execute_sql("SELECT text FROM claim ORDER BY id")]


@pytest.fixture
def dialogs(monkeypatch):
    """Record every start-up dialog; answers are set per test."""
    seen = {"damaged": [], "messages": [], "elsewhere": [], "errors": [], "drafts": []}
    answers = {"damaged": ["quit"], "elsewhere": True, "backup": None, "database": None, "draft": "restore"}

    def ask_damaged(parent, exc):
        seen["damaged"].append(exc)
        return answers["damaged"].pop(0) if len(answers["damaged"]) > 1 else answers["damaged"][0]

    monkeypatch.setattr(appmod, "ask_damaged", ask_damaged)
    monkeypatch.setattr(appmod, "ask_open_elsewhere",
                        lambda parent, path: seen["elsewhere"].append(path) or answers["elsewhere"])
    monkeypatch.setattr(appmod, "choose_backup", lambda parent, path, found: answers["backup"] or found[0].path)
    monkeypatch.setattr(appmod, "choose_database", lambda parent: answers["database"])
    monkeypatch.setattr(appmod, "show_message",
                        lambda parent, title, text, warning=False: seen["messages"].append((title, text)))
    monkeypatch.setattr(appmod, "show_error_details",
                        lambda parent, title, text, details: seen["errors"].append((text, details)))
    monkeypatch.setattr(appmod, "offer_draft",
                        lambda parent, key, data: seen["drafts"].append((key, data)) or answers["draft"])
    return seen, answers


def _end(session):
    appmod.end_session(session)


# ---------------------------------------------------------------- damaged files


def test_damaged_file_quit_leaves_it_untouched(tmp_path, dialogs):
    seen, answers = dialogs
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database at all\n" * 50)
    before = _digest(path)
    with pytest.raises(appmod._Quit):
        appmod.start_session(path)
    assert "not an SQLite file" in str(seen["damaged"][0])
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]  # no lock, -wal or -shm left


def test_run_gui_on_a_damaged_file_exits_3_without_a_traceback(tmp_path, dialogs, qapp):
    path = tmp_path / "notes.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    from desktop.cli import build_parser

    args = build_parser().parse_args(["--db", str(path)])
    assert appmod.run_gui(args) == 3
    assert dialogs[0]["damaged"]


def test_partly_zeroed_file_restore_a_backup(tmp_path, dialogs):
    seen, answers = dialogs
    path = _make_db(tmp_path / "claims.db", [f"Claim {i} " + "x" * 3000 for i in range(60)])
    db = dbmod.open_database(path)
    backups.backup_now(db)
    dbmod.close_database(db)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    n = len(data) // page
    data[(n // 3) * page:(2 * n // 3) * page] = bytes((2 * n // 3 - n // 3) * page)
    path.write_bytes(bytes(data))
    damaged = _digest(path)
    answers["damaged"] = ["restore"]
    session = appmod.start_session(path)
    try:
        assert "damaged" in str(seen["damaged"][0])
        assert not session.read_only
        assert len(_texts(session.database)) == 60
        title, text = seen["messages"][-1]
        assert title == "Backup restored" and "replaced" in text
        aside = [p for p in tmp_path.iterdir() if ".replaced-" in p.name]
        assert len(aside) == 1 and _digest(aside[0]) == damaged
    finally:
        _end(session)


def test_open_another_database_instead(tmp_path, dialogs):
    seen, answers = dialogs
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 100)
    good = _make_db(tmp_path / "good.db")
    answers["damaged"] = ["open"]
    answers["database"] = good
    session = appmod.start_session(bad)
    try:
        assert session.path == good and _texts(session.database) == ["Claim A", "Claim B"]
    finally:
        _end(session)


def test_newer_claimlog_file_offers_the_same_choices(tmp_path, dialogs):
    seen, answers = dialogs
    path = _make_db(tmp_path / "claims.db")
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 77")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(appmod._Quit):
        appmod.start_session(path)
    assert "newer Claimlog" in str(seen["damaged"][0]) and "77" in str(seen["damaged"][0])
    assert _digest(path) == before


# ---------------------------------------------------------------- one window per database


def test_second_window_is_told_and_offered_read_only(tmp_path, dialogs, qtbot):
    seen, answers = dialogs
    path = _make_db(tmp_path / "claims.db")
    first = appmod.start_session(path)
    try:
        assert first.lock is not None and backups.lock_file_path(path).exists()
        # a command-line reader works while the window holds the file
        for argv in (["check", "--db", str(path)], ["backup", "--db", str(path)]):
            result = subprocess.run([sys.executable, "-m", "desktop", *argv], capture_output=True, text=True,
                                    cwd=ROOT, timeout=60)
            assert result.returncode == 0, result.stderr
        # restore is refused while the window holds it
        result = subprocess.run([sys.executable, "-m", "desktop", "restore", "--db", str(path)],
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 3 and "open in a Claimlog window" in result.stderr
        answers["elsewhere"] = False
        with pytest.raises(appmod._Quit):
            appmod.open_session(path)
        answers["elsewhere"] = True
        second = appmod.open_session(path)
        assert seen["elsewhere"] == [path, path]
        assert second.read_only and "another Claimlog window" in second.reason
        assert second.lock is None
        second.database.close()
    finally:
        dbmod.database.initialize(first.database)
        _end(first)
    assert not backups.lock_file_path(path).exists()


def test_a_stale_lock_from_a_dead_process_is_taken_over(tmp_path, dialogs):
    path = _make_db(tmp_path / "claims.db")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    backups.lock_file_path(path).write_text(f"{dead.stdout.strip()}\nclaimlog\n{os.uname().nodename}\n")
    session = appmod.open_session(path)
    try:
        assert not session.read_only and session.lock is not None
        assert dialogs[0]["elsewhere"] == []
    finally:
        _end(session)


# ---------------------------------------------------------------- read-only


def test_read_only_flag_banner_and_disabled_actions(tmp_path, dialogs, qtbot):
    path = _make_db(tmp_path / "claims.db")
    session = appmod.start_session(path, read_only=True)
    window = appmod.make_window(session)
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.read_only and window.banner.isVisible()
        assert "Read-only" in window.banner.text()
        assert window.edit_actions and not any(a.isEnabled() for a in window.edit_actions)
        before = _digest(path)
        with pytest.raises(StorageError, match="read-only"):
            services.create_claim(services.ClaimInput(text="Should not be saved"))
        assert _digest(path) == before
    finally:
        window.close()
        _end(session)


def test_a_file_the_user_cannot_write_opens_read_only(tmp_path, dialogs, monkeypatch):
    path = _make_db(tmp_path / "claims.db")
    real_access = os.access
    monkeypatch.setattr(appmod.os, "access",
                        lambda p, mode, **kw: False if (Path(p) == path and mode == os.W_OK) else real_access(p, mode))
    session = appmod.open_session(path)
    try:
        assert session.read_only and "permission" in session.reason
        assert session.lock is None
    finally:
        _end(session)


def test_sqlite_readonly_at_open_falls_back_to_read_only(tmp_path, dialogs, monkeypatch):
    path = _make_db(tmp_path / "claims.db")
    real = dbmod.open_checked
    calls = []

    def open_checked(p, readonly=False, **kw):
        calls.append(readonly)
        if not readonly:
            raise DatabaseOpenError(p, "cannot be written (read-only file, folder or disk).", "readonly")
        return real(p, readonly=True, **kw)

    monkeypatch.setattr(dbmod, "open_checked", open_checked)
    session = appmod.open_session(path)
    try:
        assert calls == [False, True] and session.read_only
        assert not backups.lock_file_path(path).exists()
    finally:
        _end(session)


# ---------------------------------------------------------------- unclean shutdown


CRASH = """
import os, sys
from desktop import db as dbmod, services
db = dbmod.open_database(sys.argv[1])
services.create_claim(services.ClaimInput(text="Typed before the crash"))
if sys.argv[2] == "break":
    db.execute_sql("UPDATE claim SET n_refutes = 3 WHERE id = 1")
os._exit(9)
"""


@pytest.mark.parametrize("damage", ["clean", "break"])
def test_unclean_shutdown_checks_before_editing(tmp_path, dialogs, damage, monkeypatch):
    path = _make_db(tmp_path / "claims.db")
    subprocess.run([sys.executable, "-c", CRASH, str(path), damage], cwd=ROOT, timeout=60)
    assert dbmod.inspect_file(path).wal_left_over
    checked = []
    from desktop import checks

    real = checks.check_database
    monkeypatch.setattr(checks, "check_database", lambda db: checked.append(1) or real(db))
    session = appmod.open_session(path)
    try:
        assert session.unclean and checked
        assert "Typed before the crash" in _texts(session.database)
        if damage == "clean":
            assert not session.read_only and session.problems == []
        else:
            assert session.read_only and "did not close cleanly" in session.reason
            assert any("counters" in p for p in session.problems)
    finally:
        _end(session)


# ---------------------------------------------------------------- unexpected errors


def test_unexpected_error_is_logged_shown_and_rolled_back(database, dialogs, tmp_path, monkeypatch):
    seen, _ = dialogs
    monkeypatch.setenv("CLAIMLOG_LOG_DIR", str(tmp_path / "logs"))
    errorlog.install()
    try:
        conn = database.connection()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO tag (name) VALUES ('half-done')")
        assert conn.in_transaction
        try:
            raise RuntimeError("a bug in a slot")
        except RuntimeError:
            appmod.handle_exception(*sys.exc_info())
        assert not conn.in_transaction
        assert database.execute_sql("SELECT count(*) FROM tag WHERE name = 'half-done'").fetchone()[0] == 0
        text, details = seen["errors"][-1]
        assert "undone" in text and "RuntimeError: a bug in a slot" in details
        logged = errorlog.log_file().read_text()
        assert "a bug in a slot" in logged and "Traceback" in logged
        assert errorlog.log_file().parent == tmp_path / "logs"
    finally:
        errorlog.uninstall()


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_reaches_the_hook_and_the_app_keeps_running(database, dialogs, qtbot, monkeypatch):
    seen, _ = dialogs
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    appmod.install_excepthook()

    def boom():
        raise ValueError("slot failed")

    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: bool(seen["errors"]), timeout=3000)
    assert "ValueError: slot failed" in seen["errors"][0][1]
    ticked = []
    QTimer.singleShot(0, lambda: ticked.append(1))
    qtbot.waitUntil(lambda: bool(ticked), timeout=3000)  # the event loop still runs


def test_storage_error_reaches_the_hook_as_a_plain_message(database, dialogs):
    seen, _ = dialogs
    try:
        raise StorageError("The disk is full; the change was not saved.", "SQLITE_FULL")
    except StorageError:
        appmod.handle_exception(*sys.exc_info())
    assert seen["errors"][-1][0].startswith("The disk is full")


# ---------------------------------------------------------------- settings


def test_damaged_settings_reset_to_defaults_with_a_message(dialogs, qapp):
    seen, _ = dialogs
    settings = QSettings("Claimlog", "Claimlog")
    settings.setValue("checker/name", "Ana")
    settings.sync()
    name = settings.fileName()
    del settings
    Path(name).write_bytes(b"[General\n\x00\x01 broken")
    assert appmod.check_settings() is True
    assert seen["messages"] and "reset" in seen["messages"][-1][1]
    fresh = QSettings("Claimlog", "Claimlog")
    assert fresh.status() == QSettings.Status.NoError and fresh.value("checker/name") is None
    assert Path(name + ".damaged").exists()
    assert appmod.check_settings() is False
    os.unlink(name + ".damaged")


# ---------------------------------------------------------------- drafts after a crash


def test_drafts_offered_after_start(tmp_path, dialogs, qtbot, monkeypatch):
    seen, answers = dialogs
    path = _make_db(tmp_path / "claims.db")
    drafts.save_draft(path, "new", {"text": "Half-typed claim about rents", "tags": ["housing"], "gone": 1})
    drafts.save_draft(path, "claim-1", {"text": "Claim A, edited"})
    opened = []
    from desktop.views import claim_form

    monkeypatch.setattr(claim_form, "open_claim_dialog",
                        lambda window, claim_id=None, initial=None, draft_key=None:
                        opened.append((claim_id, initial, draft_key)))
    session = appmod.start_session(path)
    window = appmod.make_window(session)
    qtbot.addWidget(window)
    try:
        assert appmod.offer_drafts(window, path) == 2
        assert [k for k, _ in seen["drafts"]] == ["new", "claim-1"]
        assert opened[0] == (None, services.ClaimInput(text="Half-typed claim about rents", tags=["housing"]), "new")
        assert opened[1][0] == 1 and opened[1][1].text == "Claim A, edited"
        answers["draft"] = "discard"
        assert appmod.offer_drafts(window, path) == 0
        assert drafts.pending_drafts(path) == []
    finally:
        window.close()
        _end(session)


def test_after_show_runs_the_daily_backup(tmp_path, dialogs, qtbot, monkeypatch):
    from desktop.views import worker

    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    path = _make_db(tmp_path / "claims.db")
    session = appmod.start_session(path)
    window = appmod.make_window(session)
    qtbot.addWidget(window)
    try:
        appmod.after_show(session)
        qtbot.waitUntil(lambda: len(backups.list_backups(path)) == 1, timeout=5000)
        appmod.after_show(session)  # the same day: no second backup
        assert len(backups.list_backups(path)) == 1
    finally:
        window.close()
        _end(session)


def test_a_draft_typed_before_a_crash_reopens_in_the_real_form(tmp_path, dialogs, qtbot, monkeypatch):
    """End to end with the claim form: the draft file survives, the form comes back filled in."""
    from PySide6.QtWidgets import QMessageBox

    claim_form = pytest.importorskip("desktop.views.claim_form")
    monkeypatch.setattr(claim_form.ClaimDialog, "ask_unsaved",
                        lambda self: QMessageBox.StandardButton.Discard)
    path = _make_db(tmp_path / "claims.db")
    # what the form saved while typing, before the application died
    drafts.save_draft(path, "new", {"text": "Rents in the old town doubled in two years", "claimant": "A mayor",
                                    "tags": ["housing"]})
    session = appmod.start_session(path)
    window = appmod.make_window(session)
    qtbot.addWidget(window)
    try:
        assert appmod.offer_drafts(window, path) == 1
        forms = [d for d in window.findChildren(claim_form.ClaimDialog) if d.isVisible()]
        assert len(forms) == 1
        form = forms[0]
        assert form.text_edit.toPlainText() == "Rents in the old town doubled in two years"
        assert form.draft_key == "new"
        form.close()
    finally:
        window.close()
        _end(session)


# ---------------------------------------------------------------- damage found while in use


class _Window:
    """What the hook needs of the main window: set_read_only and the two way-out actions."""

    def __init__(self):
        from PySide6.QtGui import QAction

        self.read_only, self.reason = False, ""
        self.backups_action, self.open_action = QAction("Backups"), QAction("Open")

    def set_read_only(self, read_only, reason=""):
        self.read_only, self.reason = read_only, reason


def test_damage_found_while_reading_switches_to_read_only_and_offers_restore(tmp_path, qtbot, monkeypatch):
    """A large file that closed cleanly is not checked page by page at open: damage surfaces on a read."""
    from tests.test_reliability_files import _populated, _zeroed

    damaged = _zeroed(tmp_path, _populated(tmp_path / "healthy.db", n=200))
    before = damaged.read_bytes()
    database = dbmod.connect(damaged, readonly=True)
    asked = []
    monkeypatch.setattr(appmod, "ask_damaged_in_use", lambda parent, text: asked.append(text) or "restore")
    monkeypatch.setattr(appmod, "show_error_details", lambda *a: pytest.fail("damage must not be a generic error"))
    window = _Window()
    restores = []
    window.backups_action.triggered.connect(lambda: restores.append(True))
    monkeypatch.setattr(appmod, "_hook_parent", window)
    try:
        with pytest.raises(Exception) as raised:
            database.execute_sql("SELECT count(*), sum(length(text)), sum(length(context)) FROM claim").fetchall()
        appmod.handle_exception(type(raised.value), raised.value, raised.value.__traceback__)
    finally:
        database.close()
    assert asked and "damaged" in asked[0].lower()
    assert window.read_only and "damage" in window.reason
    qtbot.waitUntil(lambda: restores == [True], timeout=3000)
    assert damaged.read_bytes() == before


def _visible_progress():
    from PySide6.QtWidgets import QApplication, QProgressDialog

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]


def test_an_older_file_is_upgraded_off_the_gui_thread_under_a_progress_window(qtbot, tmp_path, monkeypatch):
    """The backup and the migrations run on a worker while a window says so; then the file opens as usual."""
    import threading

    from desktop.views import worker

    path = make_older_file(tmp_path)
    assert dbmod.needs_upgrade(path)
    monkeypatch.setattr(worker, "SHOW_AFTER_MS", 0)
    shown = threading.Event()
    ran_on = []
    real_upgrade = dbmod.upgrade_file

    def upgrade(p):
        ran_on.append(threading.get_ident())
        assert shown.wait(20), "no progress window while the upgrade ran"
        real_upgrade(p)

    monkeypatch.setattr(dbmod, "upgrade_file", upgrade)
    watch = QTimer()
    watch.timeout.connect(lambda: any("Upgrading older.db" in w.labelText() for w in _visible_progress())
                          and shown.set())
    watch.start(5)
    try:
        session = appmod.open_session(path)
    finally:
        watch.stop()
    try:
        assert ran_on and ran_on[0] != threading.get_ident()
        assert session.database.execute_sql("PRAGMA user_version").fetchone()[0] == dbmod.latest_schema_version()
        assert _texts(session.database) == ["Older claim one", "Older claim two"]
        assert list(dbmod.backups_folder(path).glob("older-before-*.db"))
        assert not _visible_progress()
        assert not dbmod.needs_upgrade(path)
    finally:
        appmod.end_session(session)


def test_an_upgrade_that_fails_reaches_the_start_up_flow_and_leaves_the_file(qtbot, tmp_path, monkeypatch):
    path = make_older_file(tmp_path)
    before = _digest(path)

    def upgrade(p):
        raise DatabaseOpenError(p, "the upgrade 0099_test would leave 1 broken link(s); it was not applied.", "other")

    monkeypatch.setattr(dbmod, "upgrade_file", upgrade)
    with pytest.raises(DatabaseOpenError, match="was not applied"):
        appmod.start_session(path, interactive=False)
    assert _digest(path) == before
    assert not _visible_progress()
    again = appmod.lock_for(path)  # the session's lock was released
    assert again.tryLock(0)
    again.unlock()
