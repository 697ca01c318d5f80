"""The claims CSV: one row per claim, for colleagues and spreadsheets (no Qt).

Columns: ``CLAIM_COLUMNS``; the first ten are fixed by the exchange format.
Multi-valued cells are joined with ``"; "``. The ``sources`` cell lists the
claim's linked sources that have a web address, each with its stance::

    supports https://a.example/report; refutes https://b.example/post

(stance id, a space, the URL; links separated by ``"; "``). On import a URL
without a stance in front of it is linked as ``context``. A source without a
web address (offline material), or a confidential one when confidential
sources are withheld, is listed by its uuid as ``urn:uuid:<uuid>``, so the
link and its stance survive without revealing the source; importing it links
the source with that uuid, or a placeholder source when there is none. The
package carries everything else (titles, quotes, locators, archives).

Export streams rows from the SQLite cursor (``fetchmany`` of a few hundred
rows, no model instances, text fetched as UTF-8 bytes so nothing is decoded
and encoded again) into ``csvcodec.csv_bytes``: SQLite casts the numbers to
text and neutralises formula cells (``neutralise_sql``, the same rule as
``csvcodec.neutralise``), so almost no Python runs per cell and memory stays
flat however many claims there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peewee import SQL, fn

from desktop import search
from desktop.exchange.csvcodec import FORMULA_START, Cancelled, csv_bytes, open_csv_bytes
from desktop.models import Claim
from desktop.workflow import STANCES

CLAIM_COLUMNS = [
    "uuid", "text", "claimant", "claimed_on", "status", "verdict", "tags", "sources", "created_at", "updated_at",
    "short_text", "context", "verdict_explanation", "appearance_url", "other_appearances", "published_url",
    "location", "language", "priority", "finalised_at", "deleted_at",
    "n_supports", "n_refutes", "n_context", "n_appearance",
]
# Informative only: recomputed from the links on import.
DERIVED_COLUMNS = frozenset({"n_supports", "n_refutes", "n_context", "n_appearance"})
REQUIRED_COLUMNS = ("text",)
PROGRESS_EVERY = 2000
FETCH_ROWS = 250  # rows per fetch: a batch this small stays in the CPU cache (faster than 2000)


URN_PREFIX = "urn:uuid:"


def neutralise_sql(expression: str) -> str:
    """SQL computing ``csvcodec.neutralise`` of a text expression (NULL stays NULL).

    SQLite's text functions stop at a NUL character, so a value that starts
    with NUL shows up as "length 0 but not empty".
    """
    firsts = ", ".join("char(%d)" % ord(c) for c in sorted(FORMULA_START) if c != "\x00")
    return (f"CASE WHEN substr({expression}, 1, 1) IN ({firsts})"
            f" OR (length({expression}) = 0 AND {expression} != '')"
            f" THEN char(39) || {expression} ELSE {expression} END")


def sources_subquery(include_confidential: bool) -> SQL:
    """The ``sources`` cell computed in SQL, for the claim aliased ``t1``."""
    shown = "s.url IS NOT NULL" + ("" if include_confidential else " AND s.confidential = 0")
    return SQL(
        "(SELECT group_concat(x, '; ') FROM (SELECT DISTINCT e.stance || ' ' ||"
        f" CASE WHEN {shown} THEN s.url ELSE '{URN_PREFIX}' || s.uuid END AS x"
        " FROM evidence e JOIN source s ON s.id = e.source_id"
        ' WHERE e.claim_id = "t1"."id" ORDER BY x))'
    )


def export_query(flt: search.ClaimFilter, include_confidential: bool = False):
    """SELECT the CSV columns for the claims of ``flt``, in its order (ties by uuid)."""
    def text(column):  # numbers leave SQLite as text: no conversion per cell in Python
        return fn.CAST(SQL(f'"t1"."{column.column_name}" AS TEXT'))

    def safe(column):  # formula neutralisation done by SQLite, exactly as csvcodec.neutralise
        return SQL(neutralise_sql(f'"t1"."{column.column_name}"'))

    columns = [
        Claim.uuid, safe(Claim.text), safe(Claim.claimant_name), safe(Claim.claimed_on), Claim.status,
        Claim.verdict, safe(Claim.tags_text), sources_subquery(include_confidential), Claim.created_at,
        Claim.updated_at, safe(Claim.short_text), safe(Claim.context), safe(Claim.verdict_explanation),
        safe(Claim.appearance_url), safe(Claim.other_appearances), safe(Claim.published_url),
        safe(Claim.location), safe(Claim.language), text(Claim.priority), Claim.finalised_at, Claim.deleted_at,
        text(Claim.n_supports), text(Claim.n_refutes), text(Claim.n_context), text(Claim.n_appearance),
    ]
    query = Claim.select(*columns)
    for condition in search.filter_conditions(flt):
        query = query.where(condition)
    column = search.SORT_KEYS.get(flt.sort, Claim.updated_at)
    if flt.descending:
        return query.order_by(column.desc(), Claim.uuid.desc())
    return query.order_by(column.asc(), Claim.uuid.asc())


def counting(rows, total: int, progress):
    """Pass rows through, reporting progress; raise Cancelled when progress says stop."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0 and progress(done, total) is False:
            raise Cancelled()
    if progress is not None and progress(done, total) is False:
        raise Cancelled()


@dataclass
class ExportResult:
    path: str
    claims: int
    sources: int = 0
    evidence: int = 0
    history: int = 0
    started_at: str = ""


def write_query_csv(out, sql: str, params, progress=None, total=None, neutralise: bool = False,
                    empty_text=()) -> int:
    """Write the rows of ``sql`` to the binary stream ``out`` as CSV lines; return how many.

    The cells are written by ``csvcodec.csv_bytes`` (``neutralise`` and
    ``empty_text`` are passed to it). Text is fetched as UTF-8 bytes; the
    connection's ``text_factory`` is switched only around each ``fetchmany``,
    so nothing else (not even ``progress``) ever sees it changed.
    ``progress(done, total)`` is called every ``PROGRESS_EVERY`` rows and at
    the end; False from it raises ``Cancelled``.
    """
    from desktop.models import database

    cursor = database.execute_sql(sql, params)
    connection = cursor.connection
    fetch, write = cursor.fetchmany, out.write
    done, report_at = 0, PROGRESS_EVERY
    try:
        while True:
            factory = connection.text_factory
            connection.text_factory = bytes
            try:
                batch = fetch(FETCH_ROWS)
            finally:
                connection.text_factory = factory
            if not batch:
                break
            write(csv_bytes(batch, neutralise, empty_text))
            done += len(batch)
            if progress is not None and done >= report_at:
                report_at += PROGRESS_EVERY
                if progress(done, total) is False:
                    raise Cancelled()
    finally:
        cursor.close()
    if progress is not None and progress(done, total) is False:
        raise Cancelled()
    return done


def write_claims(out, flt: search.ClaimFilter, include_confidential: bool, progress=None, total=None) -> int:
    """Write the claims CSV (header and rows, no BOM) to the binary stream ``out``; return the row count.

    The cells arrive from SQLite already neutralised (see ``export_query``).
    """
    if progress is not None and total is None:
        total = search.count_claims(flt)
    out.write(csv_bytes([CLAIM_COLUMNS]))
    sql, params = export_query(flt, include_confidential).sql()
    return write_query_csv(out, sql, params, progress, total)


def export_claims_csv(path, flt: search.ClaimFilter | None = None, include_confidential: bool = False,
                      progress=None) -> ExportResult:
    """Write the claims CSV to ``path`` (atomically); read-only on the database."""
    from desktop.models import utcnow

    flt = flt or search.ClaimFilter()
    started = utcnow()
    with open_csv_bytes(path) as out:
        n = write_claims(out, flt, include_confidential, progress)
    return ExportResult(str(path), n, started_at=started)


# -- the sources cell ----------------------------------------------------------

_SPLIT = re.compile(r"[ \t\r\n]+")  # ASCII only: a URL may hold other Unicode spaces


def parse_links(cell: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``[(stance, url)]`` from a ``sources`` cell, and the problems found in it."""
    links: list[tuple[str, str]] = []
    problems: list[str] = []
    stance: str | None = None
    for token in _SPLIT.split(cell.strip(" \t\r\n")):
        ended = token.endswith(";")
        token = token.rstrip(";")
        if not token:
            continue
        if token in STANCES:
            if stance is not None:
                problems.append(f"the stance '{stance}' is not followed by a web address.")
            stance = token
            if ended:
                problems.append(f"the stance '{token}' is not followed by a web address.")
                stance = None
            continue
        if "://" not in token and ":" not in token[:12]:
            problems.append(f"'{token}' is neither a stance ({', '.join(STANCES)}) nor a web address.")
            stance = None
            continue
        links.append((stance or "context", token))
        stance = None
    if stance is not None:
        problems.append(f"the stance '{stance}' is not followed by a web address.")
    return links, problems
