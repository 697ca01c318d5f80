"""The error log: a rotating file in the platform's log folder (no Qt).

``install()`` attaches a rotating file handler to the root logger once (1 MB
per file, five files kept, owner-only). ``hold()`` keeps what is logged in
memory until then: the window paints a large file's first page before it
loads ``logging.handlers`` (and its sockets, pickle and queues: 9 ms), and
nothing logged meanwhile is lost. ``record_exception()`` writes an
unexpected exception with its traceback and returns the text a dialog shows
for the person to copy into a bug report.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

APP_NAME = "Claimlog"
LOG_NAME = "claimlog.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

log = logging.getLogger("claimlog")
_handler: logging.Handler | None = None
HELD_MAX = 10_000  # records kept by hold() before the file is open; the oldest beyond are dropped


class _Held(logging.Handler):
    """Records logged before ``install()``, in memory."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) >= HELD_MAX:
            del self.records[0]
        self.records.append(record)


_held: _Held | None = None


def hold(level: int = logging.INFO) -> None:
    """Keep log records in memory until ``install()`` writes them to the file."""
    global _held
    if _held is not None or _handler is not None:
        return
    _held = _Held()
    root = logging.getLogger()
    root.addHandler(_held)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)


def _release_held(handler: logging.Handler | None) -> None:
    global _held
    held, _held = _held, None
    if held is None:
        return
    logging.getLogger().removeHandler(held)
    if handler is not None:
        for record in held.records:
            if record.levelno >= handler.level:
                handler.handle(record)


def log_dir() -> Path:
    env = os.environ.get("CLAIMLOG_LOG_DIR")
    if env:
        return Path(env)
    import platformdirs  # when the log is installed: after the first page, on a large file

    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def log_file() -> Path:
    return log_dir() / LOG_NAME


def install(level: int = logging.INFO) -> Path:
    """Log to the rotating file (idempotent); return its path. Never raises."""
    global _handler
    path = log_file()
    if _handler is not None and Path(getattr(_handler, "baseFilename", "")) == path:
        return path
    import logging.handlers

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(path.parent, 0o700)
        except OSError:
            pass
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=False)
    except OSError as exc:  # a log we cannot write must not stop the application
        print(f"claimlog: cannot write the log {path}: {exc.strerror or exc}", file=sys.stderr)
        _release_held(logging.lastResort)
        return path
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    _handler = handler
    _release_held(handler)
    return path


def uninstall() -> None:
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def describe(exc_type, exc, tb) -> str:
    """The details to show and copy: versions, then the traceback."""
    import platform

    from desktop import __version__

    lines = [
        f"Claimlog {__version__}, Python {platform.python_version()}, {platform.platform(terse=True)}",
        "",
        *traceback.format_exception(exc_type, exc, tb),
    ]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).rstrip() + "\n"


def record_exception(exc_type, exc, tb) -> str:
    """Write the exception to the log file; return the details text."""
    details = describe(exc_type, exc, tb)
    log.error("unexpected error\n%s", details)
    if _handler is not None:
        try:
            _handler.flush()
        except Exception:  # noqa: BLE001
            pass
    return details
