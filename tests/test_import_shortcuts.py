"""The per-row import shortcuts for evidence and history agree with the per-cell checks.

On a clean package the column checks (``import_fast._fast_evidence_table`` /
``_fast_history_table``) take every row, so ``_fast_evidence`` and
``_fast_history`` only run on rows those checks refuse, or on every row when
one row is wider than the header (a trailing empty cell: ``_columns`` gives
None). These tests build such packages from a real export, with rows in other
but valid forms (padded, upper-case ids, other timestamp forms, formula
prefixes) and plainly invalid ones, and read each package three ways: with
every shortcut, with the per-row shortcuts switched off, and with the column
path switched off too. Rows, values and problems (row, column, message) must
be the same each time, and a counting wrapper shows the shortcuts ran.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop import services
from desktop.exchange import csvcodec, import_fast, importer, package
from desktop.search import ClaimFilter

PARTS = ("claims", "sources", "evidence", "history", "problems", "notes")
EVIDENCE = package.EVIDENCE_COLUMNS
HISTORY = package.HISTORY_COLUMNS


@pytest.fixture
def exported(database, make_claim, make_source, tmp_path) -> dict[str, bytes]:
    """The members of a package Claimlog exported from a small database (formula-like cells included)."""
    bulletin = make_source("Ministry bulletin", "https://health.example/bulletin")
    leaflet = services.create_source(services.SourceInput(title="Printed leaflet", kind="document"))
    radio = make_source("Radio transcript", "https://radio.example/t/9", language="en")
    a = make_claim("=SUM(A1:A3) families left the valley", claimant="Relief office", tags=["displacement"])
    services.link_evidence(a.id, bulletin.id, "supports", quote="'at least 447\nsaid the table", locator="p. 3",
                           note="-table 2, second column")
    services.link_evidence(a.id, leaflet.id, "context")
    services.link_evidence(a.id, radio.id, "refutes", quote="about two hundred", locator="@12:40", note="host")
    services.set_status(a.id, "in_progress")
    services.set_verdict(a.id, "false", "The bulletin counts fewer.")
    services.set_status(a.id, "needs_review")
    services.set_status(a.id, "final")
    services.set_status(a.id, "reopened", reason="=new figures arrived\nfrom the district")
    b = make_claim("+43 soldiers crossed the river", claimant="Wire agency")
    services.link_evidence(b.id, radio.id, "supports", quote="forty-three", locator="")
    services.set_status(b.id, "in_progress", who="Second checker")
    path = tmp_path / "exported.zip"
    package.export_package(path, ClaimFilter(), include_confidential=True)
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def table(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the raw cells (formula prefixes kept) of an exported CSV member."""
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return records[0], records[1:]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """The rows as the exporter writes them (BOM, CRLF, excel quoting), cells written as they are."""
    buffer = io.StringIO(newline="")
    writer = csvcodec.csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def write_package(path: Path, members: dict[str, bytes], evidence: list[list[str]],
                  history: list[list[str]]) -> Path:
    edited = dict(members)
    edited["evidence.csv"] = csv_bytes(table(members["evidence.csv"])[0], evidence)
    edited["history.csv"] = csv_bytes(table(members["history.csv"])[0], history)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in edited.items():
            zf.writestr(name, data)
    return path


class Counted:
    """Wraps a shortcut as importer looks it up; counts the rows it saw and the rows it took."""

    def __init__(self, func):
        self.func, self.calls, self.taken = func, 0, 0

    def __call__(self, *args):
        self.calls += 1
        out = self.func(*args)
        self.taken += out is not None
        return out


def read_three_ways(path: Path, monkeypatch) -> tuple[importer.Incoming, dict[str, Counted]]:
    """Read ``path`` with every shortcut (counted), with the per-row ones off, and with the column path
    off too; assert the three readings are equal and return the first with the counters."""
    with monkeypatch.context() as patch:
        counted = {name: Counted(getattr(import_fast, name)) for name in ("_fast_evidence", "_fast_history")}
        for name, wrapper in counted.items():
            patch.setattr(importer, name, wrapper)  # importer's readers look these up in their own module
        fast = importer.read_file(path)
    with monkeypatch.context() as patch:
        for name in ("_fast_source", "_fast_evidence", "_fast_history"):
            patch.setattr(importer, name, lambda *args: None)
        rows_off = importer.read_file(path)
        patch.setattr(import_fast, "_columns", lambda table, at: None)  # looked up by the _fast_*_table checks
        careful = importer.read_file(path)
    for part in PARTS:
        assert getattr(fast, part) == getattr(careful, part), part
        assert getattr(rows_off, part) == getattr(careful, part), part
    return fast, counted


def test_the_names_patched_here_exist():
    """The comparisons switch these off by name: a rename must not make them vacuous."""
    for module, name in ((importer, "_fast_evidence"), (importer, "_fast_history"), (import_fast, "_columns"),
                         (import_fast, "_fast_evidence"), (import_fast, "_fast_history")):
        assert callable(getattr(module, name))


# -- near misses: each column's other-but-valid forms and its plainly invalid values -------------------------

UUID = "0b7f3c2e-9a41-4d6e-8f10-2c3b4a5d6e7f"
TIMES = ["2024-01-02T10:00:00Z", " 2024-01-02T10:00:00.000000Z", "2024-01-02 10:00:00",  # other forms
         "'2024-01-02T10:00:00.000000Z",
         "2024-02-30T10:00:00.000000Z", "2024-01-02T24:00:00.000000Z", "\u0662024-01-02T10:00:00.000000Z",
         "yesterday", ""]
UUIDS = [UUID.upper(), f" {UUID} ", f"'{UUID}", "{" + UUID + "}",  # accepted by the per-cell check
         UUID[:-1], "not-a-uuid", ""]
LINES = [" padded ", "'=formula", "'", "'@handle", "p.\u00a04",  # other forms, valid
         "line\nbreak", "tab\tinside", "bell \x07", "para\u2029graph", "x" * 501, " "]
TEXTS = [" padded text ", "'=1+1", "'", "line\nbreak\r\nand tab\t", "\u2028kept",  # valid
         "bell \x07", "nul \x00", "esc \x1b[0m", "\x85next line", "\t"]
NEAR = {
    "claim_uuid": UUIDS, "source_uuid": UUIDS,
    "stance": [" supports", "'refutes", "context ", "Supports", "REFUTES", "maybe", ""],
    "quote": TEXTS, "note": TEXTS, "reason": TEXTS, "old_value": TEXTS, "new_value": TEXTS,
    "locator": LINES, "who": LINES,
    "field": [" status", "'=status", "verdict\x07", "", "'", "two\nlines"],
    "created_at": TIMES, "at": TIMES,
    "is_correction": [" 1", "'1", "0 ", "2", "yes", "true", "-1"],
}


def spoiled(rows: list[list[str]], header: list[str]) -> list[list[str]]:
    """Every exported row once as it is, then each (column, near miss) on a copy of an exported row."""
    out = [list(r) for r in rows]
    for n, (column, value) in enumerate((c, v) for c in header for v in NEAR[c]):
        copy = list(rows[n % len(rows)])
        if "locator" in header:
            copy[header.index("locator")] = f"spot {n}"  # no two evidence rows share claim, source and locator
        copy[header.index(column)] = value
        out.append(copy)
    return out


@pytest.mark.parametrize("wide", [False, True], ids=["column-path", "row-wider-than-header"])
def test_shortcuts_give_what_cell_checks_give(exported, tmp_path, monkeypatch, wide):
    """Evidence and history with rows the column checks refuse (other forms and invalid values); with a row
    one empty cell wider than the header, no column check runs and the shortcuts meet every row."""
    ev_header, ev_rows = table(exported["evidence.csv"])
    hi_header, hi_rows = table(exported["history.csv"])
    assert ev_header == EVIDENCE and hi_header == HISTORY  # the exporter's own layout
    evidence, history = spoiled(ev_rows, ev_header), spoiled(hi_rows, hi_header)
    evidence.append(list(ev_rows[0]))  # the same claim, source and locator twice
    if wide:
        evidence[1].append("")  # a trailing empty cell: acceptable, but the columns no longer line up
        history[1].append("")
        evidence.append(list(ev_rows[0]) + ["stray"])  # text beyond the header: a problem, row left out
        history.append(list(hi_rows[0]) + ["stray"])
    path = write_package(tmp_path / "edited.zip", exported, evidence, history)

    incoming, counted = read_three_ways(path, monkeypatch)

    assert counted["_fast_evidence"].calls > 0 and counted["_fast_history"].calls > 0
    if wide:  # the shortcuts meet every row but the stray one, and take at least the exported rows
        assert counted["_fast_evidence"].calls == len(evidence) - 1
        assert counted["_fast_history"].calls == len(history) - 1
        assert counted["_fast_evidence"].taken >= len(ev_rows)
        assert counted["_fast_history"].taken >= len(hi_rows)
    problems = {(p.file, p.column) for p in incoming.problems}
    for column in ("claim_uuid", "source_uuid", "stance", "quote", "locator", "note", "created_at"):
        assert ("evidence.csv", column) in problems, column
    for column in ("claim_uuid", "field", "old_value", "new_value", "who", "at", "reason", "is_correction"):
        assert ("history.csv", column) in problems, column
    assert (("evidence.csv", "") in problems) == (("history.csv", "") in problems) == wide
    # rows in other but valid forms came through, cleaned as the per-cell checks clean them
    quotes = {e.quote for e in incoming.evidence}
    assert "padded text" in quotes and "=1+1" in quotes
    assert any(e.claim_uuid == UUID for e in incoming.evidence)
    assert any(h.is_correction and h.reason == "=new figures arrived\nfrom the district" for h in incoming.history)
    assert any(h.old_value == "" for h in incoming.history) and any(h.old_value is None for h in incoming.history)


# -- any mixture -----------------------------------------------------------------------------------------------


@st.composite
def edited_rows(draw, rows: list[list[str]], header: list[str]) -> list[list[str]]:
    out = []
    for _ in range(draw(st.integers(1, 8))):
        row = list(draw(st.sampled_from(rows)))
        for column in draw(st.lists(st.sampled_from(header), max_size=2)):
            row[header.index(column)] = draw(st.sampled_from(NEAR[column]) | st.text(max_size=6))
        out.append(row)
    widen = draw(st.sampled_from([None, "", "", "stray"]))
    if widen is not None:
        out[draw(st.integers(0, len(out) - 1))].append(widen)
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_shortcuts_agree_with_cell_checks_on_any_mixture(exported, monkeypatch, data):
    ev_header, ev_rows = table(exported["evidence.csv"])
    hi_header, hi_rows = table(exported["history.csv"])
    evidence = data.draw(edited_rows(ev_rows, ev_header), label="evidence")
    history = data.draw(edited_rows(hi_rows, hi_header), label="history")
    with tempfile.TemporaryDirectory() as folder:
        read_three_ways(write_package(Path(folder) / "edited.zip", exported, evidence, history), monkeypatch)
