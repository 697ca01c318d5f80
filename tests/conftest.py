"""Shared fixtures. Qt runs offscreen; every database is a real file under tmp_path."""

import os
import tempfile

# Before anything imports Qt: no screen, and no settings or data written to
# the real home folder of whoever runs the tests.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
_HOME = tempfile.mkdtemp(prefix="claimlog-test-home-")
for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[var] = os.path.join(_HOME, var.lower())

import pytest  # noqa: E402

from desktop import db as dbmod  # noqa: E402
from desktop import services  # noqa: E402


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "claims.db"


@pytest.fixture
def database(db_path):
    """A migrated Claimlog database in a real file, bound to the models."""
    db = dbmod.open_database(db_path)
    services.set_actor("Tester")
    yield db
    services.set_actor("")
    dbmod.close_database(db)


@pytest.fixture
def make_claim(database):
    """Create a claim through the services: make_claim("text", claimant=..., tags=[...])."""

    def make(text="A claim to check", **fields):
        return services.create_claim(services.ClaimInput(text=text, **fields))

    return make


@pytest.fixture
def make_source(database):
    counter = iter(range(1, 1_000_000))

    def make(title=None, url=None, **fields):
        n = next(counter)
        return services.create_source(
            services.SourceInput(title=title or f"Source {n}", url=url or f"https://example.org/s/{n}", **fields)
        )

    return make


# --- files as other Claimlogs, or crashes, leave them --------------------------------


def make_older_file(folder, texts=("Older claim one", "Older claim two")):
    """``folder/older.db`` holding ``texts``, made by the Claimlog one schema version before this one."""
    import shutil
    from pathlib import Path

    folder = Path(folder)
    migrations = folder / "older-migrations"
    migrations.mkdir()
    for _number, name in dbmod.migration_files()[:-1]:
        shutil.copy(dbmod.MIGRATIONS_DIR / f"{name}.py", migrations / f"{name}.py")
    path = folder / "older.db"
    db = dbmod.open_database(path, migrations_dir=migrations)
    try:
        for text in texts:
            services.create_claim(services.ClaimInput(text=text))
    finally:
        dbmod.close_database(db)
    return path


def make_interrupted_copy(folder, database, db_path):
    """``folder/crashed.db``: what a writer killed mid-transaction in rollback-journal mode leaves, half-written
    pages plus a hot -journal holding the old ones (its cache is tiny, so the new pages spill into the file).
    ``database`` (open on ``db_path``, with data) is closed first."""
    import shutil
    import sqlite3
    from pathlib import Path

    dbmod.close_database(database)
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=DELETE")
    writer.execute("PRAGMA cache_size=10")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE claim SET context = ?", ("x" * 50_000,))
    writer.executemany("INSERT INTO tag (name) VALUES (?)", [(f"half-written {i}",) for i in range(3000)])
    crashed = Path(folder) / "crashed.db"
    shutil.copy(db_path, crashed)
    shutil.copy(str(db_path) + "-journal", str(crashed) + "-journal")
    writer.execute("ROLLBACK")
    writer.close()
    return crashed
