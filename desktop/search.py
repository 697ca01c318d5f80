"""Full-text search and the one query builder for "claims matching a filter".

Scripts written without spaces between words (Burmese, Thai, Lao, Khmer,
Chinese, Japanese kana) defeat a word-based index: a whole sentence becomes a
single token and a search for one word inside it finds nothing. So text is
*stored* in the index pre-split (Burmese into syllables, the others into
characters) and a search in those scripts is turned into a phrase of the
same pieces, which FTS5 matches as a substring. A trigram index would do the
same for every script at several times the index size on a million claims.

Every search box string goes through ``fts_query``: playhouse's
``web_query`` (quotes, OR, -exclusion; anything else is literal text, so
``covid-19`` or ``o'brien`` never raise) plus prefix matching of the word
being typed.

``ClaimFilter`` + ``claim_ids`` is the only place that turns what a person
picked (search, status, verdict, tag, claimant, dates, "no sources", trash,
sorting) into SQL; the table, export, bulk changes and the dashboard all use
it, so "export the filtered view" exports exactly what is shown.
"""

from __future__ import annotations

import re
from peewee import SQL, Expression, fn

from desktop.claim_filter import (  # noqa: F401 - re-exported: search.ClaimFilter and the text rules
    ClaimFilter,
    _split_run,
    highlight_terms,
    index_text,
    unbroken_run,
    written_unspaced,
)
from desktop.models import Claim, ClaimIndex, ClaimTag, SourceIndex

# Never searchable, and fatal to a MATCH: NUL ends FTS5's parse early
# ("unterminated string"), a lone surrogate cannot even be sent to SQLite.
_UNSEARCHABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def fts_query(user_text: str, prefix_last: bool = True) -> str | None:
    """A safe FTS5 MATCH expression for what a person typed; None when empty."""
    text = _UNSEARCHABLE.sub(" ", user_text or "").strip()
    if not text:
        return None
    # Unbroken-script runs become quoted phrases of their pieces.
    if unbroken_run().search(text):
        text = unbroken_run().sub(lambda m: ' "' + _split_run(m.group()) + '" ', text)
    elif prefix_last and re.search(r"\w$", text) and not text.endswith(('"', "*")):
        last = text.split()[-1]
        if last.upper() not in ("AND", "OR", "NOT") and ":" not in last:
            text += "*"
    query = ClaimIndex.web_query(text)
    if not query or query.strip('"') == "":
        return None
    return query


def claim_document(claim: Claim, claimant: str, tags: list[str], source_titles: list[str]) -> dict:
    """The columns of the index row for one claim."""
    return {
        "text": index_text(claim.text + ("\n" + claim.short_text if claim.short_text else "")),
        "context": index_text(claim.context),
        "claimant": index_text(claimant),
        "tags": index_text(" ".join(tags)),
        "sources": index_text("\n".join(source_titles)),
    }


def write_claim_document(claim_id: int, document: dict) -> None:
    ClaimIndex.delete().where(ClaimIndex.rowid == claim_id).execute()
    ClaimIndex.insert(rowid=claim_id, **document).execute()


def drop_claim_document(claim_id: int) -> None:
    ClaimIndex.delete().where(ClaimIndex.rowid == claim_id).execute()


def write_source_document(source) -> None:
    SourceIndex.delete().where(SourceIndex.rowid == source.id).execute()
    SourceIndex.insert(
        rowid=source.id,
        title=index_text(source.title),
        publisher=index_text(source.publisher),
        url=source.url or "",
        notes=index_text(source.notes),
    ).execute()


# Columns a person can sort the claims table by -> the indexed column.
SORT_KEYS = {
    "headline": Claim.headline,
    "claimant": Claim.claimant_name,
    "claimed_on": Claim.claimed_on,
    "status": Claim.status,
    "verdict": Claim.verdict,
    "evidence": Claim.n_sources,
    "tags": Claim.tags_text,
    "priority": Claim.priority,
    "created_at": Claim.created_at,
    "updated_at": Claim.updated_at,
}


def names_ids(flt: ClaimFilter) -> bool:
    """Whether the filter names its claims by id: a full-text search, tags or a selection."""
    return bool(flt.tag_ids) or flt.ids is not None or fts_query(flt.text) is not None


def filter_conditions(flt: ClaimFilter) -> list[Expression]:
    conditions = [Claim.deleted_at.is_null(not flt.trash)]
    query = fts_query(flt.text)
    if query:
        conditions.append(
            Claim.id.in_(ClaimIndex.select(ClaimIndex.rowid).where(ClaimIndex.match(query)))
        )
    if flt.statuses:
        conditions.append(Claim.status.in_(sorted(flt.statuses)))
    if flt.verdicts:
        named = sorted(v for v in flt.verdicts if v)
        cond = Claim.verdict.in_(named) if named else None
        if "" in flt.verdicts:
            cond = Claim.verdict.is_null() if cond is None else (cond | Claim.verdict.is_null())
        conditions.append(cond)
    if flt.tag_ids:
        conditions.append(
            Claim.id.in_(ClaimTag.select(ClaimTag.claim).where(ClaimTag.tag.in_(sorted(flt.tag_ids))))
        )
    if flt.claimant_ids:
        conditions.append(Claim.claimant.in_(sorted(flt.claimant_ids)))
    if flt.date_from:
        conditions.append(Claim.claimed_on >= flt.date_from)
    if flt.date_to:
        # "2023-11" as an upper bound includes every day of November.
        conditions.append(Claim.claimed_on <= flt.date_to + "\uffff")
        conditions.append(Claim.claimed_on != "")
    if flt.no_sources:
        conditions.append(Claim.n_sources == 0)
    if flt.ids is not None:
        conditions.append(Claim.id.in_(sorted(flt.ids)))
    conditions.extend(flt.extra)
    return conditions


def _where(query, flt: ClaimFilter):
    for cond in filter_conditions(flt):
        query = query.where(cond)
    return query


def order_by(flt: ClaimFilter) -> list:
    column = SORT_KEYS.get(flt.sort, Claim.updated_at)
    if flt.descending:
        return [column.desc(), Claim.id.desc()]
    return [column.asc(), Claim.id.asc()]


def claim_ids(flt: ClaimFilter):
    """SELECT claim.id for the filter, in its sort order (add .limit/.offset)."""
    return _where(Claim.select(Claim.id), flt).order_by(*order_by(flt))


def claims(flt: ClaimFilter, *columns):
    """SELECT the given columns (default: all) for the filter, sorted."""
    return _where(Claim.select(*columns), flt).order_by(*order_by(flt))


def claims_by_ids(flt: ClaimFilter, *columns):
    """As ``claims``, with the filter tested in a subquery of ids: the outer query reads the
    columns of matching claims only (a view may steer the subquery to an index that holds
    every filtered column)."""
    matching = _where(Claim.select(Claim.id), flt)
    return Claim.select(*columns).where(Claim.id.in_(matching)).order_by(*order_by(flt))


def count_claims(flt: ClaimFilter) -> int:
    return _where(Claim.select(fn.COUNT(SQL("*"))), flt).scalar() or 0


def _similarity_terms(text: str) -> list[str]:
    """Distinct terms worth matching: words of 3+ letters, and every piece of an unbroken script.

    Pieces are taken from the index form (Burmese syllables keep their
    combining marks, which ``\\w`` alone would split off).
    """
    terms: list[str] = []
    for token in index_text(text or "").split():
        token = re.sub(r"^[^\w]+|[^\w\u0300-\u036f\u1000-\u109f]+$", "", token)
        if not token or token.isdigit() or token in terms:
            continue
        if len(token) >= 3 or unbroken_run().search(token):
            terms.append(token)
    return terms[:16]


def similar_claims(text: str, limit: int = 5, exclude_id: int | None = None) -> list[tuple[int, str, float]]:
    """Live claims that look like ``text`` (for the duplicate hint): (id, headline, score)."""
    words = _similarity_terms(text)
    if len(words) < 2:
        return []
    query = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
    rank = fn.bm25(SQL(ClaimIndex._meta.table_name), 4.0, 1.0, 1.0, 0.5, 0.5)
    rows = (
        ClaimIndex.select(ClaimIndex.rowid, rank.alias("score"))
        .where(ClaimIndex.match(query))
        .order_by(rank)
        .limit(limit * 4)
        .tuples()
    )
    ids = [(rid, score) for rid, score in rows if rid != exclude_id]
    if not ids:
        return []
    live = {
        cid: headline
        for cid, headline in Claim.select(Claim.id, Claim.headline)
        .where(Claim.id.in_([i for i, _ in ids]), Claim.deleted_at.is_null())
        .tuples()
    }
    out = [(cid, live[cid], -score) for cid, score in ids if cid in live]
    return out[:limit]
