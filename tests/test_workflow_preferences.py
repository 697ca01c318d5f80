"""Preferences: checker and desk names in QSettings, asked once, handed to the services."""

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from desktop import services
from desktop.views import preferences


@pytest.fixture
def clean_settings(qapp):
    settings = preferences._settings()
    settings.remove(preferences.CHECKER_KEY)
    settings.remove(preferences.DESK_KEY)
    yield settings
    settings.remove(preferences.CHECKER_KEY)
    settings.remove(preferences.DESK_KEY)
    services.set_actor("")


def test_ask_checker_name_asks_once_and_sets_actor(clean_settings, monkeypatch):
    services.set_actor("")
    asked = []

    def fake_get_text(parent, title, label, *args, **kwargs):
        asked.append(title)
        return "  Aye Chan ", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(fake_get_text))
    assert preferences.ask_checker_name(None) == "Aye Chan"
    assert preferences.checker_name() == "Aye Chan"
    assert services.current_actor() == "Aye Chan"
    assert preferences.ask_checker_name(None) == "Aye Chan"
    assert len(asked) == 1


def test_ask_checker_name_cancelled_returns_empty(clean_settings, monkeypatch):
    services.set_actor("")
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("ignored", False)))
    assert preferences.ask_checker_name(None) == ""
    assert preferences.checker_name() == ""


def test_preferences_dialog_saves_on_ok_only(clean_settings, qtbot):
    dialog = preferences.PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.checker_edit.setText("Nadia")
    dialog.desk_edit.setText("Border Desk")
    dialog.reject()
    assert preferences.checker_name() == ""
    dialog = preferences.PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.checker_edit.setText("Nadia")
    dialog.desk_edit.setText("Border Desk")
    dialog.accept()
    assert (preferences.checker_name(), preferences.desk_name()) == ("Nadia", "Border Desk")
    assert services.current_actor() == "Nadia"


def test_preferences_dialog_refuses_control_characters(clean_settings, qtbot, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: warnings.append(a[2])))
    dialog = preferences.PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.desk_edit.setText("Desk\x07")
    dialog.accept()
    assert warnings and "desk name" in warnings[0]
    assert preferences.desk_name() == ""


def test_damaged_setting_reads_as_empty(clean_settings):
    clean_settings.setValue(preferences.CHECKER_KEY, [1, 2])
    assert preferences.checker_name() == ""
