"""The source library and evidence links (claim <-> source, with stance and quote)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from peewee import fn

from desktop import search
from desktop.errors import ValidationError, WorkflowError
from desktop.models import Archive, Claim, Evidence, Source
from desktop.services.claims import reindex_claim
from desktop.services.common import (
    LIMITS,
    clean_choice,
    clean_line,
    clean_partial_date,
    clean_text,
    clean_timestamp,
    clean_url,
    get_or_404,
    utcnow,
    write,
)
from desktop.urls import normalize_url
from desktop.workflow import CREDIBILITY, DECISIVE_STANCES, GATED_STATUSES, SOURCE_KINDS, STANCES

ARCHIVE_SERVICES = ("wayback", "archive_today", "other")


@dataclass
class ArchiveInput:
    url: str
    service: str = ""  # guessed from the host when empty
    captured_at: str = ""


@dataclass
class SourceInput:
    title: str = ""
    url: str = ""
    kind: str = "web_page"
    publisher: str = ""
    published_on: str = ""
    accessed_on: str = ""
    language: str = ""
    credibility: str = "unrated"
    notes: str = ""
    confidential: bool = False
    archives: list[ArchiveInput] = field(default_factory=list)

    @classmethod
    def from_source(cls, source: Source) -> "SourceInput":
        """The fields of a stored source, as a form shows them (to edit, or to write back on undo)."""
        archives = [ArchiveInput(a.url, a.service, a.captured_at)
                    for a in Archive.select().where(Archive.source == source.id).order_by(Archive.id)]
        return cls(
            title=source.title, url=source.url or "", kind=source.kind, publisher=source.publisher,
            published_on=source.published_on, accessed_on=source.accessed_on, language=source.language,
            credibility=source.credibility, notes=source.notes, confidential=source.confidential,
            archives=archives,
        )


def guess_archive_service(url: str) -> str:
    # The host name proper: a port ("web.archive.org:443") or user part must not hide it.
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    if host == "web.archive.org" or host == "wayback.archive.org":
        return "wayback"
    if host.split(".")[0] == "archive" and host.rsplit(".", 1)[-1] in ("today", "ph", "is", "li", "vn", "md", "fo"):
        return "archive_today"
    return "other"


def validate_source(data: SourceInput) -> dict:
    values = {
        "title": clean_line("title", data.title, limit=1000),
        "kind": clean_choice("kind", data.kind or "web_page", SOURCE_KINDS),
        "publisher": clean_line("publisher", data.publisher),
        "published_on": clean_partial_date("published_on", data.published_on),
        "accessed_on": clean_partial_date("accessed_on", data.accessed_on),
        "language": clean_line("language", data.language, limit=35),
        "credibility": clean_choice("credibility", data.credibility or "unrated", CREDIBILITY),
        "notes": clean_text("notes", data.notes),
        "confidential": bool(data.confidential),
    }
    url = clean_url("url", data.url)
    values["url"] = normalize_url(url) if url else None
    if not values["title"] and not values["url"]:
        raise ValidationError("title", "a source needs a title or a web address.")
    if not values["title"]:
        values["title"] = values["url"]
    archives = []
    for n, archive in enumerate(data.archives or [], start=1):
        a_url = clean_url(f"archive {n} url", archive.url, required=True)
        service = archive.service or guess_archive_service(a_url)
        service = clean_choice(f"archive {n} service", service, ARCHIVE_SERVICES)
        archives.append((a_url, service, clean_timestamp(f"archive {n} captured_at", archive.captured_at)))
    values["archives"] = archives
    return values


def find_source_by_url(url: str) -> Source | None:
    """The source whose normalised address equals ``url`` normalised."""
    try:
        key = normalize_url((url or "").strip())
    except ValueError:
        return None
    return Source.get_or_none(Source.url == key)


def _refuse_duplicate(url: str | None, exclude_id: int | None = None) -> None:
    if not url:
        return
    query = Source.select().where(Source.url == url)
    if exclude_id is not None:
        query = query.where(Source.id != exclude_id)
    twin = query.first()
    if twin is not None:
        raise ValidationError(
            "url", f"this address is already in the library as \u201c{twin.title}\u201d; that source was opened instead.",
            existing_id=twin.id,
        )


def _store_archives(source_id: int, archives) -> None:
    Archive.delete().where(Archive.source == source_id).execute()
    for url, service, captured_at in archives:
        Archive.create(source=source_id, url=url, service=service, captured_at=captured_at)


@write
def create_source(data: SourceInput) -> Source:
    """Add a source; an address already in the library raises with ``existing_id``."""
    values = validate_source(data)
    _refuse_duplicate(values["url"])
    archives = values.pop("archives")
    now = utcnow()
    source = Source.create(created_at=now, updated_at=now, **values)
    _store_archives(source.id, archives)
    search.write_source_document(source)
    return source


@write
def update_source(source_id: int, data: SourceInput) -> Source:
    source = get_or_404(Source, source_id)
    values = validate_source(data)
    _refuse_duplicate(values["url"], exclude_id=source_id)
    archives = values.pop("archives")
    title_changed = values["title"] != source.title
    for name, value in values.items():
        setattr(source, name, value)
    source.updated_at = utcnow()
    source.save()
    _store_archives(source.id, archives)
    search.write_source_document(source)
    if title_changed:
        for (cid,) in Evidence.select(Evidence.claim).where(Evidence.source == source_id).distinct().tuples():
            reindex_claim(cid)
    return source


@dataclass(frozen=True)
class DeletedSource:
    """What ``delete_source`` removed, enough for ``restore_source`` to put it back as it was."""

    id: int
    uuid: str
    created_at: str
    updated_at: str
    data: SourceInput


@write
def delete_source(source_id: int) -> DeletedSource:
    """Remove a source that no claim cites; returns what was removed (for undo)."""
    source = get_or_404(Source, source_id)
    cited = Evidence.select(fn.COUNT(Evidence.claim.distinct())).where(Evidence.source == source_id).scalar()
    if cited:
        raise ValidationError("source", f"\u201c{source.title}\u201d is cited by {cited} claim(s); unlink it first.")
    from desktop.models import SourceIndex

    removed = DeletedSource(source.id, source.uuid, source.created_at, source.updated_at,
                            SourceInput.from_source(source))
    SourceIndex.delete().where(SourceIndex.rowid == source_id).execute()
    source.delete_instance(recursive=True)
    return removed


@write
def restore_source(removed: DeletedSource) -> Source:
    """Put a deleted source back under its own id and uuid, archives and search entry included.

    Refused when another source has taken its id, its uuid (an import) or its
    address meanwhile: the library never holds two of one source.
    """
    values = validate_source(removed.data)
    taken = Source.get_or_none((Source.id == removed.id) | (Source.uuid == removed.uuid))
    if taken is not None:
        raise ValidationError("source", f"the source \u201c{removed.data.title}\u201d cannot come back: "
                                        f"\u201c{taken.title}\u201d now holds its place in the library.")
    _refuse_duplicate(values["url"])
    archives = values.pop("archives")
    Source.insert(id=removed.id, uuid=removed.uuid, created_at=removed.created_at, updated_at=removed.updated_at,
                  n_claims=0, **values).execute()
    _store_archives(removed.id, archives)
    source = Source.get_by_id(removed.id)
    search.write_source_document(source)
    return source


def refresh_claim_counts(claim_id: int) -> None:
    counts = dict(
        Evidence.select(Evidence.stance, fn.COUNT(Evidence.id)).where(Evidence.claim == claim_id)
        .group_by(Evidence.stance).tuples()
    )
    Claim.update(
        n_supports=counts.get("supports", 0),
        n_refutes=counts.get("refutes", 0),
        n_context=counts.get("context", 0),
        n_appearance=counts.get("appearance", 0),
        n_sources=sum(counts.values()),
    ).where(Claim.id == claim_id).execute()


def refresh_source_counts(source_ids) -> None:
    for sid in set(source_ids):
        n = Evidence.select(fn.COUNT(Evidence.claim.distinct())).where(Evidence.source == sid).scalar() or 0
        Source.update(n_claims=n).where(Source.id == sid).execute()


def _validate_link(stance, quote, locator, note) -> tuple[str, str, str, str]:
    return (
        clean_choice("stance", stance, STANCES),
        clean_text("quote", quote, limit=LIMITS["long"]),
        clean_line("locator", locator),
        clean_text("note", note),
    )


def _refuse_same_locator(claim_id, source_id, locator, exclude_id=None) -> None:
    query = Evidence.select().where(
        Evidence.claim == claim_id, Evidence.source == source_id, Evidence.locator == locator
    )
    if exclude_id is not None:
        query = query.where(Evidence.id != exclude_id)
    if query.exists():
        where = f"locator \u201c{locator}\u201d" if locator else "no locator"
        raise ValidationError(
            "locator", f"this claim already cites this source with {where}; give a different locator "
            "(page, paragraph or timestamp) to link it again.",
        )


def _touch(claim_id: int) -> None:
    Claim.update(updated_at=utcnow()).where(Claim.id == claim_id).execute()


@write
def link_evidence(claim_id: int, source_id: int, stance: str, quote: str = "", locator: str = "",
                  note: str = "") -> Evidence:
    claim = get_or_404(Claim, claim_id)
    get_or_404(Source, source_id)
    stance, quote, locator, note = _validate_link(stance, quote, locator, note)
    _refuse_same_locator(claim_id, source_id, locator)
    if claim.status == "final":
        raise WorkflowError("evidence", "the claim is final; reopen it (with a reason) before changing its sources.",
                            ("reopen",))
    evidence = Evidence.create(claim=claim_id, source=source_id, stance=stance, quote=quote, locator=locator,
                               note=note, created_at=utcnow())
    refresh_claim_counts(claim_id)
    refresh_source_counts([source_id])
    _touch(claim_id)
    reindex_claim(claim_id)
    return evidence


def _guard_gate(evidence: Evidence, new_stance: str | None) -> None:
    """Refuse to take away the last decisive source of a gated claim."""
    claim = evidence.claim
    if claim.status == "final":
        raise WorkflowError("evidence", "the claim is final; reopen it (with a reason) before changing its sources.",
                            ("reopen",))
    if claim.status in GATED_STATUSES and evidence.stance in DECISIVE_STANCES and new_stance not in DECISIVE_STANCES:
        others = Evidence.select().where(
            Evidence.claim == claim.id, Evidence.stance.in_(list(DECISIVE_STANCES)), Evidence.id != evidence.id
        ).exists()
        if not others:
            raise WorkflowError(
                "evidence", "this is the claim's only supporting or refuting source, which Needs review needs; "
                "move the claim back to In progress first.",
            )


@write
def update_evidence(evidence_id: int, stance: str, quote: str = "", locator: str = "", note: str = "") -> Evidence:
    evidence = get_or_404(Evidence, evidence_id)
    stance, quote, locator, note = _validate_link(stance, quote, locator, note)
    _guard_gate(evidence, stance)
    _refuse_same_locator(evidence.claim_id, evidence.source_id, locator, exclude_id=evidence_id)
    evidence.stance, evidence.quote, evidence.locator, evidence.note = stance, quote, locator, note
    evidence.save()
    refresh_claim_counts(evidence.claim_id)
    _touch(evidence.claim_id)
    return evidence


@write
def unlink_evidence(evidence_id: int) -> dict:
    """Remove a link; returns what it held, so an undo can put it back."""
    evidence = get_or_404(Evidence, evidence_id)
    _guard_gate(evidence, None)
    removed = {
        "claim_id": evidence.claim_id, "source_id": evidence.source_id, "stance": evidence.stance,
        "quote": evidence.quote, "locator": evidence.locator, "note": evidence.note,
    }
    evidence.delete_instance()
    refresh_claim_counts(removed["claim_id"])
    refresh_source_counts([removed["source_id"]])
    _touch(removed["claim_id"])
    reindex_claim(removed["claim_id"])
    return removed
