"""Ranks of a sort order held in memory for searches in it (desktop.claims_order), without Qt."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from desktop import claims_order, search, services
from desktop.lanes import Lane
from desktop.models import Claim
from tests.test_claims_plans import WALK_FRAGMENTS, walk_claims  # noqa: F401 - a fixture

COLUMNS = (Claim.id, Claim.headline, Claim.updated_at)
RANKED = [key for key in search.SORT_KEYS if key not in claims_order.UNRANKED]


def _usual(flt, size):
    return [tuple(row) for row in search.claims(flt, *COLUMNS).limit(size).tuples()]


def _ranked(database, flt, size):
    return claims_order.first_page(database, flt, COLUMNS, size)


@pytest.fixture(autouse=True)
def nothing_held(database):
    claims_order.forget(database)
    yield
    claims_order.forget(database)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WALK_FRAGMENTS), min_size=1, max_size=3), key=st.sampled_from(RANKED),
       descending=st.booleans(), size=st.integers(1, 100))
def test_a_page_from_ranks_is_the_usual_page(database, walk_claims, words, key, descending, size):  # noqa: F811
    flt = search.ClaimFilter(text=" ".join(words), sort=key, descending=descending)
    assert claims_order.prepare(database, key)
    page = _ranked(database, flt, size)
    if search.fts_query(flt.text):
        assert page == _usual(flt, size)
    else:  # nothing to search for
        assert page is None


def test_ties_empty_keys_and_the_trash_are_ordered_as_sql_orders_them(database, make_claim):
    ids = [make_claim(f"Report {n} on the river", claimant="Same office" if n % 2 else "",
                      tags=[] if n % 3 else ["floods"]).id for n in range(12)]
    services.trash_claims(ids[4:6])
    for key in ("claimant", "tags", "claimed_on", "status", "evidence"):
        assert claims_order.prepare(database, key)
        for descending in (False, True):
            flt = search.ClaimFilter(text="river", sort=key, descending=descending)
            page = _ranked(database, flt, 20)
            assert page == _usual(flt, 20), (key, descending)
            assert {row[0] for row in page}.isdisjoint(ids[4:6])


def test_orders_that_every_edit_moves_and_filters_other_than_a_search_are_not_ranked(database, walk_claims):  # noqa: F811
    assert not claims_order.prepare(database, "updated_at")
    assert claims_order.prepare(database, "headline")
    for flt in (search.ClaimFilter(sort="headline"),
                search.ClaimFilter(text="town", sort="headline", statuses=frozenset({"final"})),
                search.ClaimFilter(text="town", sort="headline", trash=True),
                search.ClaimFilter(text="town", sort="claimant")):  # ranks held for another order
        assert _ranked(database, flt, 10) is None, flt


def test_a_build_given_up_holds_nothing(database, walk_claims, monkeypatch):  # noqa: F811
    monkeypatch.setattr(claims_order, "BUILD_STEPS", 1)  # asked at once
    assert not claims_order.prepare(database, "headline", cancelled=lambda: True)
    assert claims_order.held(database, "headline") is None
    assert _ranked(database, search.ClaimFilter(text="town", sort="headline"), 10) is None


def test_ranks_read_again_only_when_the_file_changed(database, walk_claims):  # noqa: F811
    assert claims_order.prepare(database, "headline")
    first = claims_order.held(database, "headline")
    assert claims_order.prepare(database, "headline")
    assert claims_order.held(database, "headline") is first  # still holding: not read again
    assert claims_order.prepare(database, "tags")
    assert claims_order.held(database, "headline") is None  # one order per thread


def test_places_are_kept_on_a_temp_file_and_found_by_claim_id(database, walk_claims):  # noqa: F811
    """A TEMP file, not memory: the index's sorted runs would otherwise stay in the heap (+60 MiB at 1M)."""
    assert claims_order.prepare(database, "headline")
    assert database.execute_sql("PRAGMA temp_store").fetchone()[0] == 1  # FILE
    plan = " ".join(row[3] for row in database.execute_sql(
        f'EXPLAIN QUERY PLAN SELECT "place" FROM temp."{claims_order.TABLE}" WHERE "id" = 5'))
    assert f"COVERING INDEX {claims_order.TABLE}_id" in plan
    places = [row[0] for row in database.execute_sql(f'SELECT "place" FROM temp."{claims_order.TABLE}" ORDER BY "place"')]
    assert places == list(range(1, len(places) + 1))  # one place each, in the order's sequence


def test_a_write_from_another_connection_ends_them_until_they_are_read_again(qtbot, database, make_claim,
                                                                             walk_claims):  # noqa: F811
    """As on the first-pages lane: ranks on a thread that only reads, writes from the GUI thread."""
    lane = Lane("test-ranks")
    flt = search.ClaimFilter(text="town", sort="headline")

    def on_lane(func, *args):
        return lane.submit(func, database, *args).result(timeout=10)

    assert on_lane(claims_order.prepare, "headline")
    assert on_lane(_ranked, flt, 50) == _usual(flt, 50)
    make_claim("A town hall report, added after the ranks were read")  # headline sorts first
    assert on_lane(_ranked, flt, 50) is None  # they no longer hold
    assert on_lane(claims_order.prepare, "headline")
    assert on_lane(_ranked, flt, 50) == _usual(flt, 50)
    services.trash_claims([_usual(flt, 1)[0][0]])
    assert on_lane(_ranked, flt, 50) is None
    lane.close()
