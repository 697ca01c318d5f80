"""The claims table: a lazily paged model over ``search.ClaimFilter`` SQL.

Nothing here holds a row for a claim that was never on screen: ``rowCount``
comes from one ``COUNT`` per filter or sort change, rows are fetched a page at
a time (``PAGE_SIZE``) and kept in a small LRU cache of pages
(``MAX_PAGES``). Sorting re-queries SQL. Edits update rows in place
(``dataChanged``); only a filter or sort change resets the model.

Pages are read by ``LIMIT/OFFSET`` on an index; a page in the second half of
the list is read in reverse order from the end, so no offset is larger than
half the list.

Query plans (checked with EXPLAIN QUERY PLAN on one million claims): left
alone, SQLite answers "live claims sorted by X" through the ``deleted_at``
index, which looks selective (the trash has many distinct timestamps) but
matches every live row, then sorts a million rows (1.6 s). So the SQL that
``search`` builds is steered here, never changed in meaning:
- a claimed-date range starts from the live ``claimed_on`` index (those
  dates correlate with every other order, so a walk would not stop early);
- when the matching claims are dense (at least ``DENSE_SHARE`` of the live
  ones), pages walk the live partial index of the sort column
  (``INDEXED BY claim_live_<column>``, migration 0004) and stop after a page;
- when they are sparse, ``deleted_at IS NULL`` is written ``+deleted_at IS
  NULL`` (same meaning, no index), so SQLite starts from the selective filter
  (claimant, tag, full-text match...) and sorts the few rows found;
- when they are sparse and a search, tag or selection is combined with a
  status, verdict or "no sources", the filter is tested in a subquery of ids
  read through ``claim_dash_id`` (migration 0006: id, status, verdict,
  claimant, evidence count, claimed date), so only the claims that match have
  their rows read and sorted (a search matching 34,000 claims of which 9,000
  are final: 73 ms -> 54 ms);
- counts with "no sources" or a date range read the live index of that
  column; other counts are left to the planner, which answers them from
  covering indexes (20-90 ms); so is the trash (small).

Counting off the GUI thread: on a big file (``ASYNC_COUNT_FROM`` claims or
more, judged by the highest id, which costs nothing) a filter change does not
wait for its ``COUNT``. It decides dense or sparse with a count that stops at
the threshold (``LIMIT``), reads the first page and shows it with a
provisional row count (that page); the exact count runs on a worker thread
with its own connection and arrives as inserted rows and ``count_settled``.
Until then only the first page can be reached and ``exact`` is False. A newer
filter, sort or edit makes a late count stale (a generation number), so it is
dropped. Small files count synchronously: there a ``COUNT`` takes a few
milliseconds.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone

import logging

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from peewee import SQL, Tuple, fn

from desktop import search
from desktop.models import Claim
from desktop.workflow import label

log = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_PAGES = 30
DENSE_SHARE = 0.01  # a filter matching at least 1% of live claims walks the sort index
DENSE_SHARE_MEMBERSHIP = 0.0005  # the same for full-text / tag filters (no row reads)
# ... and for full-text / tag filters combined with status, verdict, claimant or "no sources":
# the walk tests membership from the index entry and reads a row only for a member (at 1M
# claims, 'soldiers' + final, 7,600 matches: the walk takes 8 ms, reading and sorting them 57 ms).
DENSE_SHARE_MEMBERSHIP_AND_COLUMNS = 0.002
ASYNC_COUNT_FROM = 50_000  # claims (by highest id) from which counts run off the GUI thread

_FROM = 'FROM "claim" AS "t1"'
_LIVE = '("t1"."deleted_at" IS NULL)'

ID_ROLE = Qt.ItemDataRole.UserRole  # the claim id, every column
TERM_ROLE = Qt.ItemDataRole.UserRole + 1  # status / verdict stable id

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

# What a page reads per claim (tuples, never model instances).
FIELDS = (
    Claim.id, Claim.headline, Claim.claimant_name, Claim.claimed_on, Claim.status, Claim.verdict,
    Claim.n_supports, Claim.n_refutes, Claim.n_sources, Claim.tags_text, Claim.updated_at,
)
F_ID, F_HEADLINE, F_CLAIMANT, F_CLAIMED, F_STATUS, F_VERDICT, F_SUP, F_REF, F_SRC, F_TAGS, F_UPDATED = range(11)


def local_time(stamp: str | None) -> str:
    """'2026-11-23T19:40:00.123456Z' -> '2026-11-23 20:40' in local time."""
    if not stamp:
        return ""
    try:
        moment = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


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


class ClaimsTableModel(QAbstractTableModel):
    count_settled = Signal()  # the exact count of the current filter is known again

    def __init__(self, parent=None, flt: search.ClaimFilter | None = None):
        super().__init__(parent)
        self._filter = flt or search.ClaimFilter()
        self._count = 0
        self._pages: OrderedDict[int, list[tuple]] = OrderedDict()  # page -> [(raw, display)]
        self.queries = 0  # SQL statements issued, for tests and benchmarks
        self.plans: list[str] = []  # how the last page/count was steered (for tests)
        self._generation = 0  # bumped by every recount: a late count of an older one is dropped
        self._exact = True
        self._dense = True
        self._claimant_first = False  # see _starts_from_claimant
        self._async = _highest_id() >= ASYNC_COUNT_FROM
        self._live_total: int | None = None if self._async else self._query_live_total()
        self._recount()

    # -- what is shown -------------------------------------------------
    @property
    def filter(self) -> search.ClaimFilter:
        return self._filter

    def set_filter(self, flt: search.ClaimFilter) -> None:
        """Show claims matching ``flt`` (its sort is replaced by the current one)."""
        flt = flt.with_(sort=self._filter.sort, descending=self._filter.descending)
        if flt == self._filter and flt.extra == self._filter.extra:
            return
        self._reset(flt)

    def reload(self) -> None:
        """Re-count and drop every cached page (another file, an import...)."""
        self._async = _highest_id() >= ASYNC_COUNT_FROM
        self._live_total = None if self._async else self._query_live_total()
        self._reset(self._filter)

    def _reset(self, flt: search.ClaimFilter) -> None:
        self.beginResetModel()
        self._filter = flt
        self._pages.clear()
        self._recount()
        self.endResetModel()

    @property
    def exact(self) -> bool:
        """Whether ``rowCount`` is the exact count (False while it is counted off the thread)."""
        return self._exact

    # -- counting --------------------------------------------------------
    def _recount(self) -> None:
        """Set the row count for the current filter (inside a model reset).

        Exact and synchronous on a small file; on a big one, provisional (the
        first page, read here) with the exact count started on a worker.
        """
        self._generation += 1
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
        self._dense = True if default else self._probe_dense(flt)
        self._count = PAGE_SIZE  # provisional: the first page decides
        rows = self._fetch_page(0)
        self._pages[0] = rows
        if len(rows) < PAGE_SIZE:
            self._count, self._exact = len(rows), True
            if default:
                self._live_total = len(rows)
            return
        self._exact = False
        self._start_count()

    def _threshold(self, flt: search.ClaimFilter) -> int:
        columns = flt.statuses or flt.verdicts or flt.claimant_ids or flt.no_sources
        if flt.date_from or flt.date_to or flt.extra:
            share = DENSE_SHARE
        elif not columns:
            share = DENSE_SHARE_MEMBERSHIP
        elif flt.tag_ids or flt.ids is not None or search.fts_query(flt.text) is not None:
            share = DENSE_SHARE_MEMBERSHIP_AND_COLUMNS
        else:
            share = DENSE_SHARE
        live = self._live_total if self._live_total is not None else _highest_id()
        return max(1, int(share * live + 0.999))

    def _is_dense(self, count: int) -> bool:
        return not self._filter.trash and count >= self._threshold(self._filter)

    def _probe_dense(self, flt: search.ClaimFilter) -> bool:
        """Dense or sparse without the full count: count no further than the threshold."""
        if flt.trash or flt.date_from or flt.date_to:
            return False  # their page plan does not ask
        limit = self._threshold(flt)
        match = search.fts_query(flt.text)
        if match and flt.with_(text="").is_default:
            # The index alone, trashed claims included: fast even for many matches.
            sql = 'SELECT count(*) FROM (SELECT 1 FROM "claim_fts" WHERE "claim_fts" MATCH ? LIMIT ?)'
            params = (match, limit)
        else:
            steering = ("claim_claimant_id", False) if self._claimant_first else self._count_steering(flt)
            inner, _plain, params, _plan = _steer(search._where(Claim.select(SQL("1")), flt).limit(limit),
                                                  *steering)
            sql = f"SELECT count(*) FROM ({inner})"
        self.queries += 1
        try:
            found = Claim._meta.database.execute_sql(sql, params).fetchone()[0]
        except Exception:  # an unexpected schema: sparse is always right, if slower
            return False
        return found >= limit

    def _starts_from_claimant(self, flt: search.ClaimFilter) -> bool:
        """Whether a claimant combined with a search, tags or a selection names fewer claims than they do.

        SQLite's estimate for a full-text match is fixed and low, so left
        alone it starts from the matches and reads each one's row to test the
        claimant: 34,000 rows (60 ms) for 'soldiers' and a claimant with 6,000
        claims. Both sizes are counted here instead, each from its own index.
        """
        match = search.fts_query(flt.text)
        if not flt.claimant_ids or flt.trash or not (match or flt.tag_ids or flt.ids is not None):
            return False
        database = Claim._meta.database
        people = sorted(flt.claimant_ids)
        self.queries += 1
        try:
            mine = database.execute_sql(
                f'SELECT count(*) FROM "claim" INDEXED BY "claim_claimant_id" WHERE "claimant_id" IN '
                f'({",".join("?" * len(people))})', people).fetchone()[0]
            others = [len(flt.ids)] if flt.ids is not None else []
            if match:
                others.append(database.execute_sql(
                    'SELECT count(*) FROM (SELECT 1 FROM "claim_fts" WHERE "claim_fts" MATCH ? LIMIT ?)',
                    (match, mine + 1)).fetchone()[0])
            if flt.tag_ids:
                tags = sorted(flt.tag_ids)
                others.append(database.execute_sql(
                    f'SELECT count(*) FROM (SELECT 1 FROM "claim_tag" WHERE "tag_id" IN '
                    f'({",".join("?" * len(tags))}) LIMIT ?)', (*tags, mine + 1)).fetchone()[0])
        except Exception:  # an older file without the index: leave the plan to SQLite
            return False
        return mine < min(others)

    @staticmethod
    def _count_steering(flt: search.ClaimFilter) -> tuple[str | None, bool]:
        """(index, plus_live) for counting a filter's live claims.

        A claimant is the most selective filter: ``+deleted_at`` lets SQLite
        start from the claimant index (it would otherwise walk the covering
        index of every live claim: 98 ms for 6,000 claims of a million).
        """
        if flt.trash:
            return None, False
        if flt.date_from or flt.date_to:
            return "claim_live_claimed_on", False
        if flt.claimant_ids:
            return None, True
        if flt.no_sources and not (flt.statuses or flt.verdicts):
            return "claim_live_n_sources", False
        return None, False

    def _start_count(self) -> None:
        """Count the current filter (and the live total if unknown) on a worker thread."""
        from desktop.views import worker

        generation = self._generation
        jobs = [self._count_statement()]
        if self._live_total is None:
            jobs.append(self._live_statement())
        worker.run_task(
            self, _run_counts, Claim._meta.database.obj, jobs,
            on_done=lambda counts: self._count_arrived(generation, counts),
            on_error=lambda exc: self._count_failed(generation, exc),
        )

    def _count_arrived(self, generation: int, counts: list[int]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the window was replaced meanwhile, or a newer filter, sort or edit made this stale
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
        # Same rows in another order: reset (the page keeps the selected
        # claims by id, not by row).
        self.beginResetModel()
        self._filter = self._filter.with_(sort=key, descending=descending)
        self._pages.clear()
        self.endResetModel()

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

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < self._count and 0 <= column < len(COLUMNS)):
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, ID_ROLE, TERM_ROLE):
            return None
        entry = self._row(row)
        if entry is None:
            return None
        raw, shown = entry
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
        query = search.claims(self._filter, Claim.id).limit(last - first + 1).offset(first)
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
            raws = self._page_rows(self._filter, size, start)
        else:
            # Read from the other end: the offset stays under half the list.
            reverse = self._filter.with_(descending=not self._filter.descending)
            raws = self._page_rows(reverse, size, max(0, self._count - start - size))
            raws.reverse()
        return [(raw, _display_row(raw)) for raw in raws]

    def _page_rows(self, flt: search.ClaimFilter, size: int, offset: int) -> list[tuple]:
        index, plus_live = self._page_plan(flt)
        if plus_live and _narrowed_by_ids(flt):
            query = search.claims_by_ids(flt, *FIELDS).limit(size).offset(offset)
            return self._run(query, inner_index="claim_dash_id")
        query = search.claims(flt, *FIELDS).limit(size).offset(offset)
        return self._run(query, index, plus_live)

    def _page_plan(self, flt: search.ClaimFilter) -> tuple[str | None, bool]:
        index, plus_live = None, False
        if not flt.trash:
            # Full-text and tag filters are checked from the index entry alone
            # (rowid membership), so walking the sort index pays off for far
            # sparser matches than filters that must read the row.
            dense = self._dense
            if flt.date_from or flt.date_to:
                # Claimed dates correlate with the other orders (old claims
                # were updated long ago): start from the date range instead.
                index = "claim_live_claimed_on"
            elif dense:
                index = "claim_live_" + search.SORT_KEYS.get(flt.sort, Claim.updated_at).column_name
            elif self._claimant_first:
                index = "claim_claimant_id"
            else:
                plus_live = True
        return index, plus_live

    def _run(self, query, index: str | None = None, plus_live: bool = False,
             inner_index: str | None = None) -> list[tuple]:
        """Execute a peewee query with the plan steering described in the module doc."""
        self.queries += 1
        statement = _steer(query, index, plus_live, inner_index)
        self.plans.append(statement[3])
        del self.plans[:-4]
        rows, fell_back = _execute(Claim._meta.database, statement)
        if fell_back:
            self.plans[-1] = "planner (fallback)"
        return rows

    @property
    def live_total(self) -> int | None:
        """Live claims in the database (as of the last reload or refresh); None while being counted."""
        return self._live_total

    def _count_statement(self) -> tuple[str, str, tuple, str]:
        """The steered SQL that counts the current filter (see ``_steer``)."""
        flt = self._filter
        if not flt.trash and flt.with_(trash=False).is_default:
            return self._live_statement()
        match = search.fts_query(flt.text)
        if match and not flt.trash and flt.with_(text="").is_default:
            # Live claims matching a search alone: all matches minus those in
            # the trash. The index holds a row for every claim, trashed ones
            # included, so this equals the filtered count; it avoids probing a
            # million-row index once per match (29 ms instead of 89 ms for
            # 42,000 matches of a million). The general count is the fallback.
            fast = ('SELECT (SELECT count(*) FROM "claim_fts" WHERE "claim_fts" MATCH ?) - '
                    '(SELECT count(*) FROM "claim" INDEXED BY "claim_deleted_at" WHERE "deleted_at" IS NOT NULL '
                    'AND "id" IN (SELECT "rowid" FROM "claim_fts" WHERE "claim_fts" MATCH ?))')
            general, params = search._where(Claim.select(fn.COUNT(SQL("*"))), flt).sql()
            return fast, general, (match, match), "fts minus trash", params
        query = search._where(Claim.select(fn.COUNT(SQL("*"))), flt)
        return _steer(query, *self._count_steering(flt))

    @staticmethod
    def _live_statement() -> tuple[str, str, tuple, str]:
        return _steer(search._where(Claim.select(fn.COUNT(SQL("*"))), search.ClaimFilter()))

    def _query_count(self) -> int:
        flt = self._filter
        if not flt.trash and flt.with_(trash=False).is_default and self._live_total is not None:
            return self._live_total
        statement = self._count_statement()
        self.queries += 1
        self.plans.append(statement[3])
        del self.plans[:-4]
        rows, fell_back = _execute(Claim._meta.database, statement)
        if fell_back:
            self.plans[-1] = "planner (fallback)"
        return rows[0][0] or 0

    def _query_live_total(self) -> int:
        self.queries += 1
        return search.count_claims(search.ClaimFilter())

    # -- updates after edits -----------------------------------------
    def refresh_claims(self, claim_ids) -> None:
        """Claims changed, were added or left: update in place where possible.

        Rows already cached are re-read and announced with ``dataChanged``;
        a change in the number of matching claims inserts or removes rows
        where their position is known, and resets otherwise.
        """
        ids = sorted(set(claim_ids or []))
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
        fresh = {r[F_ID]: r for r in Claim.select(*FIELDS).where(Claim.id.in_(list(rows))).tuples()}
        last = len(COLUMNS) - 1
        for cid, row in rows.items():
            raw = fresh.get(cid)
            if raw is None:
                continue
            page, offset = divmod(row, PAGE_SIZE)
            self._pages[page][offset] = (raw, _display_row(raw))
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def _remove_rows(self, rows_descending) -> None:
        for row in rows_descending:
            self.beginRemoveRows(QModelIndex(), row, row)
            self._count -= 1
            self._pages.clear()
            self.endRemoveRows()

    def _insert_claims(self, ids) -> None:
        positions = sorted(self._position(cid) for cid in ids)
        for pos in positions:
            self.beginInsertRows(QModelIndex(), pos, pos)
            self._count += 1
            self._pages.clear()
            self.endInsertRows()

    def _position(self, claim_id: int) -> int:
        """How many matching claims sort before ``claim_id`` (it matches too).

        Counted along the same index as the pages, with a row-value range
        ``(column, id) > (value, claim_id)`` that SQLite reads as an index
        range: a claim new at the top of a million costs one index step, not
        a scan (1.4 s per new claim at a million with the OR form).
        """
        flt = self._filter
        column = search.SORT_KEYS.get(flt.sort, Claim.updated_at)
        self.queries += 1
        (value,) = Claim.select(column).where(Claim.id == claim_id).tuples().get()
        desc = flt.descending
        if value is None:
            parts = [(column.is_null(False) | (Claim.id > claim_id)) if desc else (
                column.is_null() & (Claim.id < claim_id))]
        elif desc:
            parts = [Tuple(column, Claim.id) > Tuple(value, claim_id)]
        else:  # NULLs first, then the smaller values (the two are disjoint)
            parts = [column.is_null(), Tuple(column, Claim.id) < Tuple(value, claim_id)]
        index, plus_live = self._page_plan(flt)
        before = 0
        for part in parts:
            query = search._where(Claim.select(fn.COUNT(SQL("*"))), flt.with_(extra=flt.extra + (part,)))
            before += self._run(query, index, plus_live)[0][0] or 0
        return before

    def _emit_all_changed(self) -> None:
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))



# -- SQL helpers (no Qt: the count runs on a worker thread) -------------------
_IDS_FROM = 'IN (SELECT "t1"."id" FROM "claim" AS "t1"'  # the subquery of search.claims_by_ids


def _narrowed_by_ids(flt: search.ClaimFilter) -> bool:
    """A sparse filter whose rows are best read after a subquery of ids (see the module doc)."""
    membership = bool(flt.tag_ids) or flt.ids is not None or search.fts_query(flt.text) is not None
    columns = bool(flt.statuses or flt.verdicts or flt.no_sources)
    return (membership and columns and not flt.claimant_ids and not flt.trash and not flt.extra
            and not (flt.date_from or flt.date_to))


def _steer(query, index: str | None = None, plus_live: bool = False, inner_index: str | None = None) -> tuple:
    """(steered SQL, plain SQL, params, plan name): the module doc's plan steering."""
    sql, params = query.sql()
    steered = sql
    if index and _FROM in steered:
        steered = steered.replace(_FROM, f'{_FROM} INDEXED BY "{index}"', 1)
    if plus_live:
        steered = steered.replace(_LIVE, '(+"t1"."deleted_at" IS NULL)')
    if inner_index and _IDS_FROM in steered:
        steered = steered.replace(_IDS_FROM, f'{_IDS_FROM} INDEXED BY "{inner_index}"', 1)
    plan = (f"index={index}" if index and steered != sql else
            "plus_live" if plus_live and steered != sql else
            f"ids via {inner_index}" if inner_index and steered != sql else "planner")
    return steered, sql, tuple(params), plan


def _execute(database, statement: tuple) -> tuple[list[tuple], bool]:
    """Rows of a steered statement, and whether it fell back to the plain SQL.

    A steered statement may name an index an older file lacks; the plain one
    means the same. A statement of five items carries the plain SQL's own
    parameters (the steered one is a different query with its own).
    """
    steered, sql, params, _plan = statement[:4]
    plain_params = statement[4] if len(statement) > 4 else params
    if steered != sql:
        try:
            return list(database.execute_sql(steered, params).fetchall()), False
        except Exception:
            pass
    return list(database.execute_sql(sql, plain_params).fetchall()), steered != sql


COUNT_CACHE_KIB = 2048  # the counting connection reads each page once: no use caching them


def _run_counts(database, statements: list[tuple]) -> list[int]:
    """Run count statements on this (worker) thread's own connection, then close it.

    A count walks a whole index once (40 MB at a million claims): with the
    usual 64 MB page cache those pages would stay in memory for nothing.
    """
    try:
        database.execute_sql(f"PRAGMA cache_size = {-COUNT_CACHE_KIB}")
        return [(_execute(database, statement)[0][0][0] or 0) for statement in statements]
    finally:
        if not database.is_closed():
            database.close()


def _highest_id() -> int:
    """The highest claim id: what the file holds, at the cost of one index step."""
    return Claim.select(fn.MAX(Claim.id)).scalar() or 0
