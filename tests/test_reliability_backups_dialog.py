"""Tools > Backups...: list with dates and sizes, back up now, restore (current file kept aside)."""

from pathlib import Path

import pytest

from desktop import backups
from desktop import db as dbmod
from desktop import services
from desktop.views import backups_dialog
from desktop.views import application as appmod


@pytest.fixture
def window(tmp_path, qtbot, monkeypatch):
    from desktop.views import worker

    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    path = tmp_path / "claims.db"
    db = dbmod.open_database(path)
    services.set_actor("Tester")
    services.create_claim(services.ClaimInput(text="Claim A"))
    dbmod.close_database(db)
    session = appmod.start_session(path)
    win = appmod.make_window(session)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.features_installed, timeout=5000)  # the menus come after the first page
    yield win
    win.close()
    appmod.end_session(win.session)
    services.set_actor("")


@pytest.fixture
def messages(monkeypatch):
    seen = []
    monkeypatch.setattr(backups_dialog, "show_message",
                        lambda parent, title, text, warning=False: seen.append((title, text)))
    return seen


def _texts():
    from desktop.models import database

    return [r[0] for r in database.execute_sql("SELECT text FROM claim ORDER BY id")]


def test_menu_entry_opens_the_dialog(window, qtbot):
    assert window.backups_action in window.menus["tools"].actions()
    window.backups_action.trigger()
    dialogs = [w for w in window.findChildren(backups_dialog.BackupsDialog)]
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].close()


def test_back_up_now_lists_date_and_size(window, qtbot, messages):
    dialog = backups_dialog.BackupsDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and "no backups" in dialog.status.text()
    assert not dialog.restore_button.isEnabled()
    qtbot.mouseClick(dialog.backup_button, backups_dialog.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    info = backups.list_backups(window.database.path)[0]
    assert dialog.table.item(0, 0).text() == f"{info.taken_at:%Y-%m-%d %H:%M:%S}"
    assert dialog.table.item(0, 3).text() == info.path.name
    assert "kB" in dialog.table.item(0, 2).text() or "MB" in dialog.table.item(0, 2).text()
    assert "verified" in dialog.status.text()
    assert dialog.restore_button.isEnabled()


def test_restore_keeps_current_aside_reopens_and_reloads(window, qtbot, messages, monkeypatch):
    dialog = backups_dialog.BackupsDialog(window)
    qtbot.addWidget(dialog)
    dialog.back_up_now()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    services.create_claim(services.ClaimInput(text="Claim B, after the backup"))
    assert _texts() == ["Claim A", "Claim B, after the backup"]
    asked = []
    monkeypatch.setattr(backups_dialog, "confirm_restore", lambda parent, info: asked.append(info) or True)
    old_db = window.database
    with qtbot.waitSignal(window.signals.database_replaced, timeout=5000):
        dialog.restore_selected()
    assert asked and window.database is not old_db
    assert _texts() == ["Claim A"]
    title, text = messages[-1]
    assert title == "Backup restored" and "replaced" in text and "Claim" not in title
    db_path = Path(window.database.path)
    aside = [p for p in db_path.parent.iterdir() if ".replaced-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].name in text
    assert text in dialog.status.text()
    # editing goes on in the restored file
    services.create_claim(services.ClaimInput(text="Claim C"))
    assert _texts() == ["Claim A", "Claim C"]


def test_restore_cancelled_changes_nothing(window, qtbot, messages, monkeypatch):
    dialog = backups_dialog.BackupsDialog(window)
    qtbot.addWidget(dialog)
    dialog.back_up_now()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    services.create_claim(services.ClaimInput(text="Claim B"))
    monkeypatch.setattr(backups_dialog, "confirm_restore", lambda parent, info: False)
    dialog.restore_selected()
    assert _texts() == ["Claim A", "Claim B"] and messages == []


def test_a_bad_backup_is_refused_and_the_database_stays_open(window, qtbot, messages):
    bad = backups.backups_folder(window.database.path) / "claims-20260101-000000.db"
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(b"not a backup" * 100)
    assert backups_dialog.restore_into_window(window, bad) is None
    assert messages[-1][0] == "Backup not restored"
    assert _texts() == ["Claim A"]
    services.create_claim(services.ClaimInput(text="Still writable"))


def test_restore_disabled_when_read_only(window, qtbot):
    window.set_read_only(True)
    backups.backup_now(window.database)
    dialog = backups_dialog.BackupsDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and not dialog.restore_button.isEnabled()
