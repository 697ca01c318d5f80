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

Bulk SQL (executemany in chunks) instead of one service call per claim keeps a
100,000-claim package within seconds. ``progress(done, total)`` returning False
cancels: the transaction rolls back and nothing of the import remains.
"""

from __future__ import annotations

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


def _package_sources(incoming, now, result: ImportResult) -> tuple[dict[str, int], set[int], set[int]]:
    """Add or update the package's sources; uuid (incoming) -> local id; ids whose title changed."""
    by_uuid: dict[str, int] = {}
    changed_titles: set[int] = set()
    written: set[int] = set()
    archives: list[tuple] = []
    new_rows: list[tuple] = []
    new_sources = []
    rows = incoming.sources
    local_by_uuid, local_by_url = {}, {}
    for chunk in _chunks([r.uuid for r in rows]):
        for sid, u, url, updated, title in _exec(
                f"SELECT id, uuid, url, updated_at, title FROM source WHERE uuid IN ({_marks(len(chunk))})",
                chunk).fetchall():
            local_by_uuid[u] = (sid, url, updated, title)
    for chunk in _chunks([r.values["url"] for r in rows if r.values["url"]]):
        for sid, u, url, updated, title in _exec(
                f"SELECT id, uuid, url, updated_at, title FROM source WHERE url IN ({_marks(len(chunk))})",
                chunk).fetchall():
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
        else:
            sid, local_url, local_updated, local_title = local
            placeholder = local_title in (PLACEHOLDER_TITLE, WITHHELD_TITLE) and v["title"] != local_title
            if updated > local_updated or placeholder:  # a stand-in always gives way to the real source
                values = {f: v[f] for f in SOURCE_FIELDS}
                if values["url"] != local_url and values["url"] in local_by_url:
                    values["url"] = local_url  # the address belongs to another source here: keep ours
                sets = ", ".join(f"{f} = ?" for f in values)
                _exec(f"UPDATE source SET {sets}, updated_at = ?, deleted_at = ? WHERE id = ?",
                      (*values.values(), updated, v["deleted_at"], sid))
                if values["title"] != local_title:
                    changed_titles.add(sid)
                result.sources_updated += 1
            else:
                by_uuid[row.uuid] = sid
                continue
        by_uuid[row.uuid] = sid
        written.add(sid)
        archives.extend((sid, url, service, captured) for url, service, captured in row.archives)
    _many("INSERT INTO source (uuid, kind, title, publisher, published_on, url, accessed_on, language,"
          " credibility, notes, confidential, n_claims, created_at, updated_at, deleted_at)"
          " VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,?,?)", new_rows)
    new_ids = _source_uuid_ids(row.uuid for row in new_sources)
    for row in new_sources:
        sid = new_ids[row.uuid]
        by_uuid[row.uuid] = sid
        written.add(sid)
        archives.extend((sid, url, service, captured) for url, service, captured in row.archives)
    for chunk in _chunks(sorted(written - set(new_ids.values()))):
        _exec(f"DELETE FROM archive WHERE source_id IN ({_marks(len(chunk))})", chunk)
    _many("INSERT INTO archive (source_id, url, service, captured_at) VALUES (?,?,?,?)", archives)
    return by_uuid, changed_titles, written


def _sources_by_url(urls, now, result: ImportResult) -> tuple[dict[str, int], set[int]]:
    """Normalised URL -> source id, adding a source (titled with its address) for each new one."""
    found: dict[str, int] = {}
    urls = sorted(set(urls))
    urns = [u for u in urls if u.startswith(URN_PREFIX)]
    for chunk in _chunks([u for u in urls if not u.startswith(URN_PREFIX)]):
        for sid, url in _exec(f"SELECT id, url FROM source WHERE url IN ({_marks(len(chunk))})", chunk).fetchall():
            found[url] = sid
    for source_uuid, sid in _source_uuid_ids(u[len(URN_PREFIX):] for u in urns).items():
        found[URN_PREFIX + source_uuid] = sid
    written = set()
    for url in urls:
        if url not in found and url.startswith(URN_PREFIX):
            # a source the sender withheld or that has no address: a placeholder keeps the link
            cursor = _exec(
                "INSERT INTO source (uuid, kind, title, publisher, published_on, url, accessed_on, language,"
                " credibility, notes, confidential, n_claims, created_at, updated_at)"
                " VALUES (?, 'other', ?, '', '', NULL, '', '', 'unrated', ?, 0, 0, ?, ?)",
                (url[len(URN_PREFIX):], PLACEHOLDER_TITLE, PLACEHOLDER_NOTE, now, now),
            )
            found[url] = cursor.lastrowid
            written.add(cursor.lastrowid)
            result.sources_added += 1
        elif url not in found:
            cursor = _exec(
                "INSERT INTO source (uuid, kind, title, publisher, published_on, url, accessed_on, language,"
                " credibility, notes, confidential, n_claims, created_at, updated_at)"
                " VALUES (?, 'web_page', ?, '', '', ?, '', '', 'unrated', '', 0, 0, ?, ?)",
                (new_uuid(), url, url, now, now),
            )
            found[url] = cursor.lastrowid
            written.add(cursor.lastrowid)
            result.sources_added += 1
    return found, written


def _source_uuid_ids(uuids) -> dict[str, int]:
    found = {}
    for chunk in _chunks(sorted(set(uuids))):
        for sid, u in _exec(f"SELECT id, uuid FROM source WHERE uuid IN ({_marks(len(chunk))})", chunk).fetchall():
            found[u] = sid
    return found


# -- claims ------------------------------------------------------------------------

CLAIM_COLUMNS = (
    "text", "short_text", "headline", "claimant_id", "claimant_name", "claimed_on", "appearance_url",
    "other_appearances", "location", "language", "context", "priority", "status", "verdict",
    "verdict_explanation", "published_url", "tags_text", "created_at", "updated_at", "deleted_at",
    "finalised_at", "synced_at",
)
HISTORY_FIELDS = ("text", "short_text", "status", "verdict", "verdict_explanation")


def _claim_values(row, claimants, tags, now) -> tuple:
    v = row.values
    claimant = claimants.get(v["claimant"]) if v["claimant"] else None
    tag_names = sorted({tags[t][1] for t in v["tags"]}, key=str.casefold)
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
        "; ".join(tag_names), created, updated, v["deleted_at"], finalised, updated,
    )


@write
def apply_import(incoming: importer.Incoming, who: str | None = None, progress=None) -> ImportResult:
    """Check ``incoming`` against the database and write it, all or nothing."""
    plan = importer.plan(incoming)
    if plan.problems:
        raise ImportRejected(plan.problems)
    now = utcnow()
    actor = current_actor(who)
    reason = f"imported from {incoming.file}"
    result = ImportResult(plan.counts(), conflicts=plan.rows(importer.CONFLICT))
    applying = [(a, row, local) for a, row, local in plan.actions if a in (importer.ADDED, importer.UPDATED)]
    steps = _Progress(progress, len(applying) * 3 + len(incoming.sources) + 10)

    # unchanged claims: both sides now agree on this version
    _many("UPDATE claim SET synced_at = updated_at WHERE id = ? AND synced_at IS NOT updated_at",
          [(local.id,) for a, _, local in plan.actions if a == importer.UNCHANGED])
    steps.step()
    if not applying and not incoming.sources:
        return result

    claimants = _claimants([row.values["claimant"] for _, row, _ in applying], now)
    tags = _tags([t for _, row, _ in applying for t in row.values["tags"]])
    steps.step()

    touched_sources: set[int] = set()
    reindex_extra: set[int] = set()
    if incoming.kind == "package":
        source_ids, changed_titles, written = _package_sources(incoming, now, result)
        steps.step(len(incoming.sources))
        touched_sources |= written
        need = {e.source_uuid for e in incoming.evidence} - set(source_ids)
        source_ids.update(_source_uuid_ids(need))
        for chunk in _chunks(sorted(changed_titles)):
            reindex_extra.update(cid for (cid,) in _exec(
                f"SELECT DISTINCT claim_id FROM evidence WHERE source_id IN ({_marks(len(chunk))})", chunk))
    else:
        url_ids, written = _sources_by_url({url for _, row, _ in applying for _, url in row.links}, now, result)
        touched_sources |= written

    # claims: insert the new ones, overwrite the updated ones
    added = [(row, local) for a, row, local in applying if a == importer.ADDED]
    updated = [(row, local) for a, row, local in applying if a == importer.UPDATED]
    old_values: dict[int, tuple] = {}
    for chunk in _chunks([local.id for _, local in updated]):
        for cid, *rest in _exec(f"SELECT id, {', '.join(HISTORY_FIELDS)}, finalised_at FROM claim"
                                f" WHERE id IN ({_marks(len(chunk))})", chunk):
            old_values[cid] = tuple(rest)
    insert_sql = (f"INSERT INTO claim (uuid, {', '.join(CLAIM_COLUMNS)}, n_supports, n_refutes, n_context,"
                  f" n_appearance, n_sources) VALUES (?, {_marks(len(CLAIM_COLUMNS))}, 0, 0, 0, 0, 0)")
    ids: dict[int, int] = {}  # id(row) -> claim id
    for chunk in _chunks(added, 2000):
        rows = []
        for row, _ in chunk:
            if row.uuid is None:
                row.uuid = new_uuid()
            rows.append((row.uuid, *_claim_values(row, claimants, tags, now)))
        _many(insert_sql, rows)
        uuids = [row.uuid for row, _ in chunk]
        for sub in _chunks(uuids):
            mapping = dict(_exec(f"SELECT uuid, id FROM claim WHERE uuid IN ({_marks(len(sub))})", sub).fetchall())
            for row, _ in chunk:
                if row.uuid in mapping:
                    ids[id(row)] = mapping[row.uuid]
        steps.step(len(chunk))
    update_sql = f"UPDATE claim SET {', '.join(c + ' = ?' for c in CLAIM_COLUMNS)} WHERE id = ?"
    for chunk in _chunks(updated, 2000):
        _many(update_sql, [(*_claim_values(row, claimants, tags, now), local.id) for row, local in chunk])
        for row, local in chunk:
            ids[id(row)] = local.id
        steps.step(len(chunk))
    updated_ids = [local.id for _, local in updated]
    result.claim_ids = [ids[id(row)] for _, row, _ in applying]

    # tags
    for chunk in _chunks(updated_ids):
        _exec(f"DELETE FROM claim_tag WHERE claim_id IN ({_marks(len(chunk))})", chunk)
    _many("INSERT OR IGNORE INTO claim_tag (claim_id, tag_id) VALUES (?, ?)",
          [(ids[id(row)], tags[t][0]) for _, row, _ in applying for t in row.values["tags"]])
    steps.step()

    # evidence
    existing: dict[tuple[int, int, str], tuple] = {}
    for chunk in _chunks(updated_ids):
        for eid, cid, sid, locator, stance, quote, note in _exec(
                "SELECT id, claim_id, source_id, locator, stance, quote, note FROM evidence"
                f" WHERE claim_id IN ({_marks(len(chunk))})", chunk):
            existing[(cid, sid, locator)] = (eid, stance, quote, note)
    new_links, changed_links = [], []
    if incoming.kind == "package":
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
            touched_sources.add(sid)
    else:
        linked = {(cid, sid) for cid, sid, _ in existing}
        for _, row, _ in applying:
            cid = ids[id(row)]
            for stance, url in row.links:
                sid = url_ids[url]
                touched_sources.add(sid)
                if (cid, sid) not in linked:
                    linked.add((cid, sid))
                    new_links.append((cid, sid, stance, "", "", "", now))
                    existing[(cid, sid, "")] = (None, stance, "", "")
                else:
                    have = existing.get((cid, sid, ""))
                    if have is not None and have[0] is not None and have[1] != stance and stance in STANCES:
                        changed_links.append((stance, have[2], have[3], have[0]))
                        existing[(cid, sid, "")] = (have[0], stance, have[2], have[3])
    _many("INSERT INTO evidence (claim_id, source_id, stance, quote, locator, note, created_at)"
          " VALUES (?,?,?,?,?,?,?)", new_links)
    _many("UPDATE evidence SET stance = ?, quote = ?, note = ? WHERE id = ?", changed_links)
    result.evidence_added = len(new_links)
    steps.step()

    # history
    entries = []
    if incoming.kind == "package":
        by_claim_uuid = {row.uuid: ids[id(row)] for _, row, _ in applying}
        have_history = set()
        for chunk in _chunks(updated_ids):
            have_history.update(_exec(
                "SELECT claim_id, field, at, old_value, new_value FROM history"
                f" WHERE claim_id IN ({_marks(len(chunk))})", chunk).fetchall())
        for h in incoming.history:
            cid = by_claim_uuid.get(h.claim_uuid)
            if cid is None or (cid, h.field, h.at, h.old_value, h.new_value) in have_history:
                continue
            have_history.add((cid, h.field, h.at, h.old_value, h.new_value))
            entries.append((cid, h.field, h.old_value, h.new_value, h.who, h.at, h.reason, int(h.is_correction)))
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

    # counters
    touched_claims = sorted(set(result.claim_ids))
    for chunk in _chunks(touched_claims):
        _exec(
            "UPDATE claim SET"
            " n_supports = (SELECT count(*) FROM evidence e WHERE e.claim_id = claim.id AND e.stance = 'supports'),"
            " n_refutes = (SELECT count(*) FROM evidence e WHERE e.claim_id = claim.id AND e.stance = 'refutes'),"
            " n_context = (SELECT count(*) FROM evidence e WHERE e.claim_id = claim.id AND e.stance = 'context'),"
            " n_appearance = (SELECT count(*) FROM evidence e WHERE e.claim_id = claim.id"
            "   AND e.stance = 'appearance'),"
            " n_sources = (SELECT count(*) FROM evidence e WHERE e.claim_id = claim.id)"
            f" WHERE id IN ({_marks(len(chunk))})", chunk)
    for chunk in _chunks(sorted(touched_sources)):
        _exec("UPDATE source SET n_claims = (SELECT count(DISTINCT claim_id) FROM evidence e"
              f" WHERE e.source_id = source.id) WHERE id IN ({_marks(len(chunk))})", chunk)
    steps.step()

    # full-text index
    for chunk in _chunks(sorted(touched_sources)):
        marks = _marks(len(chunk))
        documents = [
            (sid, search.index_text(title), search.index_text(publisher), url or "", search.index_text(notes))
            for sid, title, publisher, url, notes in _exec(
                f"SELECT id, title, publisher, url, notes FROM source WHERE id IN ({marks})", chunk).fetchall()
        ]
        _exec(f"DELETE FROM source_fts WHERE rowid IN ({marks})", chunk)
        _many("INSERT INTO source_fts (rowid, title, publisher, url, notes) VALUES (?,?,?,?,?)", documents)
    reindex_claims(sorted(set(touched_claims) | reindex_extra), fresh=set(ids[id(row)] for row, _ in added),
                   step=steps.step)
    steps.step()
    return result


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
