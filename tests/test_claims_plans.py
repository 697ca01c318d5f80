"""The claims table's plan decisions (desktop.claims_plans), without Qt."""

from __future__ import annotations

import pytest

from desktop import claims_plans, claims_walk, search, services


@pytest.fixture
def claims(make_claim):
    ids = []
    for n in range(30):
        claim = make_claim(f"Claim {n}: the {'river' if n % 3 else 'harbour'} town report", claimant=f"Office {n % 4}")
        ids.append(claim.id)
        if n % 2:
            services.set_status(claim.id, "in_progress")
        if n % 5 == 0:
            services.set_verdict(claim.id, "false")
    services.trash_claims(ids[:3])
    return ids


@pytest.mark.parametrize("flt", [
    search.ClaimFilter(text="river", statuses=frozenset({"in_progress"})),
    search.ClaimFilter(text="town", statuses=frozenset({"unstarted"})),
    search.ClaimFilter(text="harbour", verdicts=frozenset({"false"})),
    search.ClaimFilter(text="town", no_sources=True, statuses=frozenset({"in_progress", "unstarted"})),
    search.ClaimFilter(text="nothing", statuses=frozenset({"unstarted"})),
], ids=["river+in progress", "town+unstarted", "harbour+false", "town+no sources+two", "no match"])
def test_a_proof_of_density_is_never_wrong(claims, flt, monkeypatch):
    """True only when at least ``limit`` live claims really pass the whole filter (trashed ones excluded)."""
    match = search.fts_query(flt.text)
    count = search.count_claims(flt)
    for span in (1, 5, 100):
        monkeypatch.setattr(claims_plans, "PROOF_SPAN", span)
        for limit in range(1, count + 3):
            if claims_plans._proven_dense(flt, match, limit):
                assert count >= limit, (span, limit)
    monkeypatch.setattr(claims_plans, "PROOF_SPAN", 100)  # reads every match: proves whatever is true
    if count:
        assert claims_plans._proven_dense(flt, match, count)
        assert claims_plans.probe_dense(flt, count, False)
    assert not claims_plans.probe_dense(flt, count + 1, False)


def test_a_proof_is_not_tried_where_it_does_not_apply(claims):
    for flt in (search.ClaimFilter(text="town", tag_ids=frozenset({1})),
                search.ClaimFilter(text="town", claimant_ids=frozenset({1})),
                search.ClaimFilter(text="town", date_from="2020")):
        assert not claims_plans._proven_dense(flt, search.fts_query(flt.text), 1)


# ---------------------------------------------------------------- the walk for a common search

WALK_TEXTS = [
    "Troops took the town of Lashio after three days", "The town council denied the report",
    "Towers of the old bridge were destroyed", "Rice prices rose in the township market",
    "Over 300 soldiers surrendered, the armed group said", "43 soldiers fled across the border",
    "Covid-19 cases doubled, says O'Brien", "Café owners in the résumé district closed",
    "ရန်ကုန်မြို့တွင် ဆန်ဈေး မြင့်တက်", "မြို့နယ် ၃ ခုတွင် အင်တာနက် ဖြတ်တောက်",
    "An exact phrase about the town hall", "Nothing to see in Mandalay",
]
WALK_FRAGMENTS = ["to", "tow", "town", "the", "sold", "soldiers", "rice", "café", "cafe", "résumé", "covid-19",
                  "o'brien", '"the town"', '"town council"', "-town", "-the", "မြို့", "ရန်ကုန်", "t", "OR", "AND",
                  "*", '"', "(", "hall", "lashio", "43", "3"]


@pytest.fixture
def walk_claims(make_claim):
    ids = []
    for n in range(90):
        text = WALK_TEXTS[n % len(WALK_TEXTS)] + f" (report {n})"
        claim = make_claim(text, claimant=["Town Council", "Army office", "Rice traders"][n % 3],
                           context="Seen in the town square" if n % 4 == 0 else "",
                           tags=["town"] if n % 5 == 0 else ["border"], claimed_on=f"2024-0{1 + n % 9}")
        ids.append(claim.id)
    for cid in ids[::7]:  # a few claims updated later, out of id order
        services.set_status(cid, "in_progress")
    services.trash_claims(ids[:4])
    return ids


def _usual_first_page(flt, size):
    from desktop.models import Claim

    rows = search.claims(flt, Claim.id, Claim.headline, Claim.updated_at).limit(size).tuples()
    return [tuple(r) for r in rows]


def _walk(database, flt, size, live=0):
    from desktop.models import Claim

    return claims_walk.walk_first_page(database, flt, (Claim.id, Claim.headline, Claim.updated_at), size, live)


@pytest.fixture
def eager_walk(monkeypatch):
    """A walk that never gives up early: every search is walked, in small steps."""
    monkeypatch.setattr(claims_walk, "WALK_SAMPLE", 7)
    monkeypatch.setattr(claims_walk, "WALK_MIN_SHARE", 0.0)
    monkeypatch.setattr(claims_walk, "WALK_MAX", 10_000)


SORTS = [("updated_at", True), ("headline", False), ("claimed_on", True), ("claimant", False), ("evidence", True)]


@pytest.mark.parametrize("text", ["town", "to", "the", "soldiers", '"the town"', "town -council", "မြို့", "cafe",
                                  "covid-19", "o'brien", "the OR rice",
                                  # plain words ending in a short one: the other words' claims are walked
                                  "the to", "town t", "soldiers fl", "rice pr", "43 so", "the town re", "town zz"])
def test_the_walk_finds_the_usual_first_page(database, walk_claims, eager_walk, text):
    for sort, descending in SORTS:
        for live in (0, 10**6):  # the other words' claims dense (walked along the sort index) or sparse
            flt = search.ClaimFilter(text=text, sort=sort, descending=descending)
            size = 12
            usual = _usual_first_page(flt, size)
            # never giving up, the walk always answers
            assert _walk(database, flt, size, live) == usual, (sort, descending, live)


def test_what_a_walk_reads():
    base = claims_walk._walk_base
    assert base(search.ClaimFilter(text="town")) == search.ClaimFilter()
    assert base(search.ClaimFilter(text="prisoners re", sort="headline")) == search.ClaimFilter(
        text='"prisoners"', sort="headline")
    assert base(search.ClaimFilter(text="the old re")).text == '"the" "old"'
    for text in ("prisoners release", "prisoners OR re", "covid-19 ca", "o'brien sa", '"the town" re',
                 "-town re", "မြို့ ရန်"):  # a long last word, an operator, punctuation, another script
        assert base(search.ClaimFilter(text=text)) == search.ClaimFilter(), text
    for flt in (search.ClaimFilter(), search.ClaimFilter(text="town", trash=True),
                search.ClaimFilter(text="town", statuses=frozenset({"final"}))):
        assert base(flt) is None


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WALK_FRAGMENTS), min_size=1, max_size=3),
       sort=st.sampled_from(SORTS), size=st.integers(1, 30), live=st.sampled_from([0, 10**6]))
def test_the_walk_agrees_with_the_usual_plan_on_any_search(database, walk_claims, eager_walk, words, sort, size,
                                                           live):
    flt = search.ClaimFilter(text=" ".join(words), sort=sort[0], descending=sort[1])
    usual = _usual_first_page(flt, size)
    walked = _walk(database, flt, size, live)
    if search.fts_query(flt.text):
        assert walked == usual
    else:  # nothing to search for: not a walk
        assert walked is None


def test_the_walk_gives_way_where_it_does_not_pay(database, walk_claims, monkeypatch):
    monkeypatch.setattr(claims_walk, "WALK_SAMPLE", 20)
    # a rare word: after the sample, too few members to walk on
    assert _walk(database, search.ClaimFilter(text="lashio"), 5) is None
    # a common one is walked
    assert _walk(database, search.ClaimFilter(text="the"), 5) == _usual_first_page(search.ClaimFilter(text="the"), 5)
    # a page the walk cannot fill within its budget
    monkeypatch.setattr(claims_walk, "WALK_MAX", 30)
    assert _walk(database, search.ClaimFilter(text="the"), 29) is None
    # only a search alone is walked
    for flt in (search.ClaimFilter(text="the", statuses=frozenset({"in_progress"})),
                search.ClaimFilter(text="the", trash=True), search.ClaimFilter(),
                search.ClaimFilter(text="the", tag_ids=frozenset({1}))):
        assert _walk(database, flt, 5) is None


@pytest.fixture
def walk_reads(monkeypatch):
    """How many claims each step of a walk reads (a sample of 10; a share under 15% gives up)."""
    monkeypatch.setattr(claims_walk, "WALK_SAMPLE", 10)
    monkeypatch.setattr(claims_walk, "WALK_MIN_SHARE", 0.15)
    read: list[int] = []
    members = claims_walk._members
    monkeypatch.setattr(claims_walk, "_members", lambda db, rows, match: read.append(len(rows)) or members(db, rows, match))
    return read


def test_the_walk_looks_at_its_share_again_every_step(database, make_claim, monkeypatch, walk_reads):
    """A promising sample followed by a long stretch without a match: the walk gives up once the share
    it has met falls too low, looking again every step, not only once it has read what the sample promised."""
    for n in range(150):
        make_claim(f"A harbour report {n}")
    for n in range(10):
        make_claim(f"A soldiers report {n}")  # the last updated: first in the default order
    monkeypatch.setattr(claims_walk, "WALK_STEP", 10)
    read = walk_reads
    flt = search.ClaimFilter(text="soldiers", sort="updated_at", descending=True)
    assert _walk(database, flt, 20) is None
    assert read == [10] * 7  # 10 members met in 70 claims: under 15%
    monkeypatch.setattr(claims_walk, "WALK_STEP", 1000)
    read.clear()
    assert _walk(database, flt, 20) is None
    assert read[:2] == [10, 13]  # the sample promised the page within 13 more: (20 - 10) / 1.0 x 1.25 + 1


def test_a_share_that_only_just_passed_the_sample_is_looked_at_again_soon(database, make_claim, monkeypatch,
                                                                          walk_reads):
    """After the sample, a step reads at most twice what was read: a borderline share is checked again
    after 20 more claims here, not after the 113 it promised ("army" by claimant Z-A: 300 claims, not 600)."""
    for n in range(150):
        make_claim(f"A harbour report {n}")
    for n in range(2):
        make_claim(f"A soldiers report {n}")
        for m in range(4):
            make_claim(f"A harbour note {n} {m}")  # the last made: the sample holds 2 members in 10
    monkeypatch.setattr(claims_walk, "WALK_STEP", 1000)
    read = walk_reads
    flt = search.ClaimFilter(text="soldiers", sort="updated_at", descending=True)
    assert _walk(database, flt, 20) is None
    assert read == [10, 20]  # 2 members in 30 claims: under 15%


def test_the_walk_runs_on_a_read_only_connection(db_path, walk_claims, eager_walk):
    from desktop import db as dbmod

    reader = dbmod.connect(db_path, readonly=True)
    reader.connect()
    try:
        flt = search.ClaimFilter(text="town")
        assert _walk(reader, flt, 10) == _usual_first_page(flt, 10)
    finally:
        reader.close()


def test_a_walk_that_stops_early_leaves_no_read_open(db_path, database, walk_claims, eager_walk):
    """The walk's statement is stepped only as far as the page needs, then closed: left open, it would
    hold its snapshot, and this connection would not see what others write until it was collected."""
    import sqlite3

    flt = search.ClaimFilter(text="the")
    walked = _walk(database, flt, 3)
    assert walked == _usual_first_page(flt, 3)
    other = sqlite3.connect(db_path)
    try:
        other.execute("CREATE TABLE written_meanwhile (x)")
        other.commit()
    finally:
        other.close()
    seen = database.execute_sql("SELECT count(*) FROM sqlite_master WHERE name = 'written_meanwhile'")
    assert seen.fetchone()[0] == 1


def test_the_walk_table_has_the_index_columns_and_tokenizer_but_no_prefix_index(database, walk_claims,
                                                                                 eager_walk):
    """Prefix indexes (migration 0008) change no match: the walk's copy leaves them out, to copy faster."""
    flt = search.ClaimFilter(text="to")
    assert _walk(database, flt, 5) == _usual_first_page(flt, 5)
    (main_sql,) = database.execute_sql("SELECT sql FROM main.sqlite_master WHERE name = 'claim_fts'").fetchone()
    (walk_sql,) = database.execute_sql(
        f"SELECT sql FROM temp.sqlite_master WHERE name = '{claims_walk.WALK_TABLE}'").fetchone()
    assert "prefix='2 3'" in main_sql
    assert "prefix" not in walk_sql
    assert walk_sql.split("fts5", 1)[1].strip() == main_sql.split("fts5", 1)[1].replace(", prefix='2 3'", "").strip()


def test_a_statement_stopped_on_purpose_is_not_run_again_unsteered(database, walk_claims):
    """An interrupt (progress handler, or a newer filter) must not fall back to the plain SQL, which would
    run the same read again, unsteered."""
    from desktop.models import Claim

    flt = search.ClaimFilter(text="town", sort="headline")
    statement = claims_plans.steer(search.claims(flt, Claim.id).limit(5), "claim_live_headline", False)
    assert statement[0] != statement[1]
    connection = database.connection()
    ran = []
    connection.set_trace_callback(ran.append)
    connection.set_progress_handler(lambda: True, 1)
    try:
        with pytest.raises(Exception) as caught:
            claims_plans.execute(database, statement)
    finally:
        connection.set_progress_handler(None, 0)
        connection.set_trace_callback(None)
    assert claims_plans.interrupted(caught.value)
    reads = [sql for sql in ran if 'FROM "claim" AS "t1"' in sql]
    assert reads and all('INDEXED BY "claim_live_headline"' in sql for sql in reads), reads


def test_a_lane_reads_a_search_of_few_matches_from_its_matches(database, walk_claims, monkeypatch):
    from desktop.models import Claim

    flt = search.ClaimFilter(text="lashio", sort="headline")
    query = search.claims(flt, Claim.id).limit(5)
    dense = claims_plans.steer(query, "claim_live_headline", False)
    sparse = claims_plans.steer(query, None, True)
    expected = [tuple(r) for r in query.tuples()]
    handle = {}
    assert claims_plans.run_rows(database, dense, handle, sparse, flt) == expected
    assert handle["plan"] == sparse[3] == "plus_live"
    monkeypatch.setattr(claims_plans, "SPARSE_ON_LANE", 1)  # too many matches to sort: the dense plan
    handle = {}
    assert claims_plans.run_rows(database, dense, handle, sparse, flt) == expected
    assert handle["plan"] == dense[3]
    claims_plans.interrupt(handle)  # after the read: nothing to stop, no error
    assert handle["cancelled"]

