"""Start the GUI: QApplication, database, main window (or a screenshot)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import db as dbmod
from desktop.errors import DatabaseOpenError


def run_gui(args) -> int:
    screenshot = args.screenshot
    if screenshot is not None:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Claimlog")
    app.setOrganizationName("Claimlog")
    path = args.db or dbmod.default_database_path()
    try:
        database = dbmod.open_database(path)
    except DatabaseOpenError as exc:
        if screenshot is not None:
            print(f"claimlog: {exc}", file=sys.stderr)
            return 3
        QMessageBox.critical(None, "Claimlog cannot open the database", str(exc))
        return 3
    from desktop.views.main_window import MainWindow

    window = MainWindow(database)
    if screenshot is not None:
        window.resize(*args.size)
        if args.search:
            window.apply_search(args.search)
        window.show()
        return _save_screenshot(app, window, screenshot)
    window.show()
    code = app.exec()
    dbmod.close_database(database)
    return code


def _save_screenshot(app, window, out) -> int:
    result = {"code": 1}

    def grab():
        app.processEvents()
        ok = window.grab().save(str(out), "PNG")
        if not ok:
            print(f"claimlog: could not write {out}", file=sys.stderr)
        result["code"] = 0 if ok else 1
        window.close()
        app.quit()

    QTimer.singleShot(0, lambda: window.when_ready(grab))
    app.exec()
    dbmod.close_database()
    return result["code"]
