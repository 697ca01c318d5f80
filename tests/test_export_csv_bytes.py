"""csvcodec.csv_bytes writes exactly what csv.writer writes (the exports rely on it for byte-identical files)."""

from __future__ import annotations

import io
import sqlite3

from hypothesis import example, given, settings
from hypothesis import strategies as st

from desktop.exchange import claims_csv, csvcodec

SPECIAL = [",", '"', "\r", "\n", "\r\n", '""', "\x00", "\x1f", "\x1e", "'", "=", " ", "\t", ";", "é", "中", "👩\u200d👩",
           "\u2028", "\ufeff"]
TEXT = st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(SPECIAL)), max_size=8).map("".join)
CELL = st.one_of(TEXT, TEXT, st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=False))


def reference(rows) -> bytes:
    buffer = io.StringIO(newline="")
    csvcodec.csv_writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def as_sqlite_hands_them_over(rows):
    return [tuple(v.encode("utf-8") if isinstance(v, str) else v for v in row) for row in rows]


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 6).flatmap(lambda width: st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=6)))
@example([[""]])
@example([[None]])
@example([[]])
@example([["", ""], [None, None]])
@example([["a,b", 'say "hi"', "two\r\nlines", "lone\r", "lone\n", ""]])
def test_csv_bytes_is_byte_identical_to_csv_writer(rows):
    expected = reference(rows)
    assert csvcodec.csv_bytes(as_sqlite_hands_them_over(rows)) == expected
    assert csvcodec.csv_bytes([tuple(row) for row in rows]) == expected  # str cells are written too


@given(st.lists(st.lists(TEXT, min_size=3, max_size=3), min_size=1, max_size=5), st.lists(TEXT, min_size=1, max_size=4))
def test_rows_of_unequal_width_are_each_written_whole(rows, odd):
    rows = rows + [odd]
    assert csvcodec.csv_bytes(as_sqlite_hands_them_over(rows)) == reference(rows)


def test_write_query_csv_fetches_bytes_and_leaves_the_connection_as_it_was(database):
    """The text factory is switched around each fetch only: callbacks and later queries see str."""
    from desktop.models import database as db

    rows = [(f"row {i}, with a comma", "x" if i % 2 else None, i) for i in range(claims_csv.PROGRESS_EVERY + 7)]
    db.execute_sql("CREATE TEMP TABLE t (a TEXT, b TEXT, c INTEGER)")
    db.connection().executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    seen = []

    def progress(done, total):
        seen.append((done, db.execute_sql("SELECT 'still text'").fetchone()[0]))

    out = io.BytesIO()
    n = claims_csv.write_query_csv(out, "SELECT a, b, c FROM t ORDER BY c", [], progress, len(rows))
    assert n == len(rows)
    assert out.getvalue() == reference(rows)
    assert seen == [(claims_csv.PROGRESS_EVERY, "still text"), (len(rows), "still text")]
    assert db.connection().text_factory is str


def test_cancel_from_progress_stops_the_query(database):
    from desktop.models import database as db

    db.execute_sql("CREATE TEMP TABLE t (a TEXT)")
    db.connection().executemany("INSERT INTO t VALUES (?)", [("x",)] * (claims_csv.PROGRESS_EVERY * 2))
    out = io.BytesIO()
    try:
        claims_csv.write_query_csv(out, "SELECT a FROM t", [], lambda done, total: False, 0)
    except csvcodec.Cancelled:
        pass
    else:
        raise AssertionError("not cancelled")
    assert db.connection().text_factory is str
    assert len(out.getvalue().splitlines()) == claims_csv.PROGRESS_EVERY


def test_nul_survives_the_bytes_path():
    """SQLite hands over the full bytes of a text with NUL in it (its text functions would stop there)."""
    conn = sqlite3.connect(":memory:")
    conn.text_factory = bytes
    value = "a\x00b, \"c\"\r\n\x00"
    (got,) = conn.execute("SELECT ?", (value,)).fetchone()
    conn.close()
    assert got == value.encode("utf-8")
    assert csvcodec.csv_bytes([(got, b"1")]) == reference([(value, "1")])


def reference_neutralised(rows, empty_text) -> bytes:
    """What ``write_rows`` writes (the package members' rule), without its header."""
    prepared = [[csvcodec.EMPTY_TEXT if i in empty_text and v == "" else (None if v is None else str(v))
                 for i, v in enumerate(row)] for row in rows]
    buffer = io.StringIO(newline="")
    csvcodec.write_rows(buffer, ["h"], prepared)
    return buffer.getvalue().encode("utf-8")[len(b"h\r\n"):]


FORMULA_TEXT = st.tuples(st.sampled_from(["", "=", "+", "-", "@", "'", "\t", "\r", "\n", "\x00", "\x1f", "\x1f="]),
                         TEXT).map("".join)
FORMULA_CELL = st.one_of(FORMULA_TEXT, TEXT, st.none(), st.integers(-5, 5), st.just(""))


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 5).flatmap(lambda width: st.lists(st.lists(FORMULA_CELL, min_size=width, max_size=width),
                                                         max_size=6)),
       st.sets(st.integers(0, 4), max_size=2))
@example([["", None, "=1", "\x1f=x", "-2"], [None, "", "a", "b", "c"]], {0, 1})
@example([[-1, "\x00a"], ["x", "'"]], set())
def test_neutralised_csv_bytes_is_what_write_rows_writes(rows, empty_text):
    expected = reference_neutralised(rows, empty_text)
    assert csvcodec.csv_bytes(as_sqlite_hands_them_over(rows), neutralise=True, empty_text=empty_text) == expected


def test_package_writer_writes_every_chunk_in_order_and_reports_a_failed_write():
    import pytest

    from desktop.exchange import package

    sink = io.BytesIO()
    writer = package._CompressingWriter(sink)
    chunks = [b"%d," % i * (i % 7) for i in range(500)]
    for chunk in chunks:
        writer.write(chunk)
    writer.finish()
    assert sink.getvalue() == b"".join(chunks)

    class DiskFull(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError(28, "No space left on device")

    writer = package._CompressingWriter(DiskFull())
    with pytest.raises(OSError, match="No space"):
        for chunk in chunks:  # the error surfaces on a later write or, at the latest, on finish
            writer.write(chunk)
        writer.finish()
