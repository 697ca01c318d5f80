"""The import's fast path (no Qt, no writes; ``importer`` calls it).

A file as Claimlog writes it is checked a whole column at a time (one regular
expression over the joined column, len() through map, each distinct value of a
low-variety column cleaned once) instead of cell by cell. Only values these
checks certainly accept take this path, and they come out exactly as the
careful per-cell checks would leave them; every other row (or the whole
table, when a row is wider than the header) goes through the per-cell path,
which writes the problems with their row and column.

The per-row shortcuts at the end (``_fast_source``, ``_fast_evidence``, ``_fast_history``) do the same
for one row: None sends the row to the per-cell path.
"""

from __future__ import annotations

import functools
import operator
import re
from datetime import datetime

from desktop.errors import ValidationError
from desktop.exchange import claims_csv
from desktop.exchange.csvcodec import Table, cell_value, unneutralise
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
    _normal_url,
    _other_appearances,
    _partial_date,
    _priority,
    _source_url,
    _tags,
)
from desktop.exchange.import_rows import EvidenceRow, HistoryRow, SourceRow, _Rows
from desktop.services.common import LIMITS
from desktop.workflow import CREDIBILITY, GATED_STATUSES, SOURCE_KINDS, STANCES, STATUSES, VERDICTS


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


# -- a row at a time (sources; evidence and history rows the columns left) -----------


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
