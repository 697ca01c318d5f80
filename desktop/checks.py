"""Integrity: SQLite's own checks plus Claimlog's invariants (no Qt, read-only)."""

from __future__ import annotations

from peewee import SqliteDatabase

from desktop.db import integrity_problems_sqlite
from desktop.workflow import GATED_STATUSES, STANCES, STATUSES, VERDICTS

# Each invariant is a query that returns the offending rows (none when healthy).
INVARIANTS = {
    "claims with an unknown status": f"SELECT id FROM claim WHERE status NOT IN ({','.join(repr(s) for s in STATUSES)})",
    "claims with an unknown verdict": f"SELECT id FROM claim WHERE verdict IS NOT NULL AND verdict NOT IN "
    f"({','.join(repr(v) for v in VERDICTS)})",
    "evidence with an unknown stance": f"SELECT id FROM evidence WHERE stance NOT IN ({','.join(repr(s) for s in STANCES)})",
    "claims past review without a verdict or a decisive source": "SELECT id FROM claim WHERE status IN "
    f"({','.join(repr(s) for s in GATED_STATUSES)}) AND (verdict IS NULL OR n_supports + n_refutes = 0)",
    "claims whose evidence counters are wrong": """
        SELECT c.id FROM claim c LEFT JOIN (
            SELECT claim_id,
                   SUM(stance = 'supports') s, SUM(stance = 'refutes') r,
                   SUM(stance = 'context') x, SUM(stance = 'appearance') a, COUNT(*) n
            FROM evidence GROUP BY claim_id) e ON e.claim_id = c.id
        WHERE c.n_supports != IFNULL(e.s, 0) OR c.n_refutes != IFNULL(e.r, 0)
           OR c.n_context != IFNULL(e.x, 0) OR c.n_appearance != IFNULL(e.a, 0)
           OR c.n_sources != IFNULL(e.n, 0)""",
    "sources whose citing-claims counter is wrong": """
        SELECT s.id FROM source s LEFT JOIN (
            SELECT source_id, COUNT(DISTINCT claim_id) n FROM evidence GROUP BY source_id) e
            ON e.source_id = s.id
        WHERE s.n_claims != IFNULL(e.n, 0)""",
    "claims whose claimant name is out of step": """
        SELECT c.id FROM claim c LEFT JOIN claimant p ON p.id = c.claimant_id
        WHERE c.claimant_name != IFNULL(p.name, '')""",
    "claims missing from the search index": "SELECT id FROM claim WHERE id NOT IN (SELECT rowid FROM claim_fts)",
    "search index rows without a claim": "SELECT rowid FROM claim_fts WHERE rowid NOT IN (SELECT id FROM claim)",
    "final claims without a finalisation time": "SELECT id FROM claim WHERE status = 'final' AND finalised_at IS NULL",
}


def invariant_problems(db: SqliteDatabase, limit: int = 5) -> list[str]:
    problems = []
    for what, sql in INVARIANTS.items():
        rows = db.execute_sql(sql + f" LIMIT {limit + 1}").fetchall()
        if rows:
            ids = ", ".join(str(r[0]) for r in rows[:limit]) + (", ..." if len(rows) > limit else "")
            problems.append(f"{what}: {ids}")
    return problems


def check_database(db: SqliteDatabase) -> list[str]:
    """Everything wrong with ``db``; an empty list means healthy."""
    problems = integrity_problems_sqlite(db.connection())
    if problems:
        return problems  # invariants mean little on a damaged file
    return invariant_problems(db)
