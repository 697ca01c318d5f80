"""The first page of a search in a text order, from the sort keys looked up by claim id (no Qt).

A search's matches can lie bunched far down a sort order: sorted by tags Z-A,
the 77,000 claims of a million that match "air" come after some 400,000 that
do not. Walking the order passes all those; reading every match's row to sort
them reads rows scattered over the whole file (137 ms). Migration 0009 keeps,
for the text orders, an index of (claim id, key) over the live claims, and
``claim_dash_id`` (0006) holds the keys of the number and date orders: each
match's key is looked up there by id, the matches sorted by it, and only the
rows of the page read.

The first-pages lane answers a search this way (``claims_plans.run_rows``)
until it holds the places of the order (``desktop.claims_order``, 0.3-0.5 s
after a sort, quicker still), in two halves of the claim ids, the other half
on a helper lane, so on both cores.
"""

from __future__ import annotations

from desktop import claims_plans, search
from desktop.models import KEYED_SORT_COLUMNS

# Sort orders whose keys an index holds by claim id, live claims only: the text orders (migration 0009),
# and the columns of ``claim_dash_id`` (0006).
KEYED_INDEXES = {
    **{column: f"claim_id_{column}" for column in KEYED_SORT_COLUMNS},
    **{column: "claim_dash_id" for column in ("status", "verdict", "n_sources", "claimed_on")},
}


def keyable(flt: search.ClaimFilter) -> bool:
    """Whether ``keyed_statement`` applies to ``flt``: a search alone, in an order whose keys an index
    holds by claim id."""
    field = search.SORT_KEYS.get(flt.sort)
    return (flt.is_search_alone and field is not None and field.column_name in KEYED_INDEXES
            and search.fts_query(flt.text) is not None)


def keyed_statement(flt: search.ClaimFilter, columns, size: int, offset: int = 0,
                    ids: tuple[int, int] | None = None) -> tuple | None:
    """A page of a search alone from its matches, sorted by keys looked up by claim id; None where no index
    holds the keys of ``flt``'s order.

    Each match's key is read from an index of (claim id, key) (``KEYED_INDEXES``), and only the
    claims of the page have their rows read: where the matches lie bunched far down the order, this
    is the quick way to them before the lane holds the order's places ("air" sorted by tags Z-A:
    25 ms in SQLite, against 137 ms reading every match's row and 148 ms walking the order).
    The plain statement, for a file without the index, is the sparse page (every match's row read).

    With ``ids`` (lowest, past the highest), only the matches in that range of claim ids are
    read, and each row starts with its key and id (``keyed_rows`` merges two such halves).
    """
    if not keyable(flt):
        return None
    match = search.fts_query(flt.text)
    field = search.SORT_KEYS[flt.sort]
    index = KEYED_INDEXES[field.column_name]
    direction = "DESC" if flt.descending else "ASC"
    wanted = ", ".join(f'"t1"."{f.column_name}"' for f in columns)
    key = field.column_name
    head, within, params = "", "", (match, size, offset)
    if ids is not None:
        head = f'"t1"."{key}", "t1"."id", '
        within = 'AND "f"."rowid" >= ? AND "f"."rowid" < ? '
        params = (match, *ids, size, offset)
    # The page's ids as an IN list, not a subquery in FROM: SQLite materializes that one, which cost
    # a third more ("air" by tags: 36 ms instead of 26) and did not share out over two cores.
    steered = (
        f'SELECT {head}{wanted} FROM "claim" AS "t1" WHERE "t1"."id" IN (SELECT "c"."id" FROM "claim_fts" AS "f" '
        f'CROSS JOIN "claim" AS "c" INDEXED BY "{index}" ON "c"."id" = "f"."rowid" '
        f'WHERE "f"."claim_fts" MATCH ? {within}AND "c"."deleted_at" IS NULL '
        f'ORDER BY "c"."{key}" {direction}, "c"."id" {direction} LIMIT ? OFFSET ?) '
        f'ORDER BY "t1"."{key}" {direction}, "t1"."id" {direction}')
    if ids is not None:  # the same query, its plan left to SQLite (slow, but right on a file without the index)
        return steered, steered.replace(f' INDEXED BY "{index}"', ""), params, f"keyed by {index}, in halves"
    usual = search.claims(flt, *columns).limit(size).offset(offset)
    _steered, plain, plain_params, _plan = claims_plans.steer(usual, *claims_plans.page_plan(flt, False, False))
    return steered, plain, params, f"keyed by {index}", plain_params


# The page cache of the helper lane's connection, as large as the lane's: its half of the largest
# keys' index, by headline, is 46 MB at a million claims, and with a 32 or 48 MB cache its half of
# "air" took 28 ms of CPU against the lane's 22 (up to 64 MB more memory once used).
HELPER_CACHE_KIB = 64_000


def keyed_rows(database, flt: search.ClaimFilter, columns, size: int, handle: dict, helper=None) -> list[tuple]:
    """The first ``size`` rows of ``keyed_statement``, read in two halves of the claim ids when a
    ``helper`` lane is given: one here, one there, each on its own core and connection.

    The cost of a keyed page is one lookup per match, and the lookups of the two halves touch
    different pages of the index (it is ordered by id): at a million claims, "La" (155,000
    matches) by headline takes 32-40 ms in halves instead of 70-77, "air" by tags 14 instead of
    27. The halves' pages are merged here in the order SQLite sorts (NULL, numbers, text by code
    point as BINARY compares UTF-8, then blobs; ties by id). ``handle`` is the read's
    (``run_rows``): ``interrupt`` stops both halves, and ``handle["plan"]`` names the plan.
    """
    if helper is None:
        statement = keyed_statement(flt, columns, size)
        handle["plan"] = statement[3]
        return claims_plans.execute(database, statement)[0]
    highest = claims_plans.highest_id()
    middle = highest // 2 + 1
    lower = keyed_statement(flt, columns, size, ids=(0, middle))
    upper = keyed_statement(flt, columns, size, ids=(middle, highest + 1))
    others = handle.setdefault("others", [])
    handle["plan"] = lower[3]

    def other_half():
        others.append(database.connection())  # before the look at "cancelled": interrupt() misses neither
        if handle.get("cancelled"):
            return []
        database.execute_sql(f"PRAGMA cache_size = {-HELPER_CACHE_KIB}")
        return claims_plans.execute(database, upper)[0]

    theirs = helper.submit(other_half)
    try:
        mine = claims_plans.execute(database, lower)[0]
    except BaseException:
        claims_plans.interrupt(handle)  # this half failed or was stopped: the other one is not wanted either
        raise
    rows = sorted(mine + theirs.result(), key=lambda row: (_sql_order(row[0]), row[1]), reverse=flt.descending)
    return [row[2:] for row in rows[:size]]


def _sql_order(value) -> tuple:
    """A sort key that orders values as SQLite's ORDER BY does with the BINARY collation."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, bytes(value))
