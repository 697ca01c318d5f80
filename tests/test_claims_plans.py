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


KEYED = [key for key, field in search.SORT_KEYS.items() if field.column_name in claims_plans.KEYED_INDEXES]


def _keyed(database, flt, size, offset=0):
    from desktop.models import Claim

    statement = claims_plans.keyed_statement(flt, (Claim.id, Claim.headline, Claim.updated_at), size, offset)
    rows, fell_back = claims_plans.execute(database, statement)
    assert not fell_back
    return [tuple(r) for r in rows]


def test_the_keyed_orders_are_the_text_orders_and_those_of_the_dashboard_index():
    assert sorted(KEYED) == ["claimant", "claimed_on", "evidence", "headline", "status", "tags", "verdict"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WALK_FRAGMENTS), min_size=1, max_size=3), key=st.sampled_from(KEYED),
       descending=st.booleans(), size=st.integers(1, 100), offset=st.integers(0, 40))
def test_a_keyed_page_is_the_usual_page(database, walk_claims, words, key, descending, size, offset):
    flt = search.ClaimFilter(text=" ".join(words), sort=key, descending=descending)
    if search.fts_query(flt.text) is None:
        assert claims_plans.keyed_statement(flt, (), size) is None  # nothing to search for
        return
    from desktop.models import Claim

    usual = [tuple(r) for r in search.claims(flt, Claim.id, Claim.headline, Claim.updated_at)
             .limit(size).offset(offset).tuples()]
    assert _keyed(database, flt, size, offset) == usual


def test_keyed_pages_order_ties_empty_keys_and_leave_out_the_trash_as_sql_does(database, make_claim):
    from desktop.models import Claim

    ids = [make_claim("Same headline about the river" if n % 2 else f"Report {n} on the river",
                      claimant="Same office" if n % 3 else "", tags=[] if n % 4 else ["floods"]).id for n in range(14)]
    services.trash_claims(ids[5:7])
    for cid, verdict in ((ids[0], "false"), (ids[3], "true"), (ids[8], "false")):  # the others have none (NULL)
        services.set_status(cid, "in_progress")
        services.set_verdict(cid, verdict)
    for key in KEYED:
        for descending in (False, True):
            flt = search.ClaimFilter(text="river", sort=key, descending=descending)
            page = _keyed(database, flt, 20)
            assert page == [tuple(r) for r in search.claims(flt, Claim.id, Claim.headline, Claim.updated_at)
                            .limit(20).tuples()], (key, descending)
            assert len(page) == 12 and {row[0] for row in page}.isdisjoint(ids[5:7])


@pytest.mark.parametrize("key", ["headline", "claimant", "tags", "verdict"])
def test_a_keyed_page_reads_the_keys_from_the_index_and_only_the_pages_rows(database, walk_claims, key):
    from desktop.models import Claim

    flt = search.ClaimFilter(text="town", sort=key, descending=True)
    steered, _plain, params, plan, _plain_params = claims_plans.keyed_statement(flt, (Claim.id, Claim.text), 20)
    rows = database.execute_sql("EXPLAIN QUERY PLAN " + steered, params).fetchall()
    details = [row[3] for row in rows]
    index = claims_plans.KEYED_INDEXES[search.SORT_KEYS[key].column_name]
    assert plan == f"keyed by {index}"
    assert any(f"USING INDEX {index} (id=?)" in d or f"USING COVERING INDEX {index} (id=?)" in d
               for d in details), details
    assert any("USING INTEGER PRIMARY KEY (rowid=?)" in d for d in details), details  # the page's rows, by id
    assert not any(d.startswith(("SCAN c", "SCAN t1")) for d in details), details  # no walk of the claims
    # The keys come from the index alone: no column of the claim row is read before the page is cut.
    program = database.execute_sql("EXPLAIN " + steered, params).fetchall()
    table_cursors = {row[2] for row in program if row[1] == "OpenRead" and row[3] == _root_page(database, "claim")}
    seeks = [row for row in program if row[1] in ("SeekRowid", "NotExists", "DeferredSeek") and row[2] in table_cursors]
    columns = [row for row in program if row[1] == "Column" and row[2] in table_cursors]
    assert table_cursors and seeks and columns  # the page's rows are read...
    first_sort = min(row[0] for row in program if row[1] in ("SorterInsert", "IdxInsert"))
    assert all(row[0] > first_sort for row in columns), "a claim row was read for every match"


def _root_page(database, table):
    return database.execute_sql("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]


def test_a_file_without_the_keyed_index_gets_the_same_page_the_usual_way(database, walk_claims):
    from desktop.models import Claim

    database.execute_sql('DROP INDEX "claim_id_headline"')
    flt = search.ClaimFilter(text="town", sort="headline")
    statement = claims_plans.keyed_statement(flt, (Claim.id,), 10)
    rows, fell_back = claims_plans.execute(database, statement)
    assert fell_back
    assert [tuple(r) for r in rows] == [tuple(r) for r in search.claims(flt, Claim.id).limit(10).tuples()]


def test_a_lane_reads_a_search_in_a_keyed_order_from_the_keys(database, walk_claims, monkeypatch):
    from desktop.models import Claim

    columns = (Claim.id, Claim.headline)
    flt = search.ClaimFilter(text="town", sort="tags", descending=True)
    query = search.claims(flt, *columns).limit(5)
    dense = claims_plans.steer(query, "claim_live_tags_text", False)
    sparse = claims_plans.steer(query, None, True)
    expected = [tuple(r) for r in query.tuples()]
    handle = {}
    assert claims_plans.run_rows(database, dense, handle, sparse, flt, columns, 5) == expected
    assert handle["plan"] == "keyed by claim_id_tags_text" and handle["keyed"] and "ranked" not in handle
    monkeypatch.setattr(claims_plans, "SPARSE_ON_LANE", 1)  # however many the matches
    handle = {}
    assert claims_plans.run_rows(database, dense, handle, sparse, flt, columns, 5) == expected
    assert handle["plan"] == "keyed by claim_id_tags_text"
    monkeypatch.setattr(claims_plans, "SPARSE_ON_LANE", 40_000)
    by_priority = flt.with_(sort="priority")  # no index holds its keys by id: the matches' rows are sorted
    query = search.claims(by_priority, *columns).limit(5)
    handle = {}
    assert claims_plans.run_rows(database, claims_plans.steer(query, "claim_live_priority", False), handle,
                                 claims_plans.steer(query, None, True), by_priority, columns, 5) == \
        [tuple(r) for r in query.tuples()]
    assert handle["plan"] == "plus_live" and "keyed" not in handle and handle["from_matches"]
    for order in ("updated_at", "priority", "created_at"):  # no index holds their keys by id
        assert claims_plans.keyed_statement(flt.with_(sort=order), columns, 5) is None
    assert claims_plans.keyed_statement(flt.with_(statuses=frozenset({"final"})), columns, 5) is None


@pytest.fixture
def helper():
    from desktop.lanes import Lane

    return Lane("test-keyed-helper")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WALK_FRAGMENTS), min_size=1, max_size=3), key=st.sampled_from(KEYED),
       descending=st.booleans(), size=st.integers(1, 100))
def test_a_keyed_page_read_in_halves_is_the_usual_page(database, walk_claims, helper, words, key, descending, size):
    from desktop.models import Claim

    columns = (Claim.id, Claim.headline, Claim.updated_at)
    flt = search.ClaimFilter(text=" ".join(words), sort=key, descending=descending)
    if search.fts_query(flt.text) is None:
        return
    usual = [tuple(r) for r in search.claims(flt, *columns).limit(size).tuples()]
    handle = {}
    assert [tuple(r) for r in claims_plans.keyed_rows(database, flt, columns, size, handle, helper)] == usual
    assert len(handle["others"]) == 1 and handle["others"][0] is not database.connection()  # the helper's own


def test_halves_merge_nulls_numbers_ties_and_any_script_as_sql_orders_them(database, make_claim, helper):
    from desktop.models import Claim

    names = ["", "Zaw", "zaw", "Ōtake", "Émile", "မြန်မာ", "Ｗide", "Zaw", "a\u0301", "á"]
    ids = [make_claim(f"River report {n}", claimant=names[n % len(names)], tags=[names[(n * 3) % len(names)]] if n % 4 else []).id
           for n in range(40)]
    for cid, verdict in ((ids[1], "false"), (ids[22], "true"), (ids[37], "false")):  # the others: NULL
        services.set_status(cid, "in_progress")
        services.set_verdict(cid, verdict)
    services.trash_claims(ids[18:21])  # around the middle id, where the halves meet
    columns = (Claim.id, Claim.claimant_name, Claim.verdict)
    for key in KEYED:
        for descending in (False, True):
            flt = search.ClaimFilter(text="river", sort=key, descending=descending)
            usual = [tuple(r) for r in search.claims(flt, *columns).limit(30).tuples()]
            got = [tuple(r) for r in claims_plans.keyed_rows(database, flt, columns, 30, {}, helper)]
            assert got == usual, (key, descending)


def test_keyed_halves_stopped_give_nothing_and_stop_the_helper_too(database, walk_claims, helper, monkeypatch):
    from desktop.models import Claim

    flt = search.ClaimFilter(text="town", sort="tags")
    columns = (Claim.id,)
    query = search.claims(flt, *columns).limit(5)
    dense = claims_plans.steer(query, "claim_live_tags_text", False)
    sparse = claims_plans.steer(query, None, True)
    handle = {"cancelled": True}  # stopped before it began
    assert claims_plans.run_rows(database, dense, handle, sparse, flt, columns, 5, helper) == []
    handle = {}
    assert claims_plans.run_rows(database, dense, handle, sparse, flt, columns, 5, helper) == \
        [tuple(r) for r in query.tuples()]
    assert handle["plan"] == "keyed by claim_id_tags_text, in halves"
    stopped = []
    execute = claims_plans.execute

    def stopped_here(db, statement):  # the lower half is stopped (as interrupt() stops it): so is the upper
        if statement[2][1] == 0:
            raise RuntimeError("interrupted")
        return execute(db, statement)

    monkeypatch.setattr(claims_plans, "execute", stopped_here)
    monkeypatch.setattr(claims_plans, "interrupt", lambda h: stopped.append(h) or h.update(cancelled=True))
    handle = {}
    with pytest.raises(RuntimeError):
        claims_plans.keyed_rows(database, flt, columns, 5, handle, helper)
    assert stopped == [handle] and handle["cancelled"]
