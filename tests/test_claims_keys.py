"""The first page of a search from the sort keys looked up by claim id (desktop.claims_keys), without Qt."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from desktop import claims_keys, claims_plans, search, services
from tests.test_claims_plans import WALK_FRAGMENTS, walk_claims  # noqa: F401 - a fixture


KEYED = [key for key, field in search.SORT_KEYS.items() if field.column_name in claims_keys.KEYED_INDEXES]


def _keyed(database, flt, size, offset=0):
    from desktop.models import Claim

    statement = claims_keys.keyed_statement(flt, (Claim.id, Claim.headline, Claim.updated_at), size, offset)
    rows, fell_back = claims_plans.execute(database, statement)
    assert not fell_back
    return [tuple(r) for r in rows]


def test_the_keyed_orders_are_the_text_orders_and_those_of_the_dashboard_index():
    assert sorted(KEYED) == ["claimant", "claimed_on", "evidence", "headline", "status", "tags", "verdict"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WALK_FRAGMENTS), min_size=1, max_size=3), key=st.sampled_from(KEYED),
       descending=st.booleans(), size=st.integers(1, 100), offset=st.integers(0, 40))
def test_a_keyed_page_is_the_usual_page(database, walk_claims, words, key, descending, size, offset):  # noqa: F811
    flt = search.ClaimFilter(text=" ".join(words), sort=key, descending=descending)
    if search.fts_query(flt.text) is None:
        assert claims_keys.keyed_statement(flt, (), size) is None  # nothing to search for
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
def test_a_keyed_page_reads_the_keys_from_the_index_and_only_the_pages_rows(database, walk_claims, key):  # noqa: F811
    from desktop.models import Claim

    flt = search.ClaimFilter(text="town", sort=key, descending=True)
    steered, _plain, params, plan, _plain_params = claims_keys.keyed_statement(flt, (Claim.id, Claim.text), 20)
    rows = database.execute_sql("EXPLAIN QUERY PLAN " + steered, params).fetchall()
    details = [row[3] for row in rows]
    index = claims_keys.KEYED_INDEXES[search.SORT_KEYS[key].column_name]
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


def test_a_file_without_the_keyed_index_gets_the_same_page_the_usual_way(database, walk_claims):  # noqa: F811
    from desktop.models import Claim

    database.execute_sql('DROP INDEX "claim_id_headline"')
    flt = search.ClaimFilter(text="town", sort="headline")
    statement = claims_keys.keyed_statement(flt, (Claim.id,), 10)
    rows, fell_back = claims_plans.execute(database, statement)
    assert fell_back
    assert [tuple(r) for r in rows] == [tuple(r) for r in search.claims(flt, Claim.id).limit(10).tuples()]


def test_a_lane_reads_a_search_in_a_keyed_order_from_the_keys(database, walk_claims, monkeypatch):  # noqa: F811
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
        assert claims_keys.keyed_statement(flt.with_(sort=order), columns, 5) is None
    assert claims_keys.keyed_statement(flt.with_(statuses=frozenset({"final"})), columns, 5) is None


@pytest.fixture
def helper():
    from desktop.lanes import Lane

    return Lane("test-keyed-helper")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WALK_FRAGMENTS), min_size=1, max_size=3), key=st.sampled_from(KEYED),
       descending=st.booleans(), size=st.integers(1, 100))
def test_a_keyed_page_read_in_halves_is_the_usual_page(database, walk_claims, helper, words, key,  # noqa: F811
                                                      descending, size):
    from desktop.models import Claim

    columns = (Claim.id, Claim.headline, Claim.updated_at)
    flt = search.ClaimFilter(text=" ".join(words), sort=key, descending=descending)
    if search.fts_query(flt.text) is None:
        return
    usual = [tuple(r) for r in search.claims(flt, *columns).limit(size).tuples()]
    handle = {}
    assert [tuple(r) for r in claims_keys.keyed_rows(database, flt, columns, size, handle, helper)] == usual
    assert len(handle["others"]) == 1 and handle["others"][0] is not database.connection()  # the helper's own


def test_halves_merge_nulls_numbers_ties_and_any_script_as_sql_orders_them(database, make_claim, helper):
    from desktop.models import Claim

    names = ["", "Zaw", "zaw", "Ōtake", "Émile", "မြန်မာ", "Ｗide", "Zaw", "a\u0301", "á"]
    ids = [make_claim(f"River report {n}", claimant=names[n % len(names)],
                      tags=[names[(n * 3) % len(names)]] if n % 4 else []).id for n in range(40)]
    for cid, verdict in ((ids[1], "false"), (ids[22], "true"), (ids[37], "false")):  # the others: NULL
        services.set_status(cid, "in_progress")
        services.set_verdict(cid, verdict)
    services.trash_claims(ids[18:21])  # around the middle id, where the halves meet
    columns = (Claim.id, Claim.claimant_name, Claim.verdict)
    for key in KEYED:
        for descending in (False, True):
            flt = search.ClaimFilter(text="river", sort=key, descending=descending)
            usual = [tuple(r) for r in search.claims(flt, *columns).limit(30).tuples()]
            got = [tuple(r) for r in claims_keys.keyed_rows(database, flt, columns, 30, {}, helper)]
            assert got == usual, (key, descending)


def test_keyed_halves_stopped_give_nothing_and_stop_the_helper_too(database, walk_claims, helper,  # noqa: F811
                                                                   monkeypatch):
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
        claims_keys.keyed_rows(database, flt, columns, 5, handle, helper)
    assert stopped == [handle] and handle["cancelled"]
