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
