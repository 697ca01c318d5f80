"""Export dialog and import wizard: driven with qtbot, checked on files and in the database."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMenu, QWidget

from desktop import search, services
from desktop.exchange import claims_csv, csvcodec
from desktop.models import Claim
from desktop.views import export_dialog, import_wizard, worker
from desktop.views.signals import DataSignals

from tests.test_exchange import dump


class FakeWindow(QWidget):
    def __init__(self, selected=(), flt=None, read_only=False):
        super().__init__()
        self.signals = DataSignals(self)
        self.menus = {"file": QMenu(self)}
        self.edit_actions = []
        self.selected = list(selected)
        self.flt = flt or search.ClaimFilter()
        self.read_only = read_only

    def selected_claim_ids(self):
        return self.selected

    def current_filter(self):
        return self.flt


@pytest.fixture
def three(make_claim):
    return [make_claim(f"=Claim {n} about bridge tolls", claimant="Transport office").id for n in range(3)]


def _export(qtbot, window, tmp_path, fmt="csv", scope=None, name="out.csv"):
    dialog = export_dialog.ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    if scope:
        dialog.set_scope(scope)
    dialog.set_format(fmt)
    dialog.path_edit.setText(str(tmp_path / name))
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.export_button.click()
    return dialog


def _rows(path):
    table = csvcodec.read_table(path.read_bytes().decode("utf-8-sig"), "x", [])
    return [csvcodec.cell_value(r[1]) for _, r in table.rows]


def test_export_selection_filter_and_all(qtbot, three, tmp_path):
    window = FakeWindow(selected=three[:2], flt=search.ClaimFilter(ids=frozenset(three[2:])))
    qtbot.addWidget(window)
    dialog = _export(qtbot, window, tmp_path, scope="selection", name="sel.csv")
    assert sorted(_rows(tmp_path / "sel.csv")) == ["=Claim 0 about bridge tolls", "=Claim 1 about bridge tolls"]
    assert "2 claims exported" in dialog.message.text()
    _export(qtbot, window, tmp_path, scope="filter", name="flt.csv")
    assert _rows(tmp_path / "flt.csv") == ["=Claim 2 about bridge tolls"]
    _export(qtbot, window, tmp_path, scope="all", name="all.csv")
    assert len(_rows(tmp_path / "all.csv")) == 3
    assert Claim.get_by_id(three[0]).synced_at is not None  # the exchange was noted


def test_export_package_and_claimreview_with_desk_name(qtbot, three, tmp_path, monkeypatch):
    monkeypatch.setattr(export_dialog, "desk_name", lambda: "Bridge Desk")
    services.set_verdict(three[0], "false")
    Claim.update(published_url="https://desk.example/1").where(Claim.id == three[0]).execute()
    window = FakeWindow()
    qtbot.addWidget(window)
    _export(qtbot, window, tmp_path, fmt="package", name="p.zip")
    assert (tmp_path / "p.zip").stat().st_size > 0
    dialog = _export(qtbot, window, tmp_path, fmt="claimreview", name="r.json")
    assert dialog.author.text() == "Bridge Desk"
    reviews = json.loads((tmp_path / "r.json").read_text())
    assert [r["author"]["name"] for r in reviews] == ["Bridge Desk"]


def test_export_note_and_browse(qtbot, three, tmp_path, monkeypatch):
    window = FakeWindow()
    qtbot.addWidget(window)
    dialog = export_dialog.ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "From Text/CSV" in dialog.note.text() and dialog.note.isVisible()
    monkeypatch.setattr(export_dialog, "choose_path", lambda parent, fmt, start: str(tmp_path / "picked"))
    dialog.browse()
    assert dialog.path_edit.text() == str(tmp_path / "picked.csv")
    dialog.set_format("package")
    assert dialog.path_edit.text() == str(tmp_path / "picked.zip") and not dialog.note.isVisible()
    assert not dialog.author.isEnabled()


def test_cancelled_export_writes_no_file(qtbot, three, tmp_path, monkeypatch):
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    monkeypatch.setattr(worker.Task, "report", lambda self, done, total: False)
    window = FakeWindow()
    qtbot.addWidget(window)
    dialog = export_dialog.ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path_edit.setText(str(tmp_path / "out.csv"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "cancelled" in dialog.message.text())
    assert not (tmp_path / "out.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if "out" in p.name] == []


# -- import wizard -----------------------------------------------------------------------------


def _wizard(qtbot, window, path):
    wizard = import_wizard.ImportWizard(window)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.path_edit.setText(str(path))
    wizard.check_button.click()
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == 1 or "could not" in wizard.message.text(),
                    timeout=20000)
    return wizard


def test_wizard_lists_problems_and_imports_nothing(qtbot, three, tmp_path, qtmodeltester):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csvcodec.encode_rows(["uuid", "text", "status"], [["nope", "A", "unstarted"],
                                                                       ["", "B", "finished"]]))
    window = FakeWindow()
    qtbot.addWidget(window)
    before = dump()
    wizard = _wizard(qtbot, window, bad)
    model = wizard.problems_model
    qtmodeltester.check(model)
    cells = [[model.index(r, c).data() for c in range(4)] for r in range(model.rowCount())]
    assert [c[1:3] for c in cells] == [["2", "uuid"], ["3", "status"]]
    assert "2 problem(s)" in wizard.summary.text()
    assert not wizard.import_button.isEnabled()
    wizard.start_import()
    assert dump() == before


def test_wizard_dry_run_then_import(qtbot, three, tmp_path, database):
    out = tmp_path / "mine.csv"
    claims_csv.export_claims_csv(out, search.ClaimFilter())
    # a colleague's file: one new claim, one edited claim
    table = csvcodec.read_table(out.read_bytes().decode("utf-8-sig"), "x", [])
    rows = [list(r) for _, r in table.rows]
    rows[0][1] = "Edited by a colleague"
    rows[0][table.header.index("updated_at")] = "2099-01-01T00:00:00.000000Z"
    rows.append(["", "A brand new claim"] + [""] * (len(table.header) - 2))
    colleague = tmp_path / "colleague.csv"
    colleague.write_bytes(csvcodec.encode_rows(table.header, rows))
    window = FakeWindow()
    qtbot.addWidget(window)
    before = dump()
    wizard = _wizard(qtbot, window, colleague)
    assert "1 to add, 1 to update" in wizard.summary.text()
    assert dump() == before  # the dry run wrote nothing
    assert wizard.import_button.isEnabled()
    with qtbot.waitSignal(window.signals.database_replaced, timeout=20000):
        wizard.import_button.click()
    assert Claim.select().where(Claim.text == "A brand new claim").count() == 1
    assert Claim.select().where(Claim.text == "Edited by a colleague").count() == 1


def test_cancelled_import_changes_nothing(qtbot, three, tmp_path, monkeypatch):
    out = tmp_path / "p.csv"
    claims_csv.export_claims_csv(out, search.ClaimFilter())
    text = out.read_bytes().decode("utf-8-sig").replace("=Claim", "=Other claim")
    table = csvcodec.read_table(text, "x", [])
    fresh = [[""] + list(r[1:]) for _, r in table.rows]  # no uuids: all new
    out.write_bytes(csvcodec.encode_rows(table.header, fresh))
    window = FakeWindow()
    qtbot.addWidget(window)
    wizard = _wizard(qtbot, window, out)
    before = dump()
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    monkeypatch.setattr(worker.Task, "report", lambda self, done, total: False)
    wizard.import_button.click()
    qtbot.waitUntil(lambda: "cancelled" in wizard.message.text())
    assert dump() == before


def test_read_only_window_cannot_import(qtbot, three, tmp_path):
    out = tmp_path / "p.csv"
    claims_csv.export_claims_csv(out, search.ClaimFilter())
    window = FakeWindow(read_only=True)
    qtbot.addWidget(window)
    wizard = _wizard(qtbot, window, out)
    assert not wizard.import_button.isEnabled()


def test_install_adds_file_menu_actions(qtbot, database):
    window = FakeWindow()
    qtbot.addWidget(window)
    export_dialog.install(window)
    import_wizard.install(window)
    texts = [a.text() for a in window.menus["file"].actions()]
    assert "&Import\u2026" in texts and "&Export\u2026" in texts
    assert window.import_action in window.edit_actions


def test_cancelled_check_shows_nothing(qtbot, three, tmp_path, monkeypatch):
    out = tmp_path / "p.csv"
    claims_csv.export_claims_csv(out, search.ClaimFilter())
    monkeypatch.setattr(worker, "SYNCHRONOUS", True)
    monkeypatch.setattr(worker.Task, "report", lambda self, done, total: False)
    window = FakeWindow()
    qtbot.addWidget(window)
    wizard = import_wizard.ImportWizard(window)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.path_edit.setText(str(out))
    wizard.check_button.click()
    qtbot.waitUntil(lambda: "cancelled" in wizard.message.text())
    assert wizard.pages.currentIndex() == 0 and wizard.plan is None


def test_browse_picks_and_checks(qtbot, three, tmp_path, monkeypatch):
    out = tmp_path / "p.csv"
    claims_csv.export_claims_csv(out, search.ClaimFilter())
    monkeypatch.setattr(import_wizard, "choose_file", lambda parent, start: str(out))
    window = FakeWindow()
    qtbot.addWidget(window)
    wizard = import_wizard.ImportWizard(window)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.browse()
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == 1, timeout=20000)
    assert "3 unchanged" in wizard.summary.text()
