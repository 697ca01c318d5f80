"""Drop the full-table claim indexes that the live-claim indexes of 0004 replaced.

Every claims-table query is either about live claims (``deleted_at IS NULL``),
which the partial ``claim_live_*`` indexes of migration 0004 serve, or about
the trash, which is small and found through ``claim_deleted_at``. The ten
full single-column indexes below were no longer chosen by any hot query
(``EXPLAIN QUERY PLAN`` in tests/benchmarks/test_workspace_speed.py and
test_dashboard_speed.py), yet every claim write had to update them and every
demo or import had to build them: 27 indexes on one table became 17.
"""

DROPPED = (
    "claim_headline",
    "claim_claimant_name",
    "claim_claimed_on",
    "claim_priority",
    "claim_status",
    "claim_verdict",
    "claim_tags_text",
    "claim_n_sources",
    "claim_created_at",
    "claim_updated_at",
)


def up(migrator, db):
    for name in DROPPED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
