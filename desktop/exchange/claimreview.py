"""ClaimReview (schema.org JSON-LD) for published fact-checks (no Qt).

One ``ClaimReview`` object per live claim of the filter that has a verdict
and a published fact-check URL; verdicts in ``workflow.UNPUBLISHED_VERDICTS``
are skipped. The file is a JSON array of self-contained JSON-LD objects
(each with its own ``@context``), written atomically.

Fields (see shared/guide/domain.md): ``claimReviewed`` (the short form, else
the claim text), ``url`` (the published fact-check), ``reviewRating`` with
``alternateName`` (the verdict's label) and, for verdicts on the 1-5 scale,
``ratingValue``/``bestRating``/``worstRating``; ``author`` (the desk);
``datePublished`` (when the claim became final, else last changed);
``itemReviewed``: a ``Claim`` with ``author`` (the claimant), ``datePublished``
(when the claim was made), ``appearance`` and ``firstAppearance``.
"""

from __future__ import annotations

import json

from peewee import JOIN

from desktop import search
from desktop.exchange.claims_csv import ExportResult, counting
from desktop.exchange.csvcodec import atomic_output
from desktop.models import Claim, Claimant, utcnow
from desktop.workflow import UNPUBLISHED_VERDICTS, VERDICTS

REQUIRED_FIELDS = ("claimReviewed", "url", "reviewRating")


def review(row: dict, author: str) -> dict:
    """The ClaimReview object for one claim (a dict of the selected columns)."""
    verdict = VERDICTS[row["verdict"]]
    rating: dict = {"@type": "Rating", "alternateName": verdict.label}
    if verdict.value is not None:
        rating.update(ratingValue=verdict.value, bestRating=5, worstRating=1)
    item: dict = {"@type": "Claim"}
    if row["claimant_name"]:
        kind = "Organization" if row.get("claimant_kind") == "organisation" else "Person"
        item["author"] = {"@type": kind, "name": row["claimant_name"]}
    if row["claimed_on"]:
        item["datePublished"] = row["claimed_on"]
    appearances = [u for u in [row["appearance_url"], *row["other_appearances"].splitlines()] if u.strip()]
    if appearances:
        item["firstAppearance"] = {"@type": "CreativeWork", "url": appearances[0]}
        item["appearance"] = [{"@type": "CreativeWork", "url": u.strip()} for u in appearances]
    out: dict = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": row["published_url"],
        "claimReviewed": row["short_text"] or row["text"],
        "datePublished": (row["finalised_at"] or row["updated_at"])[:10],
        "reviewRating": rating,
        "itemReviewed": item,
    }
    if author:
        out["author"] = {"@type": "Organization", "name": author}
    return out


def publishable(flt: search.ClaimFilter):
    query = (
        Claim.select(
            Claim.text, Claim.short_text, Claim.verdict, Claim.published_url, Claim.claimant_name,
            Claimant.kind.alias("claimant_kind"), Claim.claimed_on, Claim.appearance_url,
            Claim.other_appearances, Claim.finalised_at, Claim.updated_at,
        )
        .join(Claimant, join_type=JOIN.LEFT_OUTER, on=(Claim.claimant == Claimant.id))
        .where(Claim.verdict.is_null(False), Claim.verdict.not_in(sorted(UNPUBLISHED_VERDICTS)),
               Claim.published_url != "")
    )
    for condition in search.filter_conditions(flt):
        query = query.where(condition)
    return query.order_by(Claim.uuid)


def export_claimreview(path, flt: search.ClaimFilter | None = None, author: str = "",
                       progress=None) -> ExportResult:
    """Write the JSON-LD file; returns how many reviews it holds."""
    flt = flt or search.ClaimFilter()
    started = utcnow()
    query = publishable(flt)
    total = query.count() if progress is not None else 0
    n = 0
    with atomic_output(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("[")
        for row in counting(query.dicts().iterator(), total, progress):
            out.write("\n  " if n == 0 else ",\n  ")
            out.write(json.dumps(review(row, author.strip()), ensure_ascii=False))
            n += 1
        out.write("\n]\n" if n else "]\n")
    return ExportResult(str(path), n, started_at=started)
