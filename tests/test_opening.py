"""A large file's first page, read ahead of the data layer: the same page, only for files that need no word.

``desktop.opening`` reads it with ``sqlite3`` alone; the window shows it and opens the file once it
is painted (``application.window_at_once`` / ``open_behind``). The thresholds (a file over 64 MB,
50,000 claims) are lowered here so that a few claims stand for a large file.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop import db as dbmod
from desktop import dbfile, opening, services
from desktop.views import application, claims_model
from desktop.views.claims_model import ID_ROLE, PAGE_SIZE, ClaimsTableModel

from .conftest import make_interrupted_copy, make_older_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def large(monkeypatch):
    """Every file counts as large: no check at each open, counts off the GUI thread."""
    monkeypatch.setattr(dbfile, "QUICK_CHECK_MAX_BYTES", 0)
    monkeypatch.setattr(dbmod, "QUICK_CHECK_MAX_BYTES", 0)
    monkeypatch.setattr(opening, "QUICK_FROM_CLAIMS", 1)
    monkeypatch.setattr(claims_model, "ASYNC_COUNT_FROM", 1)


@pytest.fixture
def claims_file(database, db_path):
    """A closed file of 30 claims: some share their last-updated stamp, some are in the trash, one
    has no claimant and no verdict."""
    ids = [services.create_claim(services.ClaimInput(
        text=f"Claim {n}: {n * 7} people were displaced", claimant=f"Speaker {n % 4}" if n % 9 else "",
        claimed_on=f"2023-{n % 12 + 1:02d}", tags=[f"topic{n % 3}"])).id for n in range(30)]
    services.set_status(ids[1], "in_progress")
    services.trash_claims(ids[5:8])
    database.execute_sql("UPDATE claim SET updated_at = '2099-01-02T03:04:05.000000Z' WHERE id IN (10, 11, 12, 13)")
    dbmod.close_database(database)
    return db_path


def test_the_page_read_ahead_is_the_tables_first_page(large, claims_file, monkeypatch):
    monkeypatch.setattr(claims_model, "PAGE_SIZE", 12)
    page = opening.read_opening_page(claims_file, 12)
    assert page is not None and page.path == claims_file and page.highest_id == 30
    dbmod.open_database(claims_file, readonly=True)
    try:
        model = ClaimsTableModel()
        assert model.plans[-1] == "index=claim_live_updated_at"
        table_page = [raw for raw, _shown in model._pages[0]]
    finally:
        dbmod.close_database()
    assert page.rows == table_page
    assert len(page.rows) == 12 and not {6, 7, 8} & {row[0] for row in page.rows}  # the trash is left out
    assert [row[0] for row in page.rows][:4] == [13, 12, 11, 10]  # ties in id order, as the table has them


def test_its_columns_are_the_tables(database):
    assert [field.name for field in claims_model.fields()] == [
        "id", "headline", "claimant_name", "claimed_on", "status", "verdict",
        "n_supports", "n_refutes", "n_sources", "tags_text", "updated_at"]
    assert tuple(f.column_name for f in claims_model.fields()) == opening.COLUMNS


def test_it_reads_the_page_along_the_index(large, claims_file):
    conn = sqlite3.connect(claims_file)
    plan = conn.execute("EXPLAIN QUERY PLAN " + opening._FIRST_PAGE_SQL, (PAGE_SIZE,)).fetchall()
    conn.close()
    assert any("USING INDEX claim_live_updated_at" in row[-1] for row in plan)
    assert not any("TEMP B-TREE" in row[-1] for row in plan)


def _written(path, data):
    path.write_bytes(data)
    return path


def _wal_left_over(path):
    Path(str(path) + "-wal").write_bytes(b"\0" * 4096)
    return path


def _cut_short(path):
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size - 4096)
    return path


@pytest.mark.parametrize("make", [
    pytest.param(lambda folder, path: folder / "missing.db", id="missing"),
    pytest.param(lambda folder, path: _written(folder / "empty.db", b""), id="empty"),
    pytest.param(lambda folder, path: _written(folder / "notes.db", b"notes"), id="not sqlite"),
    pytest.param(lambda folder, path: make_older_file(folder), id="older schema"),
    pytest.param(lambda folder, path: _wal_left_over(path), id="unclean shutdown"),
    pytest.param(lambda folder, path: _cut_short(path), id="cut short"),
])
def test_files_the_usual_open_would_question_are_not_read_ahead(large, claims_file, tmp_path, make):
    folder = tmp_path / "other"
    folder.mkdir()
    path = make(folder, claims_file)
    assert opening.read_opening_page(path, PAGE_SIZE) is None


def test_an_interrupted_write_is_not_read_ahead(large, database, db_path, make_claim, tmp_path):
    for n in range(5):
        make_claim(f"Claim {n}")
    folder = tmp_path / "crash"
    folder.mkdir()
    crashed = make_interrupted_copy(folder, database, db_path)
    assert opening.read_opening_page(crashed, PAGE_SIZE) is None
    assert Path(str(crashed) + "-journal").stat().st_size > 0  # left for the usual open to roll back


def test_small_files_and_few_claims_open_the_usual_way(claims_file, monkeypatch):
    assert opening.read_opening_page(claims_file, PAGE_SIZE) is None  # 30 claims in a small file
    monkeypatch.setattr(dbfile, "QUICK_CHECK_MAX_BYTES", 0)
    assert opening.read_opening_page(claims_file, PAGE_SIZE) is None  # still 30 claims, not 50,000
    monkeypatch.setattr(opening, "QUICK_FROM_CLAIMS", 30)
    assert opening.read_opening_page(claims_file, PAGE_SIZE) is not None


def test_a_file_with_every_claim_in_the_trash_opens_the_usual_way(large, database, db_path):
    ids = [services.create_claim(services.ClaimInput(text=f"Claim {n}")).id for n in range(3)]
    services.trash_claims(ids)
    dbmod.close_database(database)
    assert opening.read_opening_page(db_path, PAGE_SIZE) is None


# ---------------------------------------------------------------- the window


def _shown_ids(model):
    return [model.data(model.index(r, 0), ID_ROLE) for r in range(model.rowCount())]


def test_model_shows_the_page_and_reads_nothing_until_attached(qtbot, qtmodeltester, large, claims_file):
    page = opening.read_opening_page(claims_file, PAGE_SIZE)
    model = ClaimsTableModel(hold_counts=True, opening_page=page)
    qtmodeltester.check(model, force_py=True)
    assert not model.attached and model.queries == 0
    assert _shown_ids(model) == [row[0] for row in page.rows]
    model.release_counts()  # the first paint: the count waits for the database
    model.sort(0, Qt.SortOrder.AscendingOrder)  # a header click before then waits too
    assert model.queries == 0 and model.rowCount() == len(page.rows)

    dbmod.open_database(claims_file)
    try:
        model.attach()
        qtbot.waitUntil(lambda: model.exact, timeout=5000)
        expected = [cid for (cid,) in dbmod.database.execute_sql(
            "SELECT id FROM claim WHERE deleted_at IS NULL ORDER BY headline, id")]
        assert model.filter.sort == "headline" and _shown_ids(model) == expected
        qtmodeltester.check(model, force_py=True)
    finally:
        dbmod.close_database()


def _window_at_once(qtbot, path, outcome, read_only=False):
    window = application.window_at_once(path, read_only, False, outcome)
    assert window is not None
    qtbot.addWidget(window)
    return window


@pytest.fixture
def no_layout(monkeypatch):
    from desktop.views import main_window

    monkeypatch.setattr(main_window.MainWindow, "remember_layout", False)


def test_window_shows_the_page_then_opens_the_file_behind_it(qtbot, large, claims_file, no_layout):
    outcome = {"code": 0}
    window = _window_at_once(qtbot, claims_file, outcome)
    assert not window.attached and window.session is None
    assert window.filter_bar.tag_box.count() == 1  # "Any tag": the tags are read with the file
    window.filter_bar.set_search("displaced")  # typed before the file is open: applied once it is
    window.show()
    qtbot.waitUntil(lambda: window.features_installed, timeout=10_000)
    try:
        session = window.session
        assert outcome["code"] == 0 and session is not None and window.attached
        assert session.lock is not None and session.lock.isLocked()  # the lock is taken as usual
        assert window.filter_bar.tag_box.count() == 4  # Any tag, topic0..2
        assert window.claim_details is not None and "claim" in window.detail.sections
        qtbot.waitUntil(lambda: window.claims_model.exact, timeout=5000)
        assert window.claims_model.filter.text == "displaced"
        assert window.claims_model.rowCount() == 27  # 30, less three in the trash
        window.claims_view.setFocus()
        qtbot.waitUntil(window.detail_settled, timeout=2000)
        assert window.detail.claim_id() == window.current_claim_id() is not None
    finally:
        window.close()
        application.end_session(window.session)


def test_a_read_only_start_attaches_read_only(qtbot, large, claims_file, no_layout, monkeypatch):
    monkeypatch.setattr(claims_model, "PAGE_SIZE", 10)  # a page short of the claims: they are counted
    window = _window_at_once(qtbot, claims_file, {"code": 0}, read_only=True)
    window.show()
    qtbot.waitUntil(lambda: window.features_installed, timeout=10_000)
    try:
        model = window.claims_model
        # Released at the first paint, the count waited for the file and started as it was attached.
        assert model.exact or model._pending_count is not None
        qtbot.waitUntil(lambda: model.exact, timeout=5000)
        assert model.rowCount() == 27
        assert window.read_only and window.session.read_only and window.session.lock is None
        assert not window.banner.isHidden()
        assert all(not action.isEnabled() for action in window.edit_actions)
    finally:
        window.close()
        application.end_session(window.session)


def test_a_file_that_fails_to_open_behind_its_page_ends_the_rendering(qtbot, large, claims_file, no_layout,
                                                                       monkeypatch, capsys):
    def refuse(path, **kwargs):
        raise application.DatabaseOpenError(path, "is damaged (made up for this test).", "corrupt")

    monkeypatch.setattr(dbmod, "open_checked", refuse)
    outcome = {"code": 0}
    window = _window_at_once(qtbot, claims_file, outcome)
    window.show()
    qtbot.waitUntil(lambda: outcome["code"] == application.EXIT_DATABASE, timeout=5000)
    assert not window.isVisible() and window.session is None
    assert "is damaged (made up for this test)." in capsys.readouterr().err
    assert not Path(str(claims_file) + ".lock").exists()  # nothing held on to


def test_another_file_chosen_behind_the_page_replaces_the_window(qtbot, large, claims_file, no_layout,
                                                                   tmp_path, monkeypatch):
    """The file behind the page is not the one opened (say it was damaged and the person chose
    "Open another..."): that file gets a window in this one's place, which closes."""
    from desktop.views import main_window

    other = tmp_path / "other.db"
    real_start = application.start_session
    monkeypatch.setattr(application, "start_session", lambda path, **kw: real_start(other, **kw))
    outcome = {"code": 0}
    window = _window_at_once(qtbot, claims_file, outcome)
    window.resize(900, 600)
    window.show()
    qtbot.waitUntil(lambda: bool(main_window._open_windows), timeout=10_000)
    new = main_window._open_windows[-1]
    qtbot.addWidget(new)
    try:
        qtbot.waitUntil(lambda: not window.isVisible() and new.features_installed, timeout=10_000)
        assert outcome["code"] == 0 and window.session is None and not window.attached
        assert new.session.path == other and new.session.lock.isLocked()
        assert new.isVisible() and new.size() == window.size()
        assert new.claims_model.rowCount() == 0  # the other file's claims: none
    finally:
        main_window._open_windows.clear()
        new.close()
        application.end_session(new.session)


# ---------------------------------------------------------------- the whole start


PAINT_PROBE = textwrap.dedent("""
    import sys
    from desktop import dbfile, opening
    from desktop.views import application, claims_model
    dbfile.QUICK_CHECK_MAX_BYTES = 0
    opening.QUICK_FROM_CLAIMS = 1
    claims_model.ASYNC_COUNT_FROM = 1
    def painted():
        # Named but not yet run, a module is an importlib.util._LazyModule (reading any of its
        # attributes would run it): only a module that ran is a plain module.
        loaded = [m for m in ("peewee", "desktop.models", "desktop.search", "desktop.db", "logging.handlers")
                  if type(sys.modules.get(m)).__name__ == "module"]
        print("AT PAINT", loaded, flush=True)
    application._report_first_paint = painted
    from desktop.app import main
    sys.exit(main(["--db", sys.argv[1], "--screenshot", sys.argv[2]]))
""")


@pytest.mark.timeout(60)
def test_the_first_page_is_painted_before_the_data_layer_loads(claims_file, tmp_path):
    out = tmp_path / "start.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CLAIMLOG_STARTUP_PROBE="1",
               CLAIMLOG_LOG_DIR=str(tmp_path / "logs"), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", PAINT_PROBE, str(claims_file), str(out)],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "AT PAINT []" in result.stdout, result.stdout
    assert out.stat().st_size > 10_000
    assert "COMPLETE" in result.stdout  # and the window was finished behind it
    assert (tmp_path / "logs" / "claimlog.log").exists()


def test_a_copy_of_a_large_file_opens_the_usual_way_when_another_window_has_it(
        qtbot, large, claims_file, no_layout, tmp_path, monkeypatch):
    """The read-ahead takes no lock: the lock is asked for behind the page, with the usual question."""
    copy = tmp_path / "copy.db"
    shutil.copy(claims_file, copy)
    other = application.lock_for(copy)
    assert other.tryLock(0)
    asked = []
    monkeypatch.setattr(application, "ask_open_elsewhere", lambda parent, path: asked.append(path) or True)
    window = _window_at_once(qtbot, copy, {"code": 0})
    window.show()
    qtbot.waitUntil(lambda: window.features_installed, timeout=10_000)
    try:
        assert asked == [copy] and window.read_only
        assert "open in another Claimlog window" in window.banner.text()
    finally:
        window.close()
        application.end_session(window.session)
        other.unlock()
