"""The models: identities, timestamps, constraints and the indexes the claims table needs."""

from __future__ import annotations

import re
import uuid

import pytest
from peewee import IntegrityError

from desktop import search, services
from desktop.models import ALL_MODELS, Claim, Claimant, ClaimTag, Evidence, History, Source, utcnow
from desktop.services import ClaimInput, SourceInput
from desktop.workflow import STATUSES, VERDICTS

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def _leading_index_columns(db, table: str) -> set[str]:
    first = set()
    for row in db.execute_sql(f'PRAGMA index_list("{table}")').fetchall():
        columns = db.execute_sql(f'PRAGMA index_info("{row[1]}")').fetchall()
        if columns:
            first.add(columns[0][2])
    # the rowid (INTEGER PRIMARY KEY) is its own index
    first.add("id")
    return first


# Columns the claims table sorts on (search.SORT_KEYS) and filters on (search.filter_conditions).
FILTER_COLUMNS = {"deleted_at", "status", "verdict", "claimant_id", "claimed_on", "n_sources", "uuid"}


def test_every_sort_and_filter_column_of_claim_has_an_index(database):
    indexed = _leading_index_columns(database, "claim")
    sorted_on = {field.column_name for field in search.SORT_KEYS.values()}
    missing = (sorted_on | FILTER_COLUMNS) - indexed
    assert not missing, f"claim columns sorted or filtered on without an index: {sorted(missing)}"


def test_link_tables_are_indexed_both_ways(database):
    assert {"claim_id", "tag_id"} <= _leading_index_columns(database, "claim_tag")
    assert {"claim_id", "source_id"} <= _leading_index_columns(database, "evidence")
    assert "claim_id" in _leading_index_columns(database, "history")
    assert {"url", "uuid", "title", "updated_at"} <= _leading_index_columns(database, "source")


def test_every_model_has_its_table(database):
    tables = {r[0] for r in database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for model in ALL_MODELS:
        assert model._meta.table_name in tables


def test_utcnow_format():
    assert TIMESTAMP.match(utcnow())


def test_claim_identity_and_timestamps(database, make_claim, make_source):
    claim = make_claim("A claim with an identity")
    assert uuid.UUID(claim.uuid).version == 4
    assert TIMESTAMP.match(claim.created_at) and TIMESTAMP.match(claim.updated_at)
    assert claim.deleted_at is None and claim.finalised_at is None
    assert claim.status == "unstarted" and claim.verdict is None
    original = (claim.uuid, claim.created_at)

    services.update_claim(claim.id, ClaimInput(text="Reworded claim"))
    source = make_source()
    services.link_evidence(claim.id, source.id, "supports")
    services.set_verdict(claim.id, "mostly_true")
    services.set_status(claim.id, "in_progress")
    services.set_status(claim.id, "needs_review")
    services.set_status(claim.id, "final")
    services.trash_claims([claim.id])
    services.restore_claims([claim.id])
    again = Claim.get_by_id(claim.id)
    assert (again.uuid, again.created_at) == original, "the UUID and creation time never change"
    assert again.updated_at > claim.updated_at
    assert TIMESTAMP.match(again.finalised_at)
    assert again.status in STATUSES and again.verdict in VERDICTS, "stored as stable ids"


def test_source_identity_and_url_uniqueness(database):
    source = services.create_source(SourceInput(title="Report", url="https://example.org/report"))
    assert uuid.UUID(source.uuid)
    assert TIMESTAMP.match(source.created_at)
    services.update_source(source.id, SourceInput(title="Report, revised", url="https://example.org/report"))
    assert Source.get_by_id(source.id).uuid == source.uuid
    with pytest.raises(IntegrityError):
        Source.insert(title="Twin", url="https://example.org/report", uuid=str(uuid.uuid4()), created_at=utcnow(),
                      updated_at=utcnow()).execute()
    # offline material has no URL, and many such sources may exist
    services.create_source(SourceInput(title="Interview notes, day 1"))
    services.create_source(SourceInput(title="Interview notes, day 2"))
    assert Source.select().where(Source.url.is_null()).count() == 2


def test_uuids_are_unique(database, make_claim):
    a = make_claim("one")
    with pytest.raises(IntegrityError):
        Claim.insert(text="copy", uuid=a.uuid).execute()


def test_foreign_keys_are_enforced(database, make_claim):
    with pytest.raises(IntegrityError):
        Evidence.insert(claim=12345, source=54321, stance="supports").execute()
    with pytest.raises(IntegrityError):
        History.insert(claim=12345, field="status").execute()


def test_deleting_a_claimant_leaves_the_claim(database, make_claim):
    claim = make_claim("Said by someone", claimant="Spokesperson")
    Claimant.delete().where(Claimant.id == claim.claimant_id).execute()
    assert Claim.get_by_id(claim.id).claimant_id is None


def test_purging_a_claim_cascades_to_its_links_not_its_sources(database, make_claim, make_source):
    claim = make_claim("Goes for good", tags=["gone"])
    source = make_source()
    services.link_evidence(claim.id, source.id, "context")
    services.trash_claims([claim.id])
    services.purge_claims([claim.id])
    assert Evidence.select().count() == 0 and ClaimTag.select().count() == 0
    assert History.select().where(History.claim == claim.id).count() == 0
    assert Source.get_or_none(Source.id == source.id) is not None


def test_evidence_unique_per_claim_source_locator(database, make_claim, make_source):
    claim, source = make_claim(), make_source()
    services.link_evidence(claim.id, source.id, "supports", locator="p. 3")
    with pytest.raises(IntegrityError):
        Evidence.insert(claim=claim.id, source=source.id, stance="refutes", locator="p. 3",
                        created_at=utcnow()).execute()
