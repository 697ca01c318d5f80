"""Every route of dashboard_data.compute against a plain SQL reference.

The dashboard answers unfiltered views, live filters (through the
``claim_dash_*`` indexes, with two ways to rank sources) and the trash or
extra expressions by different queries; each must give exactly the numbers a
straightforward count over ``search.claim_ids(flt)`` gives.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from desktop import dashboard_data, search, services
from desktop.lanes import Lane
from desktop.models import Claim, Tag
from desktop.models import database as proxy


def sql(query, *params):
    return proxy.execute_sql(query, params).fetchall()


def reference(flt: search.ClaimFilter, n_weeks: int = 26, top: int = 10) -> dict:
    """The dashboard's numbers the slow, obvious way."""
    ids = [r[0] for r in search.claim_ids(flt).tuples()]
    if not ids:
        return {"total": 0, "status": {}, "verdict": {}, "weeks": [], "claimants": [], "sources": []}
    marks = ",".join("?" * len(ids))
    rows = sql(f"SELECT status, verdict, claimant_id, created_at, finalised_at FROM claim WHERE id IN ({marks})", *ids)
    status, verdict = {}, {}
    for s, v, *_ in rows:
        status[s] = status.get(s, 0) + 1
        verdict[v] = verdict.get(v, 0) + 1
    latest = max(max(r[3] for r in rows), max((r[4] for r in rows if r[4]), default=""))
    end = dashboard_data.monday(date.fromisoformat(latest[:10]))
    starts = [end - timedelta(weeks=n_weeks - 1 - i) for i in range(n_weeks)]

    def week_of(stamp):
        return dashboard_data.monday(date.fromisoformat(stamp[:10])) if stamp else None

    weeks = [(w.isoformat(), sum(week_of(r[3]) == w for r in rows), sum(week_of(r[4]) == w for r in rows))
             for w in starts]
    flagged = {}
    for s, v, cid, *_ in rows:
        if v in ("false", "misleading") and cid is not None:
            flagged.setdefault(cid, [0, 0])[0 if v == "false" else 1] += 1
    ranked = sorted(flagged.items(), key=lambda item: (-sum(item[1]), item[0]))[:top]
    names = dict(sql("SELECT id, name FROM claimant"))
    cited = sql(f"SELECT s.title, COUNT(DISTINCT e.claim_id) n FROM evidence e JOIN source s ON s.id = e.source_id "
                f"WHERE e.claim_id IN ({marks}) GROUP BY s.id ORDER BY n DESC, s.id LIMIT {top}", *ids)
    return {"total": len(ids), "status": status, "verdict": verdict, "weeks": weeks,
            "claimants": [(names[c], f, m) for c, (f, m) in ranked], "sources": [tuple(r) for r in cited]}


def numbers(data: dashboard_data.Dashboard) -> dict:
    return {"total": data.total, "status": {s: n for s, n in data.by_status if n},
            "verdict": {v: n for v, n in data.by_verdict if n}, "weeks": data.weeks,
            "claimants": data.top_claimants, "sources": data.top_sources}


@pytest.fixture
def desk(make_claim, make_source):
    """Sixty claims over four claimants, tags, dates, evidence with many tied counts, some in the trash."""
    rnd = random.Random(7)
    sources = [make_source(title=f"Source {n:02d}") for n in range(12)]
    claimants = ["Ministry", "Border Watch", "Radio Hill", "Mayor Office"]
    tags = ["floods", "fuel", "schools", "health"]
    day0 = date(2026, 3, 2)
    ids = []
    for n in range(60):
        claim = make_claim(
            f"Claim {n} about {'soldiers at the bridge' if n % 5 == 0 else 'fuel prices'}",
            claimant=claimants[n % 4] if n % 7 else "",
            claimed_on=f"2025-{1 + n % 12:02d}-{1 + n % 27:02d}" if n % 6 else "",
            tags=[t for k, t in enumerate(tags) if (n >> k) & 1],
        )
        ids.append(claim.id)
        for source in rnd.sample(sources, rnd.choice([0, 0, 1, 2, 3])):
            services.link_evidence(claim.id, source.id, "refutes" if n % 2 else "supports")
        stays = n % 5 == 0
        fresh = Claim.get_by_id(claim.id)
        if not stays and fresh.n_sources:
            services.set_status(claim.id, "in_progress")
            services.set_verdict(claim.id, ["false", "misleading", "true", "unverified"][n % 4])
            if n % 3 == 0:
                services.set_status(claim.id, "needs_review")
                services.set_status(claim.id, "final")
    # Spread the timestamps over months so the weeks charts have shape (test setup, not an app write).
    for k, cid in enumerate(ids):
        created = day0 + timedelta(days=3 * k)
        proxy.execute_sql("UPDATE claim SET created_at = ? WHERE id = ?", (f"{created}T10:00:00.000000Z", cid))
        proxy.execute_sql("UPDATE claim SET finalised_at = ? WHERE id = ? AND finalised_at IS NOT NULL",
                          (f"{created + timedelta(days=9)}T12:00:00.000000Z", cid))
    services.trash_claims(ids[50:55])
    return ids


def _filters(ids):
    fuel = Tag.get(Tag.name == "fuel").id
    floods = Tag.get(Tag.name == "floods").id
    claimant = Claim.get_by_id(ids[1]).claimant_id
    return {
        "status": search.ClaimFilter(statuses=frozenset({"final"})),
        "statuses": search.ClaimFilter(statuses=frozenset({"final", "unstarted"})),
        "verdict": search.ClaimFilter(verdicts=frozenset({"false"})),
        "verdict or none": search.ClaimFilter(verdicts=frozenset({"false", ""})),
        "search": search.ClaimFilter(text="soldiers"),
        "tag": search.ClaimFilter(tag_ids=frozenset({fuel})),
        "tags": search.ClaimFilter(tag_ids=frozenset({fuel, floods})),
        "claimant": search.ClaimFilter(claimant_ids=frozenset({claimant})),
        "no sources": search.ClaimFilter(no_sources=True),
        "dates": search.ClaimFilter(date_from="2025-03", date_to="2025-08"),
        "status and verdict": search.ClaimFilter(statuses=frozenset({"final"}), verdicts=frozenset({"false"})),
        "tag and claimant": search.ClaimFilter(tag_ids=frozenset({floods}), claimant_ids=frozenset({claimant})),
        "selection": search.ClaimFilter(ids=frozenset(ids[:20:2])),
        "search within a selection": search.ClaimFilter(text="soldiers", ids=frozenset(ids[:30])),
        "empty selection": search.ClaimFilter(ids=frozenset()),
        "tag in the trash": search.ClaimFilter(trash=True, tag_ids=frozenset({fuel})),
        "trash": search.ClaimFilter(trash=True),
        "extra": search.ClaimFilter(extra=(Claim.priority == 0,)),
        "nothing": search.ClaimFilter(text="zzzznothing"),
        "everything": search.ClaimFilter(),
    }


@pytest.fixture
def helper():
    """A second lane, as the Dashboard view gives ``compute``: part of the work runs on its connection."""
    lane = Lane("test-dashboard-helper")
    yield lane
    lane.close()


@pytest.mark.parametrize("parallel", [False, True], ids=["one thread", "with a helper lane"])
@pytest.mark.parametrize("route", ["estimate", "claims side", "sources side"])
def test_every_filter_matches_the_reference(desk, route, parallel, helper, monkeypatch):
    if route == "claims side":
        monkeypatch.setattr(dashboard_data, "CLAIM_SIDE_COST", 0.0)
    elif route == "sources side":
        monkeypatch.setattr(dashboard_data, "CLAIM_SIDE_COST", 1e12)
        monkeypatch.setattr(dashboard_data, "SOURCE_BATCH", 2)  # several rounds of the bound
    for name, flt in _filters(desk).items():
        for top in (10, 3, 1):
            got = numbers(dashboard_data.compute(flt, top=top, helper=helper if parallel else None))
            want = reference(flt, top=top)
            if name == "everything":
                # Unfiltered, sources are ranked by source.n_claims, which also counts trashed citing claims.
                want["sources"] = [tuple(r) for r in sql(
                    f"SELECT title, n_claims FROM source WHERE n_claims > 0 ORDER BY n_claims DESC, id LIMIT {top}")]
            assert got == want, f"{name} (top {top}, {route})"


def test_the_routes_are_taken(desk, monkeypatch):
    """Each filter kind reaches the route its speed depends on (and the bound stops early)."""
    seen = []
    monkeypatch.setattr(dashboard_data, "_compute_live", _spy(dashboard_data._compute_live, seen, "live"))
    monkeypatch.setattr(dashboard_data, "_compute_general", _spy(dashboard_data._compute_general, seen, "general"))
    monkeypatch.setattr(dashboard_data, "_compute_unfiltered",
                        _spy(dashboard_data._compute_unfiltered, seen, "unfiltered"))
    filters = _filters(desk)
    for name in ("everything", "status", "search", "tag", "trash", "extra"):
        dashboard_data.compute(filters[name])
    assert seen == ["unfiltered", "live", "live", "live", "general", "general"]
    counted = []
    monkeypatch.setattr(dashboard_data, "CLAIM_SIDE_COST", 1e12)
    monkeypatch.setattr(dashboard_data, "_count_citing", _spy(dashboard_data._count_citing, counted, None))
    dashboard_data.compute(filters["status"], top=1)
    assert counted and len(counted[0]) <= dashboard_data.SOURCE_BATCH


def test_no_sources_reads_no_evidence(desk):
    data = dashboard_data.compute(search.ClaimFilter(no_sources=True))
    assert data.total == sql("SELECT COUNT(*) FROM claim WHERE deleted_at IS NULL AND n_sources = 0")[0][0] > 0
    assert data.top_sources == []


def _spy(func, log, label):
    def wrapper(*args, **kwargs):
        log.append(label if label is not None else args[1])
        return func(*args, **kwargs)
    return wrapper


def test_filter_ids_leave_no_rows_behind(desk, monkeypatch):
    """The TEMP table of a search's ids is emptied after each dashboard, also when a query fails."""
    dashboard_data.compute(search.ClaimFilter(text="soldiers"))
    assert sql('SELECT COUNT(*) FROM temp."dashboard_ids"') == [(0,)]

    def broken(*args, **kwargs):
        assert sql('SELECT COUNT(*) FROM temp."dashboard_ids"')[0][0] > 0
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dashboard_data, "_live_cube", broken)
    with pytest.raises(RuntimeError):
        dashboard_data.compute(search.ClaimFilter(tag_ids=frozenset({Tag.get(Tag.name == "fuel").id})))
    assert sql('SELECT COUNT(*) FROM temp."dashboard_ids"') == [(0,)]


@pytest.mark.parametrize("kind, helper_part", [("tag", "_live_sources"), ("status", "_live_weeks")])
def test_a_failure_on_either_thread_is_raised_and_the_helper_is_left_idle(desk, helper, kind, helper_part,
                                                                          monkeypatch):
    """With a helper lane, an error from the helper's half or from this thread's half reaches the
    caller; the helper has finished its half before compute returns, and holds no ids."""
    flt = _filters(desk)[kind]
    real = getattr(dashboard_data, helper_part)
    on_helper = []

    def fails(*args):
        on_helper.append(helper.on_own_thread())
        raise RuntimeError("helper half failed")

    monkeypatch.setattr(dashboard_data, helper_part, fails)
    with pytest.raises(RuntimeError, match="helper half failed"):
        dashboard_data.compute(flt, helper=helper)
    assert on_helper == [True]  # the part named really runs on the helper

    finished = []

    def slow(*args):
        result = real(*args)
        finished.append(True)
        return result

    def cube_fails(*args):
        raise RuntimeError("main half failed")

    monkeypatch.setattr(dashboard_data, helper_part, slow)
    monkeypatch.setattr(dashboard_data, "_live_cube", cube_fails)
    with pytest.raises(RuntimeError, match="main half failed"):
        dashboard_data.compute(flt, helper=helper)
    assert finished == [True]  # waited for, not left running

    def ids_held():
        if not sql("SELECT 1 FROM temp.sqlite_master WHERE name = 'dashboard_ids'"):
            return 0  # never gathered any on this connection (a filter not naming ids)
        return sql('SELECT COUNT(*) FROM temp."dashboard_ids"')[0][0]

    assert helper.submit(ids_held).result(timeout=10) == 0


@pytest.mark.parametrize("column, value", [("status", "archived"), ("verdict", "satire")])
def test_ids_unknown_to_this_version_are_still_counted(desk, helper, column, value):
    """A status or verdict id this version does not know (a file from a newer one, or edited by hand)
    is counted under its own id on every route, the tallied one of a set of ids included."""
    proxy.execute_sql(f"UPDATE claim SET {column} = ? WHERE id IN (?, ?)", (value, desk[1], desk[3]))
    filters = _filters(desk)
    for name in ("tag", "search", "selection", "status", "everything"):
        for parallel in (None, helper):
            got = numbers(dashboard_data.compute(filters[name], helper=parallel))
            want = reference(filters[name])
            if name == "everything":
                want["sources"] = got["sources"]  # ranked by source.n_claims there (tested above)
            assert got == want, name
    tagged = numbers(dashboard_data.compute(search.ClaimFilter(ids=frozenset(desk[:5]))))
    assert tagged[column if column == "status" else "verdict"].get(value) == 2
