"""Crash consistency: a real bulk write is SIGKILLed at random moments, many times.

A child process opens a database that already holds committed work and runs
one long write through the services in ONE transaction (new claims, each
with a new source linked as evidence, plus an edit of an existing claim).
It reports its progress line by line; the parent kills it with SIGKILL at a
randomly chosen point (before it opened the file, in the middle of the
transaction, while it commits, or just after). After every kill the parent
reopens the file through the application's normal path and checks:

- SQLite's integrity check, the foreign keys and Claimlog's invariants;
- the operation is wholly present or wholly absent (all N claims tagged with
  its marker, the edit of the existing claim in step with them, or none);
- nothing committed before it is missing.

The figure printed is "kills: N, failures: F"; F must be 0.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop import db as dbmod
from desktop import services
from desktop.checks import check_database

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import sys
    from desktop import db as dbmod, services
    from desktop.models import database
    path, op, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    dbmod.open_database(path)
    services.set_actor("Crash test")
    print("open", flush=True)
    with database.atomic():
        for i in range(n):
            claim = services.create_claim(services.ClaimInput(
                text=f"Operation {op} claim {i}: the bridge carried {i} thousand cars a day",
                claimant=f"Speaker {i % 7}", tags=[op, "crash"]))
            source = services.create_source(services.SourceInput(
                title=f"Traffic count {op}/{i}", url=f"https://example.org/{op}/{i}"))
            services.link_evidence(claim.id, source.id, "supports", quote=f"count {i}")
            print(i, flush=True)
        services.update_claim(1, services.ClaimInput(text="Base claim 0", context=f"last operation {op}"))
        print("commit", flush=True)
    print("done", flush=True)
    dbmod.close_database()
""")


def _seed(path: Path, n_base: int) -> list[str]:
    db = dbmod.open_database(path)
    try:
        services.set_actor("Seeder")
        texts = [f"Base claim {i}" for i in range(n_base)]
        for text in texts:
            services.create_claim(services.ClaimInput(text=text, tags=["base"]))
    finally:
        services.set_actor("")
        dbmod.close_database(db)
    return texts


def _inspect(path: Path, committed: list[str], ops: list[str], n: int) -> tuple[list[str], str | None]:
    """Reopen after a kill: (problems, the op that is now present or None)."""
    problems = []
    db = dbmod.open_database(path)
    try:
        problems += check_database(db)
        texts = {r[0] for r in db.execute_sql("SELECT text FROM claim")}
        missing = [t for t in committed if t not in texts]
        if missing:
            problems.append(f"{len(missing)} committed claims missing, e.g. {missing[0]!r}")
        present_now = None
        for op in ops:
            count = db.execute_sql(
                "SELECT count(*) FROM claim c JOIN claim_tag ct ON ct.claim_id = c.id "
                "JOIN tag t ON t.id = ct.tag_id WHERE t.name = ?", (op,)).fetchone()[0]
            sources = db.execute_sql("SELECT count(*) FROM source WHERE url LIKE ?",
                                     (f"https://example.org/{op}/%",)).fetchone()[0]
            if (count, sources) not in ((0, 0), (n, n)):
                problems.append(f"operation {op} is partly there: {count} of {n} claims, {sources} sources")
            elif count == n:
                present_now = op
        context = db.execute_sql("SELECT context FROM claim WHERE id = 1").fetchone()[0]
        latest_present = present_now
        expected_context = f"last operation {latest_present}" if latest_present else ""
        if ops and context != expected_context and not (present_now is None and context.startswith("last operation")):
            problems.append(f"the edit of claim 1 is out of step: {context!r}, expected {expected_context!r}")
    finally:
        dbmod.close_database(db)
    return problems, present_now


def run_kills(workdir: Path, *, kills: int, per_op: int, n_base: int, seed: int) -> dict:
    rng = random.Random(seed)
    path = workdir / "crash.db"
    committed = _seed(path, n_base)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    failures: list[str] = []
    done_ops: list[str] = []
    n_kills = n_completed = 0
    attempt = 0
    started = time.monotonic()
    while n_kills < kills:
        attempt += 1
        op = f"op{attempt}"
        # where to kill: -1 = before the file is open, 0..per_op-1 = after that
        # many items, per_op = while committing, per_op + 1 = after the commit
        roll = rng.random()
        if roll < 0.1:
            target = -1
        elif roll < 0.7:
            target = rng.randrange(per_op)
        elif roll < 0.85:
            target = per_op
        else:
            target = per_op + 1
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), op, str(per_op)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        killed = False
        if target >= 0:
            for line in child.stdout:
                line = line.strip()
                if line == "commit":
                    reached = per_op
                elif line == "done":
                    reached = per_op + 1
                elif line.isdigit():
                    reached = int(line)
                else:
                    continue
                if reached >= target:
                    break
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed = True
        _, err = child.communicate(timeout=60)
        if not killed and child.returncode != 0:
            failures.append(f"{op}: the writer failed on its own: {err.strip().splitlines()[-1:]}")
        if killed:
            n_kills += 1
        problems, present = _inspect(path, committed, done_ops + [op], per_op)
        if problems:
            failures.append(f"{op} (killed at {target}): " + "; ".join(problems))
        if present == op:
            n_completed += 1
            done_ops.append(op)
            committed += [f"Operation {op} claim {i}: the bridge carried {i} thousand cars a day"
                          for i in range(per_op)]
        if time.monotonic() - started > 600:
            failures.append("gave up: took more than ten minutes")
            break
    return {"kills": n_kills, "failures": failures, "completed": n_completed, "attempts": attempt,
            "seconds": time.monotonic() - started}


@pytest.mark.timeout(300)
def test_sigkill_during_a_bulk_write_never_loses_or_half_writes(tmp_path):
    seed = int(os.environ.get("CLAIMLOG_CRASH_SEED", "20261123"))
    result = run_kills(tmp_path, kills=50, per_op=20, n_base=30, seed=seed)
    print(f"\nkills: {result['kills']}, failures: {len(result['failures'])} "
          f"(operations completed: {result['completed']}, runs: {result['attempts']}, "
          f"{result['seconds']:.1f} s, seed {seed})")
    assert result["failures"] == [], "\n".join(result["failures"][:10])
    assert result["kills"] >= 50
    assert result["completed"] >= 1  # some kills came after the commit: both outcomes were checked


# ---------------------------------------------------------------- the real command-line writers
#
# ``claimlog demo`` (one transaction) and ``claimlog import`` of a package
# (validated, then merged in one transaction) are killed after a random
# delay drawn over the length of one full run, measured first. These
# commands report no per-row progress, so the moment is chosen by time:
# ``child.wait(timeout=delay)`` and SIGKILL if it is still running.

COUNTED = ("claim", "source", "evidence", "history")


def _state(path: Path) -> tuple[list[str], dict[int, str], dict[str, int]]:
    """Reopen through the window's own checked open; (problems, claims by id, row counts)."""
    problems: list[str] = []
    try:
        db, _report = dbmod.open_checked(path)
    except Exception as exc:  # noqa: BLE001 - a file that no longer opens is a failure to report
        return [f"does not open: {exc}"], {}, {}
    try:
        problems += check_database(db)
        claims = dict(db.execute_sql("SELECT id, text FROM claim").fetchall())
        counts = {t: db.execute_sql(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        dbmod.close_database(db)
    return problems, claims, counts


def run_cli_kills(workdir: Path, *, command, kills: int, seed: int, exact=("claim",), reset=None) -> dict:
    """Kill ``command`` (argv for the database at workdir/crash.db) ``kills`` times at random moments."""
    rng = random.Random(seed)
    path = workdir / "crash.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    problems, committed, before = _state(path)
    assert problems == [], problems
    # one full run, to measure it and to learn what "wholly present" looks like
    started = time.monotonic()
    full = subprocess.run(command(path), capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    duration = time.monotonic() - started
    assert full.returncode == 0, full.stderr
    problems, after_claims, after = _state(path)
    assert problems == [], problems
    delta = {k: after[k] - before[k] for k in exact}
    assert all(delta.values()), f"the command changed nothing: {delta}"
    if reset is not None:
        reset(path)
        problems, committed, before = _state(path)
    else:
        committed, before = after_claims, after
    failures: list[str] = []
    n_kills = n_completed = attempts = 0
    loop_started = time.monotonic()
    while n_kills < kills:
        attempts += 1
        delay = rng.uniform(0.0, duration * 1.1)
        child = subprocess.Popen(command(path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 cwd=ROOT, env=env)
        killed = False
        try:
            child.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            killed = True
        _, err = child.communicate(timeout=60)
        if not killed and child.returncode != 0:
            failures.append(f"run {attempts}: the command failed on its own: {err.strip().splitlines()[-1:]}")
        n_kills += killed
        problems, claims, counts = _state(path)
        lost = [i for i, text in committed.items() if claims.get(i) != text]
        if lost:
            problems.append(f"{len(lost)} committed claims missing or changed, e.g. id {lost[0]}")
        absent = all(counts.get(k) == before[k] for k in exact)
        present = all(counts.get(k) == before[k] + delta[k] for k in exact)
        if not (absent or present):
            problems.append(f"partly there: {counts} (before {before}, a full run adds {delta})")
        if problems:
            failures.append(f"run {attempts} (killed after {delay:.3f} s): " + "; ".join(problems))
        if present and not problems:
            n_completed += 1
            if reset is not None:
                reset(path)
                _p, committed, before = _state(path)
            else:
                committed, before = claims, counts
        if time.monotonic() - loop_started > 600:
            failures.append("gave up: took more than ten minutes")
            break
    return {"kills": n_kills, "failures": failures, "completed": n_completed, "attempts": attempts,
            "seconds": time.monotonic() - loop_started, "full_run": duration, "delta": delta}


def _report(name, result, seed):
    print(f"\n{name}: kills: {result['kills']}, failures: {len(result['failures'])} "
          f"(completed: {result['completed']} of {result['attempts']} runs, a full run "
          f"{result['full_run']:.2f} s adds {result['delta']}, {result['seconds']:.1f} s, seed {seed})")


def demo_command(n_claims: int):
    return lambda path: [sys.executable, "-m", "desktop", "demo", "--db", str(path), "--claims", str(n_claims)]


@pytest.mark.timeout(300)
def test_sigkill_during_claimlog_demo(tmp_path):
    seed = int(os.environ.get("CLAIMLOG_CRASH_SEED", "20261123"))
    _seed(tmp_path / "crash.db", 30)
    result = run_cli_kills(tmp_path, command=demo_command(1500), kills=20, seed=seed)
    _report("claimlog demo", result, seed)
    assert result["failures"] == [], "\n".join(result["failures"][:10])
    assert result["kills"] >= 20


def make_package(workdir: Path, n_claims: int) -> Path:
    """A package exported from a demo database (the import's input)."""
    origin = workdir / "origin.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for argv in (["demo", "--db", str(origin), "--claims", str(n_claims)],
                 ["export", "--db", str(origin), "--out", str(workdir / "package.zip")]):
        done = subprocess.run([sys.executable, "-m", "desktop", *argv], capture_output=True, text=True, cwd=ROOT,
                              env=env, timeout=300)
        assert done.returncode == 0, done.stderr
    return workdir / "package.zip"


def import_scenario(workdir: Path, n_claims: int, n_base: int):
    package = make_package(workdir, n_claims)
    path = workdir / "crash.db"
    _seed(path, n_base)
    pristine = workdir / "pristine.db"
    pristine.write_bytes(path.read_bytes())

    def reset(target: Path) -> None:
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        target.write_bytes(pristine.read_bytes())

    def command(target: Path):
        return [sys.executable, "-m", "desktop", "import", "--db", str(target), "--who", "Crash test", str(package)]

    return command, reset


@pytest.mark.timeout(300)
def test_sigkill_during_claimlog_import_of_a_package(tmp_path):
    seed = int(os.environ.get("CLAIMLOG_CRASH_SEED", "20261123"))
    command, reset = import_scenario(tmp_path, 400, 30)
    result = run_cli_kills(tmp_path, command=command, kills=20, seed=seed, exact=COUNTED, reset=reset)
    _report("claimlog import", result, seed)
    assert result["failures"] == [], "\n".join(result["failures"][:10])
    assert result["kills"] >= 20
