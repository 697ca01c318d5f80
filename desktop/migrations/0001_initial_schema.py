"""Create the first Claimlog schema.

The statements are frozen here as SQL on purpose: later changes to
``desktop/models.py`` must come with a new numbered migration, never by
editing this one. ``tests/test_migrations.py`` checks that migrating a fresh
file gives exactly the schema the models describe.
"""

STATEMENTS = [
    'CREATE TABLE "source" ("id" INTEGER NOT NULL PRIMARY KEY, "uuid" TEXT NOT NULL, "kind" TEXT NOT NULL, "title" TEXT NOT NULL, "publisher" TEXT NOT NULL, "published_on" TEXT NOT NULL, "url" TEXT, "accessed_on" TEXT NOT NULL, "language" TEXT NOT NULL, "credibility" TEXT NOT NULL, "notes" TEXT NOT NULL, "confidential" INTEGER NOT NULL, "n_claims" INTEGER NOT NULL, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL, "deleted_at" TEXT)',
    'CREATE UNIQUE INDEX "source_uuid" ON "source" ("uuid")',
    'CREATE INDEX "source_kind" ON "source" ("kind")',
    'CREATE INDEX "source_title" ON "source" ("title")',
    'CREATE INDEX "source_publisher" ON "source" ("publisher")',
    'CREATE INDEX "source_published_on" ON "source" ("published_on")',
    'CREATE UNIQUE INDEX "source_url" ON "source" ("url")',
    'CREATE INDEX "source_credibility" ON "source" ("credibility")',
    'CREATE INDEX "source_n_claims" ON "source" ("n_claims")',
    'CREATE INDEX "source_updated_at" ON "source" ("updated_at")',
    'CREATE TABLE "archive" ("id" INTEGER NOT NULL PRIMARY KEY, "source_id" INTEGER NOT NULL, "url" TEXT NOT NULL, "service" TEXT NOT NULL, "captured_at" TEXT NOT NULL, FOREIGN KEY ("source_id") REFERENCES "source" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "archive_source_id" ON "archive" ("source_id")',
    'CREATE TABLE "claimant" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "kind" TEXT NOT NULL, "notes" TEXT NOT NULL, "created_at" TEXT NOT NULL)',
    'CREATE UNIQUE INDEX "claimant_name" ON "claimant" ("name")',
    'CREATE TABLE "claim" ("id" INTEGER NOT NULL PRIMARY KEY, "uuid" TEXT NOT NULL, "text" TEXT NOT NULL, "short_text" TEXT NOT NULL, "headline" TEXT NOT NULL, "claimant_id" INTEGER, "claimant_name" TEXT NOT NULL, "claimed_on" TEXT NOT NULL, "appearance_url" TEXT NOT NULL, "other_appearances" TEXT NOT NULL, "location" TEXT NOT NULL, "language" TEXT NOT NULL, "context" TEXT NOT NULL, "priority" INTEGER NOT NULL, "status" TEXT NOT NULL, "verdict" TEXT, "verdict_explanation" TEXT NOT NULL, "published_url" TEXT NOT NULL, "tags_text" TEXT NOT NULL, "n_supports" INTEGER NOT NULL, "n_refutes" INTEGER NOT NULL, "n_context" INTEGER NOT NULL, "n_appearance" INTEGER NOT NULL, "n_sources" INTEGER NOT NULL, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL, "deleted_at" TEXT, "finalised_at" TEXT, "synced_at" TEXT, FOREIGN KEY ("claimant_id") REFERENCES "claimant" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "claim_uuid" ON "claim" ("uuid")',
    'CREATE INDEX "claim_headline" ON "claim" ("headline")',
    'CREATE INDEX "claim_claimant_id" ON "claim" ("claimant_id")',
    'CREATE INDEX "claim_claimant_name" ON "claim" ("claimant_name")',
    'CREATE INDEX "claim_claimed_on" ON "claim" ("claimed_on")',
    'CREATE INDEX "claim_priority" ON "claim" ("priority")',
    'CREATE INDEX "claim_status" ON "claim" ("status")',
    'CREATE INDEX "claim_verdict" ON "claim" ("verdict")',
    'CREATE INDEX "claim_n_sources" ON "claim" ("n_sources")',
    'CREATE INDEX "claim_created_at" ON "claim" ("created_at")',
    'CREATE INDEX "claim_updated_at" ON "claim" ("updated_at")',
    'CREATE INDEX "claim_deleted_at" ON "claim" ("deleted_at")',
    'CREATE VIRTUAL TABLE "claim_fts" USING fts5 ("text", "context", "claimant", "tags", "sources", tokenize="unicode61 remove_diacritics 2")',
    'CREATE TABLE "tag" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL)',
    'CREATE UNIQUE INDEX "tag_name" ON "tag" ("name")',
    'CREATE TABLE "claim_tag" ("claim_id" INTEGER NOT NULL, "tag_id" INTEGER NOT NULL, PRIMARY KEY ("claim_id", "tag_id"), FOREIGN KEY ("claim_id") REFERENCES "claim" ("id") ON DELETE CASCADE, FOREIGN KEY ("tag_id") REFERENCES "tag" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "claim_tag_tag_id_claim_id" ON "claim_tag" ("tag_id", "claim_id")',
    'CREATE TABLE "evidence" ("id" INTEGER NOT NULL PRIMARY KEY, "claim_id" INTEGER NOT NULL, "source_id" INTEGER NOT NULL, "stance" TEXT NOT NULL, "quote" TEXT NOT NULL, "locator" TEXT NOT NULL, "note" TEXT NOT NULL, "created_at" TEXT NOT NULL, FOREIGN KEY ("claim_id") REFERENCES "claim" ("id") ON DELETE CASCADE, FOREIGN KEY ("source_id") REFERENCES "source" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "evidence_source_id" ON "evidence" ("source_id")',
    'CREATE UNIQUE INDEX "evidence_claim_id_source_id_locator" ON "evidence" ("claim_id", "source_id", "locator")',
    'CREATE TABLE "history" ("id" INTEGER NOT NULL PRIMARY KEY, "claim_id" INTEGER NOT NULL, "field" TEXT NOT NULL, "old_value" TEXT, "new_value" TEXT, "who" TEXT NOT NULL, "at" TEXT NOT NULL, "reason" TEXT NOT NULL, "is_correction" INTEGER NOT NULL, FOREIGN KEY ("claim_id") REFERENCES "claim" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "history_claim_id_at" ON "history" ("claim_id", "at")',
    'CREATE VIRTUAL TABLE "source_fts" USING fts5 ("title", "publisher", "url", "notes", tokenize="unicode61 remove_diacritics 2")',
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
