"""The source library as a lazily fetched table: SQL sort, SQL filter, keyset pages.

Rows are read a page at a time with keyset pagination
(``WHERE (key, id) > (last_key, last_id) ORDER BY key, id LIMIT n``) so the
cost of the next page does not grow with how far the person has scrolled.
``rowCount`` grows as pages are fetched (``canFetchMore``/``fetchMore``), the
way Qt's own lazily fetching SQL models behave; nothing is loaded for rows
never scrolled to.

Plan choice at scale: for a filter that keeps a large share of the library,
walking the sort column's index and testing each row is fastest (the first
page comes after a few hundred rows); for a narrow filter, SQLite should
start from the filter (the kind index or the full-text list) and sort the
few rows it keeps. ``SourceQuery`` estimates the share from cheap counts and,
for broad filters, prefixes the filter columns with a unary ``+`` so that
SQLite walks the sort index instead.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from desktop import search
from desktop.models import database
from desktop.workflow import colour, label

ID_ROLE = Qt.ItemDataRole.UserRole  # the source id, every column
PAGE_SIZE = 256

# key, header, SQL column (all indexed; url is unique and may be NULL)
COLUMNS = [
    ("title", "Title", "title"),
    ("publisher", "Publisher / author", "publisher"),
    ("kind", "Kind", "kind"),
    ("published_on", "Published", "published_on"),
    ("credibility", "Credibility", "credibility"),
    ("n_claims", "Claims", "n_claims"),
    ("url", "Address", "url"),
]
COLUMN = {key: n for n, (key, _h, _c) in enumerate(COLUMNS)}
SELECT = "id, title, publisher, kind, published_on, credibility, n_claims, url"
F_ID, F_TITLE, F_PUBLISHER, F_KIND, F_PUBLISHED, F_CREDIBILITY, F_N, F_URL = range(8)
_FIELD_OF_COLUMN = [F_TITLE, F_PUBLISHER, F_KIND, F_PUBLISHED, F_CREDIBILITY, F_N, F_URL]

# A filter keeping more than this share of the library walks the sort index.
BROAD_SHARE = 0.02
# Above this many sources a count over two filters runs off the GUI thread.
ASYNC_COUNT_ABOVE = 50_000


@dataclass(frozen=True)
class SourceFilter:
    text: str = ""
    kind: str = ""  # "" = every kind
    credibility: str = ""  # "" = any
    sort: str = "title"
    descending: bool = False

    def with_(self, **changes) -> "SourceFilter":
        return replace(self, **changes)

    @property
    def is_default(self) -> bool:
        return not (self.text.strip() or self.kind or self.credibility)


def plain_tooltip(text: str | None) -> str | None:
    """A tooltip showing user data as typed: Qt would render a tooltip that looks like markup."""
    if not text:
        return None
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def _scalar(sql: str, params=()) -> int:
    row = database.execute_sql(sql, params).fetchone()
    return int(row[0] or 0) if row else 0


class SourceQuery:
    """The SQL for one filter: counts, and pages after a keyset cursor."""

    def __init__(self, flt: SourceFilter):
        self.flt = flt
        self.match = search.fts_query(flt.text)
        self.total = _scalar("SELECT COUNT(*) FROM source")
        self._counts: dict[str, int] = {}
        share = 1.0
        if self.total:
            for name, value in self._parts():
                share *= self._part_count(name, value) / self.total
        self.broad = share * self.total > max(2000, self.total * BROAD_SHARE) or self.flt.is_default

    def _parts(self):
        if self.match:
            yield "text", self.match
        if self.flt.kind:
            yield "kind", self.flt.kind
        if self.flt.credibility:
            yield "credibility", self.flt.credibility

    def _part_count(self, name: str, value: str) -> int:
        if name not in self._counts:
            if name == "text":
                sql = "SELECT COUNT(*) FROM source_fts WHERE source_fts MATCH ?"
            else:
                sql = f"SELECT COUNT(*) FROM source WHERE {name} = ?"
            self._counts[name] = _scalar(sql, (value,))
        return self._counts[name]

    def conditions(self) -> tuple[list[str], list]:
        plus = "+" if self.broad else ""
        where, params = [], []
        for name, value in self._parts():
            if name == "text":
                where.append(f"{plus}id IN (SELECT rowid FROM source_fts WHERE source_fts MATCH ?)")
            else:
                where.append(f"{plus}{name} = ?")
            params.append(value)
        return where, params

    def count_is_cheap(self) -> bool:
        """True when count() reads one index (or the library is small)."""
        return len(list(self._parts())) <= 1 or self.total <= ASYNC_COUNT_ABOVE

    def count(self) -> int:
        """Rows matching the filter (exact)."""
        parts = list(self._parts())
        if not parts:
            return self.total
        if len(parts) == 1:
            return self._part_count(*parts[0])
        where, params = self.conditions()
        return _scalar("SELECT COUNT(*) FROM source WHERE " + " AND ".join(where), params)

    def _segments(self):
        """(extra condition, key column or None) in the order rows are listed.

        ``url`` may be NULL (offline material), which a row-value comparison
        would skip: NULLs are listed as their own segment, ordered by id,
        before the addresses (ascending) or after them (descending).
        """
        key = dict((k, c) for k, _h, c in COLUMNS).get(self.flt.sort, "title")
        if key != "url":
            return [("", key)]
        if self.flt.descending:
            return [("url IS NOT NULL", "url"), ("url IS NULL", None)]
        return [("url IS NULL", None), ("url IS NOT NULL", "url")]

    def page(self, cursor, limit: int = PAGE_SIZE):
        """Up to ``limit`` rows after ``cursor``; returns (rows, next cursor or None at the end)."""
        segments = self._segments()
        segment, last_key, last_id = cursor if cursor else (0, None, None)
        rows: list[tuple] = []
        desc = self.flt.descending
        op, direction = ("<", "DESC") if desc else (">", "ASC")
        base_where, base_params = self.conditions()
        while segment < len(segments) and len(rows) < limit:
            extra, key = segments[segment]
            where, params = list(base_where), list(base_params)
            if extra:
                where.append(extra)
            if last_id is not None:
                if key is None:
                    where.append(f"id {op} ?")
                    params.append(last_id)
                else:
                    where.append(f"({key}, id) {op} (?, ?)")
                    params += [last_key, last_id]
            order = f"id {direction}" if key is None else f"{key} {direction}, id {direction}"
            sql = f"SELECT {SELECT} FROM source"
            if where:
                sql += " WHERE " + " AND ".join(where)
            want = limit - len(rows)
            sql += f" ORDER BY {order} LIMIT {int(want)}"
            got = list(database.execute_sql(sql, params).fetchall())
            rows += got
            if len(got) < want:
                segment, last_key, last_id = segment + 1, None, None
            else:
                last = got[-1]
                last_id = last[F_ID]
                last_key = None if key is None else last[SELECT.split(", ").index(key)]
        done = segment >= len(segments)
        return rows, None if done else (segment, last_key, last_id)


class SourcesTableModel(QAbstractTableModel):
    """title, publisher, kind, published, credibility, claims citing it, address."""

    def __init__(self, parent=None, flt: SourceFilter | None = None, start: bool = True):
        super().__init__(parent)
        self.queries = 0  # SQL page reads, for tests and benchmarks
        self._filter = flt or SourceFilter()
        self._rows: list[tuple] = []
        self._row_of: dict[int, int] = {}
        self._query: SourceQuery | None = None
        self._cursor = None
        self._more = False
        if start:  # a page not yet shown waits (start-up time at 500k sources)
            self._start()

    # -- filter and sort -------------------------------------------
    @property
    def filter(self) -> SourceFilter:
        return self._filter

    @property
    def started(self) -> bool:
        return self._query is not None

    def set_filter(self, flt: SourceFilter) -> None:
        if not self.started:  # remembered; read when the model starts
            self._filter = flt
            return
        if flt != self._filter:
            self.beginResetModel()
            self._filter = flt
            self._start()
            self.endResetModel()

    def reload(self) -> None:
        self.beginResetModel()
        self._start()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.set_filter(self._filter.with_(sort=COLUMNS[column][0],
                                           descending=order == Qt.SortOrder.DescendingOrder))

    def sort_column(self) -> int:
        return COLUMN.get(self._filter.sort, 0)

    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._filter.descending else Qt.SortOrder.AscendingOrder

    def count(self) -> int:
        """How many sources match the filter (a COUNT query; call once per change)."""
        return self._query.count() if self._query else 0

    @property
    def query(self) -> SourceQuery | None:
        return self._query

    def total(self) -> int:
        return self._query.total if self._query else 0

    def _start(self) -> None:
        self._rows, self._row_of = [], {}
        self._query = SourceQuery(self._filter)
        self._cursor = None
        self._more = True
        self._append(self._read())

    def _read(self) -> list[tuple]:
        self.queries += 1
        rows, self._cursor = self._query.page(self._cursor)
        self._more = self._cursor is not None
        return rows

    def _append(self, rows) -> None:
        for row in rows:
            self._row_of[row[F_ID]] = len(self._rows)
            self._rows.append(tuple(row))

    # -- lazy fetching ---------------------------------------------
    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid() or not self._more:
            return
        rows = self._read()
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._append(rows)
            self.endInsertRows()

    # -- Qt model ----------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][0] == "n_claims":
                return "Number of claims citing this source"
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(COLUMNS):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        value = row[_FIELD_OF_COLUMN[index.column()]]
        if role == ID_ROLE:
            return row[F_ID]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if key == "kind":
                return label("kind", value)
            if key == "credibility":
                return label("credibility", value)
            if key == "n_claims":
                return f"{value:,}" if role == Qt.ItemDataRole.DisplayRole else f"Cited by {value:,} claim(s)"
            text = value or ""
            if role == Qt.ItemDataRole.ToolTipRole:
                return plain_tooltip(text) if len(text) > 40 else None
            return text.replace("\n", " ")
        if role == Qt.ItemDataRole.DecorationRole and key == "credibility":
            return QColor(colour("credibility", value))
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "n_claims":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # -- lookups and in-place updates ------------------------------
    def source_id(self, row: int) -> int | None:
        return self._rows[row][F_ID] if 0 <= row < len(self._rows) else None

    def row_of(self, source_id: int) -> int | None:
        return self._row_of.get(source_id)

    def refresh_sources(self, ids) -> None:
        """Re-read changed sources in place; a new or unknown one reloads the list."""
        ids = [i for i in ids or [] if isinstance(i, int)]
        if not ids or any(i not in self._row_of for i in ids):
            self.reload()
            return
        marks = ",".join("?" * len(ids))
        fresh = {r[F_ID]: tuple(r) for r in database.execute_sql(
            f"SELECT {SELECT} FROM source WHERE id IN ({marks})", ids).fetchall()}
        if len(fresh) != len(ids):  # some were deleted
            self.reload()
            return
        for sid, row in fresh.items():
            n = self._row_of[sid]
            self._rows[n] = row
            self.dataChanged.emit(self.index(n, 0), self.index(n, len(COLUMNS) - 1))
