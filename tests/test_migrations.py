"""Schema migrations: a fresh file, and a future migration over a populated one."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from desktop import db as dbmod
from desktop import services
from desktop.models import ALL_MODELS

MIGRATION_TABLE = "schema_migration"


def _norm(sql: str | None) -> str:
    if sql is None:
        return ""
    sql = re.sub(r"\s+", " ", sql).strip()
    sql = re.sub(r"\s*([(),])\s*", r"\1", sql)
    return sql.replace("'", '"')


def _schema(conn) -> set[tuple[str, str, str, str]]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return {
        (t, n, tb, _norm(s))
        for t, n, tb, s in rows
        if tb != MIGRATION_TABLE and not n.startswith("sqlite_autoindex_" + MIGRATION_TABLE)
    }


def test_fresh_file_gets_exactly_the_schema_of_the_models(tmp_path):
    migrated = dbmod.open_database(tmp_path / "migrated.db")
    try:
        from_migrations = _schema(migrated.connection())
        tables = [r[0] for r in migrated.execute_sql("SELECT name FROM sqlite_master WHERE type='table'")]
    finally:
        dbmod.close_database(migrated)
    scratch = SqliteDatabase(str(tmp_path / "models.db"))
    with scratch.bind_ctx(ALL_MODELS):
        scratch.create_tables(ALL_MODELS)
        from_models = _schema(scratch.connection())
    scratch.close()
    assert from_migrations == from_models, (
        "only in migrations: " + repr(sorted(from_migrations - from_models))
        + "\nonly in models: " + repr(sorted(from_models - from_migrations))
    )
    assert MIGRATION_TABLE in tables
    for expected in ("claim", "claimant", "source", "evidence", "tag", "claim_tag", "history", "archive",
                     "claim_fts", "source_fts"):
        assert expected in tables


def test_fresh_file_records_every_migration(db_path):
    db = dbmod.open_database(db_path)
    try:
        names = [r[0] for r in db.execute_sql(f"SELECT name FROM {MIGRATION_TABLE} ORDER BY name")]
        assert names == [name for _n, name in dbmod.migration_files()]
        assert dbmod.pending_migrations(db) == []
    finally:
        dbmod.close_database(db)
    assert not dbmod.backups_folder(db_path).exists(), "no backup of a file with no data"


def test_reopening_a_current_file_migrates_nothing_and_backs_up_nothing(db_path):
    db = dbmod.open_database(db_path)
    services.create_claim(services.ClaimInput(text="Kept across reopening"))
    dbmod.close_database(db)
    db = dbmod.open_database(db_path)
    try:
        assert db.execute_sql("SELECT count(*) FROM claim").fetchone()[0] == 1
    finally:
        dbmod.close_database(db)
    assert not dbmod.backups_folder(db_path).exists()


# --- a future migration applied to a populated database ---------------------------

ADD_COLUMN = '''
from peewee import TextField


def up(migrator, db):
    # nullable: the models of this Claimlog do not know the column and insert without it
    migrator.migrate(migrator.add_column("claim", "review_note", TextField(null=True)))
    db.execute_sql("UPDATE claim SET review_note = 'none yet'")
'''

# legacy=True forces playhouse's table rebuild (copy, drop, rename) even on an
# SQLite that has ALTER TABLE DROP COLUMN: dropping "claim" must not cascade.
REBUILD_TABLE = '''
def up(migrator, db):
    migrator.migrate(migrator.drop_column("claim", "synced_at", legacy=True))
'''

REBUILD_SOURCE = '''
def up(migrator, db):
    migrator.migrate(migrator.drop_column("source", "accessed_on", legacy=True))
'''

FAILS_HALF_WAY = '''
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("claim", "doomed", IntegerField(default=0)))
    db.execute_sql("UPDATE claim SET text = 'overwritten'")
    db.execute_sql("DELETE FROM history")
    raise RuntimeError("the upgrade script has a bug")
'''


CURRENT = dbmod.latest_schema_version()
FUTURE = CURRENT + 1
FUTURE_NAME = f"{FUTURE:04d}_future_change"


def _migrations_dir(tmp_path: Path, body: str, name: str = FUTURE_NAME + ".py") -> Path:
    """This Claimlog's migrations plus one from a future version."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for src in dbmod.MIGRATIONS_DIR.glob("[0-9]*.py"):
        shutil.copy(src, folder / src.name)
    (folder / name).write_text(body, encoding="utf-8")
    return folder


def _populate(path: Path) -> None:
    db = dbmod.open_database(path)
    services.set_actor("Moe")
    try:
        for n in range(30):
            services.create_claim(services.ClaimInput(
                text=f"At least {n * 7} families crossed the bridge on day {n}",
                claimant=["Ministry of Interior", "Wire agency", "Local radio"][n % 3],
                tags=["displacement", f"week {n % 4}"],
                claimed_on="2023-11-0" + str(n % 9 + 1),
            ))
        src = [services.create_source(services.SourceInput(title=f"Report {n}", url=f"https://example.org/r/{n}",
                                                           accessed_on="2024-01"))
               for n in range(5)]
        for cid in range(1, 31):
            services.link_evidence(cid, src[cid % 5].id, "supports", quote=f"quoted passage {cid}")
            services.link_evidence(cid, src[(cid + 1) % 5].id, "context")
            services.set_status(cid, "in_progress")
            services.set_verdict(cid, "false", "Numbers do not add up.")
            services.set_status(cid, "needs_review")
        services.set_status(1, "final")
        services.trash_claims([30])
    finally:
        services.set_actor("")
        dbmod.close_database(db)


TABLES = ["claim", "claimant", "tag", "claim_tag", "source", "archive", "evidence", "history", "claim_fts",
          "source_fts"]


def _snapshot(path: Path, skip_columns=()) -> dict:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in TABLES:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in skip_columns]
            if table.endswith("_fts"):
                cols = ["rowid", *cols]
            listed = ", ".join(f'"{c}"' for c in cols)
            out[table] = conn.execute(f'SELECT {listed} FROM "{table}" ORDER BY {listed}').fetchall()
        out["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        return out
    finally:
        conn.close()


@pytest.mark.parametrize(
    "body, dropped",
    [(ADD_COLUMN, None), (REBUILD_TABLE, ("claim", "synced_at")), (REBUILD_SOURCE, ("source", "accessed_on"))],
    ids=["add-column", "rebuild-claim", "rebuild-source"],
)
def test_future_migration_keeps_every_row(tmp_path, body, dropped):
    path = tmp_path / "work.db"
    _populate(path)
    skip = {dropped[1]} if dropped else set()
    before = _snapshot(path, skip)
    assert before["user_version"] == CURRENT
    assert len(before["claim"]) == 30 and len(before["evidence"]) == 60 and len(before["history"]) > 120
    folder = _migrations_dir(tmp_path, body)

    db = dbmod.open_database(path, migrations_dir=folder)
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == FUTURE
        assert db.execute_sql("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1, "foreign keys back on after migrating"
        assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        columns = {r[1] for r in db.execute_sql("PRAGMA table_info(claim)")}
        if dropped is None:
            assert "review_note" in columns
            values = {r[0] for r in db.execute_sql("SELECT review_note FROM claim")}  # before the new claim
            assert values == {"none yet"}
        else:
            table_columns = {r[1] for r in db.execute_sql(f"PRAGMA table_info({dropped[0]})")}
            assert dropped[1] not in table_columns
        if dropped is None or dropped[0] != "claim":  # (the models still name a dropped claim column)
            # the services still work on the migrated file
            services.create_claim(services.ClaimInput(text="Written after the upgrade"))
    finally:
        dbmod.close_database(db)

    after = _snapshot(path, skip | {"review_note"})
    for table in TABLES:
        rows = after[table]
        if table in ("claim", "claim_fts", "history"):
            rows = rows[: len(before[table])]
        assert rows == before[table], f"rows of {table} changed"
    assert after["user_version"] == FUTURE

    backups = list(dbmod.backups_folder(path).glob("*.db"))
    assert [b.name for b in backups] == [f"work-before-{FUTURE_NAME}.db"]
    saved = _snapshot(backups[0], skip)
    assert saved == before, "the backup holds the database as it was before the migration"

    # opening again with the same migrations applies nothing more
    db = dbmod.open_database(path, migrations_dir=folder)
    try:
        assert dbmod.pending_migrations(db, folder) == []
    finally:
        dbmod.close_database(db)
    assert len(list(dbmod.backups_folder(path).glob("*.db"))) == 1
    # and this Claimlog (which stops at CURRENT) refuses the upgraded file
    with pytest.raises(dbmod.DatabaseOpenError, match="newer"):
        dbmod.open_database(path)


def test_migration_that_fails_half_way_leaves_the_old_schema_and_data(tmp_path):
    path = tmp_path / "work.db"
    _populate(path)
    before = _snapshot(path)
    conn = sqlite3.connect(path)
    schema_before = _schema(conn)
    conn.close()
    folder = _migrations_dir(tmp_path, FAILS_HALF_WAY, f"{FUTURE:04d}_broken.py")

    with pytest.raises(Exception, match="has a bug"):
        dbmod.open_database(path, migrations_dir=folder)

    assert _snapshot(path) == before
    conn = sqlite3.connect(path)
    try:
        assert _schema(conn) == schema_before
        assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT
        assert conn.execute(f"SELECT name FROM {MIGRATION_TABLE} ORDER BY name").fetchall() == [
            (name,) for _n, name in dbmod.migration_files()]
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    # a backup was taken before the attempt, and the file still opens as it was
    assert list(dbmod.backups_folder(path).glob("*.db"))
    db = dbmod.open_database(path)
    try:
        assert db.execute_sql("SELECT count(*) FROM claim").fetchone()[0] == 30
    finally:
        dbmod.close_database(db)


def test_migration_files_are_numbered_without_gaps():
    numbers = [n for n, _name in dbmod.migration_files()]
    assert numbers == list(range(1, len(numbers) + 1))
    assert dbmod.latest_schema_version() == numbers[-1]


def test_each_real_migration_upgrades_a_populated_database_of_the_version_before(tmp_path):
    """Every shipped migration N applied to a database populated at N-1 keeps every row."""
    files = dbmod.migration_files()
    for number, name in files[1:]:
        folder = tmp_path / f"upto-{number - 1}"
        folder.mkdir()
        for n, other in files:
            if n < number:
                shutil.copy(dbmod.MIGRATIONS_DIR / f"{other}.py", folder / f"{other}.py")
        path = tmp_path / f"at-{number - 1}.db"
        db = dbmod.open_database(path, migrations_dir=folder)
        for n in range(10):
            db.execute_sql("INSERT INTO claimant (name, kind, notes, created_at) VALUES (?, 'unknown', '', '')",
                           [f"claimant {n}"])
        dbmod.close_database(db)
        before = {t: sqlite3.connect(path).execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
        db = dbmod.open_database(path)
        try:
            assert db.execute_sql("PRAGMA user_version").fetchone()[0] == dbmod.latest_schema_version()
            for table, count in before.items():
                assert db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count
            assert db.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            dbmod.close_database(db)
        assert list(dbmod.backups_folder(path).glob(f"*-before-{name}.db"))


def test_interrupted_first_migration_of_a_new_file_is_resumed_next_time(tmp_path):
    """A crash while a brand-new file is being created must not lock the person out of it."""
    folder = tmp_path / "broken-first"
    folder.mkdir()
    (folder / "0001_initial_schema.py").write_text(
        "def up(migrator, db):\n"
        "    db.execute_sql('CREATE TABLE half_made (x)')\n"
        "    raise RuntimeError('power cut during the first start')\n",
        encoding="utf-8",
    )
    path = tmp_path / "first-start.db"
    with pytest.raises(RuntimeError, match="power cut"):
        dbmod.open_database(path, migrations_dir=folder)
    db = dbmod.open_database(path)  # the next start, with the real migrations
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == dbmod.latest_schema_version()
        assert db.execute_sql("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
        tables = {r[0] for r in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "claim" in tables and "half_made" not in tables
    finally:
        dbmod.close_database(db)


ORPHANS_EVIDENCE = '''
def up(migrator, db):
    # with foreign keys off nothing cascades: this would leave evidence and history dangling
    db.execute_sql("DELETE FROM claim WHERE id <= 3")
'''


def test_migration_that_breaks_foreign_keys_is_not_applied(tmp_path):
    path = tmp_path / "work.db"
    _populate(path)
    before = _snapshot(path)
    folder = _migrations_dir(tmp_path, ORPHANS_EVIDENCE)
    with pytest.raises(dbmod.DatabaseOpenError) as caught:
        dbmod.open_database(path, migrations_dir=folder)
    message = str(caught.value)
    assert FUTURE_NAME in message and "broken link" in message and "not applied" in message
    assert _snapshot(path) == before


def test_dashboard_filter_indexes_of_0006(tmp_path):
    """0006 adds the dashboard's partial indexes over live claims and swaps the evidence source index."""
    db = dbmod.open_database(tmp_path / "dash.db")
    try:
        rows = db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall()
    finally:
        dbmod.close_database(db)
    indexes = {name: sql or "" for name, sql in rows}
    for name in ("claim_dash_status", "claim_dash_created", "claim_dash_finalised", "claim_dash_id"):
        assert '("deleted_at" IS NULL)' in indexes[name]
        assert '"claimed_on"' in indexes[name]
    assert '("source_id", "claim_id")' in indexes["evidence_source_id_claim_id"]
    assert "evidence_source_id" not in indexes


def test_trash_sort_index_of_0007(tmp_path):
    """0007 adds a partial index of trashed claims by last update; SQLite walks it for the trash's first page."""
    db = dbmod.open_database(tmp_path / "trash.db")
    try:
        (sql,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'claim_trash_updated_at'").fetchone()
        plan = db.execute_sql(
            'EXPLAIN QUERY PLAN SELECT id FROM claim INDEXED BY claim_trash_updated_at '
            'WHERE deleted_at IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT 200').fetchall()
    finally:
        dbmod.close_database(db)
    assert '("updated_at") WHERE ("deleted_at" IS NOT NULL)' in sql
    assert not any("TEMP B-TREE" in row[3] for row in plan)  # no sort: the index is in the order shown


PREFIX_SEARCHES = ["fa", "fam", "br", "bri", "day 1", '"crossed the"', "Mi", "co", "cov", "covid-19", "o'b",
                   "Ré", "re", "မြ", "မြန်မာ", "-families", "wi OR lo", "week 3"]


def _search_ids(texts) -> dict:
    from desktop import search
    from desktop.models import Claim

    return {t: [c.id for c in search.claims(search.ClaimFilter(text=t, sort="headline"), Claim.id)] for t in texts}


def test_claim_fts_prefix_index_of_0008(tmp_path):
    """0008 rebuilds claim_fts with 2- and 3-letter prefix indexes: same rows, same matches."""
    folder = tmp_path / "upto-7"
    folder.mkdir()
    for number, name in dbmod.migration_files():
        if number < 8:
            shutil.copy(dbmod.MIGRATIONS_DIR / f"{name}.py", folder / f"{name}.py")
    path = tmp_path / "v7.db"
    dbmod.open_database(path, migrations_dir=folder)
    try:
        for n, text in enumerate(["Families crossed the bridge, covid-19 rules aside", "O'Brien's réfugiés count",
                                  "မြန်မာ စစ်တပ် သတင်း", "Day 12: the bridge was closed", "Wire says 43 fled"]):
            services.create_claim(services.ClaimInput(text=text, claimant=["Ministry", "Local radio"][n % 2],
                                                      tags=[f"week {n}"]))
        services.trash_claims([4])
        before = _search_ids(PREFIX_SEARCHES)
    finally:
        dbmod.close_database()
    rows_before = _snapshot(path)["claim_fts"]
    db = dbmod.open_database(path)
    try:
        (sql,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'claim_fts'").fetchone()
        assert "prefix='2 3'" in sql and 'tokenize="unicode61 remove_diacritics 2"' in sql
        assert "claim_fts_v7" not in {r[0] for r in db.execute_sql("SELECT name FROM sqlite_master")}
        db.execute_sql("INSERT INTO claim_fts (claim_fts) VALUES ('integrity-check')")
        assert _search_ids(PREFIX_SEARCHES) == before
        assert sum(map(len, before.values())) > 20  # the searches found claims to compare
    finally:
        dbmod.close_database(db)
    assert _snapshot(path)["claim_fts"] == rows_before
    assert list(dbmod.backups_folder(path).glob("*-before-0008_claim_fts_prefix_index.db"))


def test_claim_keys_by_id_of_0009(tmp_path):
    """0009 adds partial indexes of (id, key) for the text orders; SQLite looks a claim's key up there alone."""
    db = dbmod.open_database(tmp_path / "keys.db")
    try:
        for column in ("headline", "claimant_name", "tags_text"):
            (sql,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = ?", (f"claim_id_{column}",)).fetchone()
            assert f'("id", "{column}") WHERE ("deleted_at" IS NULL)' in sql
            plan = db.execute_sql(
                f'EXPLAIN QUERY PLAN SELECT "{column}" FROM claim INDEXED BY claim_id_{column} '
                'WHERE id = 5 AND deleted_at IS NULL').fetchall()
            assert any(f"claim_id_{column} (id=?)" in row[3] for row in plan), plan
    finally:
        dbmod.close_database(db)
