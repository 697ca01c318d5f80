"""The numbers behind the Dashboard, computed in SQL (no Qt).

Everything follows a ``search.ClaimFilter`` through ``search.filter_conditions``
(the same rules as the claims table). Three routes, each answered from
indexes alone at a million claims (``EXPLAIN QUERY PLAN`` of every query in
tests/benchmarks/test_dashboard_speed.py):

- no filter: the covering indexes of migration 0003 (one GROUP BY over
  (deleted_at, status, verdict), one range count per week over
  (deleted_at, created_at) / (deleted_at, finalised_at), flagged claimants in
  the order of (deleted_at, verdict, claimant_id)); ``source.n_claims`` (kept
  by the services) for the sources cited most;
- a filter on live claims (search, status, verdict, tag, claimant, dates,
  "no sources", a selection): the ``claim_dash_*`` indexes of migration 0006,
  which hold every column a filter tests. One ordered pass over
  ``claim_dash_status`` gives the counts by status and verdict *and* the
  flagged claimants; for a set of ids (search, tags, a selection) one pass
  over ``claim_dash_id`` lists them, tallied without a sort (``_tally_cube``);
  the weeks read
  only the last weeks' entries of ``claim_dash_created`` and
  ``claim_dash_finalised``. "Sources cited most" is counted from whichever
  side is cheaper: the evidence of the filtered claims, or - when the filter
  matches many claims - only the most cited sources, in order of
  ``source.n_claims``, stopping as soon as no source further down the list can
  reach the top (each one's count is at most its ``n_claims``);
- the trash and filters with extra expressions: the general queries, the
  trash read through ``claim_deleted_at``.

Given a ``helper`` lane (``desktop.lanes``; the Dashboard view passes one),
each route splits its work in two halves that run at once, on this thread and
on the helper's own connection: SQLite releases the GIL while it steps, so the
two use both cores (the largest tag: 277 ms on one thread, 142 ms on two).

The counters relied on (``claim.n_sources``, ``source.n_claims``) are kept by
the services and verified by ``claimlog check`` (desktop/checks.py).
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import wait
from dataclasses import dataclass, field
from datetime import date, timedelta

from peewee import SQL, IntegerField, Model, Tuple, fn

from desktop import search
from desktop.lanes import Lane
from desktop.models import Claim, Claimant, Evidence, Source
from desktop.models import database as _database
from desktop.workflow import STATUSES, VERDICTS

FLAGGED_VERDICTS = ("false", "misleading")


@dataclass
class Dashboard:
    total: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)  # STATUSES order, zeros kept
    by_verdict: list[tuple[str | None, int]] = field(default_factory=list)  # VERDICTS order, then None
    weeks: list[tuple[str, int, int]] = field(default_factory=list)  # (Monday ISO date, logged, finalised)
    top_claimants: list[tuple[str, int, int]] = field(default_factory=list)  # (name, false, misleading)
    top_sources: list[tuple[str, int]] = field(default_factory=list)  # (title, claims citing it)
    timings_ms: dict[str, float] = field(default_factory=dict)  # per part (parts may overlap in time)
    elapsed_ms: float | None = None  # the whole computation, start to end

    @property
    def total_ms(self) -> float:
        return self.elapsed_ms if self.elapsed_ms is not None else sum(self.timings_ms.values())


def _where(query, conditions):
    for cond in conditions:
        query = query.where(cond)
    return query


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _is_unfiltered(flt: search.ClaimFilter) -> bool:
    return flt.is_default and not flt.trash and not flt.extra


def _is_live_filter(flt: search.ClaimFilter) -> bool:
    """Every condition reads only columns held by the ``claim_dash_*`` indexes (or the claim id)."""
    return not flt.trash and not flt.extra


_FROM = 'FROM "claim" AS "t1"'


def _steer(query, index: str | None) -> tuple[str, list]:
    """SQL and parameters of a peewee query on claims, read through ``index`` when given."""
    sql, params = query.sql()
    if index:
        if _FROM not in sql:
            raise ValueError(f"cannot steer {sql[:80]!r}")
        sql = sql.replace(_FROM, f'{_FROM} INDEXED BY "{index}"', 1)
    return sql, list(params)


def _rows(query, index: str | None = None) -> list[tuple]:
    return _database.execute_sql(*_steer(query, index)).fetchall()


def compute(flt: search.ClaimFilter | None = None, *, weeks: int = 26, top: int = 10,
            helper: Lane | None = None) -> Dashboard:
    """The dashboard of the claims ``flt`` matches (every claim when None).

    With a ``helper`` lane, the weeks and (usually) the sources are counted
    there, on the lane's own connection, while this thread counts statuses,
    verdicts and claimants: SQLite releases the GIL while it steps, so the two
    halves use both cores. The numbers are the same either way.
    """
    flt = flt or search.ClaimFilter()
    if helper is not None and helper.on_own_thread():
        helper = None  # a lane cannot wait on itself
    started = time.perf_counter()
    if _is_unfiltered(flt):
        out = _compute_unfiltered(flt, weeks, top, helper)
    elif _is_live_filter(flt):
        out = _compute_live(flt, weeks, top, helper)
    else:
        out = _compute_general(flt, weeks, top, helper)
    out.elapsed_ms = (time.perf_counter() - started) * 1000
    return out


class _Later:
    """A part with no helper to run it: run where and when its result is asked for."""

    def __init__(self, func, args):
        self._func, self._args = func, args

    def result(self):
        return self._func(*self._args)


def _start(helper: Lane | None, func, *args):
    return helper.submit(func, *args) if helper is not None else _Later(func, args)


def _joined(side, main):
    """``main()`` on this thread, then the result of ``side`` (waited for even when ``main`` fails)."""
    try:
        mine = main()
    except BaseException:
        if not isinstance(side, _Later):
            wait([side])  # the helper's connection is idle again before anything else is asked of it
        raise
    return mine, side.result()


def _timed(timings: dict, name: str, func, *args):
    t0 = time.perf_counter()
    try:
        return func(*args)
    finally:
        timings[name] = (time.perf_counter() - t0) * 1000


def _fold_status_verdict(out: Dashboard, pairs) -> None:
    """Fill total, by_status and by_verdict from (status, verdict, count) rows."""
    statuses: dict[str, int] = {}
    verdicts: dict[str | None, int] = {}
    for status, verdict, n in pairs:
        statuses[status] = statuses.get(status, 0) + n
        verdicts[verdict] = verdicts.get(verdict, 0) + n
    _fold_marginals(out, statuses, verdicts)


def _fold_marginals(out: Dashboard, statuses: dict[str, int], verdicts: dict[str | None, int]) -> None:
    """Fill total, by_status and by_verdict from counts per status and per verdict (None: no verdict)."""
    statuses, verdicts = dict(statuses), dict(verdicts)
    out.total = sum(statuses.values())
    out.by_status = [(s, statuses.pop(s, 0)) for s in STATUSES] + sorted(statuses.items())
    out.by_verdict = [(v, verdicts.pop(v, 0)) for v in VERDICTS]
    unknown = sorted((k, v) for k, v in verdicts.items() if k is not None)
    out.by_verdict += unknown + [(None, verdicts.get(None, 0))]


def _count_cube(out: Dashboard, conditions, index: str | None) -> dict[int, list[int]]:
    """One grouped pass by (status, verdict, claimant): fills the totals of ``out`` and returns
    {claimant id: [false, misleading]} for the flagged-claimants chart."""
    query = _where(Claim.select(Claim.status, Claim.verdict, Claim.claimant, fn.COUNT(SQL("*"))), conditions)
    cube = _rows(query.group_by(Claim.status, Claim.verdict, Claim.claimant), index)
    _fold_status_verdict(out, ((status, verdict, n) for status, verdict, _cid, n in cube))
    per_claimant: dict[int, list[int]] = {}
    for _status, verdict, cid, n in cube:
        if verdict in FLAGGED_VERDICTS:
            per_claimant.setdefault(cid, [0, 0])[FLAGGED_VERDICTS.index(verdict)] += n
    return per_claimant


def _tally_cube(out: Dashboard, conditions, index: str) -> dict[int, list[int]]:
    """As ``_count_cube``, for a set of ids: one pass with no sort, the lists counted here.

    The claims of a set of ids come in id order, not grouped, and SQLite's
    sorter costs about 0.6 microseconds a row (more while the helper lane
    sorts too): 130-200 ms of the largest tag's 137,000 claims. Instead one
    statement returns the statuses and the verdicts of the matching claims as
    two lists (``group_concat``, each item between its own commas), and the
    claimants of the false and of the misleading ones as two more
    (``FILTER``). Statuses and verdicts are counted with ``str.count`` (a C
    search, no string per claim); only the flagged claimants are split.
    Status and verdict ids are [a-z_] words, so a comma never falls inside
    one; if the known ids do not add up to every claim (an id this version
    does not know), the grouped query answers instead.
    """
    flagged_lists = [
        fn.GROUP_CONCAT(fn.IFNULL(Claim.claimant, SQL("''")), SQL("','")).filter(Claim.verdict == verdict)
        for verdict in FLAGGED_VERDICTS
    ]
    # Literals, not parameters: a bound separator is copied for every row (94 ms against 60).
    query = _where(Claim.select(
        fn.GROUP_CONCAT(Claim.status, SQL("',,'")), fn.GROUP_CONCAT(fn.IFNULL(Claim.verdict, SQL("'-'")), SQL("',,'")),
        *flagged_lists, fn.COUNT(SQL("*"))), conditions)
    status_list, verdict_list, *flagged, n = _rows(query, index)[0]
    if not n:
        _fold_marginals(out, {}, {})
        return {}
    status_text, verdict_text = f",{status_list},", f",{verdict_list},"  # each item between its own commas
    statuses = {s: c for s in STATUSES if (c := status_text.count(f",{s},"))}
    verdicts = {v: c for v in VERDICTS if (c := verdict_text.count(f",{v},"))}
    unset = verdict_text.count(",-,")
    if sum(statuses.values()) != n or sum(verdicts.values()) + unset != n:
        return _count_cube(out, conditions, index)
    _fold_marginals(out, statuses, {**verdicts, None: unset})
    per_claimant: dict[int | None, list[int]] = {}
    for k, names in enumerate(flagged):
        for cid, m in Counter(names.split(",") if names is not None else ()).items():
            per_claimant.setdefault(int(cid) if cid else None, [0, 0])[k] += m
    return per_claimant


def _rank_claimants(per_claimant: dict, top: int) -> list[tuple[str, int, int]]:
    per_claimant.pop(None, None)  # claims without a claimant
    ranked = sorted(per_claimant.items(), key=lambda item: (-sum(item[1]), item[0]))[:top]
    ids = [cid for cid, _ in ranked]
    names = dict(Claimant.select(Claimant.id, Claimant.name).where(Claimant.id.in_(ids)).tuples())
    return [(names.get(cid, "?"), f, m) for cid, (f, m) in ranked]


def _compute_unfiltered(flt: search.ClaimFilter, n_weeks: int, top: int, helper: Lane | None) -> Dashboard:
    conditions = search.filter_conditions(flt)
    out = Dashboard()
    side = _start(helper, _unfiltered_side, conditions, n_weeks, top)

    def main():
        timings: dict[str, float] = {}
        pairs = _where(Claim.select(Claim.status, Claim.verdict, fn.COUNT(SQL("*"))), conditions)
        _timed(timings, "status_verdict", lambda: _fold_status_verdict(
            out, pairs.group_by(Claim.status, Claim.verdict).tuples()))
        out.top_claimants = _timed(timings, "claimants", _unfiltered_claimants, conditions, top)
        return timings

    timings, (out.weeks, out.top_sources, side_timings) = _joined(side, main)
    out.timings_ms = {**timings, **side_timings}
    return out


def _unfiltered_claimants(conditions, top: int) -> list[tuple[str, int, int]]:
    # Grouped in the order of the (deleted_at, verdict, claimant_id) index:
    # read from the index alone, no temporary B-tree.
    per_claimant: dict[int, list[int]] = {}
    flagged = conditions + [Claim.verdict.in_(FLAGGED_VERDICTS)]
    query = _where(Claim.select(Claim.verdict, Claim.claimant, fn.COUNT(SQL("*"))), flagged)
    for verdict, cid, n in query.group_by(Claim.verdict, Claim.claimant).tuples():
        per_claimant.setdefault(cid, [0, 0])[FLAGGED_VERDICTS.index(verdict)] += n
    return _rank_claimants(per_claimant, top)


def _unfiltered_side(conditions, n_weeks: int, top: int):
    timings: dict[str, float] = {}
    weeks = _timed(timings, "weeks", _weeks, conditions, n_weeks, True)
    # The counter the services keep (it also counts citing claims now in the trash).
    rows = (
        Source.select(Source.title, Source.n_claims)
        .where(Source.n_claims > 0)
        .order_by(Source.n_claims.desc(), Source.id)
        .limit(top)
        .tuples()
    )
    sources = _timed(timings, "sources", lambda: [(title, n) for title, n in rows])
    return weeks, sources, timings


def _live_statuses() -> list[str]:
    """The distinct statuses of live claims: one seek per status in ``claim_dash_status``."""
    sql = (
        'WITH RECURSIVE s(v) AS ('
        ' SELECT (SELECT MIN("status") FROM "claim" INDEXED BY "claim_dash_status" WHERE "deleted_at" IS NULL)'
        ' UNION ALL SELECT (SELECT MIN("status") FROM "claim" INDEXED BY "claim_dash_status"'
        ' WHERE "deleted_at" IS NULL AND "status" > s.v) FROM s WHERE s.v IS NOT NULL)'
        ' SELECT v FROM s WHERE v IS NOT NULL'
    )
    return [row[0] for row in _database.execute_sql(sql).fetchall()]


class _FilterIds(Model):
    """The ids a search, tag or selection filter names, gathered once per dashboard (a TEMP table).

    Each statement then tests ``id IN temp.dashboard_ids`` against this
    table's own rowid B-tree instead of re-running the search or re-reading
    the tag links into a fresh list (25 ms per statement for a tag on 140,000
    claims). Liveness is left to the queries: the ``claim_dash_*`` indexes
    hold live claims only.
    """

    id = IntegerField(primary_key=True)

    class Meta:
        database = _database
        table_name = "dashboard_ids"
        schema = "temp"


def _gather_ids(flt: search.ClaimFilter) -> None:
    db = _database
    db.execute_sql('CREATE TEMP TABLE IF NOT EXISTS "dashboard_ids" ("id" INTEGER PRIMARY KEY)')
    db.execute_sql('DELETE FROM temp."dashboard_ids"')
    parts, params = [], []
    match = search.fts_query(flt.text)
    if match:
        parts.append('SELECT "rowid" FROM "claim_fts" WHERE "claim_fts" MATCH ?')
        params.append(match)
    if flt.tag_ids:
        tags = sorted(flt.tag_ids)
        parts.append(f'SELECT "claim_id" FROM "claim_tag" WHERE "tag_id" IN ({",".join("?" * len(tags))})')
        params.extend(tags)
    if parts:
        db.execute_sql('INSERT OR IGNORE INTO temp."dashboard_ids" ("id") ' + " INTERSECT ".join(parts), params)
    if flt.ids is not None:
        chosen = sorted(flt.ids)
        if parts:
            kept = [(i,) for i in chosen]
            db.execute_sql('CREATE TEMP TABLE IF NOT EXISTS "dashboard_chosen" ("id" INTEGER PRIMARY KEY)')
            db.execute_sql('DELETE FROM temp."dashboard_chosen"')
            db.connection().executemany('INSERT OR IGNORE INTO temp."dashboard_chosen" ("id") VALUES (?)', kept)
            db.execute_sql('DELETE FROM temp."dashboard_ids" WHERE "id" NOT IN (SELECT "id" FROM temp."dashboard_chosen")')
            db.execute_sql('DELETE FROM temp."dashboard_chosen"')
        else:
            db.connection().executemany('INSERT OR IGNORE INTO temp."dashboard_ids" ("id") VALUES (?)',
                                        [(i,) for i in chosen])


def _release_ids() -> None:
    _database.execute_sql('DELETE FROM temp."dashboard_ids"')


def _in_scope(flt: search.ClaimFilter, job):
    """``job(conditions, id_set)`` with the filter's conditions on this thread's connection.

    A filter that names its claims by id (search, tags, selection) has them
    gathered once into this connection's TEMP table, and the conditions test
    membership there.
    """
    if not search.names_ids(flt):
        return job(search.filter_conditions(flt), False)
    _gather_ids(flt)
    try:
        rest = search.filter_conditions(flt.with_(text="", tag_ids=frozenset(), ids=None))
        return job(rest + [Claim.id.in_(_FilterIds.select(_FilterIds.id))], True)
    finally:
        _release_ids()


def _compute_live(flt: search.ClaimFilter, n_weeks: int, top: int, helper: Lane | None) -> Dashboard:
    out = Dashboard()
    if helper is None:
        def alone(conditions, id_set):
            out.timings_ms.update(_live_cube(out, flt, conditions, id_set, top))
            if out.total:
                out.weeks = _timed(out.timings_ms, "weeks", _live_weeks, conditions, n_weeks)
                out.top_sources = _timed(out.timings_ms, "sources", _live_sources, flt, conditions, id_set,
                                         out.total, top)
            return out

        return _in_scope(flt, alone)

    if search.names_ids(flt) and flt.with_(text="", tag_ids=frozenset(), ids=None).is_default:
        # The ids are the whole filter. The helper gathers them again on its
        # connection and ranks the sources, its route picked by how many ids
        # it gathered; this thread counts the cube, then the weeks.
        def side_job(conditions, id_set):
            timings: dict[str, float] = {}
            total = _FilterIds.select().count()
            return _timed(timings, "sources", _live_sources, flt, conditions, id_set, total, top), timings

        def main_job(conditions, id_set):
            timings = _live_cube(out, flt, conditions, id_set, top)
            out.weeks = _timed(timings, "weeks", _live_weeks, conditions, n_weeks)
            return timings

        side = _start(helper, _in_scope, flt, side_job)
        timings, (out.top_sources, side_timings) = _joined(side, lambda: _in_scope(flt, main_job))
    else:
        # The weeks there; the cube here, then the sources, once the cube has
        # told how many claims match (the route to them depends on it).
        def side_job(conditions, id_set):
            timings: dict[str, float] = {}
            return _timed(timings, "weeks", _live_weeks, conditions, n_weeks), timings

        def main_job(conditions, id_set):
            timings = _live_cube(out, flt, conditions, id_set, top)
            out.top_sources = _timed(timings, "sources", _live_sources, flt, conditions, id_set, out.total, top)
            return timings

        side = _start(helper, _in_scope, flt, side_job)
        timings, (out.weeks, side_timings) = _joined(side, lambda: _in_scope(flt, main_job))
    out.timings_ms = {**timings, **side_timings}
    return out


def _live_cube(out: Dashboard, flt: search.ClaimFilter, conditions, id_set: bool, top: int) -> dict[str, float]:
    """Counts by status and verdict, and the flagged claimants, into ``out``; returns the timings."""
    # One pass, grouped in index order. A filter on verdicts alone names the
    # live statuses too, so SQLite seeks each (status, verdict) range instead
    # of reading them all.
    timings: dict[str, float] = {}
    index = "claim_dash_id" if id_set else "claim_dash_status"
    scan = list(conditions)
    if not id_set and flt.verdicts and not flt.statuses and "" not in flt.verdicts:
        scan.append(Claim.status.in_(_live_statuses()))
    count = _tally_cube if id_set else _count_cube  # claim_dash_status is read in group order: no sort
    per_claimant = _timed(timings, "status_verdict", count, out, scan, index)
    out.top_claimants = _timed(timings, "claimants", _rank_claimants, per_claimant, top)
    return timings


def _live_sources(flt: search.ClaimFilter, conditions, id_set: bool, total: int, top: int) -> list[tuple[str, int]]:
    if flt.no_sources or not total:
        return []  # "No sources" means n_sources = 0: such claims cite nothing.
    return _live_top_sources(flt, conditions, id_set, total, top)


def _latest(column, index: str, conditions) -> str | None:
    query = _where(Claim.select(column), conditions + [column.is_null(False)]).order_by(column.desc()).limit(1)
    rows = _rows(query, index)
    return rows[0][0] if rows else None


def _first_week(latest_created: str | None, latest_final: str | None, n_weeks: int) -> date | None:
    """Monday of the first of ``n_weeks`` weeks ending with the week of the latest activity (None: none)."""
    latest = max(filter(None, (latest_created, latest_final)), default=None)
    if latest is None:
        return None
    try:
        end = monday(date.fromisoformat(latest[:10]))
    except ValueError:
        return None
    return end - timedelta(weeks=n_weeks - 1)


def _live_weeks(conditions, n_weeks: int) -> list[tuple[str, int, int]]:
    """As ``_weeks``, reading only the newest entries of the created / finalised indexes."""
    latest_created = _latest(Claim.created_at, "claim_dash_created", conditions)
    latest_final = _latest(Claim.finalised_at, "claim_dash_finalised", conditions)
    start = _first_week(latest_created, latest_final, n_weeks)
    if start is None:
        return []
    # A range count per week tests the filter on each entry without sorting
    # any (a set of ids: one seek in the TEMP table per entry). Grouping by
    # day instead sorted every entry: 83 ms against 45 for the largest tag.
    starts = [(start + timedelta(weeks=i)).isoformat() for i in range(n_weeks + 1)]
    logged = _range_counts(Claim.created_at, conditions, starts, "claim_dash_created")
    finalised = _range_counts(Claim.finalised_at, conditions, starts, "claim_dash_finalised")
    return [(week, logged.get(week, 0), finalised.get(week, 0)) for week in starts[:-1]]


# "Sources cited most" for a filter, in the unit of one index read per citing
# claim checked from the sources' side (about 1 microsecond at a million
# claims): counting from the claims' side costs this much per matching claim,
# plus one full pass over claim_dash_status (a twentieth of a unit per claim)
# to list the claims when neither a set of ids nor statuses narrow it.
CLAIM_SIDE_COST = 2.0
FULL_PASS_COST = 0.05
SOURCE_BATCH = 24


def _live_top_sources(flt: search.ClaimFilter, conditions, id_set: bool, total: int,
                      top: int) -> list[tuple[str, int]]:
    newest = Claim.select(fn.MAX(Claim.id)).scalar() or 1  # claims ever made: an upper bound for the live ones
    from_claims = total * CLAIM_SIDE_COST + (0 if id_set or flt.statuses else newest * FULL_PASS_COST)
    if _source_side_cost(total, newest, top, from_claims) < from_claims:
        rows = _top_sources_by_bound(conditions, top)
    else:
        rows = _top_sources_from_claims(conditions, "claim_dash_id" if id_set else "claim_dash_status", top)
    titles = dict(Source.select(Source.id, Source.title).where(Source.id.in_([r[0] for r in rows])).tuples())
    return [(titles.get(sid, "?"), count) for sid, count in rows]


def _source_side_cost(total: int, newest: int, top: int, enough: float) -> float:
    """Citing claims to check to rank sources from their side (an estimate: it only picks the route).

    A source's count under the filter is expected near ``n_claims`` times the
    share of claims matching; every source whose ``n_claims`` could reach the
    top-th expected count must be examined. Summing stops past ``enough``.
    """
    kth = Source.select(Source.n_claims).order_by(Source.n_claims.desc()).limit(1).offset(top - 1).scalar()
    if not kth:
        return 0.0
    reach = max(kth * min(1.0, total / newest) * 0.8, 1)
    limit = int(enough // reach) + 2  # enough sources to exceed the other route
    sub = (Source.select(Source.n_claims.alias("n")).where(Source.n_claims >= reach)
           .order_by(Source.n_claims.desc()).limit(limit))
    return float(Source.select(fn.SUM(SQL("n"))).from_(sub).scalar() or 0)


def _top_sources_from_claims(conditions, index: str, top: int) -> list[tuple[int, int]]:
    """Group the evidence of the filtered claims by source (cost grows with the claims matching)."""
    claims_sql, params = _steer(_where(Claim.select(Claim.id), conditions), index)
    sql = (f'SELECT "source_id", COUNT(DISTINCT "claim_id") AS n FROM "evidence" WHERE "claim_id" IN ({claims_sql}) '
           f'GROUP BY "source_id" ORDER BY n DESC, "source_id" LIMIT ?')
    return [tuple(r) for r in _database.execute_sql(sql, params + [top]).fetchall()]


def _count_citing(conditions, source_ids: list[int]) -> dict[int, int]:
    """Filtered claims citing each source: its citing claims (by index) checked in ``claim_dash_id``."""
    query = (
        Evidence.select(Evidence.source, fn.COUNT(Evidence.claim.distinct()))
        .join(Claim, on=(Claim.id == Evidence.claim))
        .where(Evidence.source.in_(source_ids))
    )
    query = _where(query, conditions).group_by(Evidence.source)
    sql, params = query.sql()
    evidence_from, claim_join = 'FROM "evidence" AS "t1"', 'INNER JOIN "claim" AS "t2"'
    if evidence_from not in sql or claim_join not in sql:
        raise ValueError(f"cannot steer {sql[:80]!r}")
    sql = sql.replace(evidence_from, f'{evidence_from} INDEXED BY "evidence_source_id_claim_id"', 1)
    sql = sql.replace(claim_join, f'{claim_join} INDEXED BY "claim_dash_id"', 1)
    # "+": the claim is looked up by id for each citing link, never the other
    # way round (a tag's 100,000 ids times every source examined).
    sql = sql.replace('ON ("t2"."id" = "t1"."claim_id")', 'ON ("t2"."id" = +"t1"."claim_id")', 1)
    counts = dict.fromkeys(source_ids, 0)
    counts.update(dict(_database.execute_sql(sql, params).fetchall()))
    return counts


def _top_sources_by_bound(conditions, top: int) -> list[tuple[int, int]]:
    """The most cited sources, examining sources in order of ``n_claims`` (an upper bound of each count).

    Exact: it stops only when the next source's ``n_claims`` is below the
    top-th count found, so no source further down can enter or tie.
    """
    counts: dict[int, int] = {}
    after: tuple[int, int] | None = None
    while True:
        ranked = sorted(((-n, sid) for sid, n in counts.items() if n > 0))[:top]
        # Backwards along the (n_claims, id) index: any order of equal
        # n_claims will do, as every source reaching the bound is counted.
        # One lower bound only: given two, SQLite may seek by the weaker one.
        bound = -ranked[-1][0] if len(ranked) == top else 1
        query = Source.select(Source.id, Source.n_claims).where(Source.n_claims >= bound)
        if after is not None:
            query = query.where(Tuple(Source.n_claims, Source.id) < Tuple(*after))
        batch = list(query.order_by(Source.n_claims.desc(), Source.id.desc()).limit(SOURCE_BATCH).tuples())
        if not batch:
            break
        counts.update(_count_citing(conditions, [sid for sid, _ in batch]))
        after = (batch[-1][1], batch[-1][0])
    ranked = sorted(((-n, sid) for sid, n in counts.items() if n > 0))[:top]
    return [(sid, -n) for n, sid in ranked]


def _compute_general(flt: search.ClaimFilter, n_weeks: int, top: int, helper: Lane | None) -> Dashboard:
    """The trash and filters with extra expressions: plain queries (the trash read through its own index)."""
    conditions = search.filter_conditions(flt)
    index = "claim_deleted_at" if flt.trash else None
    out = Dashboard()
    side = _start(helper, _general_weeks, conditions, n_weeks, index)

    def main():
        timings: dict[str, float] = {}
        per_claimant = _timed(timings, "status_verdict", _count_cube, out, conditions, index)
        out.top_claimants = _timed(timings, "claimants", _rank_claimants, per_claimant, top)
        out.top_sources = _timed(timings, "sources", _general_sources, conditions, index, top) if out.total else []
        return timings

    timings, (out.weeks, side_timings) = _joined(side, main)
    out.timings_ms = {**timings, **side_timings}
    return out


def _general_weeks(conditions, n_weeks: int, index: str | None):
    timings: dict[str, float] = {}
    return _timed(timings, "weeks", _weeks, conditions, n_weeks, False, index), timings


def _general_sources(conditions, index: str | None, top: int) -> list[tuple[str, int]]:
    rows = _top_sources_from_claims(conditions, index, top)
    titles = dict(Source.select(Source.id, Source.title).where(Source.id.in_([r[0] for r in rows])).tuples())
    return [(titles.get(sid, "?"), count) for sid, count in rows]


def _weeks(conditions, n_weeks: int, by_ranges: bool = False, index: str | None = None) -> list[tuple[str, int, int]]:
    """The last ``n_weeks`` weeks up to the latest activity in the filtered claims."""
    latest_created = _rows(_where(Claim.select(fn.MAX(Claim.created_at)), conditions), index)[0][0]
    latest_final = _rows(_where(Claim.select(fn.MAX(Claim.finalised_at)), conditions), index)[0][0]
    start = _first_week(latest_created, latest_final, n_weeks)
    if start is None:
        return []
    since = start.isoformat()
    starts = [(start + timedelta(weeks=i)).isoformat() for i in range(n_weeks + 1)]
    if by_ranges:
        # One range count per week: SQLite counts index entries without
        # decoding each timestamp (about 6x faster than grouping by day).
        logged = _range_counts(Claim.created_at, conditions, starts)
        finalised = _range_counts(Claim.finalised_at, conditions, starts)
    else:
        # With a filter every query pays for it once: group by day instead.
        logged = _per_week(Claim.created_at, conditions, since, index)
        finalised = _per_week(Claim.finalised_at, conditions, since, index)
    return [(week, logged.get(week, 0), finalised.get(week, 0)) for week in starts[:-1]]


def _range_counts(column, conditions, starts: list[str], index: str | None = None) -> dict[str, int]:
    counts = {}
    for low, high in zip(starts, starts[1:]):
        query = _where(Claim.select(fn.COUNT(SQL("*"))), conditions + [column >= low, column < high])
        counts[low] = _rows(query, index)[0][0] or 0
    return counts


def _per_week(column, conditions, since: str, index: str | None = None) -> dict[str, int]:
    """Claims per Monday-based week from ``since``: days counted in SQL, folded into weeks here."""
    day = fn.SUBSTR(column, 1, 10)
    query = _where(Claim.select(day.alias("day"), fn.COUNT(SQL("*"))), conditions + [column >= since])
    weeks: dict[str, int] = {}
    for day_text, n in _rows(query.group_by(SQL("day")), index):
        try:
            week = monday(date.fromisoformat(day_text)).isoformat()
        except (TypeError, ValueError):
            continue
        weeks[week] = weeks.get(week, 0) + n
    return weeks
