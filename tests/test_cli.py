"""The command line, run as a person would: a separate process, exit codes, stderr."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop import db as dbmod
from desktop import services
from tests.conftest import make_interrupted_copy, make_older_file

ROOT = Path(__file__).resolve().parents[1]
VENV_CLAIMLOG = Path(sys.executable).with_name("claimlog")


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / "home" / var.lower())
    return env


def claimlog(tmp_path: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path, env=_env(tmp_path))


def assert_one_clean_line(result: subprocess.CompletedProcess, *words: str) -> str:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("claimlog: ")
    for word in words:
        assert word.lower() in line.lower(), line
    return line


def _snapshot(path: Path):
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_mode, sorted(p.name for p in path.parent.iterdir())


def _healthy(path: Path, n: int = 12) -> None:
    db = dbmod.open_database(path)
    try:
        source = services.create_source(services.SourceInput(title="Ministry bulletin", url="https://example.org/b"))
        for i in range(n):
            claim = services.create_claim(services.ClaimInput(text=f"Claim {i} about the convoy",
                                                              claimant="Spokesperson", tags=["convoy"]))
            services.link_evidence(claim.id, source.id, "supports" if i % 2 else "context")
    finally:
        dbmod.close_database(db)


# --- reading the command line -------------------------------------------------------

_TOKENS = ["--db", "x.db", "--screenshot", "out.png", "--size", "800x600", "10x10", "--search", "army",
           "--read-only", "--read", "--scr", "--d", "demo", "check", "--claims", "5", "-h", "--help",
           "--version", "--bogus", "extra", "--", "-"]


def _read(parse, argv):
    """What ``parse(argv)`` gives: the namespace, or the exit code and what was printed."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            return vars(parse(argv))
        except SystemExit as exc:
            return ("exit", exc.code, out.getvalue(), err.getvalue())


@given(argv=st.lists(st.sampled_from(_TOKENS), max_size=6))
@settings(max_examples=300, deadline=None)
def test_parse_args_reads_every_command_line_as_the_whole_parser(argv):
    """The window's short parser (no subcommands to build) changes nothing: same values, and for
    anything it cannot take (a command, --help, a mistake) the whole parser's help, error and exit."""
    from desktop import cli

    assert _read(cli.parse_args, argv) == _read(cli.build_parser().parse_args, argv)


def test_parse_args_takes_a_window_command_line_without_the_subcommands(monkeypatch):
    from desktop import cli

    built = []
    real = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda **kw: built.append(kw) or real(**kw))
    args = cli.parse_args(["--db", "x.db", "--screenshot", "out.png", "--size", "800x600"])
    assert (args.command, args.db, args.size) == (None, Path("x.db"), (800, 600))
    assert built == [{"commands": False}]
    cli.parse_args(["check", "--db", "x.db"])
    assert built[1:] == [{"commands": False}, {}]


# --- help ---------------------------------------------------------------------------


def test_python_m_desktop_help(tmp_path):
    result = claimlog(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "exit codes" in result.stdout
    for command in ("demo", "check", "backup"):
        assert command in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("command", ["check", "backup", "demo"])
def test_subcommand_help(tmp_path, command):
    result = claimlog(tmp_path, command, "--help")
    assert result.returncode == 0 and "--db" in result.stdout


def test_installed_claimlog_help(tmp_path):
    exe = VENV_CLAIMLOG if VENV_CLAIMLOG.exists() else shutil.which("claimlog")
    if not exe:
        pytest.skip(f"no installed claimlog script beside {sys.executable} or on PATH")
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "exit codes" in result.stdout


def test_declared_gui_script_answers_help(tmp_path):
    """What ``claimlog`` runs once installed (pyproject's gui-scripts entry) answers --help."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    module, func = project["gui-scripts"]["claimlog"].split(":")
    code = f"import sys; from {module} import {func} as main; sys.exit(main(['--help']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "exit codes" in result.stdout and "usage: claimlog" in result.stdout


def test_bad_command_line_exits_2(tmp_path):
    result = claimlog(tmp_path, "check")  # --db is required
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert claimlog(tmp_path, "no-such-command").returncode == 2


# --- check --------------------------------------------------------------------------


def test_check_on_a_text_file(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("This is a list of phone numbers, not a database.\n", encoding="utf-8")
    before = _snapshot(path)
    result = claimlog(tmp_path, "check", "--db", path)
    assert result.returncode == 3
    assert_one_clean_line(result, str(path), "not")
    assert _snapshot(path) == before


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()


def _truncated(path: Path) -> None:
    _healthy(path, n=20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _newer(path: Path) -> None:
    _healthy(path, n=2)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {dbmod.latest_schema_version() + 5}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("make, words", [(_foreign, "another application"), (_truncated, "damaged"),
                                         (_newer, "newer")], ids=["foreign", "truncated", "newer"])
def test_check_refuses_other_files_untouched(tmp_path, make, words):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "suspect.db"
    make(path)
    before = _snapshot(path)
    result = claimlog(tmp_path, "check", "--db", path)
    assert result.returncode == 3
    assert_one_clean_line(result, words)
    assert _snapshot(path) == before


def test_check_on_a_missing_file(tmp_path):
    result = claimlog(tmp_path, "check", "--db", tmp_path / "nowhere.db")
    assert result.returncode == 3
    assert_one_clean_line(result, "does not exist")
    assert not (tmp_path / "nowhere.db").exists()


@pytest.mark.parametrize("sqlite_without_tables", [False, True])
def test_check_on_an_empty_file(tmp_path, sqlite_without_tables):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    if sqlite_without_tables:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
        conn.commit()
        conn.close()
    before = _snapshot(path)
    result = claimlog(tmp_path, "check", "--db", path)
    assert result.returncode == 3
    assert_one_clean_line(result, "is empty")
    assert _snapshot(path) == before


def test_check_on_a_healthy_database(tmp_path):
    path = tmp_path / "good.db"
    _healthy(path)
    before = path.read_bytes()
    result = claimlog(tmp_path, "check", "--db", path)
    assert result.returncode == 0, result.stderr
    assert "healthy" in result.stdout and "12 claims" in result.stdout
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_check_reports_broken_invariants(tmp_path):
    path = tmp_path / "off.db"
    _healthy(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE claim SET n_supports = 7 WHERE id = 3")
    conn.execute("UPDATE claim SET status = 'finished' WHERE id = 4")
    conn.execute("DELETE FROM claim_fts WHERE rowid = 5")
    conn.execute("UPDATE claim SET claimant_name = 'Someone else' WHERE id = 6")
    conn.commit()
    conn.close()
    result = claimlog(tmp_path, "check", "--db", path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "evidence counters are wrong: 3" in result.stderr
    assert "unknown status: 4" in result.stderr
    assert "missing from the search index: 5" in result.stderr
    assert "claimant name is out of step: 6" in result.stderr


def test_check_and_backup_while_the_database_is_open_elsewhere(database, db_path, make_claim, tmp_path):
    """The window keeps the file open in WAL mode: command-line readers still work and see its commits."""
    for n in range(7):
        make_claim(f"Committed while open {n}")
    assert Path(str(db_path) + "-wal").stat().st_size > 0
    result = claimlog(tmp_path, "check", "--db", db_path)
    assert result.returncode == 0, result.stderr
    assert "7 claims" in result.stdout
    out = tmp_path / "while-open.db"
    result = claimlog(tmp_path, "backup", "--db", db_path, "--out", out)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("SELECT count(*) FROM claim").fetchone()[0] == 7
    finally:
        conn.close()
    make_claim("And the window can still write")


def test_demo_then_check(tmp_path):
    path = tmp_path / "demo.db"
    result = claimlog(tmp_path, "demo", "--db", path, "--claims", "2000", "--seed", "3")  # as the issue shows
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    result = claimlog(tmp_path, "check", "--db", path)
    assert result.returncode == 0, result.stderr
    assert "2,000 claims" in result.stdout


# --- backup -------------------------------------------------------------------------


def test_backup_to_a_file(tmp_path):
    path = tmp_path / "good.db"
    _healthy(path)
    out = tmp_path / "copies" / "copy.db"
    result = claimlog(tmp_path, "backup", "--db", path, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert str(out) in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM claim").fetchone()[0] == 12
    finally:
        conn.close()
    assert claimlog(tmp_path, "check", "--db", out).returncode == 0


def test_backup_beside_the_database(tmp_path):
    path = tmp_path / "good.db"
    _healthy(path)
    result = claimlog(tmp_path, "backup", "--db", path)
    assert result.returncode == 0, result.stderr
    copies = list(dbmod.backups_folder(path).glob("*.db"))
    assert len(copies) == 1
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600


def test_backup_of_a_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database", encoding="utf-8")
    before = _snapshot(path)
    out = tmp_path / "copy.db"
    result = claimlog(tmp_path, "backup", "--db", path, "--out", out)
    assert result.returncode == 3
    assert_one_clean_line(result, "not")
    assert _snapshot(path)[:3] == before[:3]
    assert not out.exists()


# --- no Qt in the data layer -----------------------------------------------------------


def test_data_layer_and_subcommands_load_no_qt(tmp_path):
    path = tmp_path / "good.db"
    _healthy(path, n=2)
    code = (
        "import sys, desktop.db, desktop.models, desktop.services;"
        "from desktop.app import main;"
        f"rc = main(['check', '--db', {str(path)!r}]);"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken')));"
        "print(bad); sys.exit(rc or (1 if bad else 0))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[]" in result.stdout


def test_check_explains_an_interrupted_write_and_a_write_rolls_it_back(tmp_path, make_claim, database, db_path):
    """A copy taken mid-transaction is what a killed writer leaves: the file plus a hot -journal."""
    make_claim("Committed before the interrupted write")
    crashed = make_interrupted_copy(tmp_path, database, db_path)

    result = claimlog(tmp_path, "check", "--db", crashed)
    assert result.returncode == 3
    assert "interrupted write" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    claimlog(tmp_path, "demo", "--db", crashed, "--claims", "0")  # any write rolls the journal back
    result = claimlog(tmp_path, "check", "--db", crashed)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(crashed)
    assert conn.execute("SELECT count(*) FROM tag WHERE name LIKE 'half-written%'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM claim").fetchone()[0] == 1
    conn.close()


def test_a_command_that_upgrades_an_older_file_says_so_first(tmp_path):
    path = make_older_file(tmp_path, ["Made before the upgrade"])

    checked = claimlog(tmp_path, "check", "--db", path)  # reads only: no upgrade, nothing said of one
    assert checked.returncode == 0 and "upgrading" not in checked.stderr
    result = claimlog(tmp_path, "export", "--db", path, "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert "older.db was made by an older Claimlog: upgrading it first" in first
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == dbmod.latest_schema_version()
    conn.close()
    again = claimlog(tmp_path, "export", "--db", path, "--out", tmp_path / "again.csv")
    assert again.returncode == 0 and "upgrading" not in again.stderr
