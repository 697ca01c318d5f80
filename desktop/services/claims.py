"""Claims, claimants and tags: create, edit, trash, restore, purge."""

from __future__ import annotations

from dataclasses import dataclass, field

from peewee import fn

from desktop import search
from desktop.errors import ValidationError
from desktop.models import Claim, Claimant, ClaimTag, Evidence, History, Source, Tag
from desktop.services.common import (
    LIMITS,
    clean_line,
    clean_partial_date,
    clean_text,
    clean_url,
    current_actor,
    get_or_404,
    utcnow,
    write,
)
from desktop.workflow import CLAIMANT_KINDS, PRIORITIES

HEADLINE_LENGTH = 160


@dataclass
class ClaimInput:
    """What the claim form collects; the services validate and store it."""

    text: str
    short_text: str = ""
    claimant: str = ""
    claimed_on: str = ""
    appearance_url: str = ""
    other_appearances: str = ""
    location: str = ""
    language: str = ""
    tags: list[str] = field(default_factory=list)
    priority: int = 0
    context: str = ""
    published_url: str = ""

    @classmethod
    def from_claim(cls, claim: Claim) -> "ClaimInput":
        return cls(
            text=claim.text,
            short_text=claim.short_text,
            claimant=claim.claimant_name,
            claimed_on=claim.claimed_on,
            appearance_url=claim.appearance_url,
            other_appearances=claim.other_appearances,
            location=claim.location,
            language=claim.language,
            tags=claim_tag_names(claim.id),
            priority=claim.priority,
            context=claim.context,
            published_url=claim.published_url,
        )


def validate_claim(data: ClaimInput) -> dict:
    """Clean every field or raise ValidationError naming the first bad one."""
    values = {
        "text": clean_text("text", data.text, required=True, limit=LIMITS["text"]),
        "short_text": clean_line("short_text", data.short_text, limit=LIMITS["short_text"]),
        "claimant": clean_line("claimant", data.claimant),
        "claimed_on": clean_partial_date("claimed_on", data.claimed_on),
        "appearance_url": clean_url("appearance_url", data.appearance_url),
        "location": clean_line("location", data.location),
        "language": clean_line("language", data.language, limit=35),
        "context": clean_text("context", data.context),
        "published_url": clean_url("published_url", data.published_url),
    }
    others = []
    for n, line in enumerate((data.other_appearances or "").splitlines(), start=1):
        if line.strip():
            others.append(clean_url(f"other_appearances (line {n})", line.strip()))
    values["other_appearances"] = "\n".join(others)
    try:
        priority = int(data.priority or 0)
    except (TypeError, ValueError):
        raise ValidationError("priority", f"'{data.priority}' is not a number.") from None
    if priority not in PRIORITIES:
        raise ValidationError("priority", f"must be one of {sorted(PRIORITIES)}.")
    values["priority"] = priority
    values["tags"] = clean_tags(data.tags)
    return values


def clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.replace(",", ";").split(";")
    # "; " separates tags in tags_text and in exchanged CSV: a ";" inside one
    # tag would come back as two, so it separates here too.
    tags = [part for raw in tags or [] for part in str(raw if raw is not None else "").split(";")]
    names: dict[str, str] = {}
    for raw in tags:
        name = clean_line("tags", raw, limit=LIMITS["tag"])
        if name:
            names.setdefault(name.casefold(), name)
    if len(names) > LIMITS["tags"]:
        raise ValidationError("tags", f"has {len(names)} tags; the limit is {LIMITS['tags']}.")
    return sorted(names.values(), key=str.casefold)


def headline_for(text: str, short_text: str) -> str:
    if short_text:
        return short_text
    flat = " ".join(text.split())
    return flat if len(flat) <= HEADLINE_LENGTH else flat[: HEADLINE_LENGTH - 1] + "…"


def find_by_name(model, name: str, exclude_id: int | None = None):
    """The row of ``model`` whose name equals ``name`` ignoring case, in any script.

    SQLite's lower() only folds ASCII, so names in Cyrillic, Greek, accented
    Latin... are compared in Python among the few names of the same length.
    """
    query = model.select()
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    found = query.where(model.name == name).first()
    if found is not None:
        return found
    if name.isascii():
        return query.where(fn.lower(model.name) == name.lower()).first()
    folded = name.casefold()
    for row in query.where(fn.length(model.name) == len(name)):
        if row.name.casefold() == folded:
            return row
    return None


def find_or_create_claimant(name: str, kind: str = "unknown") -> Claimant | None:
    """The claimant with this name (case-insensitive), created when new."""
    name = clean_line("claimant", name)
    if not name:
        return None
    found = find_by_name(Claimant, name)
    if found is not None:
        return found
    if kind not in CLAIMANT_KINDS:
        kind = "unknown"
    return Claimant.create(name=name, kind=kind)


def find_or_create_tag(name: str) -> Tag:
    name = clean_line("tags", name, required=True, limit=LIMITS["tag"])
    return find_by_name(Tag, name) or Tag.create(name=name)


def claim_tag_names(claim_id: int) -> list[str]:
    rows = Tag.select(Tag.name).join(ClaimTag).where(ClaimTag.claim == claim_id).tuples()
    return sorted((r[0] for r in rows), key=str.casefold)


def _set_tags(claim: Claim, names: list[str]) -> str:
    ClaimTag.delete().where(ClaimTag.claim == claim.id).execute()
    tags = [find_or_create_tag(n) for n in names]
    if tags:
        ClaimTag.insert_many([(claim.id, t.id) for t in tags], fields=[ClaimTag.claim, ClaimTag.tag]).execute()
    return "; ".join(t.name for t in sorted(tags, key=lambda t: t.name.casefold()))


def reindex_claim(claim_id: int) -> None:
    """Rewrite the claim's full-text row from what is stored now."""
    claim = Claim.get_by_id(claim_id)
    titles = [
        r[0]
        for r in Source.select(Source.title)
        .join(Evidence)
        .where(Evidence.claim == claim_id)
        .distinct()
        .tuples()
    ]
    tags = claim_tag_names(claim_id)
    search.write_claim_document(claim_id, search.claim_document(claim, claim.claimant_name, tags, titles))


def record(claim_id, field_name, old, new, who=None, reason="", correction=False):
    History.create(
        claim=claim_id,
        field=field_name,
        old_value=old,
        new_value=new,
        who=current_actor(who),
        at=utcnow(),
        reason=reason or "",
        is_correction=bool(correction),
    )


@write
def create_claim(data: ClaimInput, who: str | None = None) -> Claim:
    values = validate_claim(data)
    claimant = find_or_create_claimant(values["claimant"])
    now = utcnow()
    claim = Claim.create(
        text=values["text"],
        short_text=values["short_text"],
        headline=headline_for(values["text"], values["short_text"]),
        claimant=claimant,
        claimant_name=claimant.name if claimant else "",
        claimed_on=values["claimed_on"],
        appearance_url=values["appearance_url"],
        other_appearances=values["other_appearances"],
        location=values["location"],
        language=values["language"],
        context=values["context"],
        priority=values["priority"],
        published_url=values["published_url"],
        created_at=now,
        updated_at=now,
    )
    claim.tags_text = _set_tags(claim, values["tags"])
    claim.save(only=[Claim.tags_text])
    record(claim.id, "created", None, values["text"], who)
    reindex_claim(claim.id)
    return claim


@write
def update_claim(claim_id: int, data: ClaimInput, who: str | None = None, reason: str = "") -> Claim:
    claim = get_or_404(Claim, claim_id)
    values = validate_claim(data)
    correction = claim.finalised_at is not None
    if claim.status == "final" and values["text"] != claim.text:
        raise ValidationError("text", "the claim is final; reopen it (with a reason) before changing its text.")
    for name in ("text", "short_text"):
        if values[name] != getattr(claim, name):
            record(claim.id, name, getattr(claim, name), values[name], who, reason, correction)
    claimant = find_or_create_claimant(values["claimant"])
    for name in ("text", "short_text", "claimed_on", "appearance_url", "other_appearances", "location",
                 "language", "context", "priority", "published_url"):
        setattr(claim, name, values[name])
    claim.claimant = claimant
    claim.claimant_name = claimant.name if claimant else ""
    claim.headline = headline_for(values["text"], values["short_text"])
    claim.tags_text = _set_tags(claim, values["tags"])
    claim.updated_at = utcnow()
    claim.save()
    reindex_claim(claim.id)
    return claim


@write
def trash_claims(claim_ids, who: str | None = None) -> int:
    """Move claims to the trash; returns how many moved."""
    now = utcnow()
    ids = [c for (c,) in Claim.select(Claim.id).where(Claim.id.in_(list(claim_ids)), Claim.deleted_at.is_null()).tuples()]
    if ids:
        Claim.update(deleted_at=now).where(Claim.id.in_(ids)).execute()
        for cid in ids:
            record(cid, "trash", None, now, who)
    return len(ids)


@write
def restore_claims(claim_ids, who: str | None = None) -> int:
    ids = [c for (c,) in Claim.select(Claim.id).where(Claim.id.in_(list(claim_ids)), Claim.deleted_at.is_null(False)).tuples()]
    if ids:
        Claim.update(deleted_at=None).where(Claim.id.in_(ids)).execute()
        for cid in ids:
            record(cid, "trash", "restored", None, who)
    return len(ids)


@write
def purge_claims(claim_ids) -> int:
    """Delete claims for good; only claims already in the trash can be purged."""
    ids = [c for (c,) in Claim.select(Claim.id).where(Claim.id.in_(list(claim_ids)), Claim.deleted_at.is_null(False)).tuples()]
    if not ids:
        return 0
    sources = [s for (s,) in Evidence.select(Evidence.source).where(Evidence.claim.in_(ids)).distinct().tuples()]
    for cid in ids:
        search.drop_claim_document(cid)
    Claim.delete().where(Claim.id.in_(ids)).execute()  # evidence, tags, history cascade
    from desktop.services.sources import refresh_source_counts

    refresh_source_counts(sources)
    return len(ids)


@write
def empty_trash() -> int:
    ids = [c for (c,) in Claim.select(Claim.id).where(Claim.deleted_at.is_null(False)).tuples()]
    return purge_claims(ids) if ids else 0


@write
def update_claimant(claimant_id: int, name: str, kind: str = "unknown", notes: str = "") -> Claimant:
    """Rename (or describe) a claimant; the claims that cite it follow."""
    claimant = get_or_404(Claimant, claimant_id)
    name = clean_line("name", name, required=True)
    clash = find_by_name(Claimant, name, exclude_id=claimant_id)
    if clash is not None:
        raise ValidationError("name", f"another claimant is already called '{clash.name}'.", existing_id=clash.id)
    if kind not in CLAIMANT_KINDS:
        raise ValidationError("kind", f"'{kind}' is not one of: {', '.join(CLAIMANT_KINDS)}.")
    renamed = name != claimant.name
    claimant.name, claimant.kind, claimant.notes = name, kind, clean_text("notes", notes)
    claimant.save()
    if renamed:
        Claim.update(claimant_name=name).where(Claim.claimant == claimant_id).execute()
        for (cid,) in Claim.select(Claim.id).where(Claim.claimant == claimant_id).tuples():
            reindex_claim(cid)
    return claimant
