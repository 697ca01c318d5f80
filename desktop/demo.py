"""Original sample data in the style of conflict reporting (no Qt).

``generate(n_claims, seed)`` fills the bound database with claims, claimants,
sources (with archives), evidence links, tags and the History those imply,
exactly as the services would have left them: every denormalised column
(``headline``, ``claimant_name``, ``tags_text``, the ``n_*`` counters,
``source.n_claims``) and every full-text row (``claim_fts``, ``source_fts``)
is right, and the workflow gates hold (needs-review and final claims have a
verdict and a supporting or refuting source).

All sentences, names and outlets here were written for Claimlog; the
organisations and outlets are invented, the places are real towns, and the
web addresses use the reserved ``.example`` domain so that nothing points to
a real page.

Speed (one million claims is the target size): everything is written with
``executemany`` in batches of tuples, inside ONE transaction, so a cancel
(``progress`` returning False) or a crash leaves the database exactly as it
was. For a large run:
- the rows are built in a helper process (``_helper_main``) while this one
  writes the previous batch, so both cores work; the rows are the same as
  when built in-process (a test checks it);
- the indexes of ``claim`` and ``source`` are dropped and built again at the
  end of the transaction, from their own SQL, whoever's migration added them;
- when this connection is the file's only user, the transaction runs with a
  rollback journal instead of the WAL (see ``_leave_wal``), put back after;
- ``ANALYZE`` (with a sampling limit) runs last so the planner has statistics.

Deterministic: the same seed on an empty database gives the same rows, uuids
included. Appending to a database that already has rows mixes the current
highest ids into the seed, so new uuids and addresses never clash.
"""

from __future__ import annotations

import gc
import os
import marshal
import pickle
import random
import sqlite3
import subprocess
import sys
from datetime import date, timedelta

from desktop.demo_text import (  # the word pools and plans
    PLACES,
    COUNTRIES,
    GROUPS,
    OUTLETS,
    WIRES,
    MINISTRIES,
    MILITARY,
    LOCALS,
    SPOKES,
    MY_CLAIMANTS,
    AR_CLAIMANTS,
    EN_TEMPLATES,
    CONTEXTS,
    EXPLANATIONS,
    QUOTES,
    NOTES,
    MY_PLACES,
    MY_MONTHS,
    MY_DIGITS,
    MY_TEMPLATES,
    AR_PLACES,
    AR_MONTHS,
    AR_TEMPLATES,
    EXTRA_TAGS,
    CHECKERS,
    EDITORS,
    HOLD_REASONS,
    CANCEL_REASONS,
    REOPEN_REASONS,
    CORRECTION_REASONS,
    SOURCE_SPECS,
    MY_SOURCE_TITLES,
    AR_SOURCE_TITLES,
    AGENCIES,
    DESK,
    SOURCE_NOTES,
    CREDIBILITY_BY_KIND,
    LOCATORS,
    MONTH_NAMES,
    EPOCH,
    SPAN_DAYS,
    DAY,
    STATUS_PLAN,
    VERDICT_PLAN,
)
from desktop.errors import ClaimlogError
from desktop.models import database
from desktop.search import index_text
from desktop.services.claims import headline_for

__all__ = ["Cancelled", "generate"]

BATCH = 10_000  # claims per executemany round (and per progress call)
PARALLEL_FROM = 50_000  # from this many claims up, rows are built in a helper process
BULK_JOURNAL_FROM = 20_000  # from this many claims up, a rollback journal (see _leave_wal)
# (A larger page cache than db.py's 64 MB was tried: 256 MB and 800 MB were no faster at 1M claims.)
FTS_BULK_HASH_BYTES = 16 * 1024 * 1024  # terms gathered in memory before FTS5 writes a segment, while loading
FTS_HASH_BYTES = 1024 * 1024  # FTS5's own default, restored (the setting is stored in the file)
REBUILD_INDEXES_FROM = 20_000  # from this many claims up, some indexes are dropped and built again at the end
# The claim and source tables carry an index per sortable column (dozens on claim): keeping
# them up to date row by row costs about three times more than dropping them and building
# each again, sorted once, at the end of a large run (measured at 1M claims). The same holds
# for the (source, claim) index of evidence and the (tag, claim) index of claim_tag, which
# rows reach in no useful order. History's only index is filled in order (rows arrive by
# claim id) and is kept.
REBUILD_INDEX_TABLES = ("claim", "source", "evidence", "claim_tag")
# CREATE INDEX sorts its entries in runs as large as the page cache before merging them. With
# 64 MB runs held in memory the sort thrashes the CPU's caches; with 4 MB runs spilled to
# temporary files (temp_store = FILE) the 30 index builds of a 1M run took 14.2 s instead of
# 19.1 s (the same in-memory runs with temp_store = MEMORY: 19.8 s). temp_store can only be
# changed outside a transaction, so a large run sets it before it begins.
INDEX_BUILD_CACHE_KIB = 4_000
# FTS5 merges its index segments as rows arrive ("automerge", 4 by default). A large run
# turns that off until its last row and leaves the segments to FTS5's own bound (its
# "crisis merge"): at 1M claims the claim index took 7.7 s instead of 10.2 s, with the
# same size and the same query times (measured: prefix, word and phrase counts).
FTS_TABLES = ("claim_fts", "source_fts")
FTS_AUTOMERGE = 4  # FTS5's default, set back at the end of a large run


class Cancelled(ClaimlogError):
    """``progress`` asked to stop; the whole run was rolled back."""

    def __init__(self) -> None:
        super().__init__("Demo data generation was cancelled; nothing was added.")


def _positional(template: str, names: tuple[str, ...]) -> str:
    """Turn {name} placeholders into {0}, {1}... once, so formatting is cheap."""
    return template.format(**{name: "{%d}" % i for i, name in enumerate(names)})


VALUE_NAMES = ("n", "n2", "p", "d", "m", "m0", "o", "g", "c", "pct", "h", "y", "r")


class _Clock:
    """Timestamps as stored (``YYYY-MM-DDTHH:MM:SS.ffffffZ``) from seconds after EPOCH."""

    def __init__(self, days: int):
        self.days = [(EPOCH + timedelta(days=d)).isoformat() for d in range(days)]
        self.minutes = [f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
        # Seconds and a deterministic microsecond part; 6000 is a multiple of 60.
        self.seconds = [f"{s % 60:02d}.{(s * 7919) % 1_000_000:06d}Z" for s in range(6000)]

    def ts(self, sec: int) -> str:
        return self.days[sec // DAY] + self.minutes[(sec % DAY) // 60] + self.seconds[sec % 6000]


def _uuid(bits: int) -> str:
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _slug(text: str) -> str:
    out = []
    for word in text.lower().split():
        word = "".join(ch for ch in word if ch.isascii() and ch.isalnum())
        if word:
            out.append(word)
    return "-".join(out[:8]) or "item"


def _pick_cumulative(plan, u):
    for limit, value in plan:
        if u < limit:
            return value
    return plan[-1][1]


def _all_tag_names() -> list[str]:
    names = set(EXTRA_TAGS) | {"نزوح", "عاجل"}
    for *_, tags in EN_TEMPLATES:
        names.update(tags)
    for _, tags in MY_TEMPLATES + AR_TEMPLATES:
        names.update(tags)
    names.update(region for _, region in PLACES)
    names.update(region for _, _, region in MY_PLACES)
    return sorted(names)


# --------------------------------------------------------------------------
# The public entry point: set-up and writing happen here, in this process,
# inside one transaction; the rows come from a _Producer (in a helper
# process for large runs, so that building rows and writing them overlap).
# --------------------------------------------------------------------------

SQL = {
    "source": "INSERT INTO source (id, uuid, kind, title, publisher, published_on, url, accessed_on, language, "
              "credibility, notes, confidential, n_claims, created_at, updated_at, deleted_at) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,NULL)",
    "source_fts": "INSERT INTO source_fts (rowid, title, publisher, url, notes) VALUES (?,?,?,?,?)",
    "archive": "INSERT INTO archive (source_id, url, service, captured_at) VALUES (?,?,?,?)",
    "claim": "INSERT INTO claim (id, uuid, text, short_text, headline, claimant_id, claimant_name, claimed_on, "
             "appearance_url, other_appearances, location, language, context, priority, status, verdict, "
             "verdict_explanation, published_url, tags_text, n_supports, n_refutes, n_context, n_appearance, "
             "n_sources, created_at, updated_at, deleted_at, finalised_at, synced_at) "
             "VALUES (?,?,?,?,?,?,?,?,?,'',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)",
    "claim_tag": "INSERT INTO claim_tag (claim_id, tag_id) VALUES (?,?)",
    "evidence": "INSERT INTO evidence (claim_id, source_id, stance, quote, locator, note, created_at) "
                "VALUES (?,?,?,?,?,?,?)",
    "history": "INSERT INTO history (claim_id, field, old_value, new_value, who, at, reason, is_correction) "
               "VALUES (?,?,?,?,?,?,?,?)",
    "claim_fts": "INSERT INTO claim_fts (rowid, text, context, claimant, tags, sources) VALUES (?,?,?,?,?,?)",
}
SOURCE_TABLES = ("source", "source_fts", "archive")
CLAIM_TABLES = ("claim", "claim_tag", "evidence", "history", "claim_fts")


class _CancelSignal(Exception):
    """Raised inside the transaction so that ``atomic()`` rolls it back."""


def generate(n_claims: int, seed: int = 1, progress=None, *, parallel: bool | None = None) -> dict:
    """Add ``n_claims`` sample claims (and their sources...) to the bound database.

    ``progress(done, total) -> bool`` is called after every batch of claims;
    returning False cancels: everything is rolled back and ``Cancelled`` is
    raised. ``parallel`` (default: for large runs on a machine with more than
    one core) builds the rows in a helper process; the rows are the same.
    Returns how many rows of each kind were added.
    """
    n_claims = int(n_claims)
    if n_claims < 0:
        raise ValueError("n_claims must be 0 or more")
    if n_claims == 0:
        return dict.fromkeys(("claims", "sources", "archives", "evidence", "history", "claim_tags",
                              "claimants", "tags"), 0)
    if parallel is None:
        # A frozen application has no interpreter to start the helper with.
        parallel = n_claims >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and not getattr(sys, "frozen", False)
    conn = database.connection()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived tuples: the cyclic collector only slows this down
    own_transaction = not database.in_transaction()
    back_to_wal = n_claims >= BULK_JOURNAL_FROM and own_transaction and _leave_wal(conn)
    temp_store = None
    if n_claims >= REBUILD_INDEXES_FROM and own_transaction:
        temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute("PRAGMA temp_store = FILE")  # sorted runs spill to files (see INDEX_BUILD_CACHE_KIB)
    try:
        with database.atomic():
            return _write(conn, n_claims, seed, progress, parallel)
    except _CancelSignal:
        raise Cancelled() from None
    finally:
        if temp_store is not None:
            conn.execute(f"PRAGMA temp_store = {int(temp_store)}")
        if back_to_wal:
            _back_to_wal(conn)
        if gc_was_enabled:
            gc.enable()


def _leave_wal(conn) -> bool:
    """Switch a WAL database to a rollback journal for one bulk transaction, when we are its only user.

    In one huge transaction a WAL grows to the size of everything written, every page read
    has to be looked up in it, and it is all copied a second time at the checkpoint. With
    a rollback journal, new pages go straight to the file and only the pages that existed
    before are journaled; the transaction is just as atomic (a cancel or a crash rolls back
    from the journal) and synchronous=FULL still applies. When another connection has the
    file open the switch is refused at once, and the run simply stays in WAL mode.

    One difference remains after a hard crash (power cut, kill -9) in the middle of a run:
    the file is left with a hot ``-journal`` that the next read-write open rolls back
    (``db.open_database`` does); a read-only open (``claimlog check``) cannot roll it
    back and is refused until then.
    """
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        return False
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.Error:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {timeout}")
    return mode.lower() == "delete"


def _back_to_wal(conn) -> None:
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error:  # someone opened the file meanwhile: db.open_database sets WAL at the next open
        pass


def _setup(conn, n: int, seed: int) -> dict:
    """What the producer needs from the database: first free ids, claimant and tag ids."""
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    claim_base = one("SELECT IFNULL(MAX(id), 0) FROM claim") + 1
    source_base = one("SELECT IFNULL(MAX(id), 0) FROM source") + 1
    # Same seed on an empty database -> same rows; appending shifts the stream.
    salt = "" if (claim_base, source_base) == (1, 1) else f":{claim_base}:{source_base}"
    key = f"claimlog-demo:{seed}{salt}"
    start = random.Random(key + ":start").randrange(90) * DAY
    created = (EPOCH + timedelta(days=start // DAY)).isoformat() + "T08:00:00.000000Z"
    claimants, new_claimants = _find_or_create_claimants(conn, created)
    tags, new_tags = _find_or_create_tags(conn)
    return {
        "n": n, "batch": BATCH, "key": key, "start": start, "claim_base": claim_base, "source_base": source_base,
        "claimants": claimants, "tags": tags, "new_claimants": new_claimants, "new_tags": new_tags,
        "existing_claims": one("SELECT COUNT(*) FROM claim"),
    }


def _find_or_create_claimants(conn, created_at: str):
    """Every claimant of the pools, found by name (case-insensitive, like the services) or created.

    Returns {category: [(id, stored name, index text, name used in sentences)]} and how many were new.
    """
    wanted: dict[str, list[tuple[str, str, str]]] = {
        "group": [], "outlet": [], "wire": [], "ministry": [], "military": [], "local": [], "my": [], "ar": [],
    }
    for i, group in enumerate(GROUPS):
        wanted["group"].append((group, "organisation", group))
        wanted["group"].append((f"{SPOKES[i % len(SPOKES)]}, spokesperson of the {group}", "person", group))
    wanted["outlet"] = [(name, "organisation", name) for name, _ in OUTLETS]
    wanted["wire"] = [(name, "organisation", name) for name, _ in WIRES]
    wanted["ministry"] = [(name, "organisation", name) for name in MINISTRIES]
    wanted["military"] = [(name, kind, name) for name, kind in MILITARY]
    wanted["local"] = [(name, kind, name) for name, kind in LOCALS]
    wanted["my"] = [(name, kind, name) for name, kind in MY_CLAIMANTS]
    wanted["ar"] = [(name, kind, name) for name, kind in AR_CLAIMANTS]
    existing = {}
    for cid, name in conn.execute("SELECT id, name FROM claimant"):
        existing.setdefault(name.lower(), (cid, name))
    new = 0
    out = {}
    for category, entries in wanted.items():
        rows = []
        for name, kind, in_text in entries:
            found = existing.get(name.lower())
            if found is None:
                cur = conn.execute("INSERT INTO claimant (name, kind, notes, created_at) VALUES (?, ?, '', ?)",
                                   (name, kind, created_at))
                found = existing[name.lower()] = (cur.lastrowid, name)
                new += 1
            rows.append((found[0], found[1], index_text(found[1]), in_text))
        out[category] = rows
    return out, new


def _find_or_create_tags(conn):
    existing = {}
    for tid, name in conn.execute("SELECT id, name FROM tag"):
        existing.setdefault(name.lower(), (tid, name))
    new = 0
    for name in _all_tag_names():
        if name.lower() not in existing:
            cur = conn.execute("INSERT INTO tag (name) VALUES (?)", (name,))
            existing[name.lower()] = (cur.lastrowid, name)
            new += 1
    return existing, new


def _write(conn, n: int, seed: int, progress, parallel: bool) -> dict:
    def report(done: int) -> None:
        if progress is not None and progress(done, n) is False:
            raise _CancelSignal()

    report(0)
    setup = _setup(conn, n, seed)
    counts = {"claims": 0, "sources": 0, "archives": 0, "evidence": 0, "history": 0, "claim_tags": 0,
              "claimants": setup["new_claimants"], "tags": setup["new_tags"]}
    dropped = []
    if n >= REBUILD_INDEXES_FROM and n >= setup["existing_claims"]:
        dropped = _drop_indexes(conn, REBUILD_INDEX_TABLES)
    bulk_fts = n >= REBUILD_INDEXES_FROM
    if bulk_fts:
        for table in FTS_TABLES:
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)")
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('hashsize', {FTS_BULK_HASH_BYTES})")
    ex = conn.executemany
    batches = _from_helper(setup) if parallel else _Producer(setup).batches()
    try:
        for batch in batches:
            kind = batch[0]
            if kind == "sources":
                for table, rows in zip(SOURCE_TABLES, batch[1:]):
                    ex(SQL[table], rows)
                counts["sources"] += len(batch[1])
                counts["archives"] += len(batch[3])
            elif kind == "claims":
                for table, rows in zip(CLAIM_TABLES, batch[2:]):
                    ex(SQL[table], rows)
                counts["claims"] += len(batch[2])
                counts["claim_tags"] += len(batch[3])
                counts["evidence"] += len(batch[4])
                counts["history"] += len(batch[5])
                # The last call (done == n) comes once the indexes are back.
                report(min(batch[1], n - 1))
            elif kind == "cites":
                ex("UPDATE source SET n_claims = ? WHERE id = ?", batch[1])
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    if bulk_fts:
        for table in FTS_TABLES:
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', {FTS_AUTOMERGE})")
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('hashsize', {FTS_HASH_BYTES})")
    if dropped:
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = {-INDEX_BUILD_CACHE_KIB}")
        try:
            for _name, sql in dropped:
                conn.execute(sql)
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")
    conn.execute("PRAGMA analysis_limit = 1000")
    conn.execute("ANALYZE")
    report(n)
    return counts


def _drop_indexes(conn, tables) -> list[tuple[str, str]]:
    """Drop the secondary indexes of ``tables``; returns (name, sql) to create them again at the end."""
    marks = ",".join("?" * len(tables))
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) "
        "ORDER BY name",
        tuple(tables),
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    return indexes


def _from_helper(setup: dict):
    """Batches built by a helper process running ``_helper_main`` (same rows as in-process)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from desktop.demo import _helper_main; _helper_main()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
    )
    try:
        pickle.dump(setup, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
        read = proc.stdout.read
        while True:
            header = read(8)
            if len(header) < 8:
                break
            size = int.from_bytes(header, "little")
            blob = read(size)
            if len(blob) < size:
                break
            # One loads() of the whole batch: marshal.load() on a pipe would make a Python call per object.
            yield marshal.loads(blob)
        if proc.wait() != 0:
            raise RuntimeError(f"the demo data helper process failed (exit status {proc.returncode})")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def _helper_main() -> None:
    """Entry point of the helper process: setup (pickled) on stdin, batches on stdout.

    The batches go through ``marshal`` (tuples, lists, str, int, None only): about twice as
    fast as pickle both ways, and both ends are the same interpreter (``sys.executable``).
    """
    gc.disable()
    try:
        setup = pickle.load(sys.stdin.buffer)
        out = sys.stdout.buffer
        for batch in _Producer(setup).batches():
            blob = marshal.dumps(batch)
            out.write(len(blob).to_bytes(8, "little"))
            out.write(blob)
        out.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        # Ctrl-C or a cancelled run: the writer rolls back and reports it; nothing to add here.
        os._exit(1)


# --------------------------------------------------------------------------
# Building the rows (no database access: it may run in another process).
# --------------------------------------------------------------------------


class _Producer:
    def __init__(self, setup: dict):
        self.n = setup["n"]
        self.batch = setup["batch"]
        self.claim_base = setup["claim_base"]
        self.source_base = setup["source_base"]
        self.start = setup["start"]
        self.claimants = setup["claimants"]
        self.tag_ids = setup["tags"]
        self.rng = random.Random(setup["key"])
        self.clock = _Clock(SPAN_DAYS + 200)
        self._prepare()

    def batches(self):
        yield from self._sources()
        yield from self._claims()
        yield ("cites", [(c, self.source_base + j) for j, c in enumerate(self.source_cites) if c])

    # -- pools -------------------------------------------------------------

    def _tags_for(self, names: tuple[str, ...]):
        """(tag ids, tags_text, index text) for a set of tag names; cached."""
        hit = self.tag_cache.get(names)
        if hit is None:
            tags = {}
            for name in names:
                tid, stored = self.tag_ids[name.lower()]
                tags[tid] = stored
            ordered = sorted(tags.items(), key=lambda kv: kv[1].casefold())
            hit = (
                tuple(tid for tid, _ in ordered),
                "; ".join(n for _, n in ordered),
                index_text(" ".join(n for _, n in ordered)),
            )
            self.tag_cache[names] = hit
        return hit

    def _prepare(self) -> None:
        rng = self.rng
        self.tag_cache: dict = {}
        self.day_phrase, self.month_phrase, self.month_before, self.year = [], [], [], []
        self.my_day, self.ar_day, self.ar_month = [], [], []
        for iso in self.clock.days:
            dt = date.fromisoformat(iso)
            self.day_phrase.append(f"{dt.day} {MONTH_NAMES[dt.month - 1]}")
            self.month_phrase.append(f"{MONTH_NAMES[dt.month - 1]} {dt.year}")
            prev = dt.month - 2
            self.month_before.append(f"{MONTH_NAMES[prev % 12]} {dt.year - (1 if prev < 0 else 0)}")
            self.year.append(str(dt.year))
            self.my_day.append(f"{MY_MONTHS[dt.month - 1]}လ {str(dt.day).translate(MY_DIGITS)} ရက်နေ့")
            self.ar_day.append(f"{dt.day} {AR_MONTHS[dt.month - 1]}")
            self.ar_month.append(f"{AR_MONTHS[dt.month - 1]} {dt.year}")
        # Counts: mostly tens and hundreds, some thousands.
        self.nums = [f"{int(10 ** rng.uniform(1.3, 3.9)):,}" for _ in range(4096)]
        self.small = [str(int(10 ** rng.uniform(0.3, 1.8))) for _ in range(1024)]
        self.pcts = [str(rng.randrange(5, 180)) for _ in range(256)]
        self.hours = [str(rng.randrange(2, 13)) for _ in range(64)]
        self.en_templates = [
            (_positional(text, VALUE_NAMES), _positional(short, VALUE_NAMES) if short else "", category, tags)
            for text, short, category, tags in EN_TEMPLATES
        ]
        self.my_templates = [(_positional(t, VALUE_NAMES), tags) for t, tags in MY_TEMPLATES]
        self.ar_templates = [(_positional(t, VALUE_NAMES), tags) for t, tags in AR_TEMPLATES]
        self.contexts = [_positional(c, VALUE_NAMES) for c in CONTEXTS]
        self.quotes = {k: [_positional(q, VALUE_NAMES) for q in v] for k, v in QUOTES.items()}
        self.notes = [_positional(n, VALUE_NAMES) for n in NOTES]
        self.outlet_names = [name for name, _ in OUTLETS]
    # -- sources -----------------------------------------------------------

    def _sources(self):
        """All sources of this run (about one per three claims), archives and index rows."""
        rng = self.rng
        r = rng.random
        clock = self.clock
        ns = (self.n + 2) // 3 if self.n else 0
        self.ns = ns
        self.titles: list[str] = []
        self.source_urls: list[str | None] = []
        self.source_cites = [0] * ns
        kinds = []
        for kind, weight, titles, publisher_kind in SOURCE_SPECS:
            kinds.extend([(kind, [_positional(t, VALUE_NAMES) for t in titles], publisher_kind)] * weight)
        my_titles = [_positional(t, VALUE_NAMES) for t in MY_SOURCE_TITLES]
        ar_titles = [_positional(t, VALUE_NAMES) for t in AR_SOURCE_TITLES]
        publishers = {
            "outlet": OUTLETS + WIRES,
            "ministry": [(m, "gov-info.example") for m in MINISTRIES],
            "group": [(g, "social.example") for g in GROUPS],
            "agency": AGENCIES,
            "desk": DESK,
        }
        span = SPAN_DAYS * DAY
        rows, fts, archives = [], [], []
        for j in range(ns):
            sid = self.source_base + j
            # A source appears a little before the first claims that cite it.
            sec = self.start + int(span * max(0, 3 * j - 60) / max(self.n, 1)) + int(r() * DAY)
            day = sec // DAY
            place, region = PLACES[int(r() * len(PLACES))]
            vals = (self.nums[int(r() * 4096)], self.small[int(r() * 1024)], place, self.day_phrase[day],
                    self.month_phrase[day], self.month_before[day], "", GROUPS[int(r() * len(GROUPS))], "", "", "",
                    self.year[day], region)
            kind, titles, publisher_kind = kinds[int(r() * len(kinds))]
            u = r()
            language = "en"
            if u < 0.04:
                title = my_titles[int(r() * len(my_titles))].format(
                    *vals[:2], MY_PLACES[int(r() * len(MY_PLACES))][0], *vals[3:])
                language = "my"
            elif u < 0.06:
                title = ar_titles[int(r() * len(ar_titles))].format(
                    *vals[:2], AR_PLACES[int(r() * len(AR_PLACES))][0], *vals[3:])
                language = "ar"
            else:
                title = titles[int(r() * len(titles))].format(*vals)
            pool = publishers[publisher_kind]
            publisher, domain = pool[int(r() * len(pool))]
            if domain is None and r() < 0.5:
                url = None  # offline material: an interview or a paper document
            elif domain is None:
                url = f"https://files.desk.example/{kind.replace('_', '-')}/{sid}"
            elif kind == "social_post":
                handle = _slug(publisher).replace("-", "")[:20]
                url = f"https://social.example/{handle}/status/{sid * 7_919 + 1_000_003}"
            elif kind == "official_statement":
                url = f"https://{domain}/statements/{days_iso(clock, day).replace('-', '')}-{sid}"
            elif kind in ("report", "dataset"):
                ext = "pdf" if kind == "report" else "csv"
                url = f"https://{domain}/{kind}s/{_slug(title)}-{sid}.{ext}"
            else:
                iso = days_iso(clock, day)
                url = f"https://www.{domain}/{iso[:4]}/{iso[5:7]}/{_slug(title)}-{sid}"
            u = r()
            published_on = days_iso(clock, day)
            if u < 0.08:
                published_on = published_on[:7]
            elif u < 0.1:
                published_on = published_on[:4]
            elif u < 0.13:
                published_on = ""
            accessed_on = days_iso(clock, day + int(r() * 20)) if url else ""
            cred_pool = CREDIBILITY_BY_KIND[kind]
            credibility = cred_pool[int(r() * len(cred_pool))]
            notes = SOURCE_NOTES[int(r() * len(SOURCE_NOTES))] if r() < 0.2 else ""
            confidential = 1 if (kind in ("interview", "document") and r() < 0.3) or r() < 0.01 else 0
            created = clock.ts(sec)
            updated = clock.ts(sec + int(r() * 3 * DAY)) if r() < 0.2 else created
            rows.append((sid, _uuid(rng.getrandbits(128)), kind, title, publisher, published_on, url, accessed_on,
                         language, credibility, notes, confidential, created, updated))
            title_ix = index_text(title)
            fts.append((sid, title_ix, index_text(publisher), url or "", index_text(notes)))
            self.titles.append(title)
            self.source_urls.append(url)
            if url and kind in ("news_article", "web_page", "social_post", "official_statement") and r() < 0.3:
                stamp = days_iso(clock, day + 1).replace("-", "") + "120000"
                if r() < 0.7:
                    archives.append((sid, f"https://web.archive.org/web/{stamp}/{url}", "wayback",
                                     clock.ts(sec + DAY)))
                else:
                    code = f"{rng.getrandbits(30):08x}"
                    archives.append((sid, f"https://archive.ph/{code}", "archive_today", clock.ts(sec + DAY)))
            if len(rows) >= self.batch:
                yield ("sources", rows, fts, archives)
                rows, fts, archives = [], [], []
        if rows:
            yield ("sources", rows, fts, archives)

    # -- claims ------------------------------------------------------------

    def _claims(self):
        rng = self.rng
        r = rng.random
        ts = self.clock.ts
        days = self.clock.days
        nums, small, pcts, hours = self.nums, self.small, self.pcts, self.hours
        day_phrase, month_phrase, month_before, year = self.day_phrase, self.month_phrase, self.month_before, self.year
        en_templates, my_templates, ar_templates = self.en_templates, self.my_templates, self.ar_templates
        n_en, n_my, n_ar = len(en_templates), len(my_templates), len(ar_templates)
        claimants = self.claimants
        contexts, quotes, notes = self.contexts, self.quotes, self.notes
        titles, cites = self.titles, self.source_cites
        ns, source_base = self.ns, self.source_base
        n_places = len(PLACES)
        span = SPAN_DAYS * DAY
        total = self.n
        tags_for = self._tags_for
        stance_ids = ("appearance", "supports", "refutes", "context")

        claim_rows, tag_rows, evidence_rows, history_rows, fts_rows = [], [], [], [], []
        source_urls = self.source_urls
        for k in range(total):
            cid = self.claim_base + k
            created_sec = self.start + int(span * k / total) + int(r() * 20 * 3600)
            day = created_sec // DAY
            said_day = max(0, day - int(r() * r() * 7))
            place, region = PLACES[int(r() * n_places)]
            vals = [nums[int(r() * 4096)], small[int(r() * 1024)], place, day_phrase[said_day],
                    month_phrase[said_day], month_before[said_day], "", "", COUNTRIES[int(r() * 5)],
                    pcts[int(r() * 256)], hours[int(r() * 64)], year[said_day], region]
            u = r()
            short = ""
            if u < 0.035:
                language = "my"
                tmpl, tag_names = my_templates[int(r() * n_my)]
                my_place, place, region = MY_PLACES[int(r() * len(MY_PLACES))]
                nums_en, small_en, pct_en = vals[0], vals[1], vals[9]
                vals[0] = vals[0].translate(MY_DIGITS)
                vals[1] = vals[1].translate(MY_DIGITS)
                vals[9] = vals[9].translate(MY_DIGITS)
                vals[2] = my_place
                vals[3] = self.my_day[said_day]
                text = tmpl.format(*vals)
                pool = claimants["my"] if r() < 0.7 else claimants["local"]
                claimant = pool[int(r() * len(pool))]
                location = my_place
                # Quotes and notes are the desk's, in English.
                vals[0:4] = nums_en, small_en, place, day_phrase[said_day]
                vals[9] = pct_en
                vals[12] = region
            elif u < 0.055:
                language = "ar"
                tmpl, tag_names = ar_templates[int(r() * n_ar)]
                ar_place, place = AR_PLACES[int(r() * len(AR_PLACES))]
                vals[2] = ar_place
                vals[3] = self.ar_day[said_day]
                vals[4] = self.ar_month[said_day]
                text = tmpl.format(*vals)
                pool = claimants["ar"]
                claimant = pool[int(r() * len(pool))]
                location = ar_place
                region = ""
                vals[2:5] = place, day_phrase[said_day], month_phrase[said_day]
            else:
                language = "en"
                tmpl, short_tmpl, category, tag_names = en_templates[int(r() * n_en)]
                pool = claimants[category]
                claimant = pool[int(r() * len(pool))]
                if category == "group":
                    vals[7] = claimant[3]
                    vals[6] = self.outlet_names[int(r() * len(self.outlet_names))]
                else:
                    vals[7] = GROUPS[int(r() * len(GROUPS))]
                    vals[6] = claimant[3] if category in ("outlet", "wire") else \
                        self.outlet_names[int(r() * len(self.outlet_names))]
                text = tmpl.format(*vals)
                if short_tmpl and r() < 0.45:
                    short = short_tmpl.format(*vals)
                    if len(short) > 200:
                        short = ""
                location = f"{place}, {region}" if r() < 0.8 else place
            if r() < 0.08:
                claimant = None
            claimant_id, claimant_name, claimant_ix = (claimant[0], claimant[1], claimant[2]) if claimant else \
                (None, "", "")
            # Tags: the template's topics, often the region, sometimes one more.
            names = tag_names
            if region and r() < 0.5:
                names = names + (region,)
            if r() < 0.15:
                names = names + (EXTRA_TAGS[int(r() * len(EXTRA_TAGS))],)
            if language == "ar" and r() < 0.5:
                names = names + ("نزوح",) if "displacement" in names else names + ("عاجل",)
            if r() < 0.04:
                names = ()
            tag_ids, tags_text, tags_ix = tags_for(names)
            for tid in tag_ids:
                tag_rows.append((cid, tid))

            context = contexts[int(r() * len(contexts))].format(*vals) if r() < 0.35 else ""
            claimed_on = days[said_day]
            u = r()
            if u < 0.1:
                claimed_on = claimed_on[:7]
            elif u < 0.12:
                claimed_on = claimed_on[:4]
            elif u < 0.15:
                claimed_on = ""
            priority = (0, 0, 1, 1, 1, 2, 2, 3)[int(r() * 8)]

            # The work this claim went through, in order.
            plan = _pick_cumulative(STATUS_PLAN, r())
            gated = plan in ("needs_review", "final", "reopened", "corrected")
            verdict = None
            if gated or (plan in ("in_progress", "on_hold") and r() < 0.3) or (plan == "cancelled" and r() < 0.1):
                verdict = _pick_cumulative(VERDICT_PLAN, r())
            # Evidence: a decisive source for every gated claim, then a few more.
            links = []
            if gated:
                if verdict in ("true", "mostly_true"):
                    links.append("supports")
                elif verdict == "false":
                    links.append("refutes")
                elif verdict == "misleading":
                    links.extend(("supports", "refutes") if r() < 0.5 else ("refutes",))
                else:
                    links.append("supports" if r() < 0.5 else "refutes")
                if r() < 0.6:
                    links.append("appearance")
                if r() < 0.4:
                    links.append("context")
                if r() < 0.2:
                    links.append("supports" if r() < 0.5 else "refutes")
            elif plan == "unstarted":
                if r() < 0.35:
                    links.append("appearance")
            else:
                for _ in range(int(r() * 4)):
                    links.append(stance_ids[int(r() * 4)])
            if ns == 0:
                links = []
            who = CHECKERS[int(r() * len(CHECKERS))]
            t = created_sec
            history_rows.append((cid, "created", None, text, who, ts(t), "", 0))
            steps = []  # (field, old, new, reason, correction, who) applied at increasing times
            status = "unstarted"
            finalised = None

            def step_status(new, reason="", by=None):
                nonlocal status
                steps.append(("status", status, new, reason, by))
                status = new

            if plan != "unstarted":
                if plan == "cancelled" and r() < 0.4:  # dropped before anyone started on it
                    verdict = None
                    step_status("cancelled", CANCEL_REASONS[int(r() * len(CANCEL_REASONS))])
                else:
                    step_status("in_progress")
                    if verdict is not None and plan != "cancelled":
                        steps.append(("evidence",))
                        steps.append(("verdict", None, verdict, "", None))
                    if plan == "on_hold":
                        step_status("on_hold", HOLD_REASONS[int(r() * len(HOLD_REASONS))])
                    elif plan == "cancelled":
                        steps.append(("evidence",))
                        if verdict is not None:
                            steps.append(("verdict", None, verdict, "", None))
                        step_status("cancelled", CANCEL_REASONS[int(r() * len(CANCEL_REASONS))])
                    elif gated:
                        step_status("needs_review")
                        if plan != "needs_review":
                            step_status("final", "", EDITORS[int(r() * len(EDITORS))])
                            if plan in ("reopened", "corrected"):
                                step_status("reopened", REOPEN_REASONS[int(r() * len(REOPEN_REASONS))])
                            if plan == "corrected":
                                step_status("in_progress")
                                new_verdict = "misleading" if verdict != "misleading" else "mostly_true"
                                steps.append(("verdict", verdict, new_verdict,
                                              CORRECTION_REASONS[int(r() * len(CORRECTION_REASONS))], None))
                                verdict = new_verdict
                                step_status("needs_review")
                                step_status("final", "", EDITORS[int(r() * len(EDITORS))])
            if not any(s[0] == "evidence" for s in steps):
                steps.insert(0, ("evidence",))
            explanation = ""
            evidence_sec = t
            for s in steps:
                if s[0] == "evidence":
                    if links:
                        t += 600 + int(r() * r() * 3 * DAY)
                        evidence_sec = t
                    continue
                t += 600 + int(r() * r() * 3 * DAY)
                field, old, new, reason, by = s
                correction = 1 if finalised is not None else 0
                at = ts(t)
                history_rows.append((cid, field, old, new, by or who, at, reason, correction))
                if field == "verdict" and new is not None and gated:
                    pool = EXPLANATIONS[new]
                    new_expl = pool[int(r() * len(pool))]
                    if new_expl != explanation:
                        history_rows.append((cid, "verdict_explanation", explanation, new_expl, by or who, at,
                                             reason, correction))
                        explanation = new_expl
                if field == "status" and new == "final" and finalised is None:
                    finalised = at
            updated_sec = t
            # Link the sources (distinct, near this claim's place in time).
            n_sup = n_ref = n_ctx = n_app = 0
            appearance_url = ""
            link_titles = []
            if links:
                centre = k // 3
                used = set()
                ev_at = ts(evidence_sec)
                for stance in links:
                    for _ in range(8):
                        if r() < 0.05:
                            j = int(r() * min(ns, 50))  # a few much-cited reports and datasets
                        else:
                            j = centre + int((r() - 0.5) * 120)
                            j = 0 if j < 0 else (ns - 1 if j >= ns else j)
                        if j not in used:
                            break
                    else:
                        continue
                    used.add(j)
                    cites[j] += 1
                    if r() < 0.85:
                        pool = quotes[stance]
                        quote = pool[int(r() * len(pool))].format(*vals)
                    else:
                        quote = ""
                    note = notes[int(r() * len(notes))].format(*vals) if r() < 0.1 else ""
                    evidence_rows.append((cid, source_base + j, stance, quote, LOCATORS[int(r() * 12)], note, ev_at))
                    link_titles.append((j, titles[j]))
                    if stance == "supports":
                        n_sup += 1
                    elif stance == "refutes":
                        n_ref += 1
                    elif stance == "context":
                        n_ctx += 1
                    else:
                        n_app += 1
                        if not appearance_url and source_urls[j]:
                            appearance_url = source_urls[j]
            n_src = n_sup + n_ref + n_ctx + n_app
            if gated and n_sup + n_ref == 0:  # could not place a decisive link: keep the gate honest
                raise AssertionError("demo generator produced a gated claim without decisive evidence")
            published_url = ""
            if status == "final" and r() < 0.55:
                published_url = f"https://factcheck.desk.example/{days[updated_sec // DAY][:7].replace('-', '/')}/" \
                                f"claim-{cid}"
            deleted_at = None
            if r() < 0.012:
                deleted_at = ts(updated_sec + DAY + int(r() * 30 * DAY))
                history_rows.append((cid, "trash", None, deleted_at, who, deleted_at, "", 0))
            headline = headline_for(text, short)
            claim_rows.append((
                cid, _uuid(rng.getrandbits(128)), text, short, headline, claimant_id, claimant_name, claimed_on,
                appearance_url, location, language, context, priority, status, verdict, explanation, published_url,
                tags_text, n_sup, n_ref, n_ctx, n_app, n_src, ts(created_sec), ts(updated_sec), deleted_at,
                finalised,
            ))
            fts_rows.append((
                cid,
                index_text(text + ("\n" + short if short else "")),
                index_text(context),
                claimant_ix,
                tags_ix,
                # Titles of the linked sources, distinct, in source order (as reindex_claim reads them).
                index_text("\n".join(dict.fromkeys(title for _, title in sorted(link_titles)))),
            ))
            if len(claim_rows) >= self.batch:
                yield ("claims", k + 1, claim_rows, tag_rows, evidence_rows, history_rows, fts_rows)
                claim_rows, tag_rows, evidence_rows, history_rows, fts_rows = [], [], [], [], []
        if claim_rows:
            yield ("claims", total, claim_rows, tag_rows, evidence_rows, history_rows, fts_rows)



def days_iso(clock: _Clock, day: int) -> str:
    return clock.days[min(day, len(clock.days) - 1)]
