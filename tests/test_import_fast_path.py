"""The column-at-a-time import checks agree with the per-cell ones on any claims file.

The fast path (import_fast._columns and the per-row shortcuts) only accepts what
the per-cell checks certainly accept and hands everything else to them; this
property test feeds both paths generated files mixing well-formed values with
near misses (spaces, formula prefixes, control characters, impossible dates,
unknown ids, other digits) and asserts the same rows, values and problems.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.exchange import claims_csv, csvcodec, import_fast, importer

COLUMNS = claims_csv.CLAIM_COLUMNS


# Values each column accepts as they are (the fast path's own ground).
CLEAN = {
    "uuid": ["11111111-2222-4333-8444-555555555555", "22222222-2222-4333-8444-555555555555",
             "33333333-2222-4333-8444-555555555555", ""],
    "text": ["A claim", "=1+1 is a formula", "43 soldiers fled across the border", "\u1019\u103c\u1014\u103a\u1019\u102c"],
    "claimant": ["", "Wire agency", "'@someone", "Ministry of Information"],
    "claimed_on": ["", "2024", "2024-05", "2024-05-17"],
    "status": ["unstarted", "in_progress", "on_hold"],
    "verdict": ["", "true", "false", "misleading"],
    "tags": ["", "health", "camps; water"],
    "sources": ["", "supports https://example.org/a", "refutes https://b.example/x",
                "context urn:uuid:11111111-2222-4333-8444-555555555555"],
    "created_at": ["2024-01-02T10:00:00.000000Z", "2025-12-31T23:59:59.999999Z"],
    "updated_at": ["2024-01-02T10:00:00.000000Z", "2025-06-30T08:00:00.000000Z", ""],
    "finalised_at": [""],
    "deleted_at": ["", "2025-01-01T00:00:00.000000Z"],
    "priority": ["", "1", "2", "3"],
    "appearance_url": ["", "https://example.org/x"],
    "other_appearances": ["", "https://example.org/a\nhttps://example.org/b"],
    "published_url": ["", "https://desk.example/check/1"],
    "language": ["", "en", "my"],
    "context": ["", "Said on the radio.\nTwice."],
}
# What may go wrong in one cell: near misses of every kind, and anything at all.
CORRUPT = st.one_of(
    st.sampled_from([
        " padded ", "'", "'=1+1", "bell \x07", "tab\tin a line", "line\nbreak", "2023-02-30", "2024-13",
        "2024-02-30T10:00:00.000000Z", "2024-01-02T10:00:00Z", "\u0662024-01-02T10:00:00.000000Z",
        "2024-01-02T24:00:00.000000Z", "done", "maybe", "TRUE", "high", "-1", "0", "4", "a;;b", " health ;",
        "HTTPS://B.example/x?utm_source=y", "maybe https://c.example", "supports not-a-link",
        "javascript:alert(1)", "11111111-2222-4333-8444-55555555555", " 11111111-2222-4333-8444-555555555555",
        "11111111-2222-4333-8444-555555555555".upper(), "x" * 300,
    ]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)


_TIMES = ["2024-02-30T10:00:00.000000Z", "2024-01-02T24:00:00.000000Z", "2024-01-02T10:00:00Z",
          "\u0662024-01-02T10:00:00.000000Z", "2023-02-29T10:00:00.000000Z", " 2024-01-02T10:00:00.000000Z"]
NEAR = {  # each column's own near misses, drawn as often as everything else together
    "uuid": ["11111111-2222-4333-8444-55555555555", "11111111-2222-4333-8444-555555555555".upper(), "'x"],
    "claimed_on": ["2023-02-30", "2024-13", "2024-1", "24", "2024-02-29", "2023-02-29"],
    "status": ["done", "Final", "final", "needs_review", "cancelled"],
    "verdict": ["maybe", "TRUE", "not_checkable", "unverified"],
    "tags": ["a;;b", " health ;", ";"],
    "sources": ["HTTPS://B.example/x?utm_source=y", "maybe https://c.example", "supports not-a-link",
                "supports https://example.org/a; supports https://example.org/a"],
    "priority": ["high", "-1", "0", "4", " 2"],
    "appearance_url": ["javascript:alert(1)", "example.org", "HTTPS://EXAMPLE.org"],
    **{column: _TIMES for column in ("created_at", "updated_at", "finalised_at", "deleted_at")},
}


@st.composite
def claim_rows(draw):
    row = {c: draw(st.sampled_from(CLEAN.get(c, ["", "Plain words"]))) for c in COLUMNS}
    for column in draw(st.lists(st.sampled_from(COLUMNS), max_size=2)):
        near = NEAR.get(column)
        row[column] = draw(st.sampled_from(near) | CORRUPT if near else CORRUPT)
    return row


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(claim_rows(), min_size=1, max_size=8))
def test_column_checks_agree_with_cell_checks_on_any_file(rows, monkeypatch):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.csv"
        path.write_bytes(csvcodec.encode_rows(COLUMNS, [[row[c] for c in COLUMNS] for row in rows]))
        fast = importer.read_file(path)
        with monkeypatch.context() as patch:
            patch.setattr(import_fast, "_columns", lambda table, at: None)  # looked up by the _fast_*_table checks
            for name in ("_fast_source", "_fast_evidence", "_fast_history"):  # looked up by importer's readers
                patch.setattr(importer, name, lambda *args: None)
            careful = importer.read_file(path)
    for part in ("claims", "sources", "evidence", "history", "problems", "notes"):
        assert getattr(fast, part) == getattr(careful, part), part


@pytest.mark.parametrize("module, name", [(import_fast, "_columns"), (importer, "_fast_source"),
                                          (importer, "_fast_evidence"), (importer, "_fast_history")])
def test_the_shortcuts_named_here_exist(module, name):
    """The property above switches these off by name: a rename must not make it vacuous."""
    assert callable(getattr(module, name))
