"""The first page of a common search, found by walking the table's order (no Qt).

A search alone that matches a large share of the claims (a word or two
letters typed: "to" is in 565,000 of a million) would, by the usual plan,
first merge every matching term and build the set of all its matches (84 ms
for "to") before the first row. Its first page is found instead by reading
the claims along the live index of the sort column, as the page of a dense
filter is, and testing those met against the same query in a small
in-memory full-text table (8 ms for "to"). Plain words ending in a short one
("prisoners re") walk the claims of the other words the same way.

The walk gives the same rows in the same order as the usual page query; it
gives way to it (returns None) where it would not pay. How the claims
table's SQL is otherwise steered is ``desktop.claims_plans``.
"""

from __future__ import annotations

import re

from desktop import claims_plans, search
from desktop.models import Claim, ClaimIndex

WALK_SAMPLE = 100  # claims read first, to judge how much of the walk a search matches
WALK_MIN_SHARE = 0.15  # the walk goes on only if at least this share of them matched
WALK_MAX = 2000  # claims read in all before the usual plan takes over
WALK_STEP = 500  # claims read at most between two looks at the share of them that matched
WALK_TABLE = "claim_walk"  # the in-memory full-text table of the claims met on a walk (TEMP, per connection)


SHORT_LAST_WORD = 3  # a search of words whose last one has at most this many letters walks its other words
_PLAIN_WORD = re.compile(r"\w+")


def _walk_base(flt: search.ClaimFilter) -> search.ClaimFilter | None:
    """The filter whose claims a walk for ``flt`` reads (a superset of its matches), or None.

    A search alone: every live claim. Plain words ending in a short one
    ("prisoners re"): the claims matching the other words. The short word is a
    prefix of hundreds of terms ("re": report, released, rebels...), which the
    usual plan merges in full before its first row (160 ms), while "prisoners"
    alone is cheap, and the words of a plain search must all match, so its
    claims hold every match.
    """
    if not flt.is_search_alone:
        return None
    words = flt.text.split()
    if (len(words) >= 2 and len(words[-1]) <= SHORT_LAST_WORD
            and all(_PLAIN_WORD.fullmatch(w) and search.index_text(w) == w
                    and w.upper() not in ("AND", "OR", "NOT", "NEAR") for w in words)):
        # Quoted, each word is the same whole term as in the search (only the last one is a prefix).
        return flt.with_(text=" ".join(f'"{w}"' for w in words[:-1]))
    return flt.with_(text="")


def walk_first_page(database, flt: search.ClaimFilter, columns, size: int, live: int = 0,
                    seen: dict | None = None) -> list[tuple] | None:
    """The first ``size`` rows of a search matching a large share of the claims; None otherwise.

    Applies to a full-text search with no other filter (what typing in the
    search box asks). Claims are read along the live index of the sort column,
    as the page of a dense filter is, and their stored index entries
    (``claim_fts``: text, context, claimant, tags, sources, already split as
    indexed) are copied into a TEMP FTS5 table with the same columns and
    tokenizer, where the same MATCH picks the members: the same rows, in the
    same order, as the usual page query, without the full set of matches.

    After ``WALK_SAMPLE`` claims, and again after each step (twice what was
    read, ``WALK_STEP`` claims at most), a share of members under
    ``WALK_MIN_SHARE`` hands the search to the usual plan (a few milliseconds
    lost); so does a page not filled within ``WALK_MAX`` claims, or any error (an older file
    without the index, a connection that cannot make TEMP tables). A walk that
    reads every live claim returns all the matches, fewer than ``size``.

    ``seen``, if given, is told how many claims the walk ``read`` and how many
    of them it ``found`` to match.
    """
    base = _walk_base(flt)
    if base is None:
        return None
    match = search.fts_query(flt.text)
    walk = search.claims(base, *columns)
    try:
        if base.text:  # the claims of the other words, read as their own pages would be
            dense = claims_plans.probe_dense(base, claims_plans.dense_threshold(base, live), False)
            plan = claims_plans.page_plan(base, dense, False)
        else:
            plan = ("claim_live_" + search.SORT_KEYS.get(flt.sort, Claim.updated_at).column_name, False)
        _walk_table(database)
        steered, plain, params, _plan = claims_plans.steer(walk.limit(WALK_MAX), *plan)
        if steered == plain:  # never an unsteered walk: it could sort every live claim
            return None
        cursor = database.execute_sql(steered, params)  # stepped as far as needed, never run twice
        return _walk_members(database, cursor, match, size, {} if seen is None else seen)
    except Exception:  # noqa: BLE001 - the usual plan gives the same rows
        return None


def _walk_members(database, cursor, match: str, size: int, seen: dict) -> list[tuple] | None:
    found: list[tuple] = []
    read = 0
    want = WALK_SAMPLE
    try:
        while True:
            rows = cursor.fetchmany(want)
            read += len(rows)
            found += _members(database, rows, match) if rows else []
            seen["read"], seen["found"] = read, len(found)
            if len(found) >= size:
                return found[:size]
            if len(rows) < want:  # every live claim was read: these are all the matches
                return found
            if len(found) < WALK_MIN_SHARE * read:
                return None
            share = max(len(found), 1) / read
            # Steps grow from the sample's size (twice what was read, then WALK_STEP): a share that
            # only just passed the sample is looked at again soon.
            want = min(WALK_MAX - read, WALK_STEP, 2 * read, int((size - len(found)) / share * 1.25) + 1)
            if want <= 0:
                return None
    finally:
        cursor.close()  # ends the read at once: a statement left open would hold its snapshot


_PREFIX_OPTION = re.compile(r"""\s*,\s*prefix\s*=\s*('[^']*'|"[^"]*"|[^,)\s]+)""", re.IGNORECASE)


def _walk_table(database) -> None:
    """Make the TEMP table with the file's own index definition: the same columns and tokenizer.

    Without its prefix indexes (migration 0008), which change no match and would
    only slow down copying the claims met.
    """
    (sql,) = database.execute_sql("SELECT sql FROM main.sqlite_master WHERE name = 'claim_fts'").fetchone()
    head, arguments = sql.split("(", 1)
    if "fts5" not in head.lower() or "content" in arguments.lower():
        raise ValueError(f"claim_fts is not the index this walk knows: {sql}")
    arguments = _PREFIX_OPTION.sub("", arguments)
    database.execute_sql(f'CREATE VIRTUAL TABLE IF NOT EXISTS temp."{WALK_TABLE}" USING fts5({arguments}')


def _members(database, rows: list[tuple], match: str) -> list[tuple]:
    """Those of ``rows`` (claim id first) whose index entry matches ``match``, in their order."""
    fields = ", ".join(f.column_name for f in ClaimIndex._meta.sorted_fields if f.column_name != "rowid")
    ids = [row[0] for row in rows]
    database.execute_sql(f'DELETE FROM temp."{WALK_TABLE}"')
    database.execute_sql(
        f'INSERT INTO temp."{WALK_TABLE}" (rowid, {fields}) SELECT rowid, {fields} FROM main."claim_fts" '
        f'WHERE rowid IN ({",".join("?" * len(ids))})', ids)
    hits = {rowid for (rowid,) in database.execute_sql(
        f'SELECT rowid FROM temp."{WALK_TABLE}" WHERE "{WALK_TABLE}" MATCH ?', (match,))}
    return [row for row in rows if row[0] in hits]
