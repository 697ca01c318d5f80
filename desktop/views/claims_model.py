"""The claims table: a lazily paged model over ``ClaimFilter`` SQL.

Nothing here holds a row for a claim that was never on screen: ``rowCount``
comes from one ``COUNT`` per filter or sort change, rows are fetched a page at
a time (``PAGE_SIZE``) and kept in a small LRU cache of pages
(``MAX_PAGES``). Sorting re-queries SQL. Edits update rows in place
(``dataChanged``); only a filter or sort change resets the model.

Pages are read by ``LIMIT/OFFSET`` on an index; a page in the second half of
the list is read in reverse order from the end, so no offset is larger than
half the list.

Query plans: the SQL that ``search`` builds is steered by
``desktop.claims_plans`` (dense or sparse, which index to walk), never changed
in meaning; this model keeps the state those choices depend on.

Counting off the GUI thread: on a big file (``ASYNC_COUNT_FROM`` claims or
more, judged by the highest id, which costs nothing) a filter change does not
wait for its ``COUNT``. It decides dense or sparse with a count that stops at
the threshold (``LIMIT``), reads the first page and shows it with a
provisional row count (that page); the exact count runs on a worker thread
with its own connection (started ``COUNT_AFTER_MS`` later, once that page is
painted) and arrives as inserted rows and ``count_settled``.
Until then only the first page can be reached and ``exact`` is False. A search
in a large share of the claims finds its first page by a walk that needs no
probe (``claims_walk``). A newer
filter, sort or edit makes a late count stale (a generation number), so it is
dropped. Small files count synchronously: there a ``COUNT`` takes a few
milliseconds.

A filter's first page is read here under SQLite's progress handler and handed
to a lane (a background thread that keeps its own connection) past a budget:
``SEARCH_BUDGET_MS`` for a search alone, whose matches may lie bunched far
down the table's order (sorted by headline, an English word in a file whose
Burmese headlines come first: 100-200 ms at a million claims), and
``FIRST_PAGE_BUDGET_MS`` for any other filter. The table is then empty and
``searching`` is True until the page arrives (``first_page_arrived``); a newer
filter interrupts the read. On the lane a search that matches fewer than
``claims_plans.SPARSE_ON_LANE`` claims is read from its matches, and so are
its next pages.

Sorting a big file by a column has the lane read the places of that order
(``claims_order``, 0.35-0.5 s at a million claims, given up whenever a first
page is wanted and read again after it). While the lane holds them, a search
alone in that order is read there from them at once (18-35 ms however
bunched its matches lie), while this thread tries its own plan under its
budget; whichever is first is shown, the other stopped. An edit, or a read
that finds them out of date, sends searches back to the plans above until
they are read again: ``RANKS_AFTER_WRITE_MS`` after the last write, without
waiting for a search to ask.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone

import logging
import time

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal

from desktop import opening
from desktop.claim_filter import ClaimFilter
from desktop.lazy import lazy_module
from desktop.workflow import label

# The data layer, loaded at its first use: after the first page is painted when the window
# opens a large file with a page read ahead (``opening``), at once otherwise.
peewee = lazy_module("peewee")
models = lazy_module("desktop.models")
search = lazy_module("desktop.search")
claims_plans = lazy_module("desktop.claims_plans")
claims_walk = lazy_module("desktop.claims_walk")
claims_order = lazy_module("desktop.claims_order")

log = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_PAGES = 30
ASYNC_COUNT_FROM = opening.QUICK_FROM_CLAIMS  # claims (by highest id) from which counts run off the GUI thread
FIRST_PAGE_BUDGET_MS = 100  # a first page that takes longer is read on a lane instead (big files only)
COUNT_AFTER_MS = 15  # a filter's count starts this long after its first page is read (once it is painted)
POSITION_BUDGET_MS = 50  # counting where a new claim comes in: past this, the table is read again instead
RANKS_AFTER_WRITE_MS = 200  # a write's stale places are read again this long after it (a burst of edits: once)
SEARCH_BUDGET_MS = 25  # the same for a search alone: its matches may lie bunched far down the order
PROGRESS_STEPS = 2000  # SQLite VM steps between looks at the clock while a first page is read

ID_ROLE = Qt.ItemDataRole.UserRole  # the claim id, every column
TERM_ROLE = Qt.ItemDataRole.UserRole + 1  # status / verdict stable id
_ROLES_ANSWERED = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, ID_ROLE, TERM_ROLE})

# (key, title, SORT_KEYS key)
COLUMNS = [
    ("headline", "Claim", "headline"),
    ("claimant", "Claimant", "claimant"),
    ("claimed_on", "Claimed", "claimed_on"),
    ("status", "Status", "status"),
    ("verdict", "Verdict", "verdict"),
    ("evidence", "Evidence", "evidence"),
    ("tags", "Tags", "tags"),
    ("updated_at", "Last updated", "updated_at"),
]
COLUMN = {key: n for n, (key, _title, _sort) in enumerate(COLUMNS)}

# What a page reads per claim (tuples, never model instances): ``opening.COLUMNS``, in this order.
_FIELDS: tuple = ()


def fields() -> tuple:
    """The Claim fields a page reads (made at the first read: they need the models)."""
    global _FIELDS
    if not _FIELDS:
        _FIELDS = tuple(getattr(models.Claim, name) for name in opening.COLUMNS)
    return _FIELDS


F_ID, F_HEADLINE, F_CLAIMANT, F_CLAIMED, F_STATUS, F_VERDICT, F_SUP, F_REF, F_SRC, F_TAGS, F_UPDATED = range(11)
# The field of a row holding each sort key (priority and created_at are not read: pages by offset).
_SORT_FIELD = {"headline": F_HEADLINE, "claimant": F_CLAIMANT, "claimed_on": F_CLAIMED, "status": F_STATUS,
               "verdict": F_VERDICT, "evidence": F_SRC, "tags": F_TAGS, "updated_at": F_UPDATED}


def local_time(stamp: str | None) -> str:
    """'2026-11-23T19:40:00.123456Z' -> '2026-11-23 20:40' in local time."""
    if not stamp:
        return ""
    if len(stamp) < 19 or stamp[10] != "T":  # only a whole stamp is a moment to convert
        return stamp
    try:  # fromisoformat: a tenth of strptime's time, 200 times per page
        moment = datetime.fromisoformat(stamp[:19]).replace(tzinfo=timezone.utc)
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


_LANE = None


def _first_pages_lane():
    """The thread that reads first pages too slow for the GUI thread (made when first needed)."""
    global _LANE
    if _LANE is None:
        from desktop.views import worker

        _LANE = worker.Lane("claimlog-first-pages")
    return _LANE


_HELPER = None


def _first_pages_helper():
    """The thread that reads the other half of a keyed first page (``claims_keys.keyed_rows``), on the
    second core, while the first-pages lane reads its half (made when first needed)."""
    global _HELPER
    if _HELPER is None:
        from desktop.views import worker

        _HELPER = worker.Lane("claimlog-first-pages-helper")
    return _HELPER


def _display_row(row: tuple) -> tuple:
    """Per page, not per paint: the texts each column shows."""
    return (
        row[F_HEADLINE],
        row[F_CLAIMANT],
        row[F_CLAIMED],
        label("status", row[F_STATUS]),
        label("verdict", row[F_VERDICT]),
        f"{row[F_SUP]} / {row[F_REF]}",
        row[F_TAGS],
        local_time(row[F_UPDATED]),
    )


def _within(budget_ms: float, read, stop=lambda: False):
    """``read()`` on the GUI thread's connection, or None once it would hold the thread past ``budget_ms``
    or ``stop()`` says to (SQLite asks every ``PROGRESS_STEPS`` steps, and the statement stops there)."""
    connection = models.Claim._meta.database.connection()
    deadline = time.perf_counter() + budget_ms / 1000
    connection.set_progress_handler(lambda: stop() or time.perf_counter() > deadline, PROGRESS_STEPS)
    try:
        return read()
    except Exception as exc:
        if not claims_plans.interrupted(exc):
            raise
        return None
    finally:
        connection.set_progress_handler(None, 0)


def _entries(raws) -> list[list]:
    """A page's rows as [raw, shown] entries; ``shown`` (``_display_row``) is made when a cell of the row is
    first asked for: a screen shows some 30 of a page's 200 rows (1 ms a page, on every first page)."""
    return [[raw, None] for raw in raws]


class ClaimsTableModel(QAbstractTableModel):
    count_settled = Signal()  # the exact count of the current filter is known again
    first_page_arrived = Signal()  # a first page read on a worker is shown (``searching`` is False again)

    def __init__(self, parent=None, flt: ClaimFilter | None = None, hold_counts: bool = False,
                 opening_page: opening.OpeningPage | None = None):
        """``hold_counts``: a count to run off the GUI thread waits for ``release_counts()``.

        The window holds the first one until its first page is painted: started
        at once, the worker's thread, connection and page cache were set up
        while the window painted (about 2 MiB of the peak memory at start-up, and
        CPU the paint wanted).

        ``opening_page``: the default view's first page, read ahead (``desktop.opening``). The
        model shows it and reads nothing until ``attach()``, when the window's database is open;
        a sort, filter or reload asked for before then waits for it."""
        super().__init__(parent)
        self._holding = hold_counts
        self._count_pending = False
        self._filter = flt or ClaimFilter()
        self._count = 0
        self._pages: OrderedDict[int, list[list]] = OrderedDict()  # page -> [[raw, shown]] (``_entries``)
        self.queries = 0  # SQL statements issued, for tests and benchmarks
        self.plans: list[str] = []  # how the last page/count was steered (for tests)
        self._generation = 0  # bumped by every recount: a late count of an older one is dropped
        self._exact = True
        self._dense = True
        self._claimant_first = False  # see _starts_from_claimant
        self._searching = False  # the first page is being read on a worker
        self._sparse_search = False  # a search read from its matches, whatever the count says
        self._walked = False  # the first page came from claims_walk: so may the next ones
        self._pending_page: dict | None = None  # that read's handle, to interrupt it
        self._pending_count: dict | None = None  # the same for the count running on a worker
        self._ranked: str | None = None  # the order whose places the first-pages lane holds (claims_order)
        self._pending_ranks: dict | None = None  # the handle of the build of those places, while it runs
        self._ranks_timer: QTimer | None = None  # reads them again after a write (made at the first write)
        self._count_timer: QTimer | None = None  # starts a count once the first page is painted
        self._attached = opening_page is None
        self._wanted: ClaimFilter | None = None  # a filter or sort asked for before attach()
        self._released_early = False  # release_counts() came before attach()
        if opening_page is not None:
            self._show_opening_page(opening_page)
            return
        self._async = claims_plans.highest_id() >= ASYNC_COUNT_FROM
        self._live_total: int | None = None if self._async else self._query_live_total()
        self._recount()

    def _show_opening_page(self, page: opening.OpeningPage) -> None:
        """What ``_recount`` makes of the default view on a big file, from a page read ahead."""
        self._async = True  # ``opening`` reads ahead only from ASYNC_COUNT_FROM claims
        self._live_total = None
        self._generation += 1
        self._pages[0] = _entries(page.rows)
        self._count = len(page.rows)
        self._exact = len(page.rows) < PAGE_SIZE
        if self._exact:
            self._live_total = len(page.rows)
        else:
            self._schedule_count()

    @property
    def attached(self) -> bool:
        """Whether the model reads from the database (False while it shows a page read ahead)."""
        return self._attached

    def attach(self) -> None:
        """The window's database is open: read from it from now on, and do what waited for it."""
        if self._attached:
            return
        self._attached = True
        wanted, self._wanted = self._wanted, None
        if wanted is not None:
            self._holding = self._holding and not self._released_early
            self._reset(wanted)
        elif self._released_early:
            self.release_counts()

    # -- what is shown -------------------------------------------------
    @property
    def filter(self) -> ClaimFilter:
        return self._filter

    def set_filter(self, flt: ClaimFilter) -> None:
        """Show claims matching ``flt`` (its sort is replaced by the current one)."""
        order = self._wanted or self._filter  # a sort asked for before attach() counts
        flt = flt.with_(sort=order.sort, descending=order.descending)
        if not self._attached:
            self._wanted = flt
            return
        if flt == self._filter and flt.extra == self._filter.extra:
            return
        self._reset(flt)

    def reload(self) -> None:
        """Re-count and drop every cached page (another file, an import...)."""
        if not self._attached:
            self._wanted = self._wanted or self._filter
            return
        self._async = claims_plans.highest_id() >= ASYNC_COUNT_FROM
        self._live_total = None if self._async else self._query_live_total()
        self._places_stale()
        self._reset(self._filter)

    def _reset(self, flt: ClaimFilter) -> None:
        self.beginResetModel()
        self._filter = flt
        self._pages.clear()
        self._recount()
        self.endResetModel()

    @property
    def exact(self) -> bool:
        """Whether ``rowCount`` is the exact count (False while it is counted off the thread)."""
        return self._exact

    @property
    def ranked_order(self) -> str | None:
        """The sort key whose places the first-pages lane holds, as far as this model knows (``claims_order``)."""
        return self._ranked

    @property
    def searching(self) -> bool:
        """Whether the first page is being read on a worker (the table is empty until it arrives)."""
        return self._searching

    # -- counting --------------------------------------------------------
    def _recount(self) -> None:
        """Set the row count for the current filter (inside a model reset).

        Exact and synchronous on a small file; on a big one, provisional (the
        first page, read here) with the exact count started on a worker.
        """
        self._generation += 1
        self._stop_older_reads()
        self._sparse_search = self._walked = False
        flt = self._filter
        self._claimant_first = self._starts_from_claimant(flt)
        if not self._async:
            self._count = self._query_count()
            self._dense = self._is_dense(self._count)
            self._exact = True
            return
        default = not flt.trash and flt.with_(trash=False).is_default
        if default and self._live_total is not None:
            self._count, self._exact, self._dense = self._live_total, True, True
            return
        self._count = PAGE_SIZE  # provisional: the first page decides
        lane = None
        seen: dict = {}
        walked = None if default else self._walk_first_page(flt, seen)
        self._walked = walked is not None
        if walked is not None:  # a search in a large share of the claims: dense, as the walk showed
            self._dense = True
            rows = _entries(walked)
        else:
            self._dense = True if default else self._probe_dense(flt)
            # With the places of this order on the lane, the lane reads a search's first page from them
            # (15-50 ms however bunched its matches lie) while this thread tries its own plan.
            if not default and self._ranked == flt.sort and claims_order.rankable(flt):
                lane = self._read_first_page_on_worker()
            if default:
                rows = self._fetch_page(0)
            elif self._dense and seen.get("read", 0) >= claims_walk.WALK_SAMPLE and not seen.get("found"):
                # Not one match in the first claims of the order: the matches lie bunched further down,
                # past what this thread's plan (the same walk of the order) reads in its budget.
                rows = None
                self.plans.append("worker")
                del self.plans[:-4]
            else:
                budget = SEARCH_BUDGET_MS if flt.is_search_alone else FIRST_PAGE_BUDGET_MS
                rows = self._first_page_in_time(budget, lane)
        if lane is not None:
            if rows is None and "rows" in lane:  # the lane was first: its page, without a second reset
                rows = _entries(lane["rows"])
                self._pending_page = None
                self._lane_page_taken(lane)
            elif rows is not None:  # this thread was first: the lane's page is not wanted
                claims_plans.interrupt(lane)
                self._pending_page = None
        if rows is None:  # read on a worker: nothing to show until it arrives
            self._count, self._exact, self._searching = 0, False, True
            if lane is None:
                self._read_first_page_on_worker()
            return
        self._pages[0] = rows
        if len(rows) < PAGE_SIZE:
            self._count, self._exact = len(rows), True
            if default:
                self._live_total = len(rows)
            return
        self._exact = False
        self._schedule_count()

    def _threshold(self, flt: ClaimFilter) -> int:
        live = self._live_total if self._live_total is not None else claims_plans.highest_id()
        return claims_plans.dense_threshold(flt, live)

    def _is_dense(self, count: int) -> bool:
        return not self._filter.trash and count >= self._threshold(self._filter)

    def _probe_dense(self, flt: ClaimFilter) -> bool:
        """Dense or sparse without the full count: count no further than the threshold."""
        if not claims_plans.probe_asks(flt):
            return False
        self.queries += 1
        return claims_plans.probe_dense(flt, self._threshold(flt), self._claimant_first)

    def _walk_first_page(self, flt: ClaimFilter, seen: dict | None = None) -> list[tuple] | None:
        """See ``claims_walk.walk_first_page``."""
        live = self._live_total if self._live_total is not None else claims_plans.highest_id()
        rows = claims_walk.walk_first_page(models.Claim._meta.database, flt, fields(), PAGE_SIZE, live, seen)
        if rows is not None:
            self.queries += 1
            self.plans.append("walk")
            del self.plans[:-4]
        return rows

    def _first_page_in_time(self, budget_ms: float, lane: dict | None = None) -> list[tuple] | None:
        """The first page, or None when reading it would hold the GUI thread past ``budget_ms``, or once
        the ``lane`` reading the same page has it."""
        if lane is not None and "rows" in lane:
            return None
        lane = lane if lane is not None else {}
        rows = _within(budget_ms, lambda: self._fetch_page(0), lambda: "rows" in lane)
        if rows is None:
            self.plans.append("worker")
            del self.plans[:-4]
        return rows

    def _read_first_page_on_worker(self) -> dict:
        """Read the first page on the first-pages lane; the read's handle (its ``"rows"`` once read)."""
        from desktop.views import worker

        generation = self._generation
        handle: dict = {}
        self._pending_page = handle
        flt = self._filter
        statement = self._page_statement(flt, PAGE_SIZE, 0)
        sparse = None
        if self._dense and flt.is_search_alone:
            query = search.claims(flt, *fields()).limit(PAGE_SIZE)
            sparse = claims_plans.steer(query, *claims_plans.page_plan(flt, False, self._claimant_first))
        ranked = claims_order.rankable(flt)
        if ranked:  # a page first: a build of places gives up, and is asked again after it
            self._give_up_ranks()
        worker.run_task(
            self, claims_plans.run_rows, models.Claim._meta.database.obj, statement, handle, sparse, flt,
            fields() if ranked else None, PAGE_SIZE, _first_pages_helper() if ranked else None,
            lane=_first_pages_lane(),
            on_done=lambda rows: self._first_page_read(generation, handle, rows),
            on_error=lambda exc: self._first_page_failed(generation, handle, exc),
        )
        return handle

    def _prepare_ranks(self, key: str) -> None:
        """Have the first-pages lane read the places of ``key``'s order (``claims_order``), for searches in it."""
        from desktop.views import worker

        if not self._async or not self._attached or key in claims_order.UNRANKED:
            return
        self._give_up_ranks()
        handle: dict = {}
        self._pending_ranks = handle
        worker.run_task(
            self, claims_plans.prepare_ranks, models.Claim._meta.database.obj, key, handle,
            lane=_first_pages_lane(),
            on_done=lambda ready: self._ranks_prepared(key, handle, ready),
            on_error=lambda exc: self._ranks_prepared(key, handle, False, exc),
        )

    def _places_stale(self) -> None:
        """Something was written: the lane's places no longer hold. Read them again soon, rather than when
        the next search in this order finds them stale and is answered the slower way (the keys by id, or a
        walk: up to 60 ms where the places take 20-35). Writes in a burst (undo pressed again and again)
        restart the wait: one read after the last. A read still running began before this write: given up."""
        self._ranked = None
        self._give_up_ranks()
        if not self._async or not self._attached or self._filter.sort in claims_order.UNRANKED:
            return
        self._after("_ranks_timer", RANKS_AFTER_WRITE_MS, self._read_places_again)

    def _after(self, name: str, ms: int, slot) -> None:
        """(Re)start the single-shot timer kept as attribute ``name`` (made at its first use): ``slot`` runs
        once, ``ms`` after the last start."""
        timer = getattr(self, name)
        if timer is None:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(slot)
            setattr(self, name, timer)
        timer.start(ms)

    def _read_places_again(self) -> None:
        # Unless a search's page or a sort has had them read (or begun to) since the write.
        if self._ranked != self._filter.sort and self._pending_ranks is None:
            self._prepare_ranks(self._filter.sort)

    def _give_up_ranks(self) -> None:
        """Stop a build of places still running on the lane (it stops between SQLite steps)."""
        if self._pending_ranks is not None:
            self._pending_ranks["cancelled"] = True
            self._pending_ranks = None

    def _ranks_prepared(self, key: str, handle: dict, ready: bool, exc: BaseException | None = None) -> None:
        if not shiboken6.isValid(self) or handle is not self._pending_ranks:
            return  # given up for a first page, or another order asked for since
        self._pending_ranks = None
        if exc is not None:  # the searches in this order keep their usual plans
            log.warning("reading the places of the %s order failed (%s)", key, exc)
        if ready and key == self._filter.sort:
            self._ranked = key

    def _stop_older_reads(self) -> None:
        """Stop the reads of an older filter still running off the GUI thread: its first page and its count."""
        self._searching = False
        for name in ("_pending_page", "_pending_count"):
            handle = getattr(self, name)
            setattr(self, name, None)
            if handle is not None:
                claims_plans.interrupt(handle)

    def _first_page_read(self, generation: int, handle: dict, rows: list[tuple]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation or handle is not self._pending_page:
            return  # a newer filter, sort or edit, the GUI thread was quicker, or the window went away
        self.beginResetModel()
        self._pending_page = None
        self._searching = False
        self._pages.clear()
        self._pages[0] = _entries(rows)
        self._count = len(rows)
        self._exact = len(rows) < PAGE_SIZE
        self._lane_page_taken(handle)
        self.endResetModel()
        self.first_page_arrived.emit()
        if self._exact:
            self.count_settled.emit()
        else:
            self._schedule_count()

    def _lane_page_taken(self, handle: dict) -> None:
        # Read from the matches: the next pages too, since walking the order would go as far.
        self._sparse_search = handle.get("from_matches", False)
        if handle.get("ranked") or handle.get("keyed"):  # plans the GUI thread has not named itself
            self.plans.append("ranks" if handle.get("ranked") else handle["plan"])
            del self.plans[:-4]
        if not handle.get("ranked") and claims_order.rankable(self._filter):  # none held, or written since
            self._ranked = None
            self._prepare_ranks(self._filter.sort)

    def _first_page_failed(self, generation: int, handle: dict, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or generation != self._generation or handle is not self._pending_page:
            return
        log.warning("reading the first page off the GUI thread failed (%s); reading it here", exc)
        self._count = PAGE_SIZE
        handle["from_matches"] = handle["ranked"] = False
        self._first_page_read(generation, handle, [raw for raw, _shown in self._fetch_page(0)])

    def _starts_from_claimant(self, flt: ClaimFilter) -> bool:
        """See ``claims_plans.claimant_first`` (one query's worth, when it applies)."""
        if not claims_plans.weighs_claimant(flt):
            return False
        self.queries += 1
        return claims_plans.claimant_first(flt)

    def _schedule_count(self) -> None:
        """Start the count ``COUNT_AFTER_MS`` from now, or once counts are released (``hold_counts``).

        Not at once: the first page is painted in the meantime, without a worker thread starting up and a
        count walking an index beside it (a search's keystroke to painted page, 49 ms -> 45 sorted by
        claimant Z-A). A count started by the next keystroke instead is a count never started."""
        if self._holding:
            self._count_pending = True
            return
        self._after("_count_timer", COUNT_AFTER_MS, self._count_due)

    def _count_due(self) -> None:
        if not self._exact:  # a newer filter may have been exact at once
            self._start_count()

    def release_counts(self) -> None:
        """Start the count held since the model was made (the window has painted its first page)."""
        if not self._attached:
            self._released_early = True
            return
        if not self._holding:
            return
        self._holding = False
        if self._count_pending:
            self._count_pending = False
            if not self._exact:
                self._start_count()

    def _start_count(self) -> None:
        """Count the current filter (and the live total if unknown) on a worker thread."""
        from desktop.views import worker

        generation = self._generation
        jobs = [self._count_statement()]
        if self._live_total is None:
            jobs.append(claims_plans.live_statement())
        handle: dict = {}
        self._pending_count = handle
        worker.run_task(
            self, claims_plans.run_counts, models.Claim._meta.database.obj, jobs, handle,
            on_done=lambda counts: self._count_arrived(generation, counts),
            on_error=lambda exc: self._count_failed(generation, exc),
        )

    def _count_arrived(self, generation: int, counts: list[int]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the window was replaced meanwhile, or a newer filter, sort or edit made this stale
        self._pending_count = None
        count = counts[0]
        if len(counts) > 1:
            self._live_total = counts[1]
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:  # claims left between the first page and the count
            self.beginResetModel()
            self._pages.clear()
            self._count = count
            self.endResetModel()
        self._exact = True
        self._dense = self._is_dense(count)
        self.count_settled.emit()

    def _count_failed(self, generation: int, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        log.warning("counting claims off the GUI thread failed (%s); counting here", exc)
        counts = [self._query_count()]
        if self._live_total is None:
            counts.append(self._query_live_total())
        self._count_arrived(generation, counts)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column][2]
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._filter.sort and descending == self._filter.descending:
            return
        flt = self._filter.with_(sort=key, descending=descending)
        if not self._attached:
            self._wanted = (self._wanted or self._filter).with_(sort=key, descending=descending)
            return
        if self._async and not flt.with_(trash=False).is_default:
            # A filter on a big file: its first page in the new order is read as after a filter change
            # (walk, budget, lane), since its matches may lie bunched far down that order.
            self._reset(flt)
        else:
            # Same rows in another order: reset (the page keeps the selected
            # claims by id, not by row).
            self.beginResetModel()
            self._filter = flt
            self._pages.clear()
            self.endResetModel()
        if self._ranked != key:  # on a big file: the places of this order, for the searches typed in it
            self._prepare_ranks(key)

    def sort_column(self) -> int:
        for n, (_key, _title, sort_key) in enumerate(COLUMNS):
            if sort_key == self._filter.sort:
                return n
        return COLUMN["updated_at"]

    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._filter.descending else Qt.SortOrder.AscendingOrder

    # -- Qt model API --------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            if COLUMNS[section][0] == "evidence":
                return "Sources that support / refute the claim (sorted by all linked sources)"
            return f"Sort by {COLUMNS[section][1].lower()}"
        return None

    # flags(): QAbstractTableModel's own (enabled, selectable, no children), answered without Python.

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        # The view asks each painted cell for eight roles or so, the others first: answer those at once.
        if role not in _ROLES_ANSWERED:
            return None
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < self._count and 0 <= column < len(COLUMNS)):
            return None
        entry = self._row(row)
        if entry is None:
            return None
        raw, shown = entry
        if shown is None:
            shown = entry[1] = _display_row(raw)
        if role == Qt.ItemDataRole.DisplayRole:
            return shown[column]
        if role == ID_ROLE:
            return raw[F_ID]
        if role == TERM_ROLE:
            key = COLUMNS[column][0]
            if key == "status":
                return raw[F_STATUS]
            if key == "verdict":
                return raw[F_VERDICT] or ""
            return None
        return self._tooltip(raw, shown, COLUMNS[column][0])

    @staticmethod
    def _tooltip(raw, shown, key) -> str:
        if key == "evidence":
            return (f"{raw[F_SUP]} supporting, {raw[F_REF]} refuting, "
                    f"{raw[F_SRC]} linked source(s) in all")
        if key == "verdict" and not raw[F_VERDICT]:
            return "No verdict yet"
        if key == "updated_at":
            return raw[F_UPDATED] or ""
        return shown[COLUMN[key]]

    # -- paging --------------------------------------------------------
    def claim_id(self, row: int) -> int | None:
        entry = self._row(row)
        return entry[0][F_ID] if entry else None

    def ids_in_rows(self, first: int, last: int) -> list[int]:
        """Claim ids of rows ``first..last`` (one query; no page is cached)."""
        if last < first:
            return []
        query = search.claims(self._filter, models.Claim.id).limit(last - first + 1).offset(first)
        return [row[0] for row in self._run(query, *self._page_plan(self._filter))]

    def row_of(self, claim_id: int) -> int | None:
        """The row of a claim among the cached pages (None if not cached)."""
        for page, rows in self._pages.items():
            for n, (raw, _shown) in enumerate(rows):
                if raw[F_ID] == claim_id:
                    return page * PAGE_SIZE + n
        return None

    def cached_rows(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    def _row(self, row: int):
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            rows = self._fetch_page(page)
            self._pages[page] = rows
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    def _fetch_page(self, page: int) -> list[tuple]:
        start = page * PAGE_SIZE
        size = min(PAGE_SIZE, self._count - start)
        if size <= 0:
            return []
        if start + size / 2 <= self._count / 2:
            raws = self._page_after_the_last(page, size)
            if raws is None:
                raws = self._page_rows(self._filter, size, start)
        else:
            # Read from the other end: the offset stays under half the list.
            reverse = self._filter.with_(descending=not self._filter.descending)
            raws = self._page_rows(reverse, size, max(0, self._count - start - size))
            raws.reverse()
        return _entries(raws)

    def _page_after_the_last(self, page: int, size: int) -> list[tuple] | None:
        """Page ``page`` read on from the last row of the page before it, when that one is cached.

        An OFFSET walks the sort index from the top again for every page, and
        a filter's index walk tests every claim it passes: 60-77 ms a page for
        "to", 105 ms for the 20th page of "soldiers". Read on from the last
        row instead (``(key, id)`` after the last one's, a range of the same
        index), a page costs what the first did: for a search that the walk
        answered, by the walk again. None (use the offset) when the page
        before is not cached, the plan is not a walk of the sort index, the
        last key is NULL, or the rows after it do not fill the page (NULL keys
        come last in a descending order).
        """
        before = self._pages.get(page - 1) if page > 0 else None
        flt = self._filter
        field = _SORT_FIELD.get(flt.sort)
        if not before or len(before) < PAGE_SIZE or field is None or flt.trash:
            return None
        index, plus_live = self._page_plan(flt)
        if plus_live or index != "claim_live_" + search.SORT_KEYS[flt.sort].column_name:
            return None
        last = before[-1][0]
        if last[field] is None:
            return None
        column, key = search.SORT_KEYS[flt.sort], (last[field], last[F_ID])
        after = (peewee.Tuple(column, models.Claim.id) < peewee.Tuple(*key)) if flt.descending else (peewee.Tuple(column, models.Claim.id) > peewee.Tuple(*key))
        onward = flt.with_(extra=flt.extra + (after,))
        rows = self._walk_first_page(onward) if flt.is_search_alone and self._walked else None
        if rows is None:
            rows = self._page_rows(onward, size, 0)
        return rows if len(rows) == size else None

    def _page_rows(self, flt: ClaimFilter, size: int, offset: int) -> list[tuple]:
        return self._execute(self._page_statement(flt, size, offset))

    def _page_statement(self, flt: ClaimFilter, size: int, offset: int) -> tuple:
        index, plus_live = self._page_plan(flt)
        if plus_live and claims_plans.narrowed_by_ids(flt):
            query = search.claims_by_ids(flt, *fields()).limit(size).offset(offset)
            return claims_plans.steer(query, inner_index="claim_dash_id")
        query = search.claims(flt, *fields()).limit(size).offset(offset)
        return claims_plans.steer(query, index, plus_live)

    def _page_plan(self, flt: ClaimFilter) -> tuple[str | None, bool]:
        return claims_plans.page_plan(flt, self._dense and not self._sparse_search, self._claimant_first)

    def _run(self, query, index: str | None = None, plus_live: bool = False,
             inner_index: str | None = None) -> list[tuple]:
        """Execute a peewee query with the plan steering of ``claims_plans``."""
        return self._execute(claims_plans.steer(query, index, plus_live, inner_index))

    def _execute(self, statement: tuple) -> list[tuple]:
        self.queries += 1
        self.plans.append(statement[3])
        del self.plans[:-4]
        rows, fell_back = claims_plans.execute(models.Claim._meta.database, statement)
        if fell_back:
            self.plans[-1] = "planner (fallback)"
        return rows

    @property
    def live_total(self) -> int | None:
        """Live claims in the database (as of the last reload or refresh); None while being counted."""
        return self._live_total

    def _count_statement(self) -> tuple:
        return claims_plans.count_statement(self._filter)

    def _query_count(self) -> int:
        flt = self._filter
        if not flt.trash and flt.with_(trash=False).is_default and self._live_total is not None:
            return self._live_total
        statement = self._count_statement()
        self.queries += 1
        self.plans.append(statement[3])
        del self.plans[:-4]
        rows, fell_back = claims_plans.execute(models.Claim._meta.database, statement)
        if fell_back:
            self.plans[-1] = "planner (fallback)"
        return rows[0][0] or 0

    def _query_live_total(self) -> int:
        self.queries += 1
        return search.count_claims(ClaimFilter())

    # -- updates after edits -----------------------------------------
    def refresh_claims(self, claim_ids) -> None:
        """Claims changed, were added or left: update in place where possible.

        Rows already cached are re-read and announced with ``dataChanged``;
        a change in the number of matching claims inserts or removes rows
        where their position is known, and resets otherwise.
        """
        ids = sorted(set(claim_ids or []))
        self._places_stale()
        if not self._exact or (self._async and (not ids or len(ids) > PAGE_SIZE)):
            # Still counting, or a big change (bulk, import) on a big file:
            # recount off the GUI thread from the first page.
            self._live_total = None
            self._reset(self._filter)
            return
        self._live_total = self._query_live_total()
        new_count = self._query_count()
        if not ids:
            if new_count != self._count:
                self._reset(self._filter)
            else:
                self._pages.clear()
                self._emit_all_changed()
            return
        members = self._members(ids)
        if new_count == self._count:
            self._update_rows(ids)
            return
        cached = {cid: self.row_of(cid) for cid in ids}
        gone = sorted((row for cid, row in cached.items() if row is not None and cid not in members), reverse=True)
        if gone and self._count - len(gone) == new_count:
            self._remove_rows(gone)
            self._update_rows([cid for cid in ids if cid in members])
            return
        new = [cid for cid in ids if cid in members and cached[cid] is None]
        if new and self._count + len(new) == new_count:
            self._insert_claims(new)
            return
        self._reset(self._filter)

    def _members(self, ids) -> set[int]:
        self.queries += 1
        query = search.claim_ids(self._filter.with_(ids=frozenset(ids)))
        return {cid for (cid,) in query.tuples()}

    def _update_rows(self, ids) -> None:
        rows = {cid: self.row_of(cid) for cid in ids}
        rows = {cid: r for cid, r in rows.items() if r is not None}
        if not rows:
            return
        self.queries += 1
        fresh = {r[F_ID]: r for r in models.Claim.select(*fields()).where(models.Claim.id.in_(list(rows))).tuples()}
        last = len(COLUMNS) - 1
        for cid, row in rows.items():
            raw = fresh.get(cid)
            if raw is None:
                continue
            page, offset = divmod(row, PAGE_SIZE)
            self._pages[page][offset] = [raw, None]
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def _remove_rows(self, rows_descending) -> None:
        for row in rows_descending:
            self.beginRemoveRows(QModelIndex(), row, row)
            self._count -= 1
            self._pages.clear()
            self.endRemoveRows()

    def _insert_claims(self, ids) -> None:
        positions = [self._position(cid) for cid in ids]
        if None in positions:  # too far to count here: read again as after a filter change
            self._reset(self._filter)
            return
        for pos in sorted(positions):
            self.beginInsertRows(QModelIndex(), pos, pos)
            self._count += 1
            self._pages.clear()
            self.endInsertRows()

    def _held_rows(self) -> int:
        """Rows before the end of the last one anybody holds: the cached pages, and a view's persistent
        indexes (its current row, its selection). Past them, no row is known by its number."""
        ends = [page * PAGE_SIZE + len(rows) for page, rows in self._pages.items()]
        ends += [index.row() + 1 for index in self.persistentIndexList() if index.isValid()]
        return max(ends, default=0)

    def _position(self, claim_id: int) -> int | None:
        """The row at which ``claim_id`` (it matches) comes in: how many matching claims sort before it,
        counted no further than the rows held (``_held_rows``). A claim further down comes in just past
        them: the rows in between are read again by number, as every page is after an insert, and no view
        holds one. None when even that count would hold the GUI thread past ``POSITION_BUDGET_MS``.

        Counted along the same index as the pages, with a row-value range
        ``(column, id) > (value, claim_id)`` that SQLite reads as an index
        range. A new claim sorted near the end of a million by claim would
        otherwise be counted past every claim before it (90-140 ms here).
        """
        flt = self._filter
        column = search.SORT_KEYS.get(flt.sort, models.Claim.updated_at)
        self.queries += 1
        (value,) = models.Claim.select(column).where(models.Claim.id == claim_id).tuples().get()
        desc = flt.descending
        if value is None:
            parts = [(column.is_null(False) | (models.Claim.id > claim_id)) if desc else (
                column.is_null() & (models.Claim.id < claim_id))]
        elif desc:
            parts = [peewee.Tuple(column, models.Claim.id) > peewee.Tuple(value, claim_id)]
        else:  # NULLs first, then the smaller values (the two are disjoint)
            parts = [column.is_null(), peewee.Tuple(column, models.Claim.id) < peewee.Tuple(value, claim_id)]
        index, plus_live = self._page_plan(flt)
        reach = self._held_rows()

        def count() -> int:
            before = 0
            for part in parts:
                if before >= reach:
                    break
                query = search._where(models.Claim.select(peewee.SQL("1")), flt.with_(extra=flt.extra + (part,)))
                steered, plain, params, plan = claims_plans.steer(query.limit(reach - before), index, plus_live)
                before += self._execute((f"SELECT count(*) FROM ({steered})", f"SELECT count(*) FROM ({plain})",
                                         params, plan))[0][0] or 0
            return before

        return _within(POSITION_BUDGET_MS, count)

    def _emit_all_changed(self) -> None:
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))
