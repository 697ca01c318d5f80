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

The checks live beside this module: ``import_rows`` (the row types, ``Incoming``, the walk over a
table), ``import_cells`` (one cell at a time, as the problems are worded) and ``import_fast`` (a whole
column at a time, for files as Claimlog writes them; a row it does not certainly accept comes back to
the per-cell checks in the readers here).
"""

from __future__ import annotations

import contextlib
import gc
import json
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
)
from desktop.exchange.import_cells import (
    _CLAIM_TEXT,
    _EMPTY_DEFAULTS,
    _archives,
    _choice,
    _line,
    _long_text,
    _normal_url,
    _other_appearances,
    _priority,
    _tags,
    _timestamp,
    _uuid,
)
from desktop.exchange.import_fast import (
    _CLAIM_KEYS,
    _fast_claims_table,
    _fast_evidence,
    _fast_evidence_table,
    _fast_history,
    _fast_history_table,
    _fast_source,
)
from desktop.exchange.import_rows import ClaimRow, EvidenceRow, HistoryRow, Incoming, SourceRow, _Rows
from desktop.models import database
from desktop.scripts import looks_like_zawgyi
from desktop.services.common import LIMITS
from desktop.workflow import DECISIVE_STANCES, GATED_STATUSES, STANCES, STATUSES, VERDICTS


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
    _note_zawgyi(rows.file, incoming)


# Claim columns whose Burmese a search should find; Zawgyi there never matches Unicode.
_ZAWGYI_COLUMNS = ("text", "short_text", "claimant", "context", "verdict_explanation")
_ZAWGYI_ROWS_NAMED = 5


def _note_zawgyi(file: str, incoming: Incoming) -> None:
    """One note (not a problem: nothing is refused) naming the claim rows whose text looks like
    Zawgyi-encoded Burmese (``desktop.scripts``). Cells without a Myanmar character cost an O(1)
    ``isascii`` or one regular-expression scan; only the others go through the detector."""
    rows: list[int] = []
    columns: list[str] = []
    for claim in incoming.claims:
        values = claim.values
        hit = False
        for column in _ZAWGYI_COLUMNS:
            value = values.get(column)
            if looks_like_zawgyi(value):  # free for ASCII; one regex scan for other text without Burmese
                hit = True
                if column not in columns:
                    columns.append(column)
        if hit:
            rows.append(claim.row)
    if not rows:
        return
    many = len(rows) > 1
    named = ", ".join(str(r) for r in rows[:_ZAWGYI_ROWS_NAMED]) + (", \u2026" if len(rows) > _ZAWGYI_ROWS_NAMED else "")
    it, they = ("them", "They are") if many else ("it", "It is")
    incoming.notes.append(
        f"{file}: {len(rows):,} {'rows look' if many else 'row looks'} like Zawgyi-encoded Burmese "
        f"({'rows' if many else 'row'} {named}; {'columns' if len(columns) > 1 else 'column'} {', '.join(columns)}): "
        f"search will not find {it} as Unicode. {they} imported unchanged; convert to Unicode to make "
        f"{it} searchable."
    )


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
