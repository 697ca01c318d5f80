"""The error log: a rotating file in the platform's log folder (no Qt).

``install()`` attaches a rotating file handler to the root logger once (1 MB
per file, five files kept, owner-only). ``record_exception()`` writes an
unexpected exception with its traceback and returns the text a dialog shows
for the person to copy into a bug report.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import sys
import traceback
from pathlib import Path

import platformdirs

APP_NAME = "Claimlog"
LOG_NAME = "claimlog.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

log = logging.getLogger("claimlog")
_handler: logging.Handler | None = None


def log_dir() -> Path:
    env = os.environ.get("CLAIMLOG_LOG_DIR")
    if env:
        return Path(env)
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def log_file() -> Path:
    return log_dir() / LOG_NAME


def install(level: int = logging.INFO) -> Path:
    """Log to the rotating file (idempotent); return its path. Never raises."""
    global _handler
    path = log_file()
    if _handler is not None and Path(getattr(_handler, "baseFilename", "")) == path:
        return path
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
    return path


def uninstall() -> None:
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def describe(exc_type, exc, tb) -> str:
    """The details to show and copy: versions, then the traceback."""
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
