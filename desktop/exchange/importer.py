"""Reading and checking an incoming claims CSV or package (no Qt, no writes).

``read_file(path)`` decodes and validates the whole file and returns an
``Incoming`` with every problem found (row and column named). ``plan(incoming)``
then compares it with the open database and sorts each claim into added,
updated, kept, in conflict or unchanged (see ``classify``), adding the
problems only the database can reveal (a final claim with no decisive
source, evidence citing an unknown claim...). Nothing is written here: the
write path is ``desktop.services.exchange.apply_import``.

Merge rule (``classify``), per claim matched on uuid, with ``synced_at`` the
``updated_at`` both sides agreed on at the last exchange:

- same ``updated_at``: unchanged;
- the incoming copy is newer: updated when this copy did not change since the
  last exchange (``updated_at <= synced_at``), otherwise a conflict;
- the incoming copy is older: kept, unless it too changed since the last
  exchange (both sides edited): then a conflict;
- never exchanged (``synced_at`` empty): the last agreed version is unknown,
  so this copy counts as unchanged only while it was never edited after it
  was created (``updated_at == created_at``).

A conflict keeps the local claim and is listed. Rows without a uuid are new
claims (a uuid is given to them).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import operator
import re
from datetime import datetime
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from desktop.errors import ValidationError
from desktop.exchange import claims_csv, package
from desktop.exchange.csvcodec import (
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    Problem,
    Table,
    cell_value,
    decode,
    read_table,
    unneutralise,
)
from desktop.exchange.import_cells import (
    _BAD_LINE,
    _BAD_TEXT,
    _CANONICAL_TIME,
    _CANONICAL_UUID,
    _CLAIM_TEXT,
    _EMPTY_DEFAULTS,
    _PLAIN_URL,
    _archives,
    _choice,
    _line,
    _long_text,
    _normal_url,
    _other_appearances,
    _partial_date,
    _priority,
    _source_url,
    _tags,
    _timestamp,
    _uuid,
)
from desktop.exchange.import_rows import ClaimRow, EvidenceRow, HistoryRow, Incoming, SourceRow, _Rows
from desktop.models import database
from desktop.services.common import LIMITS
from desktop.workflow import (
    CREDIBILITY,
    DECISIVE_STANCES,
    SOURCE_KINDS,
    GATED_STATUSES,
    STANCES,
    STATUSES,
    VERDICTS,
)


# -- reading -------------------------------------------------------------------


@contextlib.contextmanager
def paused_gc():
    """No cyclic garbage collection for the block: reading a large file creates millions of lists and
    tuples (none of them cyclic), and each collection pass would walk all of them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_file(path, progress=None) -> Incoming:
    """Decode and check ``path`` (claims CSV or package); never raises for bad content.

    Problems come sorted by file (in the order met) and row.
    """
    with paused_gc():
        incoming = _read_file(path)
    order: dict[str, int] = {}
    for p in incoming.problems:
        order.setdefault(p.file, len(order))
    incoming.problems.sort(key=lambda p: (order[p.file], p.row or 0))
    return incoming


def _read_file(path) -> Incoming:
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Incoming(name, "csv", problems=[Problem(name, None, "", f"is {size:,} bytes; the limit is "
                                                                              f"{MAX_FILE_BYTES:,}.")])
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        return Incoming(name, "csv", problems=[Problem(name, None, "", f"cannot be read ({exc.strerror}).")])
    if head.startswith(b"PK\x03\x04") or (path.suffix.lower() == ".zip" and head[:2] == b"PK"):
        return _read_package(path)
    if path.suffix.lower() == ".zip":
        return Incoming(name, "package", problems=[Problem(name, None, "", "is not a zip file (not a package).")])
    incoming = Incoming(name, "csv")
    with open(path, "rb") as fh:
        data = fh.read()
    table = _table(data, name, incoming.problems)
    if table is not None:
        _read_claims(table, incoming, package_mode=False)
    return incoming


def _table(data: bytes, name: str, problems: list[Problem]) -> Table | None:
    text, decode_problems = decode(data, name)
    if decode_problems:
        problems.extend(decode_problems)
        return None
    table = read_table(text, name, problems)
    if not table.header:
        if not any(p.file == name for p in problems):
            problems.append(Problem(name, None, "", "is empty: there is no header row."))
        return None
    return table


def _read_package(path: Path) -> Incoming:
    name = path.name
    incoming = Incoming(name, "package")
    problems = incoming.problems
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(Problem(name, None, "", f"is not a readable zip package ({exc})."))
        return incoming
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        if sum(i.file_size for i in infos.values()) > MAX_FILE_BYTES:
            problems.append(Problem(name, None, "", f"unpacks to more than {MAX_FILE_BYTES:,} bytes."))
            return incoming
        for required in ("manifest.json", "claims.csv"):
            if required not in infos:
                problems.append(Problem(f"{name}: {required}", None, "", "is missing from the package."))
        if problems:
            return incoming
        try:
            manifest = json.loads(zf.read("manifest.json").decode("utf-8"))
            version = int(manifest.get("format_version", 0))
            fmt = manifest.get("format")
        except (ValueError, AttributeError, TypeError, zipfile.BadZipFile) as exc:
            problems.append(Problem(f"{name}: manifest.json", None, "", f"cannot be read ({exc})."))
            return incoming
        if fmt != package.FORMAT_NAME:
            problems.append(Problem(f"{name}: manifest.json", None, "format", f"'{fmt}' is not a Claimlog package."))
        elif version > package.FORMAT_VERSION:
            problems.append(Problem(
                f"{name}: manifest.json", None, "format_version",
                f"the package is format {version}; this Claimlog reads up to format {package.FORMAT_VERSION}. "
                "Update Claimlog to import it."))
        if problems:
            return incoming
        tables = {}
        for member in ("claims.csv", "sources.csv", "evidence.csv", "history.csv"):
            if member not in infos:
                continue
            try:
                data = zf.read(member)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                problems.append(Problem(f"{name}: {member}", None, "", f"cannot be unpacked ({exc})."))
                continue
            tables[member] = _table(data, member, problems)
    if tables.get("sources.csv") is not None:
        _read_sources(tables["sources.csv"], incoming)
    if tables.get("claims.csv") is not None:
        _read_claims(tables["claims.csv"], incoming, package_mode=True)
    if tables.get("evidence.csv") is not None:
        _read_evidence(tables["evidence.csv"], incoming)
    if tables.get("history.csv") is not None:
        _read_history(tables["history.csv"], incoming)
    return incoming


# -- per-table checks ------------------------------------------------------------


def _check(rows: _Rows, row: int, column: str, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except ValidationError as exc:
        rows.problem(row, column, exc.message)
    except ValueError as exc:
        rows.problem(row, column, str(exc))
    return None


_CLAIM_KEYS = (*_EMPTY_DEFAULTS, "text", "other_appearances", "priority", "status", "verdict", "tags",
               "created_at", "updated_at", "finalised_at", "deleted_at")
_PLAIN_CLAIM_COLUMNS = {  # column -> (limit, pattern): cleaned by _line / _long_text, unchanged when plain
    "short_text": (LIMITS["short_text"], _BAD_LINE), "claimant": (LIMITS["line"], _BAD_LINE),
    "location": (LIMITS["line"], _BAD_LINE), "language": (35, _BAD_LINE),
    "context": (LIMITS["long"], _BAD_TEXT), "verdict_explanation": (LIMITS["long"], _BAD_TEXT),
}


def _pure_links(cell: str) -> tuple:
    """What ``_links`` gives for a cell it finds no problem in; raises ValueError otherwise."""
    if not cell.strip():
        return ()
    links, problems = claims_csv.parse_links(cell)
    if problems:
        raise ValueError(problems[0])
    out, seen = [], set()
    for stance, url in links:
        key = _normal_url(url)
        if (stance, key) not in seen:
            seen.add((stance, key))
            out.append((stance, key))
    return tuple(out)


def _fast_claims_table(table: Table, rows: _Rows, package_mode: bool):
    """(uuids, value tuples in _CLAIM_KEYS order, links) of every row, and the rows needing the per-cell path."""
    cols = _columns(table, rows.at)
    if cols is None:
        return None
    uuids = _unneutralised(cols["uuid"])
    bad = _uuid_rows(uuids, required=False)
    text = _unneutralised(cols["text"])
    bad |= _plain_rows(text, LIMITS["text"], _BAD_TEXT, required=True)
    out = {}
    for column, (limit, pattern) in _PLAIN_CLAIM_COLUMNS.items():
        out[column] = _unneutralised(cols[column])
        bad |= _plain_rows(out[column], limit, pattern)
    for column in ("claimed_on", "appearance_url", "published_url"):
        cleaner = _CLAIM_TEXT[column]
        out[column], refused = _mapped(cols[column], functools.partial(cleaner, column))
        bad |= refused
    out["text"] = text
    for column, func, default in (
            ("other_appearances", _other_appearances, ""),
            ("priority", _priority, 0),
            ("status", functools.partial(_choice, choices=STATUSES, what="work status", default="unstarted"),
             "unstarted"),
            ("verdict", functools.partial(_choice, choices=VERDICTS, what="verdict"), None),
            ("tags", lambda v: tuple(_tags(v)), ())):
        out[column], refused = _mapped(cols[column], func, default)
        bad |= refused
    for column in ("created_at", "updated_at", "finalised_at", "deleted_at"):
        bad |= _time_rows(cols[column])
        out[column] = [v or None for v in cols[column]]
    links = [()] * len(uuids)
    if not package_mode:
        links, refused = _mapped(cols["sources"], _pure_links, ())
        bad |= refused
    has_verdict = "verdict" in dict(rows.index)
    bad |= {i for i, (status, verdict) in enumerate(zip(out["status"], out["verdict"]))
            if status in GATED_STATUSES and (not has_verdict or not verdict)}
    values = list(zip(*(out[k] for k in _CLAIM_KEYS)))
    return uuids, values, links, bad


def _read_claims(table: Table, incoming: Incoming, package_mode: bool) -> None:
    known = claims_csv.CLAIM_COLUMNS
    rows = _Rows(table, incoming, known, claims_csv.REQUIRED_COLUMNS)
    if not rows.ok:
        return
    seen: dict[str, int] = {}
    ready = _fast_claims_table(table, rows, package_mode)
    if ready is not None:
        uuids, prepared, prepared_links, bad = ready
    for k, (row, raw_cells) in enumerate(rows.raw()):
        if ready is not None and k not in bad and (not uuids[k] or uuids[k] not in seen):
            claim_uuid = uuids[k] or None
            if claim_uuid is not None:
                seen[claim_uuid] = row
            values = dict(zip(_CLAIM_KEYS, prepared[k]))
            values["tags"] = list(values["tags"])
            incoming.claims.append(ClaimRow(row, claim_uuid, values, list(prepared_links[k])))
            continue
        cells = rows.as_dict(raw_cells)
        before = len(incoming.problems)
        values = dict(_EMPTY_DEFAULTS)
        raw_uuid = cell_value(cells.get("uuid", "")).strip()
        claim_uuid = _check(rows, row, "uuid", _uuid, raw_uuid) if raw_uuid else None
        if claim_uuid is not None:
            if claim_uuid in seen:
                rows.problem(row, "uuid", f"the uuid {claim_uuid} is also on row {seen[claim_uuid]}.")
            else:
                seen[claim_uuid] = row
        text = cell_value(cells.get("text", ""))
        if not text.strip():
            rows.problem(row, "text", "is empty; every claim needs its text.")
        else:
            values["text"] = _check(rows, row, "text", _long_text, "text", text, limit=LIMITS["text"])
        for column, cleaner in _CLAIM_TEXT.items():
            raw = cells.get(column, "")
            if raw:
                values[column] = _check(rows, row, column, cleaner, column, cell_value(raw))
        raw = cells.get("other_appearances", "")
        values["other_appearances"] = _check(rows, row, "other_appearances", _other_appearances,
                                             cell_value(raw)) if raw else ""
        values["priority"] = _check(rows, row, "priority", _priority, cell_value(cells.get("priority", "")))
        values["status"] = _check(rows, row, "status", _choice, cell_value(cells.get("status", "")), STATUSES,
                                  "work status", "unstarted")
        values["verdict"] = _check(rows, row, "verdict", _choice, cell_value(cells.get("verdict", "")), VERDICTS,
                                   "verdict")
        raw = cells.get("tags", "")
        values["tags"] = _check(rows, row, "tags", _tags, cell_value(raw)) if raw else []
        for column in ("created_at", "updated_at", "finalised_at", "deleted_at"):
            values[column] = _check(rows, row, column, _timestamp, column, cell_value(cells.get(column, "")))
        links = []
        if not package_mode:
            links = _links(rows, row, cell_value(cells.get("sources", "")))
        if values["status"] in GATED_STATUSES and not values["verdict"] and "verdict" in cells:
            rows.problem(row, "verdict", f"a claim in status {values['status']} needs a verdict.")
        elif values["status"] in GATED_STATUSES and "verdict" not in cells:
            rows.problem(row, "status", f"a claim in status {values['status']} needs a verdict column.")
        if len(incoming.problems) == before:
            incoming.claims.append(ClaimRow(row, claim_uuid, values, links))
        if len(incoming.problems) > MAX_PROBLEMS:
            return


def _links(rows: _Rows, row: int, cell: str) -> list[tuple[str, str]]:
    if not cell.strip():
        return []
    links, problems = claims_csv.parse_links(cell)
    for message in problems:
        rows.problem(row, "sources", message)
    out, seen = [], set()
    for stance, url in links:
        key = _check(rows, row, "sources", _normal_url, url)
        if key is not None and (stance, key) not in seen:
            seen.add((stance, key))
            out.append((stance, key))
    return out


def _fast_source(row: int, raw: list[str], ix: list[int]) -> SourceRow | None:
    """A source row as Claimlog writes it, checked in one go; None sends it to validate_source."""
    (source_uuid, url, title, kind, credibility, publisher, published_on, accessed_on, language, notes,
     confidential, archives, created, updated, deleted) = (raw[i] for i in ix)
    title, publisher, language, notes = (unneutralise(v) for v in (title, publisher, language, notes))
    if not (_CANONICAL_UUID.match(source_uuid) and title and kind in SOURCE_KINDS and credibility in CREDIBILITY
            and confidential in ("0", "1") and (not created or _real_time(created))
            and (not updated or _real_time(updated)) and (not deleted or _real_time(deleted))):
        return None
    url, archives = unneutralise(url), unneutralise(archives)
    try:  # the address and the archives exactly as validate_source / _archives give them
        if url and _PLAIN_URL.match(url) and url.count("/") >= 3 and "?" not in url and "#" not in url:
            pass  # an address normalize_url() leaves as it is: plain host, a path, no query, fragment, port or user
        else:
            url = _source_url(url) if url else None
        archives = _archives(archives) if archives else []
    except (ValidationError, ValueError):
        return None
    if not (_plain_line(title, 1000) and _plain_line(publisher, LIMITS["line"]) and _plain_line(language, 35)
            and _plain_text(notes, LIMITS["long"])):
        return None
    try:
        published_on = _partial_date("published_on", published_on) if published_on else ""
        accessed_on = _partial_date("accessed_on", accessed_on) if accessed_on else ""
    except ValidationError:
        return None
    values = {
        "title": title, "kind": kind, "publisher": publisher, "published_on": published_on,
        "accessed_on": accessed_on, "language": language, "credibility": credibility, "notes": notes,
        "confidential": confidential == "1", "url": url,
        "created_at": created or None, "updated_at": updated or None, "deleted_at": deleted or None,
    }
    return SourceRow(row, source_uuid, values, archives)


def _read_sources(table: Table, incoming: Incoming) -> None:
    from desktop.services.sources import SourceInput, validate_source

    rows = _Rows(table, incoming, package.SOURCE_COLUMNS, ("uuid",))
    if not rows.ok:
        return
    seen: dict[str, int] = {}
    seen_url: dict[str, int] = {}
    ix = [rows.at[name] for name in package.SOURCE_COLUMNS]
    for row, raw in rows.raw():
        fast = _fast_source(row, raw, ix)
        if fast is not None and fast.uuid not in seen and (not fast.values["url"]
                                                           or fast.values["url"] not in seen_url):
            seen[fast.uuid] = row
            if fast.values["url"]:
                seen_url[fast.values["url"]] = row
            incoming.sources.append(fast)
            continue
        cells = rows.as_dict(raw)
        before = len(incoming.problems)
        source_uuid = _check(rows, row, "uuid", _uuid, cell_value(cells.get("uuid", "")))
        if source_uuid in seen:
            rows.problem(row, "uuid", f"the uuid {source_uuid} is also on row {seen[source_uuid]}.")
        flag = cell_value(cells.get("confidential", "")).strip().lower()
        if flag not in ("", "0", "1", "true", "false", "yes", "no"):
            rows.problem(row, "confidential", f"'{flag}' is not 0 or 1.")
        data = SourceInput(
            title=cell_value(cells.get("title", "")),
            url=cell_value(cells.get("url", "")),
            kind=cell_value(cells.get("kind", "")) or "web_page",
            publisher=cell_value(cells.get("publisher", "")),
            published_on=cell_value(cells.get("published_on", "")),
            accessed_on=cell_value(cells.get("accessed_on", "")),
            language=cell_value(cells.get("language", "")),
            credibility=cell_value(cells.get("credibility", "")) or "unrated",
            notes=cell_value(cells.get("notes", "")),
            confidential=flag in ("1", "true", "yes"),
        )
        try:
            values = validate_source(data)
        except ValidationError as exc:
            rows.problem(row, exc.field, exc.message)
            continue
        values.pop("archives")
        archives = _check(rows, row, "archives", _archives, cell_value(cells.get("archives", ""))) or []
        for column in ("created_at", "updated_at", "deleted_at"):
            values[column] = _check(rows, row, column, _timestamp, column, cell_value(cells.get(column, "")))
        if values["url"]:
            if values["url"] in seen_url:
                rows.problem(row, "url", f"the address is also on row {seen_url[values['url']]}.")
            seen_url[values["url"]] = row
        if len(incoming.problems) == before and source_uuid is not None:
            seen[source_uuid] = row
            incoming.sources.append(SourceRow(row, source_uuid, values, archives))
        if len(incoming.problems) > MAX_PROBLEMS:
            return


def _plain_line(value: str, limit: int) -> bool:
    """True when clean_line would return ``value`` unchanged (empty included)."""
    return not value or (len(value) <= limit and not _BAD_LINE.search(value)
                         and not value[0].isspace() and not value[-1].isspace())


def _plain_text(value: str, limit: int) -> bool:
    return not value or (len(value) <= limit and not _BAD_TEXT.search(value)
                         and not value[0].isspace() and not value[-1].isspace())


def _real_time(value: str) -> bool:
    if not _CANONICAL_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        return False
    return True


def _fast_evidence(row: int, raw: list[str], ix: list[int]) -> EvidenceRow | None:
    """The row as Claimlog writes it, checked in one go; None sends it to the careful per-cell path."""
    claim_uuid, source_uuid, stance, quote, locator, note, created = (raw[i] for i in ix)
    quote, locator, note = unneutralise(quote), unneutralise(locator), unneutralise(note)
    if (_CANONICAL_UUID.match(claim_uuid) and _CANONICAL_UUID.match(source_uuid) and stance in STANCES
            and (not created or _real_time(created)) and _plain_text(quote, LIMITS["long"])
            and _plain_line(locator, LIMITS["line"]) and _plain_text(note, LIMITS["long"])):
        return EvidenceRow(row, claim_uuid, source_uuid, stance, quote, locator, note, created or None)
    return None


def _fast_history(row: int, raw: list[str], ix: list[int]) -> HistoryRow | None:
    claim_uuid, name, old, new, who, at, reason, flag = (raw[i] for i in ix)
    name, who, reason = unneutralise(name), unneutralise(who), unneutralise(reason)
    old, new = cell_value(old, nullable=True), cell_value(new, nullable=True)
    if (_CANONICAL_UUID.match(claim_uuid) and name and _plain_line(name, LIMITS["line"]) and _real_time(at)
            and flag in ("", "0", "1") and _plain_line(who, LIMITS["line"]) and _plain_text(reason, LIMITS["long"])
            and (old is None or _plain_text(old, LIMITS["long"])) and (new is None or _plain_text(new, LIMITS["long"]))):
        return HistoryRow(row, claim_uuid, name, old, new, who, at, reason, flag == "1")
    return None


# -- column-wise fast path --------------------------------------------------------
#
# A file as Claimlog writes it is checked a whole column at a time (one regular
# expression over the joined column, len() through map, each distinct value of a
# low-variety column cleaned once) instead of cell by cell. Only values these
# checks certainly accept take this path, and they come out exactly as the
# careful per-cell checks would leave them; every other row (or the whole
# table, when a row is wider than the header) goes through the per-cell path,
# which writes the problems with their row and column.

_SEP = "\ue000"  # joins a column for one search of the characters clean_line / clean_text refuse
_TIME_COLUMN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z\Z")
_BAD = object()


def _columns(table: Table, at: dict[str, int]) -> dict[str, tuple] | None:
    """name -> the column's raw cells for every known name; None when a row is wider than the header."""
    width = len(table.header)
    cells = [c for _, c in table.rows]
    if any(len(c) != width for c in cells):
        if any(len(c) > width for c in cells):
            return None
        cells = [c if len(c) == width else c + [""] * (width - len(c)) for c in cells]
    blank = [""] * len(cells)
    return {name: (list(map(operator.itemgetter(i), cells)) if i < width else blank) for name, i in at.items()}


def _unneutralised(column) -> list[str]:
    return [v[1:] if v[:1] == "'" else v for v in column]


def _plain_column(values, limit: int, bad: re.Pattern, required: bool = False) -> bool:
    """True when ``_plain_line``/``_plain_text`` (per ``bad``) holds for every value (None skipped)."""
    values = [v for v in values if v is not None]
    if not values:
        return True
    if required and not all(values):
        return False
    return (max(map(len, values)) <= limit and not bad.search(_SEP.join(values))
            and list(map(str.strip, values)) == values)  # nothing around: strip() changes nothing


def _plain_rows(values, limit: int, bad: re.Pattern, required: bool = False) -> set[int]:
    """Indexes of the values that are not plain (empty counts as plain unless ``required``)."""
    if _plain_column(values, limit, bad, required):
        return set()
    check = _plain_line if bad is _BAD_LINE else _plain_text
    return {i for i, v in enumerate(values)
            if v is not None and ((required and not v) or not check(v, limit))}


def _time_rows(values, required: bool = False) -> set[int]:
    """Indexes of the values that are not canonical real timestamps (empty allowed unless ``required``)."""
    present = [v for v in values if v]
    ok = (not required or len(present) == len(values)) and all(map(_TIME_COLUMN.match, present))
    if ok:
        try:
            for day in {v[:10] for v in present}:
                datetime.fromisoformat(day)
        except ValueError:
            ok = False
    if ok:
        return set()
    return {i for i, v in enumerate(values) if (v or required) and not _real_time(v)}


def _uuid_rows(values, required: bool = True) -> set[int]:
    present = [v for v in values if v] if not required else values
    if (not required or len(present) == len(values)) and all(map(_CANONICAL_UUID.match, present)):
        return set()
    return {i for i, v in enumerate(values) if (v or required) and not _CANONICAL_UUID.match(v)}


def _mapped(raw_column, func, default="") -> tuple[list, set[int]]:
    """``func(unneutralise(raw))`` of every cell (``default`` for an empty one), each distinct value
    computed once; and the indexes of the cells ``func`` refuses."""
    cache = {}
    for raw in set(raw_column):
        if raw == "":
            cache[raw] = default
            continue
        try:
            cache[raw] = func(raw[1:] if raw[0] == "'" else raw)
        except (ValidationError, ValueError):
            cache[raw] = _BAD
    out = [cache[raw] for raw in raw_column]
    bad = set() if _BAD not in cache.values() else {i for i, v in enumerate(out) if v is _BAD}
    return out, bad


def _fast_history_table(table: Table, rows: _Rows) -> tuple[list[HistoryRow], set[int]] | None:
    cols = _columns(table, rows.at)
    if cols is None:
        return None
    n = len(table.rows)
    claim_uuid = cols["claim_uuid"]
    name, who, reason = (_unneutralised(cols[c]) for c in ("field", "who", "reason"))
    old, new = ([None if v == "" else (v[1:] if v[0] == "'" else v) for v in cols[c]]
                for c in ("old_value", "new_value"))
    at, flag = cols["at"], cols["is_correction"]
    bad = _uuid_rows(claim_uuid)
    bad |= _plain_rows(name, LIMITS["line"], _BAD_LINE, required=True)
    bad |= _time_rows(at, required=True)
    if not set(flag) <= {"", "0", "1"}:
        bad |= {i for i, v in enumerate(flag) if v not in ("", "0", "1")}
    bad |= _plain_rows(who, LIMITS["line"], _BAD_LINE)
    bad |= _plain_rows(reason, LIMITS["long"], _BAD_TEXT)
    bad |= _plain_rows(old, LIMITS["long"], _BAD_TEXT)
    bad |= _plain_rows(new, LIMITS["long"], _BAD_TEXT)
    built = list(map(HistoryRow, [r for r, _ in table.rows], claim_uuid, name, old, new, who, at, reason,
                     [v == "1" for v in flag])) if len(bad) < n else []
    return built, bad


def _fast_evidence_table(table: Table, rows: _Rows) -> tuple[list[EvidenceRow], set[int]] | None:
    cols = _columns(table, rows.at)
    if cols is None:
        return None
    n = len(table.rows)
    claim_uuid, source_uuid, stance, created = cols["claim_uuid"], cols["source_uuid"], cols["stance"], \
        cols["created_at"]
    quote, locator, note = (_unneutralised(cols[c]) for c in ("quote", "locator", "note"))
    bad = _uuid_rows(claim_uuid) | _uuid_rows(source_uuid)
    if not set(stance) <= set(STANCES):
        bad |= {i for i, v in enumerate(stance) if v not in STANCES}
    bad |= _time_rows(created)
    bad |= _plain_rows(quote, LIMITS["long"], _BAD_TEXT)
    bad |= _plain_rows(locator, LIMITS["line"], _BAD_LINE)
    bad |= _plain_rows(note, LIMITS["long"], _BAD_TEXT)
    built = list(map(EvidenceRow, [r for r, _ in table.rows], claim_uuid, source_uuid, stance, quote, locator,
                     note, [v or None for v in created])) if len(bad) < n else []
    return built, bad


def _read_evidence(table: Table, incoming: Incoming) -> None:
    rows = _Rows(table, incoming, package.EVIDENCE_COLUMNS, ("claim_uuid", "source_uuid", "stance"))
    if not rows.ok:
        return
    seen: dict[tuple, int] = {}
    ready = _fast_evidence_table(table, rows)
    if ready is not None and not ready[1]:
        keys = {(e.claim_uuid, e.source_uuid, e.locator) for e in ready[0]}
        if len(keys) == len(ready[0]):  # every row clean and no (claim, source, locator) twice
            incoming.evidence.extend(ready[0])
            return
    built, bad = ready if ready is not None else ([], None)
    ix = [rows.at[name] for name in package.EVIDENCE_COLUMNS]
    for k, (row, raw) in enumerate(rows.raw()):
        fast = built[k] if bad is not None and k not in bad else _fast_evidence(row, raw, ix)
        if fast is not None and (fast.claim_uuid, fast.source_uuid, fast.locator) not in seen:
            seen[(fast.claim_uuid, fast.source_uuid, fast.locator)] = row
            incoming.evidence.append(fast)
            continue
        cells = rows.as_dict(raw)
        before = len(incoming.problems)
        claim_uuid = _check(rows, row, "claim_uuid", _uuid, cell_value(cells["claim_uuid"]))
        source_uuid = _check(rows, row, "source_uuid", _uuid, cell_value(cells["source_uuid"]))
        stance = _check(rows, row, "stance", _choice, cell_value(cells["stance"]), STANCES, "stance")
        if stance is None and len(incoming.problems) == before:
            rows.problem(row, "stance", "is empty; use one of: " + ", ".join(STANCES) + ".")
        quote = _check(rows, row, "quote", _long_text, "quote", cell_value(cells.get("quote", "")))
        locator = _check(rows, row, "locator", _line, "locator", cell_value(cells.get("locator", "")))
        note = _check(rows, row, "note", _long_text, "note", cell_value(cells.get("note", "")))
        created = _check(rows, row, "created_at", _timestamp, "created_at", cell_value(cells.get("created_at", "")))
        key = (claim_uuid, source_uuid, locator)
        if len(incoming.problems) == before and key in seen:
            rows.problem(row, "locator", f"the same claim, source and locator are also on row {seen[key]}.")
        if len(incoming.problems) == before:
            seen[key] = row
            incoming.evidence.append(EvidenceRow(row, claim_uuid, source_uuid, stance, quote, locator, note, created))
        if len(incoming.problems) > MAX_PROBLEMS:
            return


def _read_history(table: Table, incoming: Incoming) -> None:
    rows = _Rows(table, incoming, package.HISTORY_COLUMNS, ("claim_uuid", "field", "at"))
    if not rows.ok:
        return
    ready = _fast_history_table(table, rows)
    if ready is not None and not ready[1]:
        incoming.history.extend(ready[0])
        return
    built, bad = ready if ready is not None else ([], None)
    ix = [rows.at[name] for name in package.HISTORY_COLUMNS]
    for k, (row, raw) in enumerate(rows.raw()):
        fast = built[k] if bad is not None and k not in bad else _fast_history(row, raw, ix)
        if fast is not None:
            incoming.history.append(fast)
            continue
        cells = rows.as_dict(raw)
        before = len(incoming.problems)
        claim_uuid = _check(rows, row, "claim_uuid", _uuid, cell_value(cells["claim_uuid"]))
        name = _check(rows, row, "field", _line, "field", cell_value(cells["field"]), required=True)
        at = _check(rows, row, "at", _timestamp, "at", cell_value(cells["at"]))
        if not at and len(incoming.problems) == before:
            rows.problem(row, "at", "is empty; every history entry needs its time.")
        old = cell_value(cells.get("old_value", ""), nullable=True)
        new = cell_value(cells.get("new_value", ""), nullable=True)
        for column, value in (("old_value", old), ("new_value", new)):
            if value:
                _check(rows, row, column, _long_text, column, value)
        who = _check(rows, row, "who", _line, "who", cell_value(cells.get("who", "")))
        reason = _check(rows, row, "reason", _long_text, "reason", cell_value(cells.get("reason", "")))
        flag = cell_value(cells.get("is_correction", "")).strip()
        if flag not in ("", "0", "1"):
            rows.problem(row, "is_correction", f"'{flag}' is not 0 or 1.")
        if len(incoming.problems) == before:
            incoming.history.append(HistoryRow(row, claim_uuid, name, old, new, who or "", at, reason or "",
                                               flag == "1"))
        if len(incoming.problems) > MAX_PROBLEMS:
            return


# -- against the database --------------------------------------------------------

ADDED, UPDATED, KEPT, CONFLICT, UNCHANGED = "added", "updated", "kept", "conflict", "unchanged"


class Local(NamedTuple):
    id: int
    created_at: str
    updated_at: str
    synced_at: str | None


def classify(incoming_updated: str, local: Local) -> str:
    """The merge rule; see the module docstring."""
    if incoming_updated == local.updated_at:
        return UNCHANGED
    base = local.synced_at
    if base is None and local.updated_at == local.created_at:
        base = local.created_at
    local_changed = base is None or local.updated_at > base
    if incoming_updated > local.updated_at:
        return CONFLICT if local_changed else UPDATED
    incoming_changed = base is not None and incoming_updated > base
    return CONFLICT if (local_changed and incoming_changed) else KEPT


@dataclass
class Plan:
    incoming: Incoming
    actions: list[tuple[str, ClaimRow, Local | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def rows(self, action: str) -> list[ClaimRow]:
        return [row for a, row, _ in self.actions if a == action]

    def counts(self) -> dict[str, int]:
        out = {ADDED: 0, UPDATED: 0, KEPT: 0, CONFLICT: 0, UNCHANGED: 0}
        for action, _, _ in self.actions:
            out[action] += 1
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        c = self.counts()
        return (f"{c[ADDED]:,} to add, {c[UPDATED]:,} to update, {c[KEPT]:,} kept (the copy here is newer), "
                f"{c[CONFLICT]:,} in conflict (both sides changed; the copy here is kept), "
                f"{c[UNCHANGED]:,} unchanged")


def _rows_for(sql: str, values) -> list[tuple]:
    """``sql`` run with the JSON array of ``values`` as its one parameter (read with json_each)."""
    values = list(values)
    if not values:
        return []
    return database.execute_sql(sql, (json.dumps(values),)).fetchall()


def local_claims(uuids) -> dict[str, Local]:
    uuids = list(uuids)
    if not uuids:
        return {}
    if len(uuids) * 4 >= database.execute_sql("SELECT count(*) FROM claim").fetchone()[0]:
        # many of the claims here: one pass over the table beats a look-up per uuid
        wanted = set(uuids)
        rows = [r for r in database.execute_sql("SELECT uuid, id, created_at, updated_at, synced_at FROM claim")
                if r[0] in wanted]
    else:
        rows = _rows_for("SELECT c.uuid, c.id, c.created_at, c.updated_at, c.synced_at FROM json_each(?) j"
                         " CROSS JOIN claim c ON c.uuid = j.value", uuids)
    return {u: Local(cid, created, updated, synced) for u, cid, created, updated, synced in rows}


def local_source_uuids(uuids) -> set[str]:
    return {u for (u,) in _rows_for("SELECT s.uuid FROM json_each(?) j CROSS JOIN source s ON s.uuid = j.value",
                                    uuids)}


def _locally_decisive(claim_ids) -> set[int]:
    """The claims among ``claim_ids`` that have a supporting or refuting source here."""
    stances = ", ".join(f"'{s}'" for s in sorted(DECISIVE_STANCES))
    return {cid for (cid,) in _rows_for(
        "SELECT DISTINCT e.claim_id FROM json_each(?) j CROSS JOIN evidence e ON e.claim_id = j.value"
        f" WHERE e.stance IN ({stances})", claim_ids)}


def plan(incoming: Incoming) -> Plan:
    """Sort every claim of ``incoming`` and add the problems the database reveals."""
    with paused_gc():
        return _plan(incoming)


def _plan(incoming: Incoming) -> Plan:
    result = Plan(incoming, problems=list(incoming.problems))
    if incoming.problems:
        return result
    locals_ = local_claims(r.uuid for r in incoming.claims if r.uuid)
    file_claims = {r.uuid for r in incoming.claims if r.uuid}
    claims_file = "claims.csv" if incoming.kind == "package" else incoming.file
    decisive_in_file: set[str] = set()
    if incoming.kind == "package":
        file_sources = {s.uuid for s in incoming.sources}
        evidence_claims = {e.claim_uuid for e in incoming.evidence}
        evidence_sources = {e.source_uuid for e in incoming.evidence}
        history_claims = {h.claim_uuid for h in incoming.history}
        missing_claims = (evidence_claims | history_claims) - file_claims
        known_claims = file_claims | set(local_claims(missing_claims))
        wanted_sources = evidence_sources - file_sources
        known_sources = file_sources | local_source_uuids(wanted_sources)
        if not (evidence_claims <= known_claims and evidence_sources <= known_sources):
            for e in incoming.evidence:
                if e.claim_uuid not in known_claims:
                    result.problems.append(Problem("evidence.csv", e.row, "claim_uuid",
                                                   f"no claim with uuid {e.claim_uuid} in the package or here."))
                if e.source_uuid not in known_sources:
                    result.problems.append(Problem("evidence.csv", e.row, "source_uuid",
                                                   f"no source with uuid {e.source_uuid} in the package or here."))
        decisive_in_file = {e.claim_uuid for e in incoming.evidence if e.stance in DECISIVE_STANCES}
        if not history_claims <= known_claims:
            for h in incoming.history:
                if h.claim_uuid not in known_claims:
                    result.problems.append(Problem("history.csv", h.row, "claim_uuid",
                                                   f"no claim with uuid {h.claim_uuid} in the package or here."))
    sorted_rows = []
    ask_here = []  # claims gated by the file with no decisive source in it: does this copy have one?
    for row in incoming.claims:
        local = locals_.get(row.uuid) if row.uuid else None
        updated_at = row.values["updated_at"]
        if local is None:
            action = ADDED
        elif updated_at is None:
            sorted_rows.append((None, row, local))
            continue
        else:
            action = classify(updated_at, local)
        gated = None
        if action in (ADDED, UPDATED) and row.values["status"] in GATED_STATUSES:
            gated = (any(stance in DECISIVE_STANCES for stance, _ in row.links)
                     or row.uuid in decisive_in_file)
            if not gated and local is not None:
                ask_here.append(local.id)
        sorted_rows.append((action, row, local, gated) if gated is not None else (action, row, local))
    decisive_here = _locally_decisive(ask_here)
    for entry in sorted_rows:
        action, row, local = entry[:3]
        if action is None:
            result.problems.append(Problem(claims_file, row.row, "updated_at",
                                           "is empty; a claim that is already here needs its time of last change "
                                           "to be merged."))
            continue
        if len(entry) == 4 and not entry[3] and not (local is not None and local.id in decisive_here):
            column = "sources" if incoming.kind == "csv" else "status"
            result.problems.append(Problem(
                claims_file, row.row, column,
                f"the claim is {row.values['status']} but has no source that supports or refutes it "
                "(list one as 'supports URL' or 'refutes URL')."))
            continue
        result.actions.append((action, row, local))
    return result


def check(path, progress=None) -> Plan:
    """Read, validate and plan ``path`` (the dry run); raises nothing for bad content."""
    return plan(read_file(path, progress))
