"""The write side of exchanging work: applying an import, recording an export.

``apply_import`` writes a checked ``importer.Incoming`` in ONE transaction:
claimants and tags are matched case-insensitively, sources by uuid and then
by normalised URL, claims by uuid (see ``importer.classify`` for the merge
rule); evidence links are added (and, for an updated claim, brought in line
with the incoming copy) but never removed by an import; history is carried
over from a package, or written for the changes a claims CSV brings. The
counters, ``claimant_name``/``tags_text``/``headline`` and the full-text
index are kept in step, so ``claimlog check`` holds afterwards. Imported
claims keep their uuid, status, verdict and timestamps: the import bypasses
the interactive workflow, but a gated claim without a decisive source is
refused by ``importer.plan`` beforehand.

Bulk SQL instead of one service call per claim keeps a 100,000-claim package
within seconds: look-ups take the incoming uuids/ids as one JSON array
(``json_each``), new claims get their ids up front so that their links,
counters and search rows are built in hand, rows go in by executemany of
tuples, counters of updated claims and of sources come from one aggregate
UPDATE each; a large import into an empty or small database drops the
non-unique indexes of the tables it fills and builds them again in the same
transaction (``_IndexRebuild``), and the page cache is raised to
``IMPORT_CACHE_KIB`` for the import only. Figures: tests/benchmarks/test_exchange_speed.py.
``progress(done, total)`` returning False cancels: the transaction rolls back
(indexes included) and nothing of the import remains.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from types import SimpleNamespace

from desktop import search
from desktop.errors import ClaimlogError
from desktop.exchange import importer
from desktop.exchange.claims_csv import URN_PREFIX
from desktop.exchange.csvcodec import Cancelled
from desktop.exchange.package import WITHHELD_TITLE
from desktop.models import Claim, ClaimIndex, database, new_uuid
from desktop.services.claims import headline_for
from desktop.services.common import current_actor, utcnow, write
from desktop.workflow import STANCES

CHUNK = 500
PLACEHOLDER_TITLE = "Source not included in the imported file"
PLACEHOLDER_NOTE = ("The file listed this source only by its uuid (it was confidential or had no web address); "
                    "ask the sender for the details.")


class ImportRejected(ClaimlogError):
    """The file has problems; nothing was imported. ``problems`` lists them."""

    def __init__(self, problems):
        first = "; ".join(str(p) for p in problems[:3])
        super().__init__(f"the file was rejected ({len(problems)} problem(s)): {first}")
        self.problems = problems


@dataclass
class ImportResult:
    counts: dict[str, int]
    sources_added: int = 0
    sources_updated: int = 0
    evidence_added: int = 0
    history_added: int = 0
    conflicts: list = field(default_factory=list)  # ClaimRow of each conflict
    claim_ids: list[int] = field(default_factory=list)  # added or updated

    def summary(self) -> str:
        c = self.counts
        return (f"{c['added']:,} added, {c['updated']:,} updated, {c['kept']:,} kept, "
                f"{c['conflict']:,} in conflict (kept as they are here), {c['unchanged']:,} unchanged; "
                f"{self.sources_added:,} new sources, {self.evidence_added:,} new links")


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _exec(sql: str, params=()):
    return database.execute_sql(sql, params)


def _many(sql: str, rows) -> None:
    rows = list(rows)
    if rows:
        database.cursor().executemany(sql, rows)


class _Progress:
    def __init__(self, callback, total):
        self.callback, self.total, self.done = callback, max(total, 1), 0

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.callback is not None and self.callback(min(self.done, self.total), self.total) is False:
            raise Cancelled()


# -- bulk helpers ------------------------------------------------------------------

# A large import into an empty or small database drops the non-unique indexes
# of the tables it fills and builds each again (sorted once) before the
# counters and the search index are written, all in the same transaction:
# keeping two dozen indexes up to date row by row costs more than building
# them once. Unique indexes stay (lookups and the uniqueness guarantee need
# them). Measured on the 100k-claim package into an empty database; see
# tests/benchmarks/test_exchange_speed.py.
REBUILD_FROM = 20_000  # rows going into a table, and at least as many as it already holds
REBUILD_TABLES = ("claim", "claim_tag", "evidence", "history", "source")
IMPORT_CACHE_KIB = 256_000  # page cache during an import: a ceiling (a laptop keeps its memory), not an allocation


def _json(values) -> str:
    return json.dumps(list(values))


def _table_rows(table: str) -> int:
    return _exec(f"SELECT count(*) FROM {table}").fetchone()[0]


class _IndexRebuild:
    """Drop the non-unique secondary indexes of some tables; ``restore()`` creates them again."""

    def __init__(self):
        self.dropped: list[tuple[str, str]] = []
        self.stats: list[tuple] = []

    def drop(self, tables) -> None:
        tables = list(tables)
        if not tables:
            return
        marks = _marks(len(tables))
        indexes = _exec(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks}) ORDER BY name", tables).fetchall()
        indexes = [(name, sql) for name, sql in indexes if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
        if not indexes:
            return
        if _exec("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            self.stats = _exec(f"SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx IN ({_marks(len(indexes))})",
                               [name for name, _ in indexes]).fetchall()
        for name, _sql in indexes:
            _exec(f'DROP INDEX "{name}"')
        self.dropped = indexes

    def restore(self) -> None:
        for _name, sql in self.dropped:
            _exec(sql)
        if self.stats:  # the planner's statistics as they were (DROP INDEX removed them)
            _many("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", self.stats)
        self.dropped, self.stats = [], []


# -- lookups that create what is missing ---------------------------------------


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _resolve(table: str, names, insert) -> dict[str, tuple[int, str]]:
    """incoming name -> (id, stored name), matching exactly as the services do.

    ``find_or_create_claimant``/``find_or_create_tag`` compare SQLite's
    ``lower()`` (ASCII letters only) of the stored name with Python's
    ``lower()`` of the new one, then the exact name; the same order here
    means an import matches what typing the name would have matched.
    """
    by_lower: dict[str, tuple[int, str]] = {}
    exact: dict[str, tuple[int, str]] = {}
    for rid, name in _exec(f"SELECT id, name FROM {table} ORDER BY id").fetchall():
        by_lower.setdefault(name.translate(_ASCII_LOWER), (rid, name))
        exact[name] = (rid, name)
    out = {}
    for name in names:
        if not name or name in out:
            continue
        found = by_lower.get(name.lower()) or exact.get(name)
        if found is None:
            found = (insert(name), name)
            by_lower.setdefault(name.translate(_ASCII_LOWER), found)
            exact[name] = found
        out[name] = found
    return out


def _claimants(names, now) -> dict[str, tuple[int, str]]:
    return _resolve("claimant", names, lambda name: _exec(
        "INSERT INTO claimant (name, kind, notes, created_at) VALUES (?, 'unknown', '', ?)", (name, now)).lastrowid)


def _tags(names) -> dict[str, tuple[int, str]]:
    return _resolve("tag", names, lambda name: _exec("INSERT INTO tag (name) VALUES (?)", (name,)).lastrowid)


SOURCE_FIELDS = ("kind", "title", "publisher", "published_on", "url", "accessed_on", "language", "credibility",
                 "notes", "confidential")
SOURCE_INSERT = ("INSERT INTO source (uuid, kind, title, publisher, published_on, url, accessed_on, language,"
                 " credibility, notes, confidential, n_claims, created_at, updated_at, deleted_at)"
                 " VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,?,?)")


def _package_sources(incoming, now, result: ImportResult, before_insert) -> tuple[dict[str, int], set[int], set[int]]:
    """Add or update the package's sources; uuid (incoming) -> local id; ids whose title changed; ids written.

    ``before_insert(n)`` is called before the ``n`` new sources go in.
    """
    by_uuid: dict[str, int] = {}
    changed_titles: set[int] = set()
    written: set[int] = set()
    archives: list[tuple] = []
    new_rows: list[tuple] = []
    new_sources = []
    changes: list[tuple] = []
    rows = incoming.sources
    local_by_uuid, local_by_url = {}, {}
    if rows:
        for sid, u, url, updated, title in _exec(
                "SELECT s.id, s.uuid, s.url, s.updated_at, s.title FROM json_each(?) j"
                " CROSS JOIN source s ON s.uuid = j.value", (_json(r.uuid for r in rows),)):
            local_by_uuid[u] = (sid, url, updated, title)
        for sid, u, url, updated, title in _exec(
                "SELECT s.id, s.uuid, s.url, s.updated_at, s.title FROM json_each(?) j"
                " CROSS JOIN source s ON s.url = j.value", (_json(r.values["url"] for r in rows if r.values["url"]),)):
            local_by_url[url] = (sid, url, updated, title)
    for row in rows:
        v = row.values
        local = local_by_uuid.get(row.uuid) or (local_by_url.get(v["url"]) if v["url"] else None)
        created = v["created_at"] or now
        updated = v["updated_at"] or created
        if local is None:
            new_rows.append((row.uuid, *[v[f] for f in SOURCE_FIELDS], created, updated, v["deleted_at"]))
            new_sources.append(row)
            result.sources_added += 1
            continue
        sid, local_url, local_updated, local_title = local
        by_uuid[row.uuid] = sid
        placeholder = local_title in (PLACEHOLDER_TITLE, WITHHELD_TITLE) and v["title"] != local_title
        if not (updated > local_updated or placeholder):  # a stand-in always gives way to the real source
            continue
        values = {f: v[f] for f in SOURCE_FIELDS}
        if values["url"] != local_url and values["url"] in local_by_url:
            values["url"] = local_url  # the address belongs to another source here: keep ours
        changes.append((*values.values(), updated, v["deleted_at"], sid))
        if values["title"] != local_title:
            changed_titles.add(sid)
        result.sources_updated += 1
        written.add(sid)
        archives.extend((sid, url, service, captured) for url, service, captured in row.archives)
    _many(f"UPDATE source SET {', '.join(f + ' = ?' for f in SOURCE_FIELDS)}, updated_at = ?, deleted_at = ?"
          " WHERE id = ?", changes)
    if written:
        _exec("DELETE FROM archive WHERE source_id IN (SELECT value FROM json_each(?))", (_json(sorted(written)),))
    before_insert(len(new_rows))
    _many(SOURCE_INSERT, new_rows)
    new_ids = _source_uuid_ids(row.uuid for row in new_sources)
    for row in new_sources:
        sid = new_ids[row.uuid]
        by_uuid[row.uuid] = sid
        written.add(sid)
        archives.extend((sid, url, service, captured) for url, service, captured in row.archives)
    _many("INSERT INTO archive (source_id, url, service, captured_at) VALUES (?,?,?,?)", archives)
    return by_uuid, changed_titles, written


def _sources_by_url(urls, now, result: ImportResult, before_insert) -> tuple[dict[str, int], set[int]]:
    """Normalised URL -> source id, adding a source (titled with its address) for each new one."""
    found: dict[str, int] = {}
    urls = sorted(set(urls))
    urns = [u for u in urls if u.startswith(URN_PREFIX)]
    plain = [u for u in urls if not u.startswith(URN_PREFIX)]
    if plain:
        for sid, url in _exec("SELECT s.id, s.url FROM json_each(?) j CROSS JOIN source s ON s.url = j.value",
                              (_json(plain),)):
            found[url] = sid
    for source_uuid, sid in _source_uuid_ids(u[len(URN_PREFIX):] for u in urns).items():
        found[URN_PREFIX + source_uuid] = sid
    new_rows, new_urls = [], []
    for url in urls:
        if url in found:
            continue
        if url.startswith(URN_PREFIX):
            # a source the sender withheld or that has no address: a placeholder keeps the link
            new_rows.append((url[len(URN_PREFIX):], "other", PLACEHOLDER_TITLE, None, PLACEHOLDER_NOTE, now, now))
        else:
            new_rows.append((new_uuid(), "web_page", url, url, "", now, now))
        new_urls.append(url)
    before_insert(len(new_rows))
    _many("INSERT INTO source (uuid, kind, title, publisher, published_on, url, accessed_on, language,"
          " credibility, notes, confidential, n_claims, created_at, updated_at)"
          " VALUES (?, ?, ?, '', '', ?, '', '', 'unrated', ?, 0, 0, ?, ?)", new_rows)
    new_ids = _source_uuid_ids(r[0] for r in new_rows)
    written = set()
    for url, r in zip(new_urls, new_rows):
        found[url] = new_ids[r[0]]
        written.add(new_ids[r[0]])
    result.sources_added += len(new_rows)
    return found, written


def _source_uuid_ids(uuids) -> dict[str, int]:
    uuids = sorted(set(uuids))
    if not uuids:
        return {}
    return {u: sid for sid, u in _exec("SELECT s.id, s.uuid FROM json_each(?) j CROSS JOIN source s"
                                        " ON s.uuid = j.value", (_json(uuids),))}


# -- claims ------------------------------------------------------------------------

CLAIM_COLUMNS = (
    "text", "short_text", "headline", "claimant_id", "claimant_name", "claimed_on", "appearance_url",
    "other_appearances", "location", "language", "context", "priority", "status", "verdict",
    "verdict_explanation", "published_url", "tags_text", "created_at", "updated_at", "deleted_at",
    "finalised_at", "synced_at",
)
HISTORY_FIELDS = ("text", "short_text", "status", "verdict", "verdict_explanation")
COUNTED_STANCES = {"supports": 0, "refutes": 1, "context": 2, "appearance": 3}  # n_supports ... n_appearance


def _claim_values(row, claimants, tags, now) -> tuple:
    v = row.values
    claimant = claimants.get(v["claimant"]) if v["claimant"] else None
    created = v["created_at"] or v["updated_at"] or now
    updated = v["updated_at"] or created
    finalised = v["finalised_at"]
    if v["status"] == "final" and finalised is None:
        finalised = updated
    return (
        v["text"], v["short_text"], headline_for(v["text"], v["short_text"]),
        claimant[0] if claimant else None, claimant[1] if claimant else "",
        v["claimed_on"], v["appearance_url"], v["other_appearances"], v["location"], v["language"], v["context"],
        v["priority"], v["status"], v["verdict"], v["verdict_explanation"], v["published_url"],
        "; ".join(_tag_names(row, tags)), created, updated, v["deleted_at"], finalised, updated,
    )


_BLANK_CLAIM = SimpleNamespace(text="", short_text="", context="")


def _tag_names(row, tags) -> list[str]:
    """The stored names of the row's tags, sorted as the services sort them (cached per list of tags)."""
    given = tuple(row.values["tags"])
    names = tags.sorted_names.get(given) if isinstance(tags, _Tags) else None
    if names is None:
        names = sorted({tags[t][1] for t in given}, key=str.casefold)
        if isinstance(tags, _Tags):
            tags.sorted_names[given] = names
    return names


class _Tags(dict):
    """incoming name -> (id, stored name), remembering the sorted names of each combination seen."""

    def __init__(self, *args):
        super().__init__(*args)
        self.sorted_names: dict[tuple, list[str]] = {}


@write
def apply_import(incoming: importer.Incoming, who: str | None = None, progress=None) -> ImportResult:
    """Check ``incoming`` against the database and write it, all or nothing."""
    plan = importer.plan(incoming)
    if plan.problems:
        raise ImportRejected(plan.problems)
    result = ImportResult(plan.counts(), conflicts=plan.rows(importer.CONFLICT))
    writes = {importer.ADDED, importer.UPDATED}
    applying = [action for action in plan.actions if action[0] in writes]
    steps = _Progress(progress, len(applying) * 3 + len(incoming.sources) + 10)

    # unchanged claims: both sides now agree on this version
    same = importer.UNCHANGED
    unchanged = [local.id for a, _, local in plan.actions if a == same]
    if unchanged:
        _exec("UPDATE claim SET synced_at = updated_at WHERE id IN (SELECT value FROM json_each(?))"
              " AND synced_at IS NOT updated_at", (_json(unchanged),))
    steps.step()
    if not applying and not incoming.sources:
        return result
    cache = _exec("PRAGMA cache_size").fetchone()[0]
    if -IMPORT_CACHE_KIB < cache < 0 or cache > 0:  # a larger page cache: pages are spilled once, at commit
        _exec(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        with importer.paused_gc():
            _apply(incoming, applying, result, steps, who)
    finally:
        with contextlib.suppress(sqlite3.Error):
            _exec(f"PRAGMA cache_size = {cache}")
    return result


def _apply(incoming, applying, result: ImportResult, steps: _Progress, who) -> None:
    now = utcnow()
    actor = current_actor(who)
    reason = f"imported from {incoming.file}"
    package_mode = incoming.kind == "package"
    claimants = _claimants([row.values["claimant"] for _, row, _ in applying], now)
    tags = _Tags(_tags([t for _, row, _ in applying for t in row.values["tags"]]))
    steps.step()

    rebuild = _IndexRebuild()
    if package_mode:
        applied = {row.uuid for _, row, _ in applying}
        n_links = sum(1 for e in incoming.evidence if e.claim_uuid in applied)
        n_history = sum(1 for h in incoming.history if h.claim_uuid in applied)
    else:
        n_links, n_history = sum(len(row.links) for _, row, _ in applying), len(applying)
    going_in = {"claim": len(applying), "claim_tag": sum(len(row.values["tags"]) for _, row, _ in applying),
                "evidence": n_links, "history": n_history}

    def before_new_sources(n_sources: int) -> None:
        """Decide which tables get their indexes built again (the new sources are about to go in)."""
        going_in["source"] = n_sources
        rebuild.drop(t for t in REBUILD_TABLES
                     if going_in[t] >= REBUILD_FROM and going_in[t] >= _table_rows(t))

    reindex_extra: set[int] = set()
    if package_mode:
        source_ids, changed_titles, written = _package_sources(incoming, now, result, before_new_sources)
        steps.step(len(incoming.sources))
        need = {e.source_uuid for e in incoming.evidence} - set(source_ids)
        source_ids.update(_source_uuid_ids(need))
        if changed_titles:
            reindex_extra.update(cid for (cid,) in _exec(
                "SELECT DISTINCT claim_id FROM evidence WHERE source_id IN (SELECT value FROM json_each(?))",
                (_json(sorted(changed_titles)),)))
    else:
        url_ids, written = _sources_by_url({url for _, row, _ in applying for _, url in row.links}, now, result,
                                           before_new_sources)
    linked: set[int] = set()  # sources linked by the applied claims (their n_claims is counted again)

    # claim ids: the new claims take the ids SQLite would give them (after the highest), so that their
    # links, counters and search rows are known before anything is written
    added = [row for a, row, _ in applying if a == importer.ADDED]
    updated = [(row, local) for a, row, local in applying if a == importer.UPDATED]
    top = _exec("SELECT max(id) FROM claim").fetchone()[0] or 0
    ids: dict[int, int] = {}  # id(row) -> claim id
    for n, row in enumerate(added, start=top + 1):
        if row.uuid is None:
            row.uuid = new_uuid()
        ids[id(row)] = n
    for row, local in updated:
        ids[id(row)] = local.id
    added_ids = set(range(top + 1, top + 1 + len(added)))
    updated_ids = [local.id for _, local in updated]
    result.claim_ids = [ids[id(row)] for _, row, _ in applying]
    old_values: dict[int, tuple] = {}
    existing: dict[tuple[int, int, str], tuple] = {}
    if updated_ids:
        for cid, *rest in _exec(f"SELECT id, {', '.join(HISTORY_FIELDS)}, finalised_at FROM claim"
                                " WHERE id IN (SELECT value FROM json_each(?))", (_json(updated_ids),)):
            old_values[cid] = tuple(rest)
        for eid, cid, sid, locator, stance, quote, note in _exec(
                "SELECT id, claim_id, source_id, locator, stance, quote, note FROM evidence"
                " WHERE claim_id IN (SELECT value FROM json_each(?))", (_json(updated_ids),)):
            existing[(cid, sid, locator)] = (eid, stance, quote, note)

    # evidence: what to add, what to bring in line
    new_links, changed_links = [], []
    if package_mode:
        by_claim_uuid = {row.uuid: ids[id(row)] for _, row, _ in applying}
        for e in incoming.evidence:
            cid = by_claim_uuid.get(e.claim_uuid)
            sid = source_ids.get(e.source_uuid)
            if cid is None or sid is None:
                continue
            have = existing.get((cid, sid, e.locator))
            if have is None:
                new_links.append((cid, sid, e.stance, e.quote, e.locator, e.note, e.created_at or now))
                existing[(cid, sid, e.locator)] = (None, e.stance, e.quote, e.note)
            elif have[0] is not None and have[1:] != (e.stance, e.quote, e.note):
                changed_links.append((e.stance, e.quote, e.note, have[0]))
            linked.add(sid)
    else:
        pairs = {(cid, sid) for cid, sid, _ in existing}
        for _, row, _ in applying:
            cid = ids[id(row)]
            for stance, url in row.links:
                sid = url_ids[url]
                linked.add(sid)
                if (cid, sid) not in pairs:
                    pairs.add((cid, sid))
                    new_links.append((cid, sid, stance, "", "", "", now))
                    existing[(cid, sid, "")] = (None, stance, "", "")
                else:
                    have = existing.get((cid, sid, ""))
                    if have is not None and have[0] is not None and have[1] != stance and stance in STANCES:
                        changed_links.append((stance, have[2], have[3], have[0]))
                        existing[(cid, sid, "")] = (have[0], stance, have[2], have[3])

    # counters of the new claims, from their links (they have no others)
    counters: dict[int, list[int]] = {}
    for cid, _sid, stance, *_ in new_links:
        if cid in added_ids:
            c = counters.get(cid)
            if c is None:
                c = counters[cid] = [0, 0, 0, 0, 0]
            k = COUNTED_STANCES.get(stance)
            if k is not None:
                c[k] += 1
            c[4] += 1

    # claims: insert the new ones, overwrite the updated ones
    insert_sql = (f"INSERT INTO claim (id, uuid, {', '.join(CLAIM_COLUMNS)}, n_supports, n_refutes, n_context,"
                  f" n_appearance, n_sources) VALUES (?, ?, {_marks(len(CLAIM_COLUMNS))}, ?, ?, ?, ?, ?)")
    zero = (0, 0, 0, 0, 0)
    for chunk in _chunks(added, 10_000):
        _many(insert_sql, [(ids[id(row)], row.uuid, *_claim_values(row, claimants, tags, now),
                            *counters.get(ids[id(row)], zero)) for row in chunk])
        steps.step(len(chunk))
    update_sql = f"UPDATE claim SET {', '.join(c + ' = ?' for c in CLAIM_COLUMNS)} WHERE id = ?"
    for chunk in _chunks(updated, 10_000):
        _many(update_sql, [(*_claim_values(row, claimants, tags, now), local.id) for row, local in chunk])
        steps.step(len(chunk))

    # tags
    if updated_ids:
        _exec("DELETE FROM claim_tag WHERE claim_id IN (SELECT value FROM json_each(?))", (_json(updated_ids),))
    _many("INSERT OR IGNORE INTO claim_tag (claim_id, tag_id) VALUES (?, ?)",
          [(ids[id(row)], tags[t][0]) for _, row, _ in applying for t in row.values["tags"]])
    steps.step()

    _many("INSERT INTO evidence (claim_id, source_id, stance, quote, locator, note, created_at)"
          " VALUES (?,?,?,?,?,?,?)", new_links)
    _many("UPDATE evidence SET stance = ?, quote = ?, note = ? WHERE id = ?", changed_links)
    result.evidence_added = len(new_links)
    steps.step()

    # history
    entries = []
    if package_mode:
        by_claim_uuid = {row.uuid: ids[id(row)] for _, row, _ in applying}
        have_history = set()
        if updated_ids:
            have_history.update(_exec(
                "SELECT claim_id, field, at, old_value, new_value FROM history"
                " WHERE claim_id IN (SELECT value FROM json_each(?))", (_json(updated_ids),)).fetchall())
        ours = by_claim_uuid.get
        candidates = [(cid, h) for h in incoming.history if (cid := ours(h.claim_uuid)) is not None]
        keys = [(cid, h.field, h.at, h.old_value, h.new_value) for cid, h in candidates]
        if not have_history and len(set(keys)) == len(keys):  # nothing to skip: take them all
            entries = [(cid, h.field, h.old_value, h.new_value, h.who, h.at, h.reason, int(h.is_correction))
                       for cid, h in candidates]
        else:
            for key, (cid, h) in zip(keys, candidates):
                if key in have_history:
                    continue
                have_history.add(key)
                entries.append((cid, h.field, h.old_value, h.new_value, h.who, h.at, h.reason,
                                int(h.is_correction)))
    else:
        for action, row, local in applying:
            cid = ids[id(row)]
            v = row.values
            at = v["updated_at"] or v["created_at"] or now
            if action == importer.ADDED:
                entries.append((cid, "created", None, v["text"], actor, v["created_at"] or at, reason, 0))
                continue
            old = old_values[cid]
            correction = int(old[-1] is not None)
            for name, before in zip(HISTORY_FIELDS, old):
                if v[name] != before:
                    entries.append((cid, name, before, v[name], actor, at, reason, correction))
    _many("INSERT INTO history (claim_id, field, old_value, new_value, who, at, reason, is_correction)"
          " VALUES (?,?,?,?,?,?,?,?)", entries)
    result.history_added = len(entries)
    steps.step()

    # counters of the updated claims and of every source linked or written: one aggregate each. (An import
    # never removes a link, so a claim or source without any link here had none before and still counts 0.)
    if updated_ids:
        _exec("UPDATE claim SET n_supports = a.s, n_refutes = a.r, n_context = a.x, n_appearance = a.p,"
              " n_sources = a.n FROM (SELECT claim_id, SUM(stance = 'supports') s, SUM(stance = 'refutes') r,"
              " SUM(stance = 'context') x, SUM(stance = 'appearance') p, COUNT(*) n FROM evidence"
              " WHERE claim_id IN (SELECT value FROM json_each(?)) GROUP BY claim_id) a WHERE claim.id = a.claim_id",
              (_json(updated_ids),))
    counted = sorted(linked | written)
    if counted:
        _exec("UPDATE source SET n_claims = a.n FROM (SELECT source_id, COUNT(DISTINCT claim_id) n FROM evidence"
              " WHERE source_id IN (SELECT value FROM json_each(?)) GROUP BY source_id) a"
              " WHERE source.id = a.source_id AND source.n_claims != a.n", (_json(counted),))
    rebuild.restore()
    steps.step()

    # full-text index: sources written here, the new claims (documents built from what is in hand),
    # and the updated claims and those citing a source whose title changed (read back)
    if written:
        marks = _json(sorted(written))
        documents = [
            (sid, search.index_text(title), search.index_text(publisher), url or "", search.index_text(notes))
            for sid, title, publisher, url, notes in _exec(
                "SELECT id, title, publisher, url, notes FROM source WHERE id IN (SELECT value FROM json_each(?))",
                (marks,)).fetchall()
        ]
        _exec("DELETE FROM source_fts WHERE rowid IN (SELECT value FROM json_each(?))", (marks,))
        _many("INSERT INTO source_fts (rowid, title, publisher, url, notes) VALUES (?,?,?,?,?)", documents)
    if added:
        titles_of = dict(_exec("SELECT id, title FROM source WHERE id IN (SELECT value FROM json_each(?))",
                               (_json(sorted({link[1] for link in new_links if link[0] in added_ids})),)).fetchall())
        titles: dict[int, dict[str, None]] = {}
        for cid, sid, *_ in new_links:
            if cid in added_ids:
                titles.setdefault(cid, {})[titles_of[sid]] = None
        # search.claim_document's columns, with the claimant's and each tag combination's computed once
        index_text = search.index_text
        by_claimant: dict[str, str] = {}
        by_tags: dict[tuple, str] = {}
        for chunk in _chunks(added, 10_000):
            documents = []
            for row in chunk:
                cid = ids[id(row)]
                v = row.values
                claimant = claimants.get(v["claimant"]) if v["claimant"] else None
                name = claimant[1] if claimant else ""
                claimant_doc = by_claimant.get(name)
                if claimant_doc is None:
                    claimant_doc = by_claimant[name] = search.claim_document(_BLANK_CLAIM, name, [], [])["claimant"]
                names = _tag_names(row, tags)
                tags_doc = by_tags.get(tuple(names))
                if tags_doc is None:
                    tags_doc = by_tags[tuple(names)] = search.claim_document(_BLANK_CLAIM, "", names, [])["tags"]
                short = v["short_text"]
                documents.append((cid, index_text(v["text"] + ("\n" + short if short else "")),
                                  index_text(v["context"]), claimant_doc, tags_doc,
                                  index_text("\n".join(titles[cid])) if cid in titles else ""))
            _many("INSERT INTO claim_fts (rowid, text, context, claimant, tags, sources) VALUES (?,?,?,?,?,?)",
                  documents)
            steps.step(len(chunk))
    reindex_claims(sorted((set(updated_ids) | reindex_extra) - added_ids), step=steps.step)
    steps.step()


def reindex_claims(claim_ids, fresh=frozenset(), step=None) -> None:
    """Rewrite the full-text rows of many claims at once (``fresh``: known to have none yet)."""
    for chunk in _chunks(claim_ids):
        marks = _marks(len(chunk))
        tags: dict[int, list[str]] = {}
        for cid, name in _exec(f"SELECT ct.claim_id, t.name FROM claim_tag ct JOIN tag t ON t.id = ct.tag_id"
                               f" WHERE ct.claim_id IN ({marks})", chunk):
            tags.setdefault(cid, []).append(name)
        titles: dict[int, list[str]] = {}
        for cid, title in _exec(f"SELECT DISTINCT e.claim_id, s.title FROM evidence e JOIN source s"
                                f" ON s.id = e.source_id WHERE e.claim_id IN ({marks})", chunk):
            titles.setdefault(cid, []).append(title)
        stale = [cid for cid in chunk if cid not in fresh]
        if stale:
            ClaimIndex.delete().where(ClaimIndex.rowid.in_(stale)).execute()
        documents = []
        for cid, text, short_text, context, claimant in _exec(
                f"SELECT id, text, short_text, context, claimant_name FROM claim WHERE id IN ({marks})", chunk):
            claim = SimpleNamespace(text=text, short_text=short_text, context=context)
            doc = search.claim_document(claim, claimant, sorted(tags.get(cid, []), key=str.casefold),
                                        titles.get(cid, []))
            documents.append((cid, doc["text"], doc["context"], doc["claimant"], doc["tags"], doc["sources"]))
        _many("INSERT INTO claim_fts (rowid, text, context, claimant, tags, sources) VALUES (?,?,?,?,?,?)",
              documents)
        if step is not None:
            step(len(chunk))


@write
def mark_exported(flt: search.ClaimFilter, started_at: str) -> int:
    """Record that the claims of ``flt`` as they were at ``started_at`` went out in an export.

    Sets ``synced_at = updated_at`` for those claims not changed since the
    export began (a claim edited while the file was written is left alone).
    Returns how many claims were marked.
    """
    query = Claim.update(synced_at=Claim.updated_at).where(
        Claim.updated_at <= started_at,
        Claim.synced_at.is_null() | (Claim.synced_at != Claim.updated_at),
    )
    for condition in search.filter_conditions(flt):
        query = query.where(condition)
    return query.execute()


__all__ = ["ImportRejected", "ImportResult", "apply_import", "mark_exported", "reindex_claims"]
