"""Bulk changes: one status, verdict or tag change applied to many claims.

``preview(target, change)`` counts what would change, what is already so and
what the workflow gates refuse (grouped by reason); ``apply`` does it in one
transaction with set-based SQL (a temporary table of the claims that change,
then one UPDATE and one INSERT ... SELECT into History), so 100,000 claims take
seconds, not minutes. ``apply`` returns a ``BulkResult`` that ``revert``
undoes, also in one transaction.

``target`` is a ``search.ClaimFilter`` (for example "all matching the current
filter") or an iterable of claim ids (a selection, of any size: ids go
through a temporary table, never thousands of SQL parameters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from peewee import SQL, Case, Value, fn

from desktop import search
from desktop.errors import ValidationError
from desktop.models import Claim, ClaimTag, Tag, database
from desktop.services.claims import find_or_create_tag
from desktop.services.common import LIMITS, clean_text, current_actor, utcnow, write
from desktop.services.status import UNDO_REASON
from desktop.workflow import GATED_STATUSES, STATUSES, TRANSITIONS, VERDICTS, label, needs_reason

KINDS = ("status", "verdict", "add_tag", "remove_tag")
Progress = Callable[[int, int], object] | None


@dataclass(frozen=True)
class BulkChange:
    kind: str  # one of KINDS
    value: str | None  # status id, verdict id (None clears), or tag name
    reason: str = ""

    def describe(self) -> str:
        if self.kind == "status":
            return f"status to {label('status', self.value)}"
        if self.kind == "verdict":
            return f"verdict to {label('verdict', self.value)}" if self.value else "clear the verdict"
        if self.kind == "add_tag":
            return f"add tag \u201c{self.value}\u201d"
        return f"remove tag \u201c{self.value}\u201d"


@dataclass
class BulkPreview:
    total: int = 0
    will_change: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (count, reason), largest first

    @property
    def n_refused(self) -> int:
        return sum(n for n, _ in self.refused)

    def lines(self) -> list[str]:
        out = [f"{self.will_change:,} will change", f"{self.unchanged:,} unchanged (already so)"]
        out += [f"{n:,} refused: {why}" for n, why in self.refused]
        return out


@dataclass
class BulkResult:
    change: BulkChange
    # status: (id, old status, old finalised_at); verdict: (id, old verdict);
    # tags: (id, old tags_text)
    rows: list[tuple] = field(default_factory=list)
    at: str = ""
    who: str = ""
    tag_created: bool = False  # add_tag made a new tag (revert removes it if unused)
    skipped: int = 0  # revert only: claims changed since, left alone

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[int]:
        return [r[0] for r in self.rows]


# -- what is refused, and why -------------------------------------------------

_WHY = {
    "verdict": "needs a verdict",
    "evidence": "needs a linked source that supports or refutes it",
    "verdict_evidence": "needs a verdict and a linked source that supports or refutes it",
    "reason": "needs a reason",
    "final": "the claim is final; reopen it (with a reason) first",
    "cancelled": "the claim is cancelled; reopen it first",
    "keep_verdict": "in Needs review or Final a claim must keep a verdict",
}


def _why(code: str, change: BulkChange) -> str:
    if code.startswith("from:"):
        old = code[5:]
        return f"cannot go from {label('status', old)} to {label('status', change.value)}"
    return _WHY.get(code, code)


def validate_change(change: BulkChange) -> BulkChange:
    if change.kind not in KINDS:
        raise ValidationError("change", f"'{change.kind}' is not a bulk change; use one of: {', '.join(KINDS)}.")
    reason = clean_text("reason", change.reason, limit=LIMITS["long"])
    value = change.value
    if change.kind == "status" and value not in STATUSES:
        raise ValidationError("status", f"'{value}' is not a work status; use one of: {', '.join(STATUSES)}.")
    if change.kind == "verdict":
        value = value or None
        if value is not None and value not in VERDICTS:
            raise ValidationError("verdict", f"'{value}' is not a verdict; use one of: {', '.join(VERDICTS)}.")
    if change.kind in ("add_tag", "remove_tag"):
        from desktop.services.common import clean_line

        value = clean_line("tag", value, required=True, limit=LIMITS["tag"])
        if ";" in value or "," in value:
            raise ValidationError("tag", "a tag name cannot contain ';' or ','.")
    return BulkChange(change.kind, value, reason)


def _decisive():
    return (Claim.n_supports + Claim.n_refutes) > 0


def _code(change: BulkChange, tag_id: int | None):
    """A CASE expression: 'change', 'unchanged' or a refusal code per claim."""
    if change.kind == "status":
        new = change.value
        sources = sorted(s for s, targets in TRANSITIONS.items() if new in targets)
        whens = [(Claim.status == new, "unchanged"),
                 (Claim.status.not_in(sources), Value("from:").concat(Claim.status))]
        if new in GATED_STATUSES:
            whens += [
                (Claim.verdict.is_null() & ~_decisive(), "verdict_evidence"),
                (Claim.verdict.is_null(), "verdict"),
                (~_decisive(), "evidence"),
            ]
        if not change.reason.strip():
            reasons = [s for s in sources if needs_reason(s, new)]
            if reasons:
                whens.append((Claim.status.in_(reasons), "reason"))
        return Case(None, whens, "change")
    if change.kind == "verdict":
        unchanged = Claim.verdict.is_null() if change.value is None else (Claim.verdict == change.value)
        whens = [(unchanged, "unchanged"), (Claim.status == "final", "final"),
                 (Claim.status == "cancelled", "cancelled")]
        if change.value is None:
            whens.append((Claim.status.in_(sorted(GATED_STATUSES)), "keep_verdict"))
        return Case(None, whens, "change")
    has_tag = Claim.id.in_(ClaimTag.select(ClaimTag.claim).where(ClaimTag.tag == (tag_id or 0)))
    if change.kind == "add_tag":
        return Case(None, [(has_tag, "unchanged")], "change")
    return Case(None, [(has_tag, "change")], "unchanged")


# -- targets ------------------------------------------------------------------

def _conditions(target) -> list:
    """Filter conditions for a ClaimFilter or an id list (ids via a temp table)."""
    if isinstance(target, search.ClaimFilter):
        flt = target
        if flt.ids is not None and len(flt.ids) > 500:
            _fill_ids(flt.ids)
            flt = flt.with_(ids=None, extra=tuple(flt.extra) + (Claim.id.in_(SQL("(SELECT id FROM temp.bulk_ids)")),))
        return search.filter_conditions(flt)
    _fill_ids(target)
    return [Claim.id.in_(SQL("(SELECT id FROM temp.bulk_ids)"))]


def _fill_ids(ids: Iterable[int]) -> None:
    database.execute_sql("CREATE TEMP TABLE IF NOT EXISTS bulk_ids (id INTEGER PRIMARY KEY)")
    database.execute_sql("DELETE FROM temp.bulk_ids")
    cursor = database.cursor()
    cursor.executemany("INSERT OR IGNORE INTO temp.bulk_ids (id) VALUES (?)", ((int(i),) for i in ids))


def _existing_tag_id(name: str) -> int | None:
    found = Tag.get_or_none(fn.lower(Tag.name) == name.lower()) or Tag.get_or_none(Tag.name == name)
    return found.id if found else None


# -- preview ------------------------------------------------------------------

def preview(target, change: BulkChange) -> BulkPreview:
    """Counts of what ``apply`` would do, refusals grouped by reason."""
    change = validate_change(change)
    with database.atomic("DEFERRED"):
        tag_id = _existing_tag_id(change.value) if change.kind in ("add_tag", "remove_tag") else None
        code = _code(change, tag_id)
        query = Claim.select(code.alias("code"), fn.COUNT(SQL("*"))).group_by(SQL("code"))
        for cond in _conditions(target):
            query = query.where(cond)
        counts = dict(query.tuples())
    result = BulkPreview(total=sum(counts.values()))
    result.will_change = counts.pop("change", 0)
    result.unchanged = counts.pop("unchanged", 0)
    refused: dict[str, int] = {}
    for code_value, n in counts.items():
        why = _why(code_value, change)
        refused[why] = refused.get(why, 0) + n
    result.refused = sorted(((n, why) for why, n in refused.items()), key=lambda r: (-r[0], r[1]))
    return result


# -- apply --------------------------------------------------------------------

def _collect(target, change: BulkChange, tag_id: int | None, columns: str) -> None:
    """Fill temp.bulk_rows with (id, a, b) for the claims that will change."""
    database.execute_sql("CREATE TEMP TABLE IF NOT EXISTS bulk_rows (id INTEGER PRIMARY KEY, a, b)")
    database.execute_sql("DELETE FROM temp.bulk_rows")
    query = Claim.select(*columns).where(_code(change, tag_id) == "change")
    for cond in _conditions(target):
        query = query.where(cond)
    sql, params = query.sql()
    database.execute_sql(f"INSERT INTO temp.bulk_rows (id, a, b) {sql}", params)


def _rows() -> list[tuple]:
    """The claims changed (read from the temp table, which is then emptied)."""
    rows = list(database.execute_sql("SELECT id, a, b FROM temp.bulk_rows ORDER BY id").fetchall())
    database.execute_sql("DELETE FROM temp.bulk_rows")
    database.execute_sql("CREATE TEMP TABLE IF NOT EXISTS bulk_ids (id INTEGER PRIMARY KEY)")
    database.execute_sql("DELETE FROM temp.bulk_ids")
    return rows


def _history(field_name: str, old_sql: str, new_value, who: str, at: str, reason: str, correction_sql: str):
    database.execute_sql(
        "INSERT INTO history (claim_id, field, old_value, new_value, who, at, reason, is_correction) "
        f"SELECT r.id, ?, {old_sql}, ?, ?, ?, ?, {correction_sql} FROM temp.bulk_rows r ORDER BY r.id",
        (field_name, new_value, who, at, reason),
    )


def _step(progress: Progress, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


@write
def apply(target, change: BulkChange, who: str | None = None, progress: Progress = None) -> BulkResult:
    """Make ``change`` to every claim of ``target`` the gates allow; one transaction."""
    change = validate_change(change)
    who = current_actor(who)
    now = utcnow()
    result = BulkResult(change=change, at=now, who=who)
    _step(progress, 0, 4)
    if change.kind == "status":
        _collect(target, change, None, (Claim.id, Claim.status, Claim.finalised_at))
        _step(progress, 1, 4)
        _history("status", "r.a", change.value, who, now, change.reason, "r.b IS NOT NULL")
        _step(progress, 2, 4)
        # finalised_at is set only on entering Final: a column in SET costs the
        # upkeep of its index on every row, even when the value stays the same.
        finalised = ", finalised_at = COALESCE(finalised_at, ?)" if change.value == "final" else ""
        params = [change.value, now] + ([now] if change.value == "final" else [])
        database.execute_sql(
            f"UPDATE claim SET status = ?, updated_at = ?{finalised} "
            "WHERE id IN (SELECT id FROM temp.bulk_rows)", params,
        )
    elif change.kind == "verdict":
        _collect(target, change, None, (Claim.id, Claim.verdict, Claim.finalised_at))
        _step(progress, 1, 4)
        _history("verdict", "r.a", change.value, who, now, change.reason, "r.b IS NOT NULL")
        _step(progress, 2, 4)
        database.execute_sql(
            "UPDATE claim SET verdict = ?, updated_at = ? WHERE id IN (SELECT id FROM temp.bulk_rows)",
            (change.value, now),
        )
    else:
        existing = _existing_tag_id(change.value)
        if change.kind == "add_tag":
            tag = Tag.get_by_id(existing) if existing else find_or_create_tag(change.value)
            result.tag_created = existing is None
            tag_id = tag.id
        else:
            tag_id = existing
        _collect(target, change, tag_id, (Claim.id, Claim.tags_text, Value(None)))
        _step(progress, 1, 4)
        if tag_id is not None:
            _change_tag(change.kind == "add_tag", tag_id, now, progress)
    result.rows = _rows()
    _step(progress, 4, 4)
    return result


def _tag_names(tags_text: str) -> list[str]:
    return [t for t in (tags_text or "").split("; ") if t]


def _change_tag(add: bool, tag_id: int, now: str, progress: Progress) -> None:
    """Add or remove one tag on the claims in temp.bulk_rows; keep tags_text and the index."""
    name = Tag.get_by_id(tag_id).name
    if add:
        database.execute_sql("INSERT OR IGNORE INTO claim_tag (claim_id, tag_id) SELECT id, ? FROM temp.bulk_rows",
                             (tag_id,))
    else:
        database.execute_sql(
            "DELETE FROM claim_tag WHERE tag_id = ? AND claim_id IN (SELECT id FROM temp.bulk_rows)", (tag_id,)
        )
    _step(progress, 2, 4)
    updates = []
    folded = name.casefold()
    new_tags: dict = {}  # old tags_text -> (new tags_text, its index text): many claims share one
    for claim_id, tags_text, _ in database.execute_sql("SELECT id, a, b FROM temp.bulk_rows"):
        new = new_tags.get(tags_text)
        if new is None:
            names = [t for t in _tag_names(tags_text) if t.casefold() != folded]
            if add:
                names.append(name)
            names.sort(key=str.casefold)
            new = new_tags[tags_text] = ("; ".join(names), search.index_text(" ".join(names)))
        updates.append((new[0], new[1], claim_id))
    cursor = database.cursor()
    cursor.executemany("UPDATE claim SET tags_text = ?, updated_at = ? WHERE id = ?",
                       ((text, now, cid) for text, _, cid in updates))
    _step(progress, 3, 4)
    cursor.executemany("UPDATE claim_fts SET tags = ? WHERE rowid = ?", ((doc, cid) for _, doc, cid in updates))


# -- revert -------------------------------------------------------------------

def _load_rows(rows: list[tuple]) -> None:
    database.execute_sql("CREATE TEMP TABLE IF NOT EXISTS bulk_rows (id INTEGER PRIMARY KEY, a, b)")
    database.execute_sql("DELETE FROM temp.bulk_rows")
    database.cursor().executemany("INSERT INTO temp.bulk_rows (id, a, b) VALUES (?, ?, ?)", rows)


@write
def revert(result: BulkResult, who: str | None = None, progress: Progress = None) -> BulkResult:
    """Undo ``result`` in one transaction; claims changed since are left alone (``skipped``)."""
    change = result.change
    who = current_actor(who)
    now = utcnow()
    _load_rows([tuple(r) for r in result.rows])
    _step(progress, 0, 4)
    if change.kind == "status":
        # Only claims still in the status we set, and only into a gated
        # status if they still pass its gate.
        gated = ", ".join(f"'{s}'" for s in sorted(GATED_STATUSES))
        database.execute_sql(
            "DELETE FROM temp.bulk_rows WHERE id NOT IN (SELECT c.id FROM claim c JOIN temp.bulk_rows r "
            "ON c.id = r.id WHERE c.status = ? AND (r.a NOT IN (" + gated + ") OR "
            "(c.verdict IS NOT NULL AND c.n_supports + c.n_refutes > 0)))", (change.value,),
        )
        _step(progress, 1, 4)
        database.execute_sql(
            "INSERT INTO history (claim_id, field, old_value, new_value, who, at, reason, is_correction) "
            "SELECT c.id, 'status', c.status, r.a, ?, ?, ?, c.finalised_at IS NOT NULL "
            "FROM temp.bulk_rows r JOIN claim c ON c.id = r.id ORDER BY r.id", (who, now, UNDO_REASON),
        )
        _step(progress, 2, 4)
        old_status = "status = (SELECT a FROM temp.bulk_rows r WHERE r.id = claim.id)"
        old_finalised = "finalised_at = (SELECT b FROM temp.bulk_rows r WHERE r.id = claim.id)"
        if change.value == "final":  # the apply stamped finalised_at: put it back in the same pass
            database.execute_sql(f"UPDATE claim SET {old_status}, {old_finalised}, updated_at = ? "
                                 "WHERE id IN (SELECT id FROM temp.bulk_rows)", (now,))
        else:
            # The apply left finalised_at alone: leaving it out of SET spares its
            # index on every row. Any claim whose finalised_at differs anyway is
            # put back by a second pass (normally none).
            database.execute_sql(f"UPDATE claim SET {old_status}, updated_at = ? "
                                 "WHERE id IN (SELECT id FROM temp.bulk_rows)", (now,))
            database.execute_sql(
                f"UPDATE claim SET {old_finalised} WHERE id IN (SELECT r.id FROM temp.bulk_rows r "
                "JOIN claim c ON c.id = r.id WHERE c.finalised_at IS NOT r.b)"
            )
    elif change.kind == "verdict":
        gated = ", ".join(f"'{s}'" for s in sorted(GATED_STATUSES))
        same = "c.verdict IS NULL" if change.value is None else "c.verdict = ?"
        params = () if change.value is None else (change.value,)
        database.execute_sql(
            "DELETE FROM temp.bulk_rows WHERE id NOT IN (SELECT c.id FROM claim c JOIN temp.bulk_rows r "
            f"ON c.id = r.id WHERE {same} AND c.status NOT IN ('final', 'cancelled') "
            f"AND NOT (r.a IS NULL AND c.status IN ({gated})))", params,
        )
        _step(progress, 1, 4)
        database.execute_sql(
            "INSERT INTO history (claim_id, field, old_value, new_value, who, at, reason, is_correction) "
            "SELECT c.id, 'verdict', c.verdict, r.a, ?, ?, ?, c.finalised_at IS NOT NULL "
            "FROM temp.bulk_rows r JOIN claim c ON c.id = r.id ORDER BY r.id", (who, now, UNDO_REASON),
        )
        _step(progress, 2, 4)
        database.execute_sql(
            "UPDATE claim SET verdict = (SELECT a FROM temp.bulk_rows r WHERE r.id = claim.id), updated_at = ? "
            "WHERE id IN (SELECT id FROM temp.bulk_rows)", (now,),
        )
    else:
        tag_id = _existing_tag_id(change.value)
        add_back = change.kind == "remove_tag"
        if tag_id is not None:
            has = "" if add_back else "NOT "
            database.execute_sql(
                f"DELETE FROM temp.bulk_rows WHERE id {has}IN (SELECT claim_id FROM claim_tag WHERE tag_id = ?) "
                "OR id NOT IN (SELECT id FROM claim)", (tag_id,),
            )
            database.execute_sql(
                "UPDATE temp.bulk_rows SET a = (SELECT tags_text FROM claim WHERE claim.id = bulk_rows.id)"
            )
            _step(progress, 1, 4)
            _change_tag(add_back, tag_id, now, progress)
            if result.tag_created and not add_back:
                database.execute_sql(
                    "DELETE FROM tag WHERE id = ? AND NOT EXISTS (SELECT 1 FROM claim_tag WHERE tag_id = ?)",
                    (tag_id, tag_id),
                )
        else:
            database.execute_sql("DELETE FROM temp.bulk_rows")
    undone = _rows()
    _step(progress, 4, 4)
    out = BulkResult(change=change, rows=undone, at=now, who=who)
    out.skipped = result.count - len(undone)
    return out
