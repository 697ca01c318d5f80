"""Drafts of forms being typed, kept on disk so that they survive a crash.

No Qt here. A draft is a small JSON object (a form's field values) saved under
a key chosen by the form ("new", "claim-42", ...). Drafts of one database live
in one JSON file in the platform's state folder, named after a hash of the
database's absolute path, so two databases never see each other's drafts and
no fact-check data goes into QSettings.

Every write goes to a temporary file in the same folder, is flushed and
fsynced, then renamed over the old file: a crash while saving leaves either
the old drafts or the new ones, never half a file. Files are owner-only.

API (promised to the claim form):

- ``save_draft(db_path, key, data)``
- ``pending_drafts(db_path) -> list[tuple[str, dict]]`` (oldest first)
- ``discard_draft(db_path, key)``
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "Claimlog"
FORMAT = 1
MAX_DRAFT_BYTES = 4_000_000  # a draft bigger than this is not kept (forms limit text anyway)

_lock = threading.Lock()
_state_dir_override: Path | None = None  # tests may point this elsewhere


def state_dir() -> Path:
    if _state_dir_override is not None:
        return Path(_state_dir_override)
    env = os.environ.get("CLAIMLOG_STATE_DIR")
    if env:
        return Path(env)
    return platformdirs.user_state_path(APP_NAME, appauthor=False)


def _key_for(db_path) -> str:
    try:
        resolved = str(Path(db_path).expanduser().resolve())
    except OSError:
        resolved = str(Path(db_path).absolute())
    return hashlib.sha256(resolved.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def drafts_file(db_path) -> Path:
    """The JSON file holding the drafts of the database at ``db_path``."""
    return state_dir() / "drafts" / f"{_key_for(db_path)}.json"


def _read(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            content = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, UnicodeDecodeError):
        # A damaged drafts file must never stop the application: set it
        # aside (not deleted, someone may want to look) and start afresh.
        log.warning("drafts file %s is unreadable; setting it aside", path, exc_info=True)
        try:
            os.replace(path, path.with_suffix(f".damaged-{int(time.time())}"))
        except OSError:
            pass
        return {}
    if not isinstance(content, dict) or not isinstance(content.get("drafts"), dict):
        return {}
    return content


def _write(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path.parent, 0o700)
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=".drafts-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(content, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_draft(db_path, key: str, data: dict) -> None:
    """Keep ``data`` (JSON-serialisable field values) as the draft ``key``.

    Raises TypeError/ValueError if ``data`` is not JSON-serialisable; OSError
    from the disk is logged and swallowed (a draft is a courtesy, it must not
    interrupt typing).
    """
    if not isinstance(data, dict):
        raise TypeError("a draft must be a dict of field values")
    encoded = json.dumps(data, ensure_ascii=False)  # raises early if not serialisable
    if len(encoded.encode("utf-8")) > MAX_DRAFT_BYTES:
        log.warning("draft %r is too large to keep (%d bytes)", key, len(encoded))
        return
    path = drafts_file(db_path)
    with _lock:
        try:
            content = _read(path) or {"format": FORMAT, "database": str(Path(db_path).absolute()), "drafts": {}}
            content["drafts"][str(key)] = {"saved_at": time.time(), "data": json.loads(encoded)}
            _write(path, content)
        except OSError:
            log.warning("could not save draft %r", key, exc_info=True)


def pending_drafts(db_path) -> list[tuple[str, dict]]:
    """The drafts left for ``db_path``, oldest first, as ``(key, data)``."""
    with _lock:
        content = _read(drafts_file(db_path))
    drafts = content.get("drafts", {}) if content else {}
    items = []
    for key, entry in drafts.items():
        if isinstance(entry, dict) and isinstance(entry.get("data"), dict):
            items.append((entry.get("saved_at", 0), key, entry["data"]))
    items.sort(key=lambda item: (item[0], item[1]))
    return [(key, data) for _, key, data in items]


def draft_saved_at(db_path, key: str) -> float | None:
    """When the draft ``key`` was last saved (seconds since the epoch), or None."""
    with _lock:
        content = _read(drafts_file(db_path))
    entry = (content.get("drafts", {}) if content else {}).get(key)
    return entry.get("saved_at") if isinstance(entry, dict) else None


def discard_draft(db_path, key: str) -> None:
    """Forget the draft ``key`` (no error if there is none)."""
    path = drafts_file(db_path)
    with _lock:
        content = _read(path)
        if not content or str(key) not in content.get("drafts", {}):
            return
        del content["drafts"][str(key)]
        try:
            if content["drafts"]:
                _write(path, content)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not discard draft %r", key, exc_info=True)
