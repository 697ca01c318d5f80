"""Where each live claim stands in a sort order, held for searches in that order (no Qt).

A search's matches can lie bunched far down a sort order: sorted by tags Z-A,
the 77,000 claims that match "air" (of a million) come after some 400,000
that do not. Walking the order's index and testing each claim against the
matches passes all those others (148 ms); reading every match's row to sort
them reads 77,000 rows scattered over the file (137 ms). Looking each match's
key up in an index of (id, key) reads no row (``claims_keys``,
35 ms for "air", 65-75 ms for "La" by headline, whose keys are long), and
answers until the places below are read; they are quicker still.

What a search engine keeps for a sort field, this module keeps for the order
the table is sorted by: each live claim's place in it, as a TEMP table of
(claim id, place) on the connection of the lane that reads first pages
(``prepare``: one pass over the order's index, 0.35-0.45 s at a million claims, off the GUI thread).
The first page of a search in that order is then found by looking up each
match's place and keeping the ``size`` first (``first_page``, rows included):
20-23 ms for "air" or "ki", 14 for "soldiers", 37 for "La" (155,000 matches),
wherever they lie, and all of it inside SQLite, so the lane does not hold
Python's lock while the GUI thread reads too. The rows are the
ones, in the order, that ``search.claims`` gives.

The places hold for as long as nothing is written to the file. SQLite's
``PRAGMA data_version`` on the connection that read them (it changes when any
other connection commits) tells whether they still do; every use checks it in
the same read transaction as its reads. A connection that writes does not see
its own commits there, so the places serve a connection that never writes to
the file: the first-pages lane's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from desktop import search

UNRANKED = ("updated_at",)  # orders left to the usual plans: any edit moves a claim in them
TABLE = "claim_order"  # the TEMP table of (place, id) and its index on id, per connection
BUILD_STEPS = 50_000  # SQLite steps between looks at whether a build is given up
BUILD_CACHE_KIB = 2048  # the file's page cache while the order is read: once, so no use caching it
TABLE_BYTES_PER_CLAIM = 16  # the TEMP page cache is sized to hold the index on id (12 MB at a million claims)

_held = threading.local()


@dataclass(frozen=True)
class Ranks:
    key: str
    connection: object  # the sqlite3 connection that holds the table (its data_version is theirs)
    version: int


def rankable(flt: search.ClaimFilter) -> bool:
    """Whether ``flt``'s first page can come from places: a search alone, in an order that has them."""
    return flt.is_search_alone and flt.sort in search.SORT_KEYS and flt.sort not in UNRANKED


def held(database, key: str) -> Ranks | None:
    """This thread's places for ``key`` if its current connection holds them (not whether they still hold)."""
    ranks = getattr(_held, "ranks", None)
    if ranks is None or ranks.key != key or ranks.connection is not database.connection():
        return None
    return ranks


def forget(database) -> None:
    """Drop this thread's places."""
    _held.ranks = None
    database.execute_sql(f'DROP TABLE IF EXISTS temp."{TABLE}"')


def prepare(database, key: str, cancelled=lambda: False) -> bool:
    """Read the places of ``key``'s order on this thread's connection unless they still hold; True when held.

    ``cancelled()`` is asked every ``BUILD_STEPS`` steps of SQLite: a build
    given up leaves nothing held (the first-pages lane gives it up for a
    first page, which should not wait behind it). One order is held per
    connection; building another drops it.
    """
    if key not in search.SORT_KEYS or key in UNRANKED:
        return False
    current = held(database, key)
    if current is not None and current.version == _data_version(database):
        return True
    # This connection's TEMP tables on a file, not in memory as the file's other connections have them
    # (``db``): the index on id is sorted in runs of the page cache's size, and in memory those runs
    # stayed in the heap (+60-70 MiB at a million claims, against +18-20 MiB on a file, whose pages
    # past the TEMP cache stay in the system's cache; and 235 ms instead of 320). A no-op once set.
    database.execute_sql("PRAGMA temp_store = FILE")
    forget(database)
    column = search.SORT_KEYS[key].column_name
    connection = database.connection()
    (cache_kib,) = database.execute_sql("PRAGMA cache_size").fetchone()
    database.execute_sql(f"PRAGMA cache_size = {-BUILD_CACHE_KIB}")
    connection.set_progress_handler(lambda: bool(cancelled()), BUILD_STEPS)
    try:
        with database.atomic():  # one snapshot: the version and the places agree
            version = _data_version(database)
            highest = database.execute_sql('SELECT max("id") FROM "claim"').fetchone()[0] or 0
            database.execute_sql(f"PRAGMA temp.cache_size = {-max(2048, highest * TABLE_BYTES_PER_CLAIM // 1024)}")
            # The places are the rowids of a table filled in the order's own sequence (each row one past
            # the last), and an index on the claim id finds them: 0.35-0.45 s at a million claims. A
            # row_number() window over the same scan took 0.85-1.0 s, most of it buffering the rows.
            database.execute_sql(f'CREATE TEMP TABLE "{TABLE}" ("place" INTEGER PRIMARY KEY, "id" INTEGER NOT NULL)')
            database.execute_sql(
                f'INSERT INTO temp."{TABLE}" ("id") SELECT "id" FROM "claim" INDEXED BY "claim_live_{column}" '
                f'WHERE "deleted_at" IS NULL ORDER BY "{column}", "id"')
            database.execute_sql(f'CREATE INDEX temp."{TABLE}_id" ON "{TABLE}" ("id")')
    except Exception:
        connection.set_progress_handler(None, 0)
        forget(database)
        if cancelled():
            return False
        raise
    finally:
        connection.set_progress_handler(None, 0)
        database.execute_sql(f"PRAGMA cache_size = {cache_kib}")
    _held.ranks = Ranks(key, connection, version)
    return True


def first_page(database, flt: search.ClaimFilter, columns, size: int) -> list[tuple] | None:
    """The first ``size`` rows of ``flt`` (a search alone) from this thread's places; None when it holds
    none for ``flt``'s order, or they no longer hold (something was written since they were read)."""
    if not rankable(flt) or held(database, flt.sort) is None:
        return None
    match = search.fts_query(flt.text)
    if match is None:
        return None
    direction = "DESC" if flt.descending else "ASC"
    wanted = ", ".join(f'"t1"."{field.column_name}"' for field in columns)
    # The matches streamed from the index, each one's place looked up (CROSS JOIN keeps that order
    # of the loops): a third quicker than gathering them first ('air' 20 ms instead of 27). The page's
    # ids as an IN list, not a subquery in FROM, which SQLite materializes: 18 ms instead of 20-21
    # ("La": 34 instead of 38).
    sql = (f'SELECT {wanted} FROM "claim" AS "t1" CROSS JOIN temp."{TABLE}" AS "o" ON "o"."id" = "t1"."id" '
           f'WHERE "t1"."id" IN (SELECT "o"."id" FROM "claim_fts" AS "f" CROSS JOIN temp."{TABLE}" AS "o" '
           f'ON "o"."id" = "f"."rowid" WHERE "f"."claim_fts" MATCH ? ORDER BY "o"."place" {direction} LIMIT ?) '
           f'ORDER BY "o"."place" {direction}')
    with database.atomic():  # the version check and the read see the same file
        if _data_version(database) != _held.ranks.version:
            return None
        return list(database.execute_sql(sql, (match, size)).fetchall())


def _data_version(database) -> int:
    return database.execute_sql("PRAGMA data_version").fetchone()[0]
