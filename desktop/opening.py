"""The first page of claims, read before the data layer is loaded.

Launching on a large file, the window paints its first page of claims before
it imports Peewee, the models, the services and the feature modules; they load
one event-loop turn later, behind rows already on screen (see
``desktop.views.application``). This module reads that page with the standard
library's ``sqlite3`` alone.

It does so only for a file that the usual open would open without a word:
ours, of the current schema, closed cleanly (no ``-wal`` left over), with no
interrupted write, not cut short, and too large to be checked at every open
(``dbfile.QUICK_CHECK_MAX_BYTES``), holding ``QUICK_FROM_CLAIMS`` claims or
more. For any other file ``read_opening_page`` returns None and the
application opens it the usual way first, with its checks, questions and
upgrades; a small file opens quickly that way anyway.

The page is the one the claims table reads for the default view (live
claims, last updated first): the same columns in the same order, the same
index and order. ``tests/test_opening.py`` checks that the two agree row for
row.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop import dbfile
from desktop.errors import DatabaseOpenError

# From this many claims (judged by the highest id) the table counts off the GUI thread; below it,
# the usual open is quick, and the table wants its exact count at once.
QUICK_FROM_CLAIMS = 50_000

# What the claims table reads per claim, in its order (``claims_model.FIELDS``).
COLUMNS = ("id", "headline", "claimant_name", "claimed_on", "status", "verdict",
           "n_supports", "n_refutes", "n_sources", "tags_text", "updated_at")

_FIRST_PAGE_SQL = (f"SELECT {', '.join(COLUMNS)} FROM claim INDEXED BY claim_live_updated_at "
                   "WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT ?")


@dataclass(frozen=True)
class OpeningPage:
    path: Path
    highest_id: int
    rows: list[tuple]


def shown_at_once(path: Path) -> bool:
    """Whether the usual open of ``path`` would neither ask, upgrade, check nor refuse (see the module doc)."""
    try:
        info = dbfile.inspect_file(path)
    except DatabaseOpenError:
        return False
    if not info.exists or info.empty or info.wal_left_over:
        return False
    if info.user_version != dbfile.latest_schema_version():
        return False
    if dbfile._interrupted_write(path) or dbfile.truncation_problem(path) is not None:
        return False
    try:
        return path.stat().st_size > dbfile.QUICK_CHECK_MAX_BYTES
    except OSError:
        return False


def read_opening_page(path: str | Path, page_size: int) -> OpeningPage | None:
    """The first ``page_size`` live claims of ``path``, last updated first; None when the file is
    not one to show before the usual open (see the module doc) or cannot be read this way."""
    path = Path(path)
    if not shown_at_once(path):
        return None
    try:
        conn = sqlite3.connect(dbfile._ro_uri(path), uri=True, timeout=dbfile.BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return None
    try:
        highest = conn.execute("SELECT max(id) FROM claim").fetchone()[0] or 0
        if highest < QUICK_FROM_CLAIMS:
            return None
        rows = conn.execute(_FIRST_PAGE_SQL, (page_size,)).fetchall()
    except sqlite3.Error:
        return None  # the usual open says what is wrong
    finally:
        conn.close()
    if not rows:  # every claim in the trash: the usual open shows what there is to do
        return None
    return OpeningPage(path, highest, rows)
