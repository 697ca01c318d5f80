"""Export and import speed on 100,000 demo claims (CLAIMLOG_EXCHANGE_BENCH_CLAIMS), against floors.

Floors, measured in the same run (performance.md):
- export: the ``sqlite3`` shell writing the same query (claims joined with
  their sources' URLs) as CSV (``.mode csv``);
- import: the ``sqlite3`` shell's ``.import`` of the package's claims.csv
  into a fresh table (no validation, no merge, no index).
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

import pytest

from desktop import db as dbmod
from desktop import search
from desktop.exchange import claims_csv, importer, package
from desktop.models import Claim, database as proxy
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


def _import_floor(csv_path, target) -> tuple[float, str]:
    if SHELL:
        t0 = time.perf_counter()
        subprocess.run([SHELL, str(target), ".mode csv", f".import {csv_path} claims_raw"], check=True)
        return time.perf_counter() - t0, "sqlite3 shell .import"
    t0 = time.perf_counter()
    conn = sqlite3.connect(str(target))
    with open(csv_path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        conn.execute(f"CREATE TABLE claims_raw ({', '.join(repr(h) for h in header)})")
        conn.executemany(f"INSERT INTO claims_raw VALUES ({','.join('?' * len(header))})", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - t0, "Python sqlite3 + csv (no sqlite3 shell installed)"


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


def test_import_speed(exchange_db):
    db, path, folder = exchange_db
    pkg = folder / "all.zip"
    if not pkg.exists():
        package.export_package(pkg, search.ClaimFilter())
    with zipfile.ZipFile(pkg) as zf:
        zf.extract("claims.csv", folder / "unzipped")
    claims_file = folder / "unzipped" / "claims.csv"
    floor, how = _import_floor(claims_file, folder / "floor.db")
    target = folder / "fresh.db"
    fresh = dbmod.open_database(target)
    try:
        t0 = time.perf_counter()
        incoming = importer.read_file(pkg)
        t1 = time.perf_counter()
        assert incoming.problems == []
        result = apply_import(incoming)
        t2 = time.perf_counter()
        again = apply_import(importer.read_file(pkg))
        t3 = time.perf_counter()
        assert again.counts["unchanged"] == result.counts["added"]
        n = result.counts["added"]
        csv_in = importer.read_file(claims_file)
        t4 = time.perf_counter()
        plan = importer.plan(csv_in)
        t5 = time.perf_counter()
        assert plan.ok
    finally:
        dbmod.close_database(fresh)
        proxy.initialize(db)
    total = t2 - t0
    print(f"\nimport of a {n:,}-claim package ({pkg.stat().st_size / 1e6:.1f} MB zip) into an empty database")
    print(f"  floor ({how} of claims.csv, {claims_file.stat().st_size / 1e6:.1f} MB): {floor:.2f} s")
    print(f"  read + validate {t1 - t0:.2f} s, write (one transaction) {t2 - t1:.2f} s: total {total:.2f} s "
          f"({total / floor:.1f}x floor)")
    print(f"  re-import of the same package (all unchanged): {t3 - t2:.2f} s ({(t3 - t2) / floor:.1f}x floor)")
    print(f"  claims.csv alone: read + validate {t4 - t3:.2f} s, plan against the database {t5 - t4:.2f} s")
