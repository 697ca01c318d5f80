"""The claims table model: Qt's model contract, paging, sort, filter, in-place updates."""

import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QCoreApplication, QPersistentModelIndex, Qt

from desktop import claims_keys, claims_order, claims_plans, claims_walk, search, services
from desktop.models import Claim
from desktop.views import claims_model, worker
from desktop.views.claims_model import COLUMN, COLUMNS, ID_ROLE, TERM_ROLE, ClaimsTableModel


@pytest.fixture
def claims(database):
    ids = []
    for n in range(23):
        claim = services.create_claim(services.ClaimInput(
            text=f"Claim {n}: the river flooded {n} villages" if n % 3 else f"Claim {n}: covid-19 figures by O'Brien",
            claimant=f"Speaker {n % 4}",
            claimed_on=f"2023-{(n % 12) + 1:02d}",
            tags=[f"topic{n % 3}"],
        ))
        ids.append(claim.id)
    services.set_status(ids[0], "in_progress")
    return ids


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(claims_model, "PAGE_SIZE", 4)
    monkeypatch.setattr(claims_model, "MAX_PAGES", 2)


def shown_ids(model):
    return [model.data(model.index(r, 0), ID_ROLE) for r in range(model.rowCount())]


def sql_ids(flt):
    return [cid for (cid,) in search.claim_ids(flt).tuples()]


def test_modeltester_with_rows(qtmodeltester, claims):
    model = ClaimsTableModel()
    qtmodeltester.check(model, force_py=True)
    model.set_filter(search.ClaimFilter(text="covid"))
    qtmodeltester.check(model, force_py=True)


def test_modeltester_empty(qtmodeltester, database):
    model = ClaimsTableModel()
    assert model.rowCount() == 0
    qtmodeltester.check(model, force_py=True)


def test_pages_follow_sql_order_and_cache_stays_bounded(claims, small_pages):
    model = ClaimsTableModel()
    assert model.rowCount() == 23
    assert shown_ids(model) == sql_ids(search.ClaimFilter())
    assert model.cached_rows() <= 8  # two pages of four
    # Reading backwards (pages from the far end are read in reverse) gives the same rows.
    backwards = [model.claim_id(r) for r in reversed(range(model.rowCount()))]
    assert backwards == list(reversed(sql_ids(search.ClaimFilter())))


def test_row_count_is_one_query_per_filter_change(claims):
    model = ClaimsTableModel()
    before = model.queries
    for _ in range(3):
        model.rowCount()
        model.data(model.index(0, 0))
        model.data(model.index(5, 2))
    assert model.queries - before == 1  # the first page, once
    model.set_filter(search.ClaimFilter(text="river"))
    assert model.queries - before == 2  # plus one COUNT


@pytest.mark.parametrize("column", range(len(COLUMNS)))
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_sort_by_every_column_matches_sql(claims, small_pages, column, order):
    model = ClaimsTableModel()
    model.sort(column, order)
    key = COLUMNS[column][2]
    flt = search.ClaimFilter(sort=key, descending=order == Qt.SortOrder.DescendingOrder)
    assert shown_ids(model) == sql_ids(flt)
    field = search.SORT_KEYS[key]
    values = [Claim.get_by_id(i).__data__[field.name] for i in shown_ids(model)]
    ordered = sorted(values, key=lambda v: (v is not None, v), reverse=order == Qt.SortOrder.DescendingOrder)
    assert values == ordered


def test_filters_combine(claims):
    model = ClaimsTableModel()
    flt = search.ClaimFilter(text="river", claimant_ids=frozenset({Claim.get_by_id(claims[1]).claimant_id}))
    model.set_filter(flt)
    expected = {c.id for c in Claim.select() if "river" in c.text and c.claimant_id in flt.claimant_ids}
    assert model.rowCount() == len(expected) > 0
    assert set(shown_ids(model)) == expected


def test_roles(claims):
    model = ClaimsTableModel()
    model.set_filter(search.ClaimFilter(statuses=frozenset({"in_progress"})))
    assert model.rowCount() == 1
    assert model.data(model.index(0, COLUMN["status"])) == "In progress"
    assert model.data(model.index(0, COLUMN["status"]), TERM_ROLE) == "in_progress"
    assert model.data(model.index(0, COLUMN["verdict"]), TERM_ROLE) == ""
    assert model.data(model.index(0, COLUMN["evidence"])) == "0 / 0"
    assert "supporting" in model.data(model.index(0, COLUMN["evidence"]), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, 0), ID_ROLE) == claims[0]


def test_edit_updates_row_in_place(qtbot, claims):
    model = ClaimsTableModel()
    row = shown_ids(model).index(claims[5])
    services.update_claim(claims[5], services.ClaimInput(text="Edited text of the claim", claimant="New Person"))
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_claims([claims[5]])
    assert blocker.args[0].row() == row
    assert not resets
    assert model.data(model.index(row, COLUMN["headline"])) == "Edited text of the claim"
    assert model.data(model.index(row, COLUMN["claimant"])) == "New Person"


def test_new_claim_is_inserted_where_it_sorts(qtbot, claims):
    model = ClaimsTableModel()
    model.data(model.index(0, 0))
    new = services.create_claim(services.ClaimInput(text="A brand new claim"))
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.refresh_claims([new.id])
    assert blocker.args[1] == 0  # newest first
    assert not resets
    assert model.rowCount() == 24
    assert shown_ids(model) == sql_ids(search.ClaimFilter())


@pytest.mark.parametrize("column", range(len(COLUMNS)))
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
@pytest.mark.parametrize("claimed_on", ["", "2023-06"])
def test_new_claim_lands_in_its_sorted_row_for_every_column(qtbot, claims, column, order, claimed_on):
    """The inserted row is where SQL sorts it, NULLs and ties included (no reset)."""
    services.create_claim(services.ClaimInput(text="Undated claim without a claimant"))  # NULLs to sort past
    model = ClaimsTableModel()
    model.sort(column, order)
    model.data(model.index(0, 0))
    new = services.create_claim(services.ClaimInput(text="Speaker 2 said it again", claimant="Speaker 2",
                                                    claimed_on=claimed_on, tags=["topic1"]))
    if claimed_on:  # a verdict among claims without one
        services.set_verdict(new.id, "false", "The figures say otherwise.")
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.refresh_claims([new.id])
    expected = sql_ids(model.filter)
    assert blocker.args[1] == expected.index(new.id)
    assert not resets and shown_ids(model) == expected


@pytest.mark.parametrize("column", [COLUMN["headline"], COLUMN["claimant"], COLUMN["claimed_on"]])
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_new_claim_past_the_rows_held_comes_in_just_past_them(qtbot, claims, small_pages, column, order):
    """Only the rows a page or a view holds are counted: a claim sorting further down comes in right
    after them (with 4-row pages, page 0 held: row 4 at most), and every row then reads as SQL sorts it."""
    model = ClaimsTableModel()
    model.sort(column, order)
    held = [model.data(model.index(r, 0), ID_ROLE) for r in range(4)]
    assert list(model._pages) == [0]
    new = services.create_claim(services.ClaimInput(text="Speaker 2 said it again", claimant="Speaker 2",
                                                    claimed_on="2023-06"))
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.refresh_claims([new.id])
    expected = sql_ids(model.filter)
    assert blocker.args[1] == min(expected.index(new.id), 4)
    assert not resets and shown_ids(model) == expected
    assert [i for i in expected if i != new.id][:4] == held


def test_a_row_a_view_holds_is_counted_to(qtbot, claims, small_pages):
    """A persistent index (a view's current row) past the cached pages keeps naming its claim."""
    model = ClaimsTableModel()
    model.sort(COLUMN["headline"], Qt.SortOrder.AscendingOrder)
    current = QPersistentModelIndex(model.index(10, 0))
    claim_at_10 = model.data(model.index(10, 0), ID_ROLE)
    model._pages.clear()  # evicted meanwhile: only the persistent index is left
    new = services.create_claim(services.ClaimInput(text="AAA comes first"))
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.refresh_claims([new.id])
    assert blocker.args[1] == 0 and current.row() == 11  # no page read since: only the index is held
    late = services.create_claim(services.ClaimInput(text="zzz comes last"))
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.refresh_claims([late.id])
    assert blocker.args[1] == 12  # past the row held, not counted to the end
    assert current.data(ID_ROLE) == claim_at_10 and shown_ids(model) == sql_ids(model.filter)


def test_a_position_too_long_to_count_here_reads_the_table_again(qtbot, claims, small_pages, monkeypatch):
    model = ClaimsTableModel()
    model.sort(COLUMN["headline"], Qt.SortOrder.DescendingOrder)
    for r in range(model.rowCount()):  # every row held: the count would go to the end
        model.data(model.index(r, 0))
    monkeypatch.setattr(claims_model, "MAX_PAGES", 100)
    for r in range(model.rowCount()):
        model.data(model.index(r, 0))
    monkeypatch.setattr(claims_model, "POSITION_BUDGET_MS", -1)  # over budget at the first look
    monkeypatch.setattr(claims_model, "PROGRESS_STEPS", 1)
    new = services.create_claim(services.ClaimInput(text="AAA sorts last Z to A"))
    inserted, resets = [], []
    model.rowsInserted.connect(lambda *_a: inserted.append(1))
    model.modelReset.connect(lambda: resets.append(1))
    model.refresh_claims([new.id])
    assert resets == [1] and not inserted
    assert shown_ids(model) == sql_ids(model.filter) and shown_ids(model)[-1] == new.id


def test_trashed_claim_leaves_and_trash_view_shows_it(qtbot, claims):
    model = ClaimsTableModel()
    ids = shown_ids(model)
    services.trash_claims([claims[3]])
    with qtbot.waitSignal(model.rowsRemoved) as blocker:
        model.refresh_claims([claims[3]])
    assert blocker.args[1] == ids.index(claims[3])
    assert claims[3] not in shown_ids(model)
    model.set_filter(search.ClaimFilter(trash=True))
    assert shown_ids(model) == [claims[3]]
    services.restore_claims([claims[3]])
    model.refresh_claims([claims[3]])
    assert shown_ids(model) == []


def test_unknown_change_rereads_everything(claims):
    model = ClaimsTableModel()
    Claim.update(headline="changed behind our back").where(Claim.id == claims[-1]).execute()
    model.refresh_claims([])
    assert "changed behind our back" in [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def test_sort_survives_filter_change(claims):
    model = ClaimsTableModel()
    model.sort(COLUMN["claimant"], Qt.SortOrder.AscendingOrder)
    model.set_filter(search.ClaimFilter(text="river"))
    assert model.filter.sort == "claimant" and not model.filter.descending
    assert shown_ids(model) == sql_ids(search.ClaimFilter(text="river", sort="claimant", descending=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=30))
def test_any_search_text_is_safe(claims, text):
    model = ClaimsTableModel()
    model.set_filter(search.ClaimFilter(text=text))
    assert model.rowCount() >= 0
    if model.rowCount():
        assert model.data(model.index(0, 0)) is not None


@pytest.mark.parametrize("share", [0.0, 2.0])  # every filter dense (index walk) / sparse (+deleted_at)
@pytest.mark.parametrize("flt", [
    search.ClaimFilter(text="river"),
    search.ClaimFilter(statuses=frozenset({"unstarted"})),
    search.ClaimFilter(date_from="2023-03", date_to="2023-08"),
    search.ClaimFilter(no_sources=True, sort="headline", descending=False),
    search.ClaimFilter(trash=True),
    search.ClaimFilter(text="river", statuses=frozenset({"unstarted"})),
    search.ClaimFilter(text="river", no_sources=True, sort="headline", descending=False),
], ids=["text", "status", "dates", "no_sources", "trash", "text+status", "text+no_sources"])
def test_steered_plans_return_exactly_the_sql_rows(claims, small_pages, make_source, monkeypatch, share, flt):
    monkeypatch.setattr(claims_plans, "DENSE_SHARE", share)
    monkeypatch.setattr(claims_plans, "DENSE_SHARE_MEMBERSHIP", share)
    monkeypatch.setattr(claims_plans, "DENSE_SHARE_MEMBERSHIP_AND_COLUMNS", share)
    services.trash_claims([claims[7]])
    # Some "river" claims that a status or "no sources" leaves out.
    services.set_status(claims[1], "in_progress")
    services.link_evidence(claims[2], make_source(title="Gauge readings").id, "supports")
    model = ClaimsTableModel()
    model.sort(claims_model.COLUMN["headline"] if flt.sort == "headline" else COLUMN["updated_at"],
               Qt.SortOrder.AscendingOrder if not flt.descending else Qt.SortOrder.DescendingOrder)
    model.set_filter(flt)
    assert shown_ids(model) == sql_ids(flt)
    assert model.rowCount() == search.count_claims(flt) > (0 if flt.trash else 4)  # more than a page of 4
    if not flt.trash:
        sparse = "ids via claim_dash_id" if flt.text and (flt.statuses or flt.no_sources) else "plus_live"
        expected = "index=claim_live_claimed_on" if flt.date_from else (
            sparse if share > 1 else "index=claim_live_")
        assert model.plans[-1].startswith(expected)
    else:  # the trash in its usual order walks its own index (migration 0007)
        assert model.plans[-1] == "index=claim_trash_updated_at"


@pytest.mark.parametrize("others, claimant_first", [
    ({"text": "river"}, True),  # a speaker has 6 claims, 'river' 15
    ({"tag_ids": "topic1"}, True),  # 8 claims in topic1
    ({"ids": 2}, False),  # a selection of two claims is smaller
    ({"text": "river", "ids": 2}, False),
])
@pytest.mark.parametrize("big_file", [False, True], ids=["counted here", "counted off the thread"])
def test_claimant_with_a_search_starts_from_the_smaller_set(qtbot, claims, small_pages, monkeypatch, others,
                                                             claimant_first, big_file):
    if big_file:
        monkeypatch.setattr(claims_model, "ASYNC_COUNT_FROM", 1)
    monkeypatch.setattr(claims_plans, "DENSE_SHARE", 2.0)  # sparse: the plan that starts from a set
    monkeypatch.setattr(claims_plans, "DENSE_SHARE_MEMBERSHIP_AND_COLUMNS", 2.0)
    speaker = Claim.get_by_id(claims[1]).claimant_id
    fields = dict(others)
    if "tag_ids" in fields:
        from desktop.models import Tag
        fields["tag_ids"] = frozenset({Tag.get(Tag.name == fields["tag_ids"]).id})
    if "ids" in fields:
        fields["ids"] = frozenset(claims[1:1 + 4 * fields["ids"]:4])  # the speaker's own claims
    flt = search.ClaimFilter(claimant_ids=frozenset({speaker}), **fields)
    services.trash_claims([claims[5]])  # one of the speaker's claims in the trash
    model = ClaimsTableModel()
    model.set_filter(flt)
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt) != []
    assert model.plans[-1] == ("index=claim_claimant_id" if claimant_first else "plus_live")


@pytest.mark.parametrize("text", ["river", "covid-19", "o'brien", '"the river"', "claim -river", "zzz"])
def test_search_only_count_equals_the_filter_count(claims, text):
    services.trash_claims([claims[1], claims[2]])
    model = ClaimsTableModel()
    model.set_filter(search.ClaimFilter(text=text))
    assert model.rowCount() == search.count_claims(search.ClaimFilter(text=text))
    assert shown_ids(model) == sql_ids(search.ClaimFilter(text=text))
    assert "fts minus trash" in model.plans


# -- counting off the GUI thread (big files) --------------------------------
@pytest.fixture
def counts_off_thread(monkeypatch, small_pages):
    """Treat the 23-claim file as big: first page first, exact count from a worker."""
    monkeypatch.setattr(claims_model, "ASYNC_COUNT_FROM", 1)


def test_big_file_shows_first_page_then_the_exact_count(qtbot, qtmodeltester, claims, counts_off_thread):
    model = ClaimsTableModel()
    assert not model.exact and model.rowCount() == 4 and model.live_total is None
    assert shown_ids(model) == sql_ids(search.ClaimFilter())[:4]  # read before the count
    with qtbot.waitSignal(model.count_settled, timeout=5000):
        pass
    assert model.exact and model.rowCount() == 23 and model.live_total == 23
    assert shown_ids(model) == sql_ids(search.ClaimFilter())
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize("text, walked", [("claim", True), ("river OR covid", True), ("river", False),
                                          ("covid", False), ("zzz", False)])
def test_a_common_search_on_a_big_file_walks_to_its_first_page(qtbot, qtmodeltester, claims, counts_off_thread,
                                                                monkeypatch, text, walked):
    """'claim' is in every claim: walked; 'river' and 'covid' are each in half of the six claims updated last,
    under the share that is walked here: the usual plan."""
    monkeypatch.setattr(claims_walk, "WALK_SAMPLE", 6)
    monkeypatch.setattr(claims_walk, "WALK_MIN_SHARE", 0.75)
    services.trash_claims([claims[-1]])
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    flt = search.ClaimFilter(text=text)
    model.set_filter(flt)
    assert ("walk" in model.plans) == walked
    assert shown_ids(model)[:4] == sql_ids(flt)[:4]  # the first page, before the count
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt)
    assert model.rowCount() == search.count_claims(flt)
    qtmodeltester.check(model, force_py=True)


def test_filter_on_big_file_counts_off_thread_and_drops_stale_counts(qtbot, claims, counts_off_thread):
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    inserted = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.set_filter(search.ClaimFilter(text="river"))  # 15 matches: counted by a worker
    assert not model.exact and model.rowCount() == 4
    model.set_filter(search.ClaimFilter(text="covid"))  # 8 matches: replaces it before it lands
    assert not model.exact
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    worker.wait_for_all()  # the stale count has finished too...
    QCoreApplication.processEvents()  # ...and its callback has run
    flt = search.ClaimFilter(text="covid")
    assert model.rowCount() == search.count_claims(flt) == 8
    assert shown_ids(model) == sql_ids(flt)
    assert inserted == [(4, 7)]  # only the current filter's count changed the table


def test_small_result_on_big_file_is_exact_at_once(claims, counts_off_thread):
    model = ClaimsTableModel()
    model.set_filter(search.ClaimFilter(ids=frozenset(claims[:3])))
    assert model.exact  # fewer rows than a page: the first page was the count
    assert model.rowCount() == 3 and shown_ids(model) == sql_ids(search.ClaimFilter(ids=frozenset(claims[:3])))


def test_failed_background_count_is_redone_here(qtbot, claims, counts_off_thread, monkeypatch):
    calls = []

    def broken(*_args):
        calls.append(1)
        raise RuntimeError("disk went away")

    monkeypatch.setattr(claims_plans, "run_counts", broken)
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert calls  # the worker's count did fail
    assert model.rowCount() == 23 and model.live_total == 23


def test_edit_while_counting_recounts(qtbot, claims, counts_off_thread):
    model = ClaimsTableModel()
    assert not model.exact
    services.trash_claims([claims[5]])
    model.refresh_claims([claims[5]])
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert model.rowCount() == 22
    assert shown_ids(model) == sql_ids(search.ClaimFilter())


def test_window_status_bar_says_counting_then_the_count(qtbot, database, claims, counts_off_thread):
    from desktop.views.main_window import MainWindow

    window = MainWindow(database)
    qtbot.addWidget(window)
    assert window.count_label.text() == "Counting claims\u2026"
    qtbot.waitUntil(lambda: window.count_label.text() == "23 claims", timeout=5000)
    window.claims_page.set_filter(search.ClaimFilter(text="river"))
    assert window.count_label.text() == "Counting matches\u2026 of 23 claims"
    qtbot.waitUntil(lambda: window.count_label.text() == "15 of 23 claims", timeout=5000)


def test_big_change_on_big_file_recounts_off_thread(qtbot, claims, counts_off_thread, monkeypatch):
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    monkeypatch.setattr(claims_model, "PAGE_SIZE", 4)
    services.trash_claims(claims[:6])
    before = model.queries
    model.refresh_claims(claims[:6])  # more claims than a page: no counting here
    assert not model.exact and model.queries - before <= 3
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert model.rowCount() == 17 and model.live_total == 17
    assert shown_ids(model) == sql_ids(search.ClaimFilter())


def test_count_arriving_after_the_model_is_gone_is_ignored(qtbot, claims, counts_off_thread):
    import shiboken6

    model = ClaimsTableModel()
    assert not model.exact
    shiboken6.delete(model)  # the window was replaced while its count ran
    worker.wait_for_all()
    QCoreApplication.processEvents()  # the late callback runs: no error


def test_a_held_count_waits_for_its_release(qtbot, claims, counts_off_thread, monkeypatch):
    """The window holds its first count until the first page is painted (the worker's thread and
    connection would otherwise be set up during the paint); a filter changed meanwhile counts once."""
    started = []
    real = ClaimsTableModel._start_count
    monkeypatch.setattr(ClaimsTableModel, "_start_count", lambda self: (started.append(1), real(self)))
    model = ClaimsTableModel(hold_counts=True)
    model.set_filter(search.ClaimFilter(text="river"))
    QCoreApplication.processEvents()
    assert not started and not model.exact and model.rowCount() == 4
    model.release_counts()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert started == [1] and model.rowCount() == search.count_claims(search.ClaimFilter(text="river"))
    model.release_counts()  # a second release starts nothing
    model.set_filter(search.ClaimFilter(text="covid"))  # released: counts start as usual again
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert started == [1, 1]


def test_a_count_starts_once_the_first_page_is_painted(qtbot, claims, counts_off_thread, monkeypatch):
    """Not beside the paint of the first page (``COUNT_AFTER_MS`` later); filters changed meanwhile (keys
    typed) count once, the last one."""
    started = []
    real = ClaimsTableModel._start_count
    monkeypatch.setattr(ClaimsTableModel, "_start_count",
                        lambda self: (started.append(self.filter.text), real(self)))
    monkeypatch.setattr(claims_model, "COUNT_AFTER_MS", 50)
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    started.clear()
    for typed in ("r", "ri", "riv", "river"):
        model.set_filter(search.ClaimFilter(text=typed))
        assert not model.exact and model.rowCount() == 4  # the first page, shown at once
    QCoreApplication.processEvents()  # the page is painted here
    assert started == []
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert started == ["river"] and model.rowCount() == search.count_claims(search.ClaimFilter(text="river"))


def test_the_window_releases_its_first_count_after_the_first_paint(qtbot, database, claims, counts_off_thread,
                                                                   monkeypatch):
    from desktop.views import claims_page
    from desktop.views.main_window import MainWindow

    monkeypatch.setattr(claims_page, "COUNT_HOLD_MAX_MS", 600_000)  # only the paint can release it here
    window = MainWindow(database)
    qtbot.addWidget(window)
    assert not window.claims_model.exact  # held: nothing counted before the window shows
    with qtbot.waitSignal(window.claims_model.count_settled, timeout=5000):
        window.show()
    assert window.claims_page.painted and window.claims_model.rowCount() == 23


# -- a first page too slow for the GUI thread (big files) -------------------------
@pytest.fixture
def slow_first_pages(monkeypatch, counts_off_thread):
    """Every first page of a filter overruns its budget: SQLite's progress handler stops it at once."""
    monkeypatch.setattr(claims_model, "FIRST_PAGE_BUDGET_MS", 0)
    monkeypatch.setattr(claims_model, "SEARCH_BUDGET_MS", 0)
    monkeypatch.setattr(claims_model, "PROGRESS_STEPS", 1)
    monkeypatch.setattr(claims_walk, "walk_first_page", lambda *_a, **_k: None)  # it answers common searches


@pytest.mark.parametrize("flt", [
    search.ClaimFilter(text="river"),  # a search alone: the lane may read it from its matches
    search.ClaimFilter(text="river", sort="headline", descending=True),
    search.ClaimFilter(statuses=frozenset({"unstarted"})),
    search.ClaimFilter(text="covid", statuses=frozenset({"unstarted"})),
    search.ClaimFilter(text="zzz"),
], ids=["search", "search by headline", "status", "search and status", "no match"])
def test_a_first_page_too_slow_for_the_gui_thread_is_read_on_a_lane(qtbot, qtmodeltester, claims,
                                                                     slow_first_pages, flt):
    services.trash_claims([claims[2]])
    model = ClaimsTableModel()  # the default view is never handed over: its first page is an index walk
    assert not model.searching and model.rowCount() == 4
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    if flt.sort != model.filter.sort:
        model.sort(COLUMN["headline"], Qt.SortOrder.DescendingOrder)
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.set_filter(flt)
        assert model.searching and model.rowCount() == 0 and model.plans[-1] == "worker"
        qtmodeltester.check(model, force_py=True)  # empty while it is read
    assert not model.searching
    expected = sql_ids(flt)
    assert shown_ids(model)[:4] == expected[:4]
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == expected
    qtmodeltester.check(model, force_py=True)


def test_a_newer_filter_interrupts_a_first_page_being_read(qtbot, claims, slow_first_pages):
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    arrived = []
    model.first_page_arrived.connect(lambda: arrived.append(shown_ids(model)))
    model.set_filter(search.ClaimFilter(text="river"))
    older = model._pending_page
    model.set_filter(search.ClaimFilter(text="covid"))
    assert older["cancelled"] and model.searching
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    worker.wait_for_all()
    claims_model._first_pages_lane().submit(lambda: None).result(timeout=5)  # the older read has ended too
    QCoreApplication.processEvents()
    flt = search.ClaimFilter(text="covid")
    assert arrived == [sql_ids(flt)[:4]]  # only the newer page was ever shown
    assert shown_ids(model) == sql_ids(flt)


def test_a_first_page_that_fails_on_the_lane_is_read_here(qtbot, claims, slow_first_pages, monkeypatch):
    def broken(*_args):
        raise RuntimeError("the lane's connection went away")

    monkeypatch.setattr(claims_plans, "run_rows", broken)
    flt = search.ClaimFilter(text="river")
    model = _showing_after_a_lane(qtbot, flt)
    assert shown_ids(model) == sql_ids(flt)


def _showing_after_a_lane(qtbot, flt):
    """A big file's model, counted, then showing ``flt`` (its first page past the GUI budget) with its count."""
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.set_filter(flt)
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    return model


def test_the_window_says_searching_then_selects_the_first_match(qtbot, database, claims, slow_first_pages):
    from desktop.views.main_window import MainWindow

    window = MainWindow(database)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.claims_model.exact, timeout=5000)
    flt = search.ClaimFilter(text="river")
    with qtbot.waitSignal(window.claims_model.first_page_arrived, timeout=5000):
        window.claims_page.set_filter(flt)
        assert window.count_label.text() == "Searching\u2026 of 23 claims"
        assert window.claims_page.current_claim_id() is None
    assert window.claims_page.current_claim_id() == sql_ids(flt)[0]
    qtbot.waitUntil(lambda: window.count_label.text() == "15 of 23 claims", timeout=5000)


@pytest.fixture
def bunched(database, monkeypatch, slow_first_pages):
    """'river' is in half of the claims, all of them at the end of the headline order Z to A; every
    first page overruns its budget (as walking that order far would at a million claims)."""
    for n in range(10):
        services.create_claim(services.ClaimInput(text=f"Zulu report {n} from the hills"))
        services.create_claim(services.ClaimInput(text=f"Alpha report {n}: the river rose"))
    model = ClaimsTableModel()
    model.sort(COLUMN["headline"], Qt.SortOrder.DescendingOrder)
    return model


@pytest.fixture
def no_ranks(monkeypatch):
    """The first-pages lane never holds the ranks of an order (claims_order): the usual plans answer."""
    monkeypatch.setattr(claims_plans, "prepare_ranks", lambda *_args: False)
    monkeypatch.setattr(claims_order, "first_page", lambda *_args: None)


def _lane_idle(qtbot):
    """Every job queued on the first-pages lane has run, and its report reached the model."""
    claims_model._first_pages_lane().submit(lambda: None).result(timeout=5)
    QCoreApplication.processEvents()


@pytest.fixture
def no_keys(monkeypatch):
    """No index holds the keys of an order by claim id (``claims_keys``), as for "priority"."""
    monkeypatch.setattr(claims_keys, "KEYED_INDEXES", {})


def test_a_search_the_lane_reads_from_the_keys_of_its_order_pages_on_along_the_order(qtbot, qtmodeltester, no_ranks,
                                                                                    bunched):
    model = bunched
    flt = search.ClaimFilter(text="river")
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.set_filter(flt)
        assert model.searching and model.rowCount() == 0  # this thread gave up: "Searching..."
    assert model.plans[-1] == "keyed by claim_id_headline, in halves"
    expected = sql_ids(flt.with_(sort="headline", descending=True))
    assert shown_ids(model)[:4] == expected[:4]
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    model.data(model.index(9, 0), ID_ROLE)  # a later page: along the order, from the last row shown
    assert model.plans[-1] == "index=claim_live_headline"
    assert shown_ids(model) == expected
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.sort(COLUMN["headline"], Qt.SortOrder.AscendingOrder)
    assert model.plans[-1] == "keyed by claim_id_headline, in halves"
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt.with_(sort="headline", descending=False))
    qtmodeltester.check(model, force_py=True)


def test_a_search_the_lane_reads_from_its_matches_pages_on_from_its_matches(qtbot, no_ranks, no_keys, bunched):
    model = bunched
    flt = search.ClaimFilter(text="river")
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.set_filter(flt)
    expected = sql_ids(flt.with_(sort="headline", descending=True))
    assert shown_ids(model)[:4] == expected[:4]
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    model.data(model.index(9, 0), ID_ROLE)  # a later page: from the matches too, though the count says dense
    assert model.plans[-1] == "plus_live"
    assert shown_ids(model) == expected
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):  # another order: read again, as a new filter
        model.sort(COLUMN["headline"], Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt.with_(sort="headline", descending=False))


def test_a_search_with_too_many_matches_to_sort_pages_on_along_the_order(qtbot, qtmodeltester, no_ranks, no_keys,
                                                                          bunched, monkeypatch):
    monkeypatch.setattr(claims_plans, "SPARSE_ON_LANE", 5)
    model = bunched
    flt = search.ClaimFilter(text="river")
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.set_filter(flt)
        assert model.searching and model.rowCount() == 0
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    model.data(model.index(9, 0), ID_ROLE)
    assert model.plans[-1] == "index=claim_live_headline"
    assert shown_ids(model) == sql_ids(flt.with_(sort="headline", descending=True))
    qtmodeltester.check(model, force_py=True)


def _shown_when_read(qtbot, model, change):
    """``change()``, then wait for its first page: read on the lane, or taken from it at once."""
    change()
    qtbot.waitUntil(lambda: not model.searching, timeout=5000)


def test_a_search_with_no_match_in_the_orders_first_claims_is_read_on_the_lane(qtbot, database, counts_off_thread,
                                                                              no_ranks, monkeypatch):
    """The walk's sample met no match: this thread does not try its own plan, which would walk the same
    stretch of the order; the lane reads the page. Where the sample met matches, this thread answers."""
    for n in range(10):
        services.create_claim(services.ClaimInput(text=f"Zulu report {n} from the hills"))
        services.create_claim(services.ClaimInput(text=f"Alpha report {n}: the river rose"))
    monkeypatch.setattr(claims_walk, "WALK_SAMPLE", 5)
    tried = []
    here = ClaimsTableModel._first_page_in_time
    monkeypatch.setattr(ClaimsTableModel, "_first_page_in_time", lambda self, *a: tried.append(a) or here(self, *a))
    model = ClaimsTableModel()
    model.sort(COLUMN["headline"], Qt.SortOrder.DescendingOrder)  # the Zulu reports first
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    flt = search.ClaimFilter(text="river")
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.set_filter(flt)
        assert model.searching and model.plans[-1] == "worker"
    assert not tried
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt.with_(sort="headline", descending=True))
    model.sort(COLUMN["headline"], Qt.SortOrder.AscendingOrder)  # the Alpha reports first: matches at once
    assert not model.searching and shown_ids(model)[:4] == sql_ids(flt.with_(sort="headline", descending=False))[:4]


def test_a_search_in_a_ranked_order_reads_its_first_page_from_the_ranks(qtbot, qtmodeltester, bunched):
    model = bunched
    qtbot.waitUntil(lambda: model.ranked_order == "headline", timeout=5000)  # read on the lane after the sort
    flt = search.ClaimFilter(text="river")
    _shown_when_read(qtbot, model, lambda: model.set_filter(flt))  # this thread gives up at once (slow_first_pages)
    assert model.plans[-1] == "ranks"
    expected = sql_ids(flt.with_(sort="headline", descending=True))
    assert shown_ids(model)[:4] == expected[:4]
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == expected  # the later pages go on along the order
    _shown_when_read(qtbot, model, lambda: model.sort(COLUMN["headline"], Qt.SortOrder.AscendingOrder))
    assert model.plans[-1] == "ranks" and model.ranked_order == "headline"  # the other way: the same places
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt.with_(sort="headline", descending=False))
    qtmodeltester.check(model, force_py=True)


@pytest.fixture
def ranked_by_claimant(qtbot, database, claims, counts_off_thread, monkeypatch):
    """A big file's model sorted by claimant, the lane holding that order's places; the walk answers nothing."""
    monkeypatch.setattr(claims_walk, "walk_first_page", lambda *_a, **_k: None)  # it answers common searches
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    model.sort(COLUMN["claimant"], Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.ranked_order == "claimant", timeout=5000)
    model.resets, model.arrivals = [], []
    model.modelReset.connect(lambda: model.resets.append(1))
    model.first_page_arrived.connect(lambda: model.arrivals.append(1))
    return model


def test_a_first_page_this_thread_finds_before_the_lane_is_shown_once(qtbot, ranked_by_claimant, monkeypatch):
    """The lane reads from the places while this thread tries its own plan; the quicker one is shown."""
    model = ranked_by_claimant
    lane_reads, go_on = [], threading.Event()
    first_page = claims_order.first_page

    def slow_first_page(*args):
        go_on.wait(timeout=10)
        return first_page(*args)

    run_rows = claims_plans.run_rows
    monkeypatch.setattr(claims_plans, "run_rows", lambda *args: lane_reads.append(args) or run_rows(*args))
    monkeypatch.setattr(claims_order, "first_page", slow_first_page)
    flt = search.ClaimFilter(text="river")
    model.set_filter(flt)  # 23 claims: this thread's plan is in time, the lane waits
    assert not model.searching and model.plans[-1] != "ranks"
    go_on.set()
    _lane_idle(qtbot)  # the lane's page came, and was dropped
    ((_db, _statement, handle, _sparse, read_flt, *_rest),) = lane_reads
    assert read_flt == flt.with_(sort="claimant", descending=True) and handle["cancelled"]  # stopped once not wanted
    assert model.resets == [1] and model.arrivals == []
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt.with_(sort="claimant", descending=True))


def test_a_first_page_the_lane_finds_first_is_taken_at_once(qtbot, ranked_by_claimant, monkeypatch):
    model = ranked_by_claimant
    start_reading = ClaimsTableModel._read_first_page_on_worker

    def quick_lane(self):  # the lane has the page before this thread begins its own read
        handle = start_reading(self)
        claims_model._first_pages_lane().submit(lambda: None).result(timeout=5)
        return handle

    monkeypatch.setattr(ClaimsTableModel, "_read_first_page_on_worker", quick_lane)
    flt = search.ClaimFilter(text="river")
    model.set_filter(flt)
    assert not model.searching and model.plans[-1] == "ranks"  # no "Searching...": taken in the same turn
    expected = sql_ids(flt.with_(sort="claimant", descending=True))
    assert shown_ids(model) == expected[:4]
    _lane_idle(qtbot)  # its report, come later, changes nothing
    assert model.resets == [1] and model.arrivals == []
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == expected


def test_this_threads_read_stops_once_the_lane_has_the_page(qtbot, ranked_by_claimant, monkeypatch):
    model = ranked_by_claimant
    monkeypatch.setattr(claims_model, "PROGRESS_STEPS", 1)
    monkeypatch.setattr(claims_model, "SEARCH_BUDGET_MS", 60_000)  # only the lane's page can stop it
    looks, reading = [], threading.Event()
    first_page = claims_order.first_page

    def lane_waits_for_the_read(*args):
        reading.wait(timeout=10)
        return first_page(*args)

    class Clock:  # its first look at the clock during the read lets the lane go on, and waits for it
        @staticmethod
        def perf_counter():
            looks.append(1)
            if len(looks) == 2:
                reading.set()
                claims_model._first_pages_lane().submit(lambda: None).result(timeout=5)
            return time.perf_counter()

    monkeypatch.setattr(claims_order, "first_page", lane_waits_for_the_read)
    monkeypatch.setattr(claims_model, "time", Clock)
    flt = search.ClaimFilter(text="river")
    model.set_filter(flt)
    assert not model.searching and model.plans[-1] == "ranks" and len(looks) == 2
    assert shown_ids(model) == sql_ids(flt.with_(sort="claimant", descending=True))[:4]


def test_after_an_edit_a_search_takes_the_usual_plans_until_the_ranks_are_read_again(qtbot, bunched):
    model = bunched
    qtbot.waitUntil(lambda: model.ranked_order == "headline", timeout=5000)
    edited = services.create_claim(services.ClaimInput(text="Zulu hills: the river rose again")).id
    model.refresh_claims([edited])
    assert model.ranked_order is None
    flt = search.ClaimFilter(text="river")
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.set_filter(flt)
    assert model.plans[-1] != "ranks"  # they no longer held: the lane read it the usual way
    expected = sql_ids(flt.with_(sort="headline", descending=True))
    assert shown_ids(model)[:4] == expected[:4] and expected[0] == edited
    qtbot.waitUntil(lambda: model.ranked_order == "headline", timeout=5000)  # read again after that page
    model.set_filter(search.ClaimFilter())
    _shown_when_read(qtbot, model, lambda: model.set_filter(flt))
    assert model.plans[-1] == "ranks" and shown_ids(model)[:4] == expected[:4]


def test_after_an_edit_the_places_are_read_again_without_waiting_for_a_search(qtbot, bunched, monkeypatch):
    model = bunched
    qtbot.waitUntil(lambda: model.ranked_order == "headline", timeout=5000)
    builds = []
    prepare = claims_plans.prepare_ranks
    monkeypatch.setattr(claims_plans, "prepare_ranks", lambda *a: builds.append(a[1]) or prepare(*a))
    edited = [services.create_claim(services.ClaimInput(text=f"Zulu hills: the river rose {n}")).id for n in range(3)]
    for claim_id in edited:  # a burst of writes: one read of the places, after the last
        model.refresh_claims([claim_id])
    assert model.ranked_order is None and not builds
    qtbot.waitUntil(lambda: model.ranked_order == "headline", timeout=5000)
    _lane_idle(qtbot)
    assert builds == ["headline"]
    flt = search.ClaimFilter(text="river")
    _shown_when_read(qtbot, model, lambda: model.set_filter(flt))
    assert model.plans[-1] == "ranks"  # the first search after the edits: from the places read again
    expected = sql_ids(flt.with_(sort="headline", descending=True))
    assert shown_ids(model)[:4] == expected[:4] and set(expected[:3]) == set(edited)


@pytest.fixture
def gated_ranks(monkeypatch):
    """Reads of places wait on the lane until the gate opens (so the test, not the lane's speed, says
    whether one is still running when something happens)."""
    gate = threading.Event()
    real = claims_plans.prepare_ranks
    monkeypatch.setattr(claims_plans, "prepare_ranks", lambda *a: (gate.wait(5), real(*a))[1])
    yield gate
    gate.set()


def test_a_read_of_the_places_begun_before_a_write_is_given_up_and_asked_again(qtbot, gated_ranks, bunched):
    model = bunched
    running = model._pending_ranks  # asked by the sort, on the lane
    assert running is not None
    edited = services.create_claim(services.ClaimInput(text="Zulu hills: the river rose again")).id
    model.refresh_claims([edited])
    assert running.get("cancelled") and model._pending_ranks is None
    gated_ranks.set()
    qtbot.waitUntil(lambda: model.ranked_order == "headline", timeout=5000)
    flt = search.ClaimFilter(text="river")
    _shown_when_read(qtbot, model, lambda: model.set_filter(flt))
    assert model.plans[-1] == "ranks" and shown_ids(model)[0] == edited


def test_no_places_are_read_after_a_write_in_the_order_of_last_update(qtbot, database, counts_off_thread,
                                                                     monkeypatch):
    builds = []
    monkeypatch.setattr(claims_plans, "prepare_ranks", lambda *a: builds.append(a[1]) or False)
    services.create_claim(services.ClaimInput(text="An older claim"))
    model = ClaimsTableModel()  # sorted by last update: any edit moves a claim there
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert model._async  # a big file, as far as the model knows
    model.refresh_claims([services.create_claim(services.ClaimInput(text="A new claim")).id])
    assert model._ranks_timer is None
    _lane_idle(qtbot)
    assert builds == []


def test_a_newer_filter_stops_the_count_of_the_older_one(qtbot, claims, counts_off_thread, monkeypatch):
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    gate = threading.Event()  # the count of "river" runs until the newer filter has come
    real = claims_plans.run_counts
    monkeypatch.setattr(claims_plans, "run_counts", lambda *a: (gate.wait(5), real(*a))[1])
    model.set_filter(search.ClaimFilter(text="river"))
    qtbot.waitUntil(lambda: model._pending_count is not None, timeout=5000)  # started, once painted
    older = model._pending_count
    assert not older.get("cancelled")
    model.set_filter(search.ClaimFilter(text="covid"))
    assert older["cancelled"] and model._pending_count is not older
    gate.set()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    worker.wait_for_all()
    QCoreApplication.processEvents()
    assert model.rowCount() == search.count_claims(search.ClaimFilter(text="covid")) == 8


def test_a_count_stopped_before_it_starts_reads_nothing(database, claims):
    handle = {"cancelled": True}
    statement = claims_plans.count_statement(search.ClaimFilter(text="river"))
    assert claims_plans.run_counts(database, [statement], handle) == []
    assert claims_plans.run_counts(database, [statement], {}) == [15]


def test_sorting_a_filter_on_a_big_file_reads_its_first_page_as_a_filter_change_does(qtbot, claims,
                                                                                     slow_first_pages):
    flt = search.ClaimFilter(text="river")
    model = _showing_after_a_lane(qtbot, flt)
    with qtbot.waitSignal(model.first_page_arrived, timeout=5000):
        model.sort(COLUMN["headline"], Qt.SortOrder.DescendingOrder)  # a header click
        assert model.searching and model.rowCount() == 0  # not read on the GUI thread, past its budget
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    assert shown_ids(model) == sql_ids(flt.with_(sort="headline", descending=True))
    model.set_filter(search.ClaimFilter())
    model.sort(COLUMN["claimant"], Qt.SortOrder.AscendingOrder)  # no filter: the index walk, at once
    assert not model.searching and model.exact


# -- pages read on from the last row of the page before ------------------------------
SORTABLE = [(column, sort) for column, (_key, _title, sort) in enumerate(COLUMNS)]


@pytest.fixture
def some_verdicts(claims):
    """Verdicts on six claims: the others' NULL verdicts come after them in a descending order."""
    for cid in claims[3:9]:
        services.set_status(cid, "in_progress")
        services.set_verdict(cid, "false" if cid % 2 else "misleading", "Checked against the ministry's figures.")
    return claims


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sort=st.sampled_from(SORTABLE), descending=st.booleans(),
       text=st.sampled_from(["", "river", "claim", "covid", "flooded villages"]),
       statuses=st.sampled_from([frozenset(), frozenset({"unstarted"})]))
def test_pages_read_on_from_the_last_row_are_the_pages_an_offset_reads(some_verdicts, small_pages, monkeypatch, sort,
                                                                      descending, text, statuses):
    """Ties (four speakers), NULL keys (no verdict yet) and both directions: scrolled page by page, the
    table shows SQL's order; the pages after the first were read on from the row before."""
    column, key = sort
    read_on = []
    real = ClaimsTableModel._page_after_the_last

    def spy(self, page, size):
        rows = real(self, page, size)
        if page:
            read_on.append(rows is not None)
        return rows

    monkeypatch.setattr(ClaimsTableModel, "_page_after_the_last", spy)
    model = ClaimsTableModel()
    model.sort(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
    flt = search.ClaimFilter(text=text, statuses=statuses)
    model.set_filter(flt)
    assert shown_ids(model) == sql_ids(flt.with_(sort=key, descending=descending))
    if not text and not statuses and key != "verdict":  # 22 rows in pages of 4: pages 1 and 2 read on
        assert read_on[:2] == [True, True]


def test_a_common_search_walks_on_from_the_last_row(qtbot, claims, counts_off_thread, monkeypatch):
    monkeypatch.setattr(claims_walk, "WALK_SAMPLE", 3)
    monkeypatch.setattr(claims_walk, "WALK_MIN_SHARE", 0.0)
    model = ClaimsTableModel()
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    flt = search.ClaimFilter(text="claim")
    model.set_filter(flt)
    assert model.plans[-1] == "walk"
    qtbot.waitUntil(lambda: model.exact, timeout=5000)
    model.data(model.index(claims_model.PAGE_SIZE, 0), ID_ROLE)  # the second page, after the first
    assert model.plans[-1] == "walk"
    assert shown_ids(model) == sql_ids(flt)
