"""Export and import speed on 100,000 demo claims (CLAIMLOG_EXCHANGE_BENCH_CLAIMS), against floors.

Floors, measured in the same run (performance.md):
- export: the ``sqlite3`` shell writing the same query (claims joined with
  their sources' URLs) as CSV (``.mode csv``);
- import: the ``sqlite3`` shell's ``.import`` of the package's claims.csv
  into a fresh table (no validation, no merge, no index); and a physical
  floor: the same rows the package brings (claims, sources, links, history,
  tags, search rows), as ready tuples, inserted with executemany into a
  fresh database of our schema in one transaction (what no import into this
  schema can beat), with the non-unique indexes rebuilt and with them kept.
  Import, re-import and floors alternate like the export's.
When the ``sqlite3`` shell is not installed, Python's sqlite3 + csv stand in
for it (said in the output). The export and its floor run alternately
CLAIMLOG_EXCHANGE_BENCH_RUNS times (default 3) and the medians are compared,
in wall time and in CPU time (user + system, this process against the shell
child), which a busy shared machine disturbs less; the load average is
printed with them. Memory: tracemalloc's peak while exporting a quarter of
the claims and all of them (it should stay flat). Prints figures and ratios;
asserts only on correctness, never on time.
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import statistics
import sqlite3
import subprocess
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from desktop import db as dbmod
from desktop import search
from desktop.checks import check_database
from desktop.exchange import claims_csv, importer, package
from desktop.models import Claim, database as proxy
from desktop.services import exchange as exchange_service
from desktop.services.exchange import apply_import

pytestmark = pytest.mark.benchmark
SHELL = shutil.which("sqlite3")


# The exchange targets are stated for 100,000 claims (performance.md), whatever CLAIMLOG_BENCH_CLAIMS says.
EXCHANGE_CLAIMS = int(os.environ.get("CLAIMLOG_EXCHANGE_BENCH_CLAIMS", "100000"))
EXPORT_RUNS = max(1, int(os.environ.get("CLAIMLOG_EXCHANGE_BENCH_RUNS", "3")))


@pytest.fixture(scope="module")
def exchange_db(bench_db, tmp_path_factory):
    """The shared demo database of EXCHANGE_CLAIMS claims (only read here) and a scratch folder."""
    path = bench_db(EXCHANGE_CLAIMS)
    folder = tmp_path_factory.mktemp("exchange")
    db = dbmod.open_database(path)
    yield db, path, folder
    dbmod.close_database(db)


def _inline(sql: str, params) -> str:
    for value in params:
        sql = sql.replace("?", "'" + str(value).replace("'", "''") + "'" if isinstance(value, str) else str(value), 1)
    return sql


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _export_floor(path, sql: str, out) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, what) of the floor: the shell writing ``sql`` as CSV."""
    if SHELL:
        c0, t0 = _children_cpu(), time.perf_counter()
        with open(out, "wb") as fh:
            subprocess.run([SHELL, "-readonly", "-csv", str(path), sql], stdout=fh, check=True)
        return time.perf_counter() - t0, _children_cpu() - c0, "sqlite3 shell"
    c0, t0 = time.process_time(), time.perf_counter()
    conn = sqlite3.connect(str(path))
    with open(out, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(conn.execute(sql))
    conn.close()
    return time.perf_counter() - t0, time.process_time() - c0, "Python sqlite3 + csv (no sqlite3 shell installed)"


def _timed(func, *args):
    """(wall seconds, CPU seconds of this process, result)."""
    c0, t0 = time.process_time(), time.perf_counter()
    result = func(*args)
    return time.perf_counter() - t0, time.process_time() - c0, result


def _import_floor(csv_path, target) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, what): the shell's ``.import`` of ``csv_path`` into a fresh table."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    if SHELL:
        c0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run([SHELL, str(target), ".mode csv", f".import {csv_path} claims_raw"], check=True)
        return time.perf_counter() - t0, _children_cpu() - c0, "sqlite3 shell .import"
    c0, t0 = time.process_time(), time.perf_counter()
    conn = sqlite3.connect(str(target))
    with open(csv_path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        conn.execute(f"CREATE TABLE claims_raw ({', '.join(repr(h) for h in header)})")
        conn.executemany(f"INSERT INTO claims_raw VALUES ({','.join('?' * len(header))})", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - t0, time.process_time() - c0, "Python sqlite3 + csv (no sqlite3 shell installed)"


BARE_TABLES = ("claimant", "tag", "source", "archive", "claim", "claim_tag", "evidence", "history")


def _bare_rows(path) -> dict[str, tuple[str, list]]:
    """Every row the package brings, as typed tuples read from the demo database (the physical floor's input)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = {}
    for table in BARE_TABLES:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        rows[table] = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                       conn.execute(f"SELECT * FROM {table}").fetchall())
    rows["claim_fts"] = ("INSERT INTO claim_fts (rowid, text, context, claimant, tags, sources) VALUES (?,?,?,?,?,?)",
                         conn.execute("SELECT rowid, text, context, claimant, tags, sources FROM claim_fts").fetchall())
    rows["source_fts"] = ("INSERT INTO source_fts (rowid, title, publisher, url, notes) VALUES (?,?,?,?,?)",
                          conn.execute("SELECT rowid, title, publisher, url, notes FROM source_fts").fetchall())
    conn.close()
    return rows


def _schema_floor(rows, target, rebuild: bool) -> tuple[float, float]:
    """(wall, CPU) of inserting ``rows`` as they are into a fresh database of our schema: executemany of
    ready tuples in one transaction, our pragmas and the import's page cache, no checks, no merge;
    with ``rebuild`` the non-unique indexes are dropped first and built again before the commit."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    dbmod.close_database(dbmod.open_database(target))
    conn = sqlite3.connect(str(target), isolation_level=None)
    for name, value in dbmod.PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}")
    conn.execute(f"PRAGMA cache_size = {-exchange_service.IMPORT_CACHE_KIB}")
    c0, t0 = time.process_time(), time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    indexes = []
    if rebuild:
        marks = ", ".join("?" * len(BARE_TABLES))
        indexes = [sql for (sql,) in conn.execute(
            f"SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
            " AND sql NOT LIKE 'CREATE UNIQUE%'", BARE_TABLES).fetchall()]
        for (name,) in conn.execute(f"SELECT name FROM sqlite_master WHERE sql IN ({', '.join('?' * len(indexes))})",
                                    indexes).fetchall():
            conn.execute(f'DROP INDEX "{name}"')
    for sql, values in rows.values():
        conn.executemany(sql, values)
    for sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    conn.close()
    return wall, cpu


def test_export_speed_and_memory(exchange_db):
    db, path, folder = exchange_db
    flt = search.ClaimFilter()
    n = search.count_claims(flt)
    n_links = db.execute_sql("SELECT COUNT(*) FROM evidence").fetchone()[0]
    sql = _inline(*claims_csv.export_query(flt).sql())
    floors, ours = [], []
    load_before = os.getloadavg()[0]
    for _ in range(EXPORT_RUNS):  # alternate, so a burst of load elsewhere hits both sides
        wall, cpu, how = _export_floor(path, sql, folder / "floor.csv")
        floors.append((wall, cpu))
        wall, cpu, result = _timed(claims_csv.export_claims_csv, folder / "claims.csv", flt)
        ours.append((wall, cpu))
        assert result.claims == n
    package_wall, package_cpu, pkg = _timed(package.export_package, folder / "all.zip", flt)
    load_after = os.getloadavg()[0]
    floor = statistics.median(w for w, _ in floors)
    floor_cpu = statistics.median(c for _, c in floors)
    wall = statistics.median(w for w, _ in ours)
    cpu = statistics.median(c for _, c in ours)
    print(f"\nexport of {n:,} claims with {n_links:,} links (medians of {EXPORT_RUNS} alternating runs; "
          f"load average {load_before:.1f} before, {load_after:.1f} after, {os.cpu_count()} CPUs)")
    print(f"  floor ({how}): {floor:.2f} s wall, {floor_cpu:.2f} s CPU, "
          f"{(folder / 'floor.csv').stat().st_size / 1e6:.1f} MB; runs {[round(w, 2) for w, _ in floors]}")
    print(f"  claims CSV: {wall:.2f} s wall ({wall / floor:.2f}x floor), {cpu:.2f} s CPU ({cpu / floor_cpu:.2f}x), "
          f"{(folder / 'claims.csv').stat().st_size / 1e6:.1f} MB; runs {[round(w, 2) for w, _ in ours]}")
    print(f"  package (claims, {pkg.sources:,} sources, {pkg.evidence:,} links, {pkg.history:,} history): "
          f"{package_wall:.2f} s wall ({package_wall / floor:.2f}x floor), {package_cpu:.2f} s CPU")
    peaks = []
    max_id = Claim.select(Claim.id).order_by(Claim.id.desc()).scalar()
    for share in (4, 1):
        part = flt.with_(extra=(Claim.id <= max_id // share,))
        tracemalloc.start()
        claims_csv.export_claims_csv(folder / f"part{share}.csv", part)
        peaks.append((search.count_claims(part), tracemalloc.get_traced_memory()[1]))
        tracemalloc.stop()
    for count, peak in peaks:
        print(f"  peak traced memory exporting {count:,} claims: {peak / 1e6:.2f} MB")
    print(f"  memory ratio (all / a quarter): {peaks[1][1] / peaks[0][1]:.2f}")


@pytest.mark.timeout(3600)
def test_import_speed(exchange_db):
    """The package import into an empty database and its re-import, against two floors, alternately."""
    db, path, folder = exchange_db
    pkg = folder / "all.zip"
    if not pkg.exists():
        package.export_package(pkg, search.ClaimFilter())
    with zipfile.ZipFile(pkg) as zf:
        zf.extract("claims.csv", folder / "unzipped")
    claims_file = folder / "unzipped" / "claims.csv"
    bare = _bare_rows(path)
    n_bare = {table: len(values) for table, (_, values) in bare.items()}
    floors, schema_floors, reads, writes, reimports = [], [], [], [], []
    load_before = os.getloadavg()[0]
    try:
        for run in range(EXPORT_RUNS):  # alternate, so a burst of load elsewhere hits every side
            wall, cpu, how = _import_floor(claims_file, folder / "floor.db")
            floors.append((wall, cpu))
            schema_floors.append(_schema_floor(bare, folder / "schema-floor.db", rebuild=True))
            target = folder / "fresh.db"
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            fresh = dbmod.open_database(target)
            try:
                wall, cpu, incoming = _timed(importer.read_file, pkg)
                reads.append((wall, cpu))
                assert incoming.problems == []
                wall, cpu, result = _timed(apply_import, incoming)
                writes.append((wall, cpu))
                wall, cpu, again = _timed(lambda: apply_import(importer.read_file(pkg)))
                reimports.append((wall, cpu))
                assert again.counts["unchanged"] == result.counts["added"]
                if run == 0:
                    assert check_database(fresh) == []
                    csv_read = _timed(importer.read_file, claims_file)
                    csv_plan = _timed(importer.plan, csv_read[2])
                    assert csv_plan[2].ok
            finally:
                dbmod.close_database(fresh)
                proxy.initialize(db)
        kept_wall, kept_cpu = _schema_floor(bare, folder / "schema-floor.db", rebuild=False)
    finally:
        proxy.initialize(db)
    del bare
    load_after = os.getloadavg()[0]
    n = result.counts["added"]

    def med(pairs, k):
        return statistics.median(p[k] for p in pairs)

    floor, floor_cpu = med(floors, 0), med(floors, 1)
    schema, schema_cpu = med(schema_floors, 0), med(schema_floors, 1)
    total = [(r[0] + w[0], r[1] + w[1]) for r, w in zip(reads, writes)]
    wall, cpu = med(total, 0), med(total, 1)
    print(f"\nimport of a {n:,}-claim package ({pkg.stat().st_size / 1e6:.1f} MB zip: {n_bare['source']:,} sources, "
          f"{n_bare['evidence']:,} links, {n_bare['history']:,} history rows) into an empty database "
          f"(medians of {EXPORT_RUNS} alternating runs; load average {load_before:.1f} before, {load_after:.1f} after, "
          f"{os.cpu_count()} CPUs)")
    print(f"  floor ({how} of claims.csv, {claims_file.stat().st_size / 1e6:.1f} MB): {floor:.2f} s wall, "
          f"{floor_cpu:.2f} s CPU; runs {[round(w, 2) for w, _ in floors]}")
    print(f"  physical floor (the same rows, ready tuples, executemany into our schema with its indexes and "
          f"search index, one transaction; non-unique indexes dropped and rebuilt): {schema:.2f} s wall "
          f"({schema / floor:.1f}x floor), {schema_cpu:.2f} s CPU; indexes kept instead: {kept_wall:.2f} s wall, "
          f"{kept_cpu:.2f} s CPU")
    print(f"  ours: read + validate {med(reads, 0):.2f} s, write (one transaction) {med(writes, 0):.2f} s: "
          f"total {wall:.2f} s wall ({wall / floor:.1f}x floor, {wall / schema:.2f}x physical floor), "
          f"{cpu:.2f} s CPU ({cpu / floor_cpu:.1f}x floor CPU, {cpu / schema_cpu:.2f}x physical floor CPU); "
          f"runs {[round(w, 2) for w, _ in total]}")
    print(f"  re-import of the same package (all unchanged): {med(reimports, 0):.2f} s wall "
          f"({med(reimports, 0) / floor:.1f}x floor), {med(reimports, 1):.2f} s CPU")
    print(f"  claims.csv alone: read + validate {csv_read[0]:.2f} s, plan against the database {csv_plan[0]:.2f} s")
