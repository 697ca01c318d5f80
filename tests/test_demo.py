"""Demo data: the invariants the services keep, the workflow gates, history, determinism, cancel, append."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone

import pytest

from desktop import demo, search, services
from desktop.checks import check_database
from desktop.models import Claim, ClaimIndex, Source, SourceIndex
from desktop.services.claims import claim_tag_names, headline_for, reindex_claim
from desktop.urls import normalize_url, openable_url
from desktop.workflow import (
    CREDIBILITY,
    DECISIVE_STANCES,
    GATED_STATUSES,
    SOURCE_KINDS,
    STANCES,
    STATUSES,
    TRANSITIONS,
    VERDICTS,
)

N = 2000


@pytest.fixture
def demo_db(database):
    counts = demo.generate(N, seed=7)
    assert counts["claims"] == N
    return database


def rows(db, sql, *params):
    return db.execute_sql(sql, params).fetchall()


def snapshot(db) -> dict:
    """Everything a run could change: schema and every row of every table."""
    tables = [r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                     "AND name NOT LIKE '%fts_%' ORDER BY name")]
    state = {"schema": rows(db, "SELECT type, name, sql FROM sqlite_master ORDER BY name")}
    for table in tables:
        state[table] = rows(db, f'SELECT * FROM "{table}" ORDER BY rowid')
    return state


def test_check_finds_no_problem_and_counts_match(demo_db):
    assert check_database(demo_db) == []
    (n_claims,) = rows(demo_db, "SELECT count(*) FROM claim")[0]
    (n_sources,) = rows(demo_db, "SELECT count(*) FROM source")[0]
    assert n_claims == N
    assert N // 4 <= n_sources <= N // 2  # about one source per three claims
    assert rows(demo_db, "SELECT count(*) FROM claim_fts")[0][0] == N
    assert rows(demo_db, "SELECT count(*) FROM source_fts")[0][0] == n_sources


def test_gates_hold(demo_db):
    gated = ",".join(repr(s) for s in GATED_STATUSES)
    decisive = ",".join(repr(s) for s in DECISIVE_STANCES)
    bad = rows(demo_db, f"""
        SELECT c.id FROM claim c WHERE c.status IN ({gated}) AND (c.verdict IS NULL OR NOT EXISTS (
            SELECT 1 FROM evidence e WHERE e.claim_id = c.id AND e.stance IN ({decisive})))""")
    assert bad == []
    assert rows(demo_db, "SELECT count(*) FROM claim WHERE status = 'final' AND finalised_at IS NULL")[0][0] == 0
    assert rows(demo_db, "SELECT count(*) FROM claim WHERE finalised_at IS NOT NULL AND status IN "
                         "('unstarted', 'on_hold')")[0][0] == 0
    published = rows(demo_db, "SELECT status, count(*) FROM claim WHERE published_url != '' GROUP BY status")
    assert dict(published).keys() == {"final"}
    finals = rows(demo_db, "SELECT count(*) FROM claim WHERE status = 'final'")[0][0]
    assert 0 < dict(published)["final"] < finals  # some, not all
    # A cancelled or final claim never gained a verdict after it was closed (the services refuse that).
    assert rows(demo_db, "SELECT count(*) FROM claim WHERE status = 'cancelled' AND verdict_explanation != ''")[0][0] \
        == 0


def test_every_vocabulary_and_script_appears(demo_db):
    def values(sql):
        return {r[0] for r in rows(demo_db, sql)}

    assert values("SELECT DISTINCT stance FROM evidence") == set(STANCES)
    assert values("SELECT DISTINCT kind FROM source") == set(SOURCE_KINDS)
    assert values("SELECT DISTINCT credibility FROM source") == set(CREDIBILITY)
    assert values("SELECT DISTINCT status FROM claim") == set(STATUSES)
    assert values("SELECT DISTINCT verdict FROM claim WHERE verdict IS NOT NULL") == set(VERDICTS)
    assert values("SELECT DISTINCT language FROM claim") == {"en", "my", "ar"}
    assert values("SELECT DISTINCT service FROM archive") == {"wayback", "archive_today"}
    assert values("SELECT DISTINCT confidential FROM source") == {0, 1}
    languages = Counter(dict(rows(demo_db, "SELECT language, count(*) FROM claim GROUP BY language")))
    assert 0.01 * N < languages["my"] < 0.08 * N  # a few percent in Burmese
    assert 0.005 * N < languages["ar"] < 0.05 * N
    burmese = rows(demo_db, "SELECT text FROM claim WHERE language = 'my'")
    assert all(any("\u1000" <= ch <= "\u109f" for ch in text) for (text,) in burmese)
    arabic = rows(demo_db, "SELECT text FROM claim WHERE language = 'ar'")
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in text) for (text,) in arabic)
    # Most links carry a quoted passage; some sources are offline (no URL); some claims are in the trash.
    quoted, links = rows(demo_db, "SELECT sum(quote != ''), count(*) FROM evidence")[0]
    assert 0.6 * links < quoted < links
    assert rows(demo_db, "SELECT count(*) FROM source WHERE url IS NULL")[0][0] > 0
    assert rows(demo_db, "SELECT count(*) FROM claim WHERE deleted_at IS NOT NULL")[0][0] > 0
    assert rows(demo_db, "SELECT count(DISTINCT claimant_id) FROM claim")[0][0] > 20
    assert rows(demo_db, "SELECT count(*) FROM claim WHERE claimant_id IS NULL")[0][0] > 0
    # Claimants are reused across claims.
    assert rows(demo_db, "SELECT max(n) FROM (SELECT count(*) n FROM claim GROUP BY claimant_id)")[0][0] > 20


def test_denormalised_columns_are_what_the_services_would_store(demo_db):
    claims = list(Claim.select().order_by(Claim.id))
    for claim in claims:
        tags = claim_tag_names(claim.id)
        assert claim.tags_text == "; ".join(tags)
        assert claim.headline == headline_for(claim.text, claim.short_text)
        assert claim.claimant_name == (claim.claimant.name if claim.claimant_id else "")
    # Index rows: rewrite a sample (all the Burmese and Arabic claims among them) with the
    # services' own reindex_claim and compare.
    sample = [c.id for c in claims if c.language != "en" or c.id % 7 == 0]
    before = {r.rowid: (r.text, r.context, r.claimant, r.tags, r.sources)
              for r in ClaimIndex.select().where(ClaimIndex.rowid.in_(sample))}
    with demo_db.atomic():
        for cid in sample:
            reindex_claim(cid)
    after = {r.rowid: (r.text, r.context, r.claimant, r.tags, r.sources)
             for r in ClaimIndex.select().where(ClaimIndex.rowid.in_(sample))}
    assert before == after
    # The Burmese rows really are split for search.
    burmese = next(c for c in claims if c.language == "my")
    assert before[burmese.id][0] == search.index_text(burmese.text)
    assert before[burmese.id][0] != burmese.text
    sources = list(Source.select())
    before = {r.rowid: (r.title, r.publisher, r.url, r.notes) for r in SourceIndex.select()}
    with demo_db.atomic():
        for source in sources:
            search.write_source_document(source)
    after = {r.rowid: (r.title, r.publisher, r.url, r.notes) for r in SourceIndex.select()}
    assert before == after


def test_source_urls_are_normalised_unique_and_openable(demo_db):
    urls = [u for (u,) in rows(demo_db, "SELECT url FROM source WHERE url IS NOT NULL")]
    assert len(urls) == len(set(urls))
    for url in urls:
        assert normalize_url(url) == url
        assert openable_url(url) == url
    for (url,) in rows(demo_db, "SELECT url FROM archive"):
        assert openable_url(url) == url
    for (url,) in rows(demo_db, "SELECT published_url FROM claim WHERE published_url != '' "
                                "UNION SELECT appearance_url FROM claim WHERE appearance_url != ''"):
        assert openable_url(url) == url


def test_history_tells_the_story_of_each_claim(demo_db):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    claims = {r[0]: r for r in rows(demo_db, "SELECT id, text, status, verdict, created_at, updated_at, deleted_at, "
                                             "finalised_at, verdict_explanation FROM claim")}
    history = {}
    for row in rows(demo_db, "SELECT claim_id, field, old_value, new_value, at, reason, is_correction, who "
                             "FROM history ORDER BY claim_id, at, id"):
        history.setdefault(row[0], []).append(row[1:])
    assert history.keys() == claims.keys()
    for cid, (_, text, status, verdict, created, updated, deleted, finalised, explanation) in claims.items():
        steps = history[cid]
        assert created <= updated < now
        assert steps[0][:3] == ("created", None, text) and steps[0][3] == created
        assert all(who for *_, who in steps)
        state, current_verdict, current_expl, first_final = "unstarted", None, "", None
        for field, old, new, at, reason, correction, _who in steps[1:]:
            if field == "trash":
                assert at == deleted == new
                continue
            assert created <= at <= updated
            assert correction == (first_final is not None)
            if field == "status":
                assert old == state and new in TRANSITIONS[state]
                if new == "cancelled" or (new == "reopened" and old in ("final", "cancelled")):
                    assert reason  # the services require a reason
                if new in GATED_STATUSES:
                    assert current_verdict
                state = new
                if new == "final" and first_final is None:
                    first_final = at
            elif field == "verdict":
                assert old == current_verdict and state not in ("final", "cancelled")
                current_verdict = new
            elif field == "verdict_explanation":
                assert old == current_expl
                current_expl = new
            else:
                pytest.fail(f"unexpected history field {field!r}")
        assert (state, current_verdict, current_expl, first_final) == (status, verdict, explanation, finalised)
        if deleted is None:
            assert all(s[0] != "trash" for s in steps)
        else:
            assert deleted > updated


def test_no_date_in_the_future(demo_db):
    today = datetime.now(timezone.utc).date().isoformat()
    for column in ("claimed_on", "created_at", "updated_at"):
        assert rows(demo_db, f"SELECT max({column}) FROM claim")[0][0] < today
    assert rows(demo_db, "SELECT max(published_on) FROM source")[0][0] < today
    assert rows(demo_db, "SELECT max(at) FROM history")[0][0] < today


def test_services_accept_the_demo_data(demo_db):
    (review_id,) = rows(demo_db, "SELECT id FROM claim WHERE status = 'needs_review' LIMIT 1")[0]
    assert services.set_status(review_id, "final").status == "final"
    (open_id,) = rows(demo_db, "SELECT id FROM claim WHERE status = 'unstarted' AND n_sources = 0 LIMIT 1")[0]
    (source_id,) = rows(demo_db, "SELECT id FROM source LIMIT 1")[0]
    services.link_evidence(open_id, source_id, "supports", quote="A new link")
    assert check_database(demo_db) == []


def _claims_of(db):
    return rows(db, "SELECT id, uuid, text, status, verdict, created_at FROM claim ORDER BY id")


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    from desktop import db as dbmod

    results = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        db = dbmod.open_database(tmp_path / f"{name}.db")
        try:
            demo.generate(300, seed=seed)
            results[name] = (_claims_of(db), rows(db, "SELECT uuid, url, title FROM source ORDER BY id"),
                             rows(db, "SELECT * FROM history ORDER BY id"))
        finally:
            dbmod.close_database(db)
    assert results["a"] == results["b"]
    assert results["a"][0] != results["c"][0]
    assert {u for _, u, *_ in results["a"][0]}.isdisjoint({u for _, u, *_ in results["c"][0]})


def test_helper_process_builds_the_same_rows(tmp_path):
    from desktop import db as dbmod

    results = []
    for parallel in (False, True):
        db = dbmod.open_database(tmp_path / f"p{parallel}.db")
        try:
            demo.generate(400, seed=11, parallel=parallel)
            results.append([rows(db, f"SELECT * FROM {t} ORDER BY rowid")
                            for t in ("claim", "source", "evidence", "history", "claim_tag", "archive")])
            assert check_database(db) == []
        finally:
            dbmod.close_database(db)
    assert results[0] == results[1]


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("stop_at", [0, 1000])
def test_cancel_leaves_the_database_exactly_as_before(database, monkeypatch, parallel, stop_at):
    services.create_claim(services.ClaimInput(text="A claim typed by hand", claimant="Frontier Ledger",
                                              tags=["surrenders"]))
    demo.generate(300, seed=2)
    # Small thresholds so that the index rebuild and rollback-journal paths are exercised too.
    monkeypatch.setattr(demo, "REBUILD_INDEXES_FROM", 100)
    monkeypatch.setattr(demo, "BULK_JOURNAL_FROM", 100)
    monkeypatch.setattr(demo, "BATCH", 500)
    before = snapshot(database)
    fts_config = rows(database, "SELECT * FROM claim_fts_config ORDER BY k")
    calls = []

    def progress(done, total):
        calls.append(done)
        return done < stop_at or (stop_at == 0 and False)

    with pytest.raises(demo.Cancelled):
        demo.generate(3000, seed=2, progress=progress, parallel=parallel)
    assert calls[-1] == stop_at
    assert snapshot(database) == before
    assert rows(database, "SELECT * FROM claim_fts_config ORDER BY k") == fts_config  # merging as it was
    assert check_database(database) == []
    assert rows(database, "PRAGMA journal_mode")[0][0] == "wal"
    assert rows(database, "PRAGMA cache_size")[0][0] == -64_000
    assert rows(database, "PRAGMA temp_store")[0][0] == 2
    # And the database is still writable through the services afterwards.
    services.create_claim(services.ClaimInput(text="Another claim"))


def test_a_crash_half_way_leaves_nothing(database, monkeypatch):
    demo.generate(200, seed=1)
    before = snapshot(database)

    def failing(done, total):
        if done >= 500:
            raise RuntimeError("power cut")
        return True

    monkeypatch.setattr(demo, "BATCH", 250)
    with pytest.raises(RuntimeError):
        demo.generate(1000, seed=1, progress=failing)
    assert snapshot(database) == before


def test_large_run_settings_come_back(database, monkeypatch, db_path):
    monkeypatch.setattr(demo, "REBUILD_INDEXES_FROM", 100)
    monkeypatch.setattr(demo, "BULK_JOURNAL_FROM", 100)
    schema = rows(database, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    during, stores = set(), set()

    def watch(done, total):
        during.add(rows(database, "PRAGMA journal_mode")[0][0])
        stores.add(rows(database, "PRAGMA temp_store")[0][0])

    demo.generate(300, progress=watch)
    assert during == {"delete"}  # alone on the file: a rollback journal for the bulk transaction
    assert stores == {1}  # sorted runs of the index builds spill to files
    for table in demo.FTS_TABLES:  # merging turned back on (it was off while rows arrived)
        assert rows(database, f"SELECT v FROM {table}_config WHERE k = 'automerge'") == [(demo.FTS_AUTOMERGE,)]
    assert rows(database, "PRAGMA journal_mode")[0][0] == "wal"
    assert rows(database, "PRAGMA cache_size")[0][0] == -64_000
    assert rows(database, "PRAGMA temp_store")[0][0] == 2
    assert rows(database, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' "
                          "ORDER BY name") == schema  # every dropped index is back, as it was
    assert check_database(database) == []
    # With another connection open (a reader, the window...) the run stays in WAL mode and still works.
    import sqlite3

    other = sqlite3.connect(db_path)
    try:
        other.execute("SELECT count(*) FROM claim").fetchone()
        during.clear()
        demo.generate(300, progress=lambda done, total: during.add(rows(database, "PRAGMA journal_mode")[0][0]))
        assert during == {"wal"}
        assert other.execute("SELECT count(*) FROM claim").fetchone()[0] == 600
    finally:
        other.close()
    assert rows(database, "PRAGMA journal_mode")[0][0] == "wal"
    assert check_database(database) == []


def test_appending_twice_keeps_everything_consistent(database):
    services.create_claim(services.ClaimInput(text="Typed by hand", claimant="frontier ledger", tags=["Surrenders"]))
    first = demo.generate(700, seed=1)
    second = demo.generate(700, seed=1)
    assert first["claims"] == second["claims"] == 700
    assert second["claimants"] == 0 and second["tags"] == 0  # reused, not duplicated
    assert first["claimants"] > 0
    uuids = [u for (u,) in rows(database, "SELECT uuid FROM claim")]
    assert len(uuids) == len(set(uuids)) == 1401
    assert rows(database, "SELECT count(*) FROM claimant WHERE lower(name) = 'frontier ledger'")[0][0] == 1
    assert rows(database, "SELECT count(*) FROM tag WHERE lower(name) = 'surrenders'")[0][0] == 1
    assert check_database(database) == []
    # The second run is new data, not a copy of the first.
    texts = rows(database, "SELECT text FROM claim ORDER BY id")
    assert texts[1:701] != texts[701:]


def test_progress_counts_up_to_the_total(database, monkeypatch):
    monkeypatch.setattr(demo, "BATCH", 100)
    seen = []
    demo.generate(450, progress=lambda done, total: seen.append((done, total)) or True)
    assert seen[0] == (0, 450) and seen[-1] == (450, 450)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(d < 450 for d, _ in seen[:-1])


def test_zero_claims_adds_nothing(database):
    before = snapshot(database)
    assert demo.generate(0)["claims"] == 0
    assert snapshot(database) == before
    with pytest.raises(ValueError):
        demo.generate(-1)


def test_command_line_demo_then_check(tmp_path):
    path = tmp_path / "x.db"
    made = subprocess.run([sys.executable, "-m", "desktop", "demo", "--db", str(path), "--claims", str(N)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert f"{N:,} / {N:,} claims" in made.stderr
    checked = subprocess.run([sys.executable, "-m", "desktop", "check", "--db", str(path)],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert f"healthy ({N:,} claims)" in checked.stdout
