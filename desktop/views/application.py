"""Start the GUI: QApplication, database, main window (or a screenshot).

The start-up flow protects the file before anything can edit it:

1. the error log and an exception hook (an unexpected error is logged, shown
   with details to copy, any open transaction rolled back; the app goes on);
2. damaged settings are reset to defaults, with a message;
3. a lock file beside the database (``<db>.lock``, QLockFile): a second
   window on the same file is told it is open elsewhere and offered read-only;
4. the file is recognised and checked before it is opened for writing
   (``db.open_checked``); a file that is not SQLite, damaged, another
   application's or from a newer Claimlog gets a dialog offering "Restore a
   backup", "Open another database" or "Quit", and is left untouched;
5. a file that cannot be written (permissions, ``--read-only``, SQLite says
   read-only) opens read-only with a banner and disabled edit actions;
6. after an unclean shutdown (a -wal left over) the integrity check and the
   invariants run before editing is allowed;
7. once the window shows: drafts of claims left by a crash are offered back,
   and the daily automatic backup runs off the GUI thread.

Every dialog here is a module-level function so that tests can patch it.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PySide6 import QtCore, QtWidgets  # dialogs and the lock by module: their classes are made when first used
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from desktop import dbfile, errorlog
from desktop.errors import ClaimlogError, DatabaseOpenError
from desktop.lazy import lazy_module

# Peewee and the files' module, loaded at their first use: after the first painted page when a
# large file's first page is read ahead (``desktop.opening``), before the window otherwise.
dbmod = lazy_module("desktop.db")
backups = lazy_module("desktop.backups")

log = logging.getLogger(__name__)

EXIT_DATABASE = 3
_MAX_ATTEMPTS = 20


class _Quit(Exception):
    """The person chose Quit in a start-up dialog."""


# ---------------------------------------------------------------- patchable dialogs


def _ask_after_damage(parent, title: str, text: str, informative: str, last: tuple[str, str], *,
                      default_last: bool) -> str:
    """A critical box offering "restore", "open" (another database) or ``last`` = (answer, button text)."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setTextFormat(Qt_plain())
    box.setText(text)
    box.setInformativeText(informative)
    restore = box.addButton("Restore a backup\u2026", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton("Open another database\u2026", QtWidgets.QMessageBox.ButtonRole.ActionRole)
    last_button = box.addButton(last[1], QtWidgets.QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(last_button if default_last else restore)
    box.exec()
    clicked = box.clickedButton()
    if clicked is restore:
        return "restore"
    if clicked is other:
        return "open"
    return last[0]


def ask_damaged(parent, exc: DatabaseOpenError) -> str:
    """The file cannot be used: "restore", "open" (another database) or "quit"."""
    return _ask_after_damage(parent, "Claimlog cannot open the database", str(exc),
                             "The file was left exactly as it was.", ("quit", "Quit"), default_last=True)


def ask_damaged_in_use(parent, text: str) -> str:
    """SQLite found damage while the window was in use: "restore", "open" or "keep" (reading)."""
    return _ask_after_damage(
        parent, "The database is damaged", text,
        "Claimlog has stopped writing to this file: it is now open read-only. "
        "Restore a backup, or open another database. Nothing was changed on disk.",
        ("keep", "Keep reading"), default_last=False,
    )


def ask_open_elsewhere(parent, path: Path) -> bool:
    """The database is open in another window: True to open it read-only, False to quit."""
    answer = QtWidgets.QMessageBox.question(
        parent, "Database already open",
        f"{path} is already open in another Claimlog window.\n\n"
        "Open it read-only here (you can look but not change anything)?",
        QtWidgets.QMessageBox.StandardButton.Open | QtWidgets.QMessageBox.StandardButton.Cancel,
        QtWidgets.QMessageBox.StandardButton.Open,
    )
    return answer == QtWidgets.QMessageBox.StandardButton.Open


def choose_backup(parent, db_path: Path, found: list) -> Path | None:
    labels = [f"{b.label} \u2014 {b.size / 1e6:,.1f} MB \u2014 {b.path.name}" for b in found]
    label, ok = QtWidgets.QInputDialog.getItem(parent, "Restore a backup", f"Backups of {db_path.name}, newest first:",
                                     labels, 0, False)
    if not ok or label not in labels:
        return None
    return found[labels.index(label)].path


def choose_database(parent) -> Path | None:
    name, _ = QtWidgets.QFileDialog.getOpenFileName(parent, "Open a Claimlog database", "",
                                          "Claimlog databases (*.db *.sqlite);;All files (*)")
    return Path(name) if name else None


def show_message(parent, title: str, text: str, *, warning: bool = False) -> None:
    if warning:
        QtWidgets.QMessageBox.warning(parent, title, text)
    else:
        QtWidgets.QMessageBox.information(parent, title, text)


def show_error_details(parent, title: str, text: str, details: str) -> None:
    """An unexpected error: a message and the details to copy (non-blocking for the app)."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setTextFormat(Qt_plain())
    box.setText(text)
    box.setInformativeText(f"Claimlog keeps running. The details are also in {errorlog.log_file()}.")
    box.setDetailedText(details)
    box.setStandardButtons(QtWidgets.QMessageBox.StandardButton.Ok)
    box.exec()


def offer_draft(parent, key: str, data: dict) -> str:
    """A draft survived a crash: "restore", "discard" or "later"."""
    text = (data.get("text") or data.get("short_text") or "").strip()
    preview = text[:200] + ("\u2026" if len(text) > 200 else "")
    what = "an edit of a claim" if key.startswith("claim-") else "a new claim"
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    box.setWindowTitle("Recover a draft")
    box.setTextFormat(Qt_plain())
    box.setText(f"Claimlog closed while {what} was being typed. Recover it?\n\n{preview}")
    restore = box.addButton("Recover", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Later", QtWidgets.QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.exec()
    clicked = box.clickedButton()
    return "restore" if clicked is restore else "discard" if clicked is discard else "later"


def Qt_plain():  # noqa: N802 - a tiny helper keeping the enum fully qualified
    from PySide6.QtCore import Qt

    return Qt.TextFormat.PlainText


# ---------------------------------------------------------------- settings, errors


def check_settings(parent=None) -> bool:
    """Reset a damaged settings file to defaults (kept aside), with a message. True if it was reset."""
    settings = QSettings("Claimlog", "Claimlog")
    settings.allKeys()
    if settings.status() == QSettings.Status.NoError:
        return False
    name = settings.fileName()
    del settings
    aside = ""
    if name and os.path.isfile(name):
        aside = f"{name}.damaged"
        try:
            os.replace(name, aside)
        except OSError:
            aside = ""
            try:
                os.unlink(name)
            except OSError:
                pass
    fresh = QSettings("Claimlog", "Claimlog")
    fresh.clear()
    fresh.sync()
    kept = f" The damaged file was kept as {aside}." if aside else ""
    log.warning("settings file %s was damaged; reset to defaults", name)
    show_message(parent, "Preferences reset",
                 f"The preferences file could not be read, so the preferences were reset to their "
                 f"defaults.{kept} Your claims and sources are not stored there and are unaffected.",
                 warning=True)
    return True


def rollback_open_transaction() -> bool:
    """Roll back a transaction left open by an error (this thread's connection). True if one was."""
    from desktop.models import database

    db = database.obj
    if db is None or db.is_closed():
        return False
    try:
        conn = db.connection()
        if conn.in_transaction:
            conn.rollback()
            log.warning("rolled back a transaction left open by an error")
            return True
    except Exception:  # noqa: BLE001
        log.warning("could not roll back after an error", exc_info=True)
    return False


_hook_parent = None


def handle_exception(exc_type, exc, tb) -> None:
    """sys.excepthook while the window runs: log, roll back, show details; the app keeps going."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = errorlog.record_exception(exc_type, exc, tb)
    rolled_back = rollback_open_transaction()
    translated = dbmod.storage_error(exc) if isinstance(exc, BaseException) else None
    if translated is not None:
        text = str(translated)
    elif isinstance(exc, ClaimlogError):
        text = str(exc)
    else:
        text = "Something unexpected went wrong. Nothing half-done was saved."
    if rolled_back:
        text += " The change in progress was undone."
    code = getattr(translated, "code", "") or getattr(exc, "code", "") or ""
    if isinstance(code, str) and code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        # A large file that closed cleanly is not checked page by page at open;
        # damage shows up when a bad page is read. Stop writing, offer a way out.
        handle_damage(_hook_parent, text)
        return
    try:
        show_error_details(_hook_parent, "Unexpected error", text, details)
    except Exception:  # noqa: BLE001 - a failing dialog must not loop back into the hook
        log.exception("could not show the error dialog")


DAMAGED_REASON = ("Read-only: SQLite found damage in this file while reading it. Restore a backup "
                  "(Tools > Backups) or run 'claimlog check'.")


def handle_damage(window, text: str) -> None:
    """Switch the window to read-only and offer restore / another database."""
    if window is not None and hasattr(window, "set_read_only"):
        window.set_read_only(True, DAMAGED_REASON)
    try:
        choice = ask_damaged_in_use(window, text)
    except Exception:  # noqa: BLE001 - a failing dialog must not loop back into the hook
        log.exception("could not show the damaged-database dialog")
        return
    action = {"restore": "backups_action", "open": "open_action"}.get(choice)
    target = getattr(window, action, None) if action else None
    if target is not None:
        QTimer.singleShot(0, target.trigger)  # after the hook returns, not inside it


def install_excepthook(parent=None) -> None:
    global _hook_parent
    _hook_parent = parent
    sys.excepthook = handle_exception


def move_excepthook(old, new) -> None:
    """Error dialogs that had ``old`` for parent (a window being replaced) get ``new``."""
    global _hook_parent
    if _hook_parent is old:
        _hook_parent = new


# ---------------------------------------------------------------- opening


@dataclass
class Session:
    path: Path
    database: object
    read_only: bool
    reason: str = ""
    lock: QtCore.QLockFile | None = None
    unclean: bool = False
    problems: list[str] = field(default_factory=list)
    window: object = None

    def release(self) -> None:
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None


def lock_for(path: Path) -> QtCore.QLockFile:
    lock = QtCore.QLockFile(str(backups.lock_file_path(path)))
    lock.setStaleLockTime(0)  # a lock whose process died is stale at once
    return lock


def _folder_writable(path: Path) -> bool:
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(folder, os.W_OK)


UPGRADE_TEXT = ("Upgrading {name} for this version of Claimlog.\n\nA backup of the file is written first. "
                "On a large database this can take a minute or two; please do not close Claimlog.")


def upgrade_with_progress(parent, path: Path) -> None:
    """Back up and migrate an older file on a worker thread, under a progress window.

    The upgrade (``dbmod.upgrade_file``) is the slow part of opening an older
    file: the backup, then the migrations, 70 s for a million claims. Here the
    GUI keeps painting and says what is happening. Whatever the upgrade raised
    is raised here, on the GUI thread, for the usual handling.
    """
    from PySide6.QtCore import QEventLoop, Qt
    from PySide6.QtWidgets import QProgressDialog

    from desktop.views import worker

    outcome: dict = {}
    loop = QEventLoop()
    dialog = QProgressDialog(UPGRADE_TEXT.format(name=path.name), "", 0, 0, parent)
    dialog.setWindowTitle("Upgrading the database")
    dialog.setCancelButton(None)  # a migration runs to its end or rolls back; it is not stopped half-way
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(worker.SHOW_AFTER_MS)
    dialog.setValue(0)  # starts the minimum-duration clock
    task = worker.run_task(parent, dbmod.upgrade_file, path, on_done=lambda _r: outcome.setdefault("done", True),
                           on_error=lambda exc: outcome.setdefault("error", exc))
    task.finished.connect(loop.quit)
    try:
        if not outcome:
            loop.exec()
    finally:
        dialog.reset()
        dialog.hide()
        dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    log.info("upgraded %s to schema %s", path, dbmod.latest_schema_version())


def open_session(path: Path, *, read_only: bool = False, parent=None) -> Session:
    """Lock, decide read-only, check and open; raise DatabaseOpenError or _Quit."""
    path = Path(path)
    reason = "Read-only: opened with --read-only; changes are disabled." if read_only else ""
    lock = None
    if not read_only and path.exists() and not os.access(path, os.W_OK):
        read_only, reason = True, "Read-only: you do not have permission to change this file."
    if not read_only and not _folder_writable(path):
        read_only, reason = True, "Read-only: the folder holding this file cannot be written."
    if not read_only:
        lock = lock_for(path)
        if not lock.tryLock(0):
            error = lock.error()
            lock = None
            if error == QtCore.QLockFile.LockError.LockFailedError:
                if not ask_open_elsewhere(parent, path):
                    raise _Quit()
                read_only, reason = True, "Read-only: this database is open in another Claimlog window."
            else:
                read_only, reason = True, "Read-only: Claimlog cannot create its lock file beside the database."
    try:
        if not read_only and dbmod.needs_upgrade(path):
            upgrade_with_progress(parent, path)
        try:
            database, report = dbmod.open_checked(path, readonly=read_only)
        except DatabaseOpenError as exc:
            if exc.kind != "readonly" or read_only:
                raise
            database, report = dbmod.open_checked(path, readonly=True)
            read_only, reason = True, "Read-only: the file or its disk cannot be written."
            if lock is not None:  # a reader needs no lock: leave the file to a window that can write
                lock.unlock()
                lock = None
    except BaseException:
        if lock is not None:
            lock.unlock()
        raise
    session = Session(path, database, read_only, reason, lock, report.unclean)
    if report.unclean:
        from desktop.checks import check_database

        session.problems = check_database(database)
        if session.problems and not read_only:
            # Look, but do not edit, a file whose checks failed after a crash.
            dbmod.close_database(database)
            session.database, _ = dbmod.open_checked(path, readonly=True, full_check=False)
            session.read_only = True
            session.reason = ("Read-only: the last session did not close cleanly and the check found "
                              f"{len(session.problems)} problem(s). Restore a backup (Tools > Backups) "
                              "or run 'claimlog check'.")
    return session


def start_session(path: Path, *, read_only: bool = False, parent=None, interactive: bool = True) -> Session:
    """Open ``path``, or whatever the person chooses instead when it cannot be used.

    Raises _Quit when the person quits, DatabaseOpenError when not interactive.
    """
    path = Path(path)
    for _ in range(_MAX_ATTEMPTS):
        try:
            return open_session(path, read_only=read_only, parent=parent)
        except DatabaseOpenError as exc:
            log.warning("cannot open %s: %s", path, exc)
            if not interactive:
                raise
            choice = ask_damaged(parent, exc)
            if choice == "restore":
                found = backups.list_backups(path)
                if not found:
                    show_message(parent, "No backups", f"There are no backups of {path.name} in "
                                 f"{backups.backups_folder(path)}.", warning=True)
                    continue
                chosen = choose_backup(parent, path, found)
                if chosen is None:
                    continue
                try:
                    result = backups.restore_backup(path, chosen)
                except ClaimlogError as err:
                    show_message(parent, "Backup not restored", str(err), warning=True)
                    continue
                except OSError as err:
                    show_message(parent, "Backup not restored", f"{err.filename or path}: {err.strerror}",
                                 warning=True)
                    continue
                show_message(parent, "Backup restored", result.message)
            elif choice == "open":
                other = choose_database(parent)
                if other is not None:
                    path = other
            else:
                raise _Quit()
    raise _Quit()


def end_session(session: Session) -> None:
    try:
        dbmod.close_database(session.database)
    finally:
        session.release()


# ---------------------------------------------------------------- after the window shows


def offer_drafts(window, db_path: Path) -> int:
    """Offer back each draft a crash left behind; return how many were reopened."""
    from desktop import drafts

    try:
        pending = drafts.pending_drafts(db_path)
    except Exception:  # noqa: BLE001 - drafts are a courtesy
        log.warning("could not read drafts", exc_info=True)
        return 0
    if not pending or getattr(window, "read_only", False):
        return 0
    try:
        from desktop.views import claim_form
    except ImportError:
        claim_form = None
    reopened = 0
    for key, data in pending:
        choice = offer_draft(window, key, data)
        if choice == "discard":
            drafts.discard_draft(db_path, key)
        elif choice == "restore" and claim_form is not None and hasattr(claim_form, "open_claim_dialog"):
            initial = _claim_input(data)
            if initial is None:
                drafts.discard_draft(db_path, key)
                continue
            claim_id = _claim_id_of(key)
            kwargs = {"claim_id": claim_id, "initial": initial}
            try:
                claim_form.open_claim_dialog(window, draft_key=key, **kwargs)
            except TypeError:  # an older form without draft_key
                claim_form.open_claim_dialog(window, **kwargs)
            reopened += 1
    return reopened


def _claim_input(data: dict):
    import dataclasses

    from desktop.services import ClaimInput

    names = {f.name for f in dataclasses.fields(ClaimInput)}
    values = {k: v for k, v in data.items() if k in names}
    if "text" not in values:
        return None
    try:
        return ClaimInput(**values)
    except TypeError:
        return None


def _claim_id_of(key: str) -> int | None:
    if key.startswith("claim-") and key[6:].isdigit():
        from desktop.models import Claim

        claim_id = int(key[6:])
        if Claim.get_or_none(Claim.id == claim_id) is not None:
            return claim_id
    return None


def automatic_backup(db_path: Path):
    """The daily backup (worker thread): its own read-only connection, so the window's is untouched."""
    reader = dbmod.connect(db_path, readonly=True)
    try:
        reader.connect()
        return backups.maybe_backup(reader, db_path)
    finally:
        reader.close()


def start_automatic_backup(window, db_path: Path) -> None:
    if getattr(window, "read_only", False):
        return

    def done(info):
        if info is not None:
            log.info("automatic backup %s (%d bytes)", info.path, info.size)
            bar = window.statusBar()
            bar.showMessage(f"Backed up to {info.path.name}", 8000)

    def failed(exc):
        log.warning("automatic backup failed: %s", exc)
        window.statusBar().showMessage(f"The automatic backup failed: {exc}", 15000)

    try:
        from desktop.views.worker import run_task
    except ImportError:
        try:
            done(automatic_backup(db_path))
        except Exception as exc:  # noqa: BLE001
            failed(exc)
        return
    run_task(window, automatic_backup, db_path, on_done=done, on_error=failed)


def after_show(session: Session) -> None:
    window = session.window
    if session.problems:
        show_message(window, "Problems found after an unclean shutdown",
                     "The last session did not close cleanly, and the check found:\n\n"
                     + "\n".join(session.problems[:10]) + "\n\nThe database is open read-only.",
                     warning=True)
    offer_drafts(window, session.path)
    start_automatic_backup(window, session.path)


def make_window(session: Session):
    from desktop.views.main_window import MainWindow

    window = MainWindow(session.database, staged=True)
    window.session = session
    session.window = window
    if session.read_only:
        window.set_read_only(True, session.reason)
    return window


# ---------------------------------------------------------------- entry point


def run_gui(args) -> int:
    screenshot = args.screenshot
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Claimlog")
    app.setOrganizationName("Claimlog")
    errorlog.hold()  # the log file is opened with the database: at once, or behind a first page read ahead
    path = Path(args.db or dbfile.default_database_path())
    read_only = bool(getattr(args, "read_only", False))
    interactive = screenshot is None
    if interactive:
        install_excepthook()
        check_settings()
    if screenshot is not None:
        from desktop.views.main_window import MainWindow

        MainWindow.remember_layout = False  # the rendering ignores saved layouts
    outcome = {"code": 0}
    window = None if getattr(args, "search", None) else window_at_once(path, read_only, interactive, outcome)
    if window is None:
        errorlog.install()
        try:
            session = start_session(path, read_only=read_only, interactive=interactive)
        except _Quit:
            return EXIT_DATABASE
        except DatabaseOpenError as exc:
            print(f"claimlog: {exc}", file=sys.stderr)
            return EXIT_DATABASE
        window = make_window(session)
        _probe_first_paint(window)
        if interactive:
            install_excepthook(window)
            window.when_complete(lambda: after_show(session))
    if screenshot is not None:
        window.resize(*args.size)
        if args.search:
            window.apply_search(args.search)
    window.show()
    try:
        if screenshot is not None:
            code = _save_screenshot(app, window, screenshot)
        else:
            code = app.exec()
            from desktop.views import worker

            worker.wait_for_all()
    finally:
        session = getattr(window, "session", None)
        if session is not None:
            if screenshot is None:
                end_session(session)
            else:
                session.release()
    return outcome["code"] or code


def window_at_once(path: Path, read_only: bool, interactive: bool, outcome: dict):
    """A window showing a large file's first page before the file is opened, or None.

    The page is read ahead with ``sqlite3`` alone (``desktop.opening``) for a file the usual
    open would open without a word; Peewee, the models and the checks load once the page is
    painted (``open_behind``). Any other file is opened first, the usual way.
    """
    from desktop import opening
    from desktop.views.claims_model import PAGE_SIZE

    page = opening.read_opening_page(path, PAGE_SIZE)
    if page is None:
        return None
    from desktop.views.main_window import MainWindow

    window = MainWindow(None, staged=True, opening_page=page)
    window.session = None
    _probe_first_paint(window)
    window.when_ready(lambda: open_behind(window, read_only, interactive, outcome))
    return window


def open_behind(window, read_only: bool, interactive: bool, outcome: dict) -> None:
    """Open the file whose first page ``window`` shows, with the usual checks and questions, and attach it.

    Should the person pick another file instead (a damaged file, "Open another..."), that
    file gets a window of its own; should they quit, or the file fail a rendering, the
    window closes and the application ends with ``EXIT_DATABASE`` (``outcome["code"]``).
    """
    errorlog.install()
    try:
        session = start_session(window.path, read_only=read_only, parent=window, interactive=interactive)
    except (_Quit, DatabaseOpenError) as exc:
        if isinstance(exc, DatabaseOpenError):
            print(f"claimlog: {exc}", file=sys.stderr)
        outcome["code"] = EXIT_DATABASE
        window.close()  # the last window: the event loop ends, and run_gui returns the code
        return
    if session.path.resolve() != window.path.resolve():  # another file instead of this one
        replacement = window.replace_with(session)
        if interactive:
            install_excepthook(replacement)
            replacement.when_complete(lambda: after_show(session))
        return
    window.session = session
    session.window = window
    if session.read_only:
        window.set_read_only(True, session.reason)
    window.attach(session.database)
    if interactive:
        install_excepthook(window)
        window.when_complete(lambda: after_show(session))


def _probe_first_paint(window) -> None:
    if os.environ.get("CLAIMLOG_STARTUP_PROBE"):
        window.when_ready(_report_first_paint)  # for tests/benchmarks/test_workspace_speed.py
        window.when_complete(_report_complete)


def _report_first_paint() -> None:
    """Print the wall clock and the peak memory (Linux) at the first painted page, for the start-up benchmark."""
    import time

    print("PAINTED", time.time(), flush=True)
    try:
        with open("/proc/self/status") as status:
            print("RSS", next(line.split()[1] for line in status if line.startswith("VmHWM:")), flush=True)
    except (OSError, StopIteration):
        pass


def _report_complete() -> None:
    """The wall clock once the window is whole (its file open, every feature installed)."""
    import time

    print("COMPLETE", time.time(), flush=True)


SETTLE_ROUNDS = 5  # event-loop rounds before a rendering is grabbed (three were enough for any window seen)


def _save_screenshot(app, window, out) -> int:
    result = {"code": 1}

    def grab():
        # Layouts settle in a cascade: a nested layout that activates posts its parent's layout
        # request, one event-loop round later. The detail pane, filled as the rows arrived, takes
        # a few rounds (one round drew its sections squeezed into their old heights).
        for _ in range(SETTLE_ROUNDS):
            app.processEvents()
        ok = window.grab().save(str(out), "PNG")
        if not ok:
            print(f"claimlog: could not write {out}", file=sys.stderr)
        result["code"] = 0 if ok else 1
        window.close()
        app.quit()

    def when_counted():
        # The status bar shows the exact count in a rendering, not "Counting...".
        model = window.claims_model
        if model.exact:
            grab()
        else:
            model.count_settled.connect(grab)

    # A rendering shows the whole window: the rows, and the tabs and sections the features add after them.
    window.when_complete(lambda: window.when_ready(when_counted))
    app.exec()
    from desktop.views import worker

    worker.wait_for_all()
    dbmod.close_database()
    return result["code"]
