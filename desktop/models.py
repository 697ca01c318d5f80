"""Peewee models: the shape of a Claimlog database.

These classes are used for queries and by the services; the schema itself is
created and changed only by the numbered scripts in ``desktop/migrations``
(a test checks that both agree).

Conventions:
- timestamps are ISO 8601 UTC text with microseconds and a ``Z``
  (``2026-11-23T19:40:00.123456Z``): they sort as text, survive CSV
  unchanged and need no parsing on the hot path;
- ``claimed_on`` and other "dates as people know them" are partial ISO dates:
  ``2023``, ``2023-11`` or ``2023-11-05``;
- a few columns of ``claim`` are kept in step by the services so the claims
  table can sort and filter on them with an index at a million rows:
  ``claimant_name``, ``tags_text`` and the evidence counters ``n_*``.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timezone

from peewee import (
    AutoField,
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)
from playhouse.sqlite_ext import FTS5Model, RowIDField, SearchField

database = DatabaseProxy()


def utcnow() -> str:
    """Now as stored: ISO 8601 UTC with microseconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_uuid() -> str:
    return str(uuid_module.uuid4())


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Claimant(BaseModel):
    id = AutoField()
    name = TextField(unique=True)  # matched case-insensitively by the services
    kind = TextField(default="unknown")  # person, organisation, unknown
    notes = TextField(default="")
    created_at = TextField(default=utcnow)

    class Meta:
        table_name = "claimant"


class Tag(BaseModel):
    id = AutoField()
    name = TextField(unique=True)

    class Meta:
        table_name = "tag"


class Claim(BaseModel):
    id = AutoField()
    uuid = TextField(unique=True, default=new_uuid)
    text = TextField()
    short_text = TextField(default="")
    headline = TextField(default="")  # short_text, else start of text; kept by services (sorted via claim_live_*)
    claimant = ForeignKeyField(Claimant, null=True, on_delete="SET NULL", backref="claims")
    claimant_name = TextField(default="")  # copy of claimant.name, for sorting
    claimed_on = TextField(default="")  # partial ISO date
    appearance_url = TextField(default="")
    other_appearances = TextField(default="")  # URLs, one per line
    location = TextField(default="")
    language = TextField(default="")
    context = TextField(default="")
    priority = IntegerField(default=0)
    status = TextField(default="unstarted")
    verdict = TextField(null=True)
    verdict_explanation = TextField(default="")
    published_url = TextField(default="")
    tags_text = TextField(default="")  # "a; b", sorted; kept by services
    n_supports = IntegerField(default=0)
    n_refutes = IntegerField(default=0)
    n_context = IntegerField(default=0)
    n_appearance = IntegerField(default=0)
    n_sources = IntegerField(default=0)  # all evidence links
    created_at = TextField(default=utcnow)
    updated_at = TextField(default=utcnow)
    deleted_at = TextField(null=True, index=True)  # in the trash since
    finalised_at = TextField(null=True)  # first time it became final
    # The updated_at both sides agreed on at the last exchange (import or
    # export); an import compares against it to tell a conflict from an update.
    synced_at = TextField(null=True)

    class Meta:
        table_name = "claim"
        # Covering indexes for the dashboard (migration 0003).
        indexes = (
            (("deleted_at", "status", "verdict"), False),
            (("deleted_at", "created_at"), False),
            (("deleted_at", "finalised_at"), False),
            (("deleted_at", "verdict", "claimant"), False),
        )


# Live-claim sort indexes (migration 0004): one per sortable column, holding
# only rows with deleted_at IS NULL; the claims table reads them with INDEXED BY.
LIVE_SORT_COLUMNS = ("headline", "claimant_name", "claimed_on", "status", "verdict", "n_sources", "tags_text",
                     "priority", "created_at", "updated_at")
for _column in LIVE_SORT_COLUMNS:
    Claim.add_index(Claim.index(getattr(Claim, _column), name=f"claim_live_{_column}",
                                where=Claim.deleted_at.is_null()))
del _column

# Dashboard indexes (migration 0006): live claims, keyed by the column one part
# of the dashboard walks, then the columns every filter tests.
DASHBOARD_FILTER_COLUMNS = ("status", "verdict", "claimant", "n_sources", "claimed_on")
for _name, _lead, _where in (
    ("claim_dash_status", (), Claim.deleted_at.is_null()),
    ("claim_dash_created", ("created_at",), Claim.deleted_at.is_null()),
    ("claim_dash_finalised", ("finalised_at",), Claim.deleted_at.is_null() & Claim.finalised_at.is_null(False)),
    ("claim_dash_id", ("id",), Claim.deleted_at.is_null()),
):
    Claim.add_index(Claim.index(*(getattr(Claim, c) for c in _lead + DASHBOARD_FILTER_COLUMNS), name=_name,
                                where=_where))
del _name, _lead, _where

# The trash in its usual order (migration 0007): its first page without reading every trashed row.
Claim.add_index(Claim.index(Claim.updated_at, name="claim_trash_updated_at", where=Claim.deleted_at.is_null(False)))

# The text sort keys by claim id (migration 0009): a search's matches sorted by headline, claimant or
# tags without reading their rows.
KEYED_SORT_COLUMNS = ("headline", "claimant_name", "tags_text")
for _column in KEYED_SORT_COLUMNS:
    Claim.add_index(Claim.index(Claim.id, getattr(Claim, _column), name=f"claim_id_{_column}",
                                where=Claim.deleted_at.is_null()))
del _column


class ClaimTag(BaseModel):
    claim = ForeignKeyField(Claim, on_delete="CASCADE", backref="claim_tags", index=False)
    tag = ForeignKeyField(Tag, on_delete="CASCADE", backref="claim_tags", index=False)

    class Meta:
        table_name = "claim_tag"
        primary_key = CompositeKey("claim", "tag")
        indexes = ((("tag", "claim"), False),)


class Source(BaseModel):
    id = AutoField()
    uuid = TextField(unique=True, default=new_uuid)
    kind = TextField(default="web_page", index=True)
    title = TextField(default="", index=True)
    publisher = TextField(default="", index=True)
    published_on = TextField(default="", index=True)  # partial ISO date
    url = TextField(null=True, unique=True)  # normalised; None for offline material
    accessed_on = TextField(default="")
    language = TextField(default="")
    credibility = TextField(default="unrated", index=True)
    notes = TextField(default="")
    confidential = BooleanField(default=False)
    n_claims = IntegerField(default=0, index=True)  # claims citing it; kept by services
    created_at = TextField(default=utcnow)
    updated_at = TextField(default=utcnow, index=True)
    deleted_at = TextField(null=True)

    class Meta:
        table_name = "source"


class Archive(BaseModel):
    """An archived copy of a source (Wayback Machine, archive.today...)."""

    id = AutoField()
    source = ForeignKeyField(Source, on_delete="CASCADE", backref="archives")
    url = TextField()
    service = TextField(default="other")  # wayback, archive_today, other
    captured_at = TextField(default="")

    class Meta:
        table_name = "archive"


class Evidence(BaseModel):
    """A claim linked to a source, with the stance and the quoted passage."""

    id = AutoField()
    claim = ForeignKeyField(Claim, on_delete="CASCADE", backref="evidence", index=False)
    source = ForeignKeyField(Source, on_delete="CASCADE", backref="evidence", index=False)
    stance = TextField(default="context")
    quote = TextField(default="")
    locator = TextField(default="")  # page, paragraph, timestamp
    note = TextField(default="")
    created_at = TextField(default=utcnow)

    class Meta:
        table_name = "evidence"
        # (source, claim) since migration 0006: a source's citing claims from the index alone.
        indexes = ((("claim", "source", "locator"), True), (("source", "claim"), False))


class History(BaseModel):
    """One recorded change: status, verdict, explanation or claim text."""

    id = AutoField()
    claim = ForeignKeyField(Claim, on_delete="CASCADE", backref="history", index=False)
    field = TextField()
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    who = TextField(default="")
    at = TextField(default=utcnow)
    reason = TextField(default="")
    is_correction = BooleanField(default=False)  # changed after it was final

    class Meta:
        table_name = "history"
        indexes = ((("claim", "at"), False),)


class ClaimIndex(FTS5Model):
    """Full-text index; rowid is claim.id; kept in step by the services.

    Text in scripts written without spaces (Burmese, Thai, Chinese...) is
    stored pre-split by ``search.index_text`` so that a phrase query finds
    substrings; see ``desktop/search.py``.
    """

    rowid = RowIDField()
    text = SearchField()
    context = SearchField()
    claimant = SearchField()
    tags = SearchField()
    sources = SearchField()

    class Meta:
        database = database
        table_name = "claim_fts"
        # Prefix indexes make search as you type ("La", "tow") read one list (migration 0008).
        options = {"tokenize": "unicode61 remove_diacritics 2", "prefix": "'2 3'"}


class SourceIndex(FTS5Model):
    """Full-text index over the source library; rowid is source.id."""

    rowid = RowIDField()
    title = SearchField()
    publisher = SearchField()
    url = SearchField()
    notes = SearchField()

    class Meta:
        database = database
        table_name = "source_fts"
        options = {"tokenize": "unicode61 remove_diacritics 2"}


ALL_MODELS = [Claimant, Tag, Claim, ClaimTag, Source, Archive, Evidence, History, ClaimIndex, SourceIndex]
