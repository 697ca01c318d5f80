"""The CSV layer every exchange format shares (no database, no Qt).

Writing: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting
(``csv.writer`` on a file opened with ``newline=""``), to a temporary file in
the target folder that is renamed into place only once it is complete. The
exports write with ``csv_bytes`` instead: the same bytes as ``csv.writer``
(a property test holds them to it), built from the UTF-8 bytes SQLite hands
over, a column at a time, so clean cells cost no Python work at all.

Formula neutralisation (OWASP "CSV injection"): a cell whose first character
is ``= + - @``, TAB, CR, LF or NUL gets one leading ``'``; so does a cell that
already starts with ``'``. Reading removes exactly one leading ``'`` from any
cell that has one, which restores the original text for every string. A cell
holding a single ``'`` therefore reads back as the empty string; the
exchange formats use that to tell an empty text (``'``) from "no value"
(an empty cell) in the few columns that can hold either.

Reading: UTF-8 (BOM optional) or UTF-16 with a BOM; anything else is
reported with the byte offsets of the undecodable bytes. Quoting errors are
reported with their row and column. Python's CSV field limit is raised on
purpose (its default of 131,072 characters rejects long but legitimate
fields) to ``MAX_FIELD_CHARS``; the services apply tighter per-field limits.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

FORMULA_START = frozenset("=+-@\t\r\n\x00'")
MAX_FIELD_CHARS = 4_000_000  # one cell; the longest field a service accepts is 200,000
MAX_FILE_BYTES = 2_000_000_000  # refuse anything larger before reading it
MAX_PROBLEMS = 200  # stop listing after this many (the count is still given)


def neutralise(value: str) -> str:
    """The cell text for ``value``: a leading ``'`` where a spreadsheet could see a formula."""
    if value and value[0] in FORMULA_START:
        return "'" + value
    return value


def unneutralise(cell: str) -> str:
    """Undo ``neutralise``: remove exactly one leading ``'``."""
    if cell and cell[0] == "'":
        return cell[1:]
    return cell


# -- writing -----------------------------------------------------------------


class Cancelled(Exception):
    """The person cancelled; nothing was written or saved."""


def csv_writer(stream):
    return csv.writer(stream, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


@contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "w", **open_kwargs):
    """Open a temporary file beside ``path``; rename it into place on success.

    On any exception (including ``Cancelled``) the temporary file is removed
    and whatever was at ``path`` before is left as it was.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644 & ~_umask())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_csv_text(path, **kwargs):
    """``atomic_output`` for a CSV file as Excel and LibreOffice like it."""
    return atomic_output(path, "w", encoding="utf-8-sig", newline="", **kwargs)


@contextmanager
def open_csv_bytes(path):
    """``atomic_output`` in binary, the UTF-8 byte-order mark already written: for ``csv_bytes``."""
    with atomic_output(path, "wb") as handle:
        handle.write(codecs.BOM_UTF8)
        yield handle


_MUST_QUOTE = re.compile(rb'[,"\r\n]').search  # what makes csv.writer (excel dialect, CRLF) quote a cell
# FORMULA_START is ASCII, so a UTF-8 text starts with one of these bytes exactly when its first character is one.
_FORMULA_BYTES = frozenset(ord(c) for c in FORMULA_START)
_SEP = b"\x1f"  # joins a column for the searches below; a cell holding it only costs a closer look
_FORMULA_AFTER_SEP = re.compile(_SEP + b"[" + re.escape("".join(sorted(FORMULA_START)).encode()) + b"]").search


def _as_bytes(value):
    """None stays None; a str or number becomes the UTF-8 of its ``str`` (what csv.writer writes)."""
    if value is None or value.__class__ is bytes:
        return value
    return str(value).encode("utf-8")


def csv_bytes(rows, neutralise: bool = False, empty_text=()) -> bytes:
    """The CSV lines of ``rows`` as UTF-8, exactly the bytes ``csv_writer`` writes for them.

    ``rows`` is a list of tuples; a cell is UTF-8 ``bytes`` (what SQLite hands
    over with ``text_factory = bytes``), None (an empty cell), or a str or
    number (written as its ``str``, as csv.writer does). Minimal quoting: a
    cell holding a comma, a double quote, CR or LF is quoted, its double
    quotes doubled; every line ends with CRLF; a line of one empty cell is
    ``""``. With ``neutralise`` every cell is first neutralised as
    ``write_rows`` does (``neutralise``; None stays an empty cell), and in the
    columns listed in ``empty_text`` an empty text is written as a lone ``'``
    (``EMPTY_TEXT``), None as an empty cell.

    The work goes column by column: a column is joined once and searched in
    C, and only a column that holds a comma (say) looks at its cells one by
    one, so clean cells cost no Python work at all.
    """
    if not rows:
        return b""
    width = len(rows[0])
    if width < 2 or min(map(len, rows)) != width or max(map(len, rows)) != width:
        return b"".join(_line(row, neutralise, empty_text) for row in rows)
    columns = list(zip(*rows))
    for i, column in enumerate(columns):
        cells = column  # what is written: bytes only (column may still hold None)
        try:
            joined = _SEP.join(column)
        except TypeError:  # None (or a number, or str) among the bytes
            try:
                cells = [b"" if v is None else v for v in column]
                joined = _SEP.join(cells)
            except TypeError:
                column = [v if v is None or v.__class__ is bytes else str(v).encode("utf-8") for v in column]
                cells = [b"" if v is None else v for v in column]
                joined = _SEP.join(cells)
        if neutralise and (_FORMULA_AFTER_SEP(joined) or (joined and joined[0] in _FORMULA_BYTES)):
            column = [b"'" + v if v and v[0] in _FORMULA_BYTES else v for v in column]
            cells = column if cells is columns[i] else [b"" if v is None else v for v in column]
        if i in empty_text:
            cells = [b"" if v is None else v or b"'" for v in column]
        # (``44 in b`` is memchr; ``b"," in b`` would first try the needle as an int and clear an error)
        if 34 in joined or 13 in joined or 10 in joined:
            cells = [b'"' + v.replace(b'"', b'""') + b'"' if _MUST_QUOTE(v) else v for v in cells]
        elif 44 in joined:
            cells = [b'"' + v + b'"' if 44 in v else v for v in cells]
        columns[i] = cells
    return b"\r\n".join(map(b",".join, zip(*columns))) + b"\r\n"


def _line(row, neutralise: bool, empty_text) -> bytes:
    """One line of ``csv_bytes``, cell by cell (rows of unusual width)."""
    cells = []
    for i, v in enumerate(row):
        v = _as_bytes(v)
        if v is None:
            v = b""
        elif neutralise and v and v[0] in _FORMULA_BYTES:
            v = b"'" + v
        elif not v and i in empty_text:
            v = b"'"
        cells.append(b'"' + v.replace(b'"', b'""') + b'"' if _MUST_QUOTE(v) else v)
    if len(cells) == 1 and not cells[0]:
        return b'""\r\n'
    return b",".join(cells) + b"\r\n"


class _EmptyText(str):
    """Written as a lone ``'``: the empty text, as opposed to no value (an empty cell)."""


EMPTY_TEXT = _EmptyText("")


def write_rows(stream, header: list[str], rows) -> int:
    """Write the header and ``rows`` (sequences of str or None), neutralising every cell.

    None is written as an empty cell and ``EMPTY_TEXT`` as a lone ``'``.
    """
    writer = csv_writer(stream)
    writer.writerow(header)
    n = 0
    start = FORMULA_START
    write = writer.writerow
    for row in rows:
        # the hot loop of every export: neutralise inline (None stays None: csv writes "")
        write([("'" + v if v[0] in start else v) if v else ("'" if v is EMPTY_TEXT else v) for v in row])
        n += 1
    return n


def encode_rows(header: list[str], rows) -> bytes:
    """The bytes of a whole CSV file (BOM, CRLF): for tests and small files."""
    buffer = io.StringIO(newline="")
    write_rows(buffer, header, rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


# -- reading -----------------------------------------------------------------


def cell_value(raw: str, nullable: bool = False) -> str | None:
    """What a written cell stands for: an empty cell is None when ``nullable``."""
    if nullable and raw == "":
        return None
    return unneutralise(raw)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, as a person should read it."""

    file: str
    row: int | None  # spreadsheet row: the header is row 1; None for the whole file
    column: str  # column name, or "" for the whole row
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


def decode(data: bytes, file: str = "file") -> tuple[str, list[Problem]]:
    """Text of ``data`` (UTF-8, optional BOM, or UTF-16 with BOM) and any decoding problems."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, skip = "utf-8", 3
    elif data.startswith(codecs.BOM_UTF16_LE):
        encoding, skip = "utf-16-le", 2
    elif data.startswith(codecs.BOM_UTF16_BE):
        encoding, skip = "utf-16-be", 2
    else:
        encoding, skip = "utf-8", 0
    body = memoryview(data)[skip:]
    try:
        return str(body, encoding), []
    except UnicodeDecodeError:
        pass
    problems: list[Problem] = []
    offsets: list[int] = []
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    position = 0
    raw = bytes(body)
    while position < len(raw):
        try:
            decoder.decode(raw[position:], final=True)
            break
        except UnicodeDecodeError as exc:
            offsets.append(skip + position + exc.start)
            position += exc.end
            decoder.reset()
            if len(offsets) >= 20:
                break
    if encoding == "utf-8":  # the line helps find it in a text editor (a quoted cell may span lines)
        lines = [data.count(b"\n", 0, o) + 1 for o in offsets]
        listed = ", ".join(f"{o:,} (line {n:,})" for o, n in zip(offsets, lines))
    else:
        listed = ", ".join(f"{o:,}" for o in offsets)
    name = "UTF-8" if encoding == "utf-8" else "UTF-16"
    problems.append(Problem(
        file, None, "",
        f"is not valid {name} text: undecodable bytes at byte offset {listed}"
        + (" (and maybe more)" if len(offsets) >= 20 else "")
        + ". Save it as UTF-8 (\u201cCSV UTF-8\u201d in Excel) and import it again.",
    ))
    return "", problems


class _LineFeed:
    """Feeds lines to csv.reader and keeps those of the record being read."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))
        self.current: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.current.append(line)
        return line


def _broken_field(raw: str) -> int:
    """Index (0-based) of the field where RFC 4180 quoting breaks in ``raw``."""
    field, i, n = 0, 0, len(raw)
    while i < n:
        if raw[i] == '"':
            i += 1
            while True:
                if i >= n:
                    return field  # never closed
                if raw[i] == '"':
                    if i + 1 < n and raw[i + 1] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
            if i < n and raw[i] not in ",\r\n":
                return field  # text after the closing quote
        else:
            while i < n and raw[i] not in ",\r\n":
                if raw[i] == '"':
                    return field  # a quote inside an unquoted field
                i += 1
        if i < n and raw[i] == ",":
            field += 1
            i += 1
            continue
        break
    return field


@dataclass
class Table:
    """A decoded CSV: the header and the rows, each with its spreadsheet row number."""

    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(text: str, file: str, problems: list[Problem], limit_rows: int | None = None) -> Table:
    """Parse ``text`` strictly; see ``_read_table``. Fast path first, the careful one on any error."""
    old_limit = csv.field_size_limit()
    if old_limit < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect="excel", strict=True)
        if limit_rows is None:  # the whole file: let csv build the list, number the records in C
            records = list(reader)
            if not all(records):
                records = [r for r in records if r]  # blank lines
            if not records:
                return Table(file, [], [])
            header = [unneutralise(c).strip() for c in records[0]]
            return Table(file, header, list(zip(range(2, len(records) + 1), records[1:])))
        header = None
        rows: list[tuple[int, list[str]]] = []
        n = 0
        for record in reader:
            if not record:
                continue
            n += 1
            if header is None:
                header = [unneutralise(c).strip() for c in record]
            else:
                rows.append((n, record))
                if limit_rows is not None and len(rows) >= limit_rows:
                    break
        return Table(file, header or [], rows)
    except csv.Error:
        return _read_table(text, file, problems, limit_rows)


def _read_table(text: str, file: str, problems: list[Problem], limit_rows: int | None = None) -> Table:
    """Parse ``text`` strictly; quoting problems go to ``problems`` with row and column.

    Cells are returned as written (still neutralised: see ``cell_value``, which
    also tells "no value" from the empty text). Blank lines are skipped. The row number
    counts records the way a spreadsheet shows them (header = row 1).
    """
    old_limit = csv.field_size_limit()
    if old_limit < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    feed = _LineFeed(text)
    reader = csv.reader(feed, dialect="excel", strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    row_number = 0
    while True:
        feed.current = []
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_number += 1
            raw = "".join(feed.current)
            index = _broken_field(raw)
            column = header[index] if header and index < len(header) else f"#{index + 1}"
            message = str(exc)
            if "field larger" in message:
                message = f"a cell is longer than {MAX_FIELD_CHARS:,} characters."
            else:
                message = f"malformed quoting ({message}); a quoted cell must end with \" and a doubled \"\" inside it."
            problems.append(Problem(file, row_number, column, message))
            if header is None:
                return Table(file, [], [])
            continue
        if not record:
            continue  # a blank line
        row_number += 1
        if header is None:
            header = [unneutralise(c).strip() for c in record]
            continue
        rows.append((row_number, record))
        if limit_rows is not None and len(rows) >= limit_rows:
            break
    return Table(file, header or [], rows)
