"""Index claim.tags_text: the claims table sorts on it (search.SORT_KEYS["tags"]).

Without it, sorting a million claims by tags reads and sorts the whole table.
"""


def up(migrator, db):
    db.execute_sql('CREATE INDEX "claim_tags_text" ON "claim" ("tags_text")')
