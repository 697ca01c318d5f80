"""What reading an import file gives: the row types, ``Incoming``, and ``_Rows``, the walk over one table.

Apart from ``importer`` so that the column-at-a-time checks (``import_fast``) can build the same rows
without importing the reader that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from desktop.exchange.csvcodec import Problem, Table


@dataclass
class ClaimRow:
    row: int
    uuid: str | None
    values: dict
    links: list[tuple[str, str]] = field(default_factory=list)  # (stance, normalised url), CSV only


@dataclass
class SourceRow:
    row: int
    uuid: str
    values: dict
    archives: list[tuple[str, str, str]]


class EvidenceRow(NamedTuple):
    row: int
    claim_uuid: str
    source_uuid: str
    stance: str
    quote: str
    locator: str
    note: str
    created_at: str | None


class HistoryRow(NamedTuple):
    row: int
    claim_uuid: str
    field: str
    old_value: str | None
    new_value: str | None
    who: str
    at: str
    reason: str
    is_correction: bool


@dataclass
class Incoming:
    file: str
    kind: str  # "csv" or "package"
    claims: list[ClaimRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    evidence: list[EvidenceRow] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Rows:
    """Walk a table's rows as dicts of raw cells, reporting shape problems."""

    def __init__(self, table: Table, incoming: Incoming, known: list[str], required: tuple[str, ...]):
        self.table, self.incoming = table, incoming
        self.file = table.file
        header = table.header
        self.ok = True
        seen = set()
        for n, name in enumerate(header):
            if name in seen and name:
                self.problem(1, name, f"the column '{name}' appears twice.")
                self.ok = False
            seen.add(name)
        for name in required:
            if name not in header:
                self.problem(1, name, f"the required column '{name}' is missing.")
                self.ok = False
        unknown = [h for h in header if h and h not in known]
        if unknown:
            incoming.notes.append(f"{self.file}: ignored the column(s) {', '.join(unknown)}.")
        self.index = [(name, header.index(name)) for name in known if name in header]
        self._known = list(known)

    def problem(self, row, column, message) -> None:
        self.incoming.problems.append(Problem(self.file, row, column, message))

    def _fitting_rows(self):
        """Rows whose extra cells (beyond the header) are empty; the others are reported as problems."""
        width = len(self.table.header)
        for row, cells in self.table.rows:
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                self.problem(row, "", f"has {len(cells)} cells but the header has {width} columns "
                                      "(a stray comma or quote?).")
                continue
            yield row, cells, width

    def __iter__(self):
        for row, cells, _width in self._fitting_rows():
            yield row, {name: (cells[i] if i < len(cells) else "") for name, i in self.index}

    def raw(self):
        """(row, cells padded so that ``self.at[name]`` indexes any known column, "" when absent)."""
        for row, cells, width in self._fitting_rows():
            yield row, (cells + [""] * (width + 1 - len(cells))) if len(cells) <= width else cells[:width] + [""]

    @property
    def at(self) -> dict[str, int]:
        width = len(self.table.header)
        found = dict(self.index)
        return {name: found.get(name, width) for name in self._known}

    def as_dict(self, cells: list[str]) -> dict[str, str]:
        return {name: cells[i] for name, i in self.index}
