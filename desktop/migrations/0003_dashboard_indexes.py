"""Covering indexes for the Dashboard (desktop/dashboard_data.py).

Each starts with ``deleted_at`` (every claims query says "live" or "trash"),
then the columns one dashboard query reads, so SQLite answers from the index
alone instead of visiting a million rows:
- counts by status and verdict;
- claims logged per week (created_at) and finalised per week (finalised_at);
- claimants with the most False or Misleading verdicts.
"""


def up(migrator, db):
    db.execute_sql('CREATE INDEX "claim_deleted_at_status_verdict" ON "claim" ("deleted_at", "status", "verdict")')
    db.execute_sql('CREATE INDEX "claim_deleted_at_created_at" ON "claim" ("deleted_at", "created_at")')
    db.execute_sql('CREATE INDEX "claim_deleted_at_finalised_at" ON "claim" ("deleted_at", "finalised_at")')
    db.execute_sql(
        'CREATE INDEX "claim_deleted_at_verdict_claimant_id" ON "claim" ("deleted_at", "verdict", "claimant_id")'
    )
