"""The package: a lossless zip for moving work between laptops (no Qt).

Members (each a CSV as described in ``csvcodec``: UTF-8 BOM, CRLF, RFC 4180,
formula cells neutralised):

- ``claims.csv``: ``claims_csv.CLAIM_COLUMNS``, every claim field;
- ``sources.csv``: ``SOURCE_COLUMNS``; ``archives`` lists each archived copy
  as ``service url [captured_at]``, copies separated by ``"; "``;
- ``evidence.csv``: ``EVIDENCE_COLUMNS`` (claim and source by uuid);
- ``history.csv``: ``HISTORY_COLUMNS``; ``old_value``/``new_value`` may be
  "no value": an empty cell means none, a cell holding a lone ``'`` means
  the empty text;
- ``manifest.json``: format name and version, export time, Claimlog version,
  counts, whether confidential sources are included.

Confidential sources are withheld unless ``include_confidential`` is true:
one that no exported claim cites is left out; one that an exported claim
cites is written as a stub (its uuid and "withheld", nothing else) so the
claim keeps the link and stance its status depends on, without the quote. A package of all claims carries the whole
source library; a package of a filter carries the sources its claims cite.
"""

from __future__ import annotations

import json
import queue
import threading
import zipfile
from contextlib import contextmanager

from desktop import __version__, search
from desktop.exchange import claims_csv
from desktop.exchange.csvcodec import atomic_output, csv_bytes
from desktop.models import Claim, database, utcnow

FORMAT_NAME = "claimlog-package"
FORMAT_VERSION = 1
MEMBERS = ("claims.csv", "sources.csv", "evidence.csv", "history.csv", "manifest.json")

SOURCE_COLUMNS = [
    "uuid", "url", "title", "kind", "credibility", "publisher", "published_on", "accessed_on", "language",
    "notes", "confidential", "archives", "created_at", "updated_at", "deleted_at",
]
EVIDENCE_COLUMNS = ["claim_uuid", "source_uuid", "stance", "quote", "locator", "note", "created_at"]
HISTORY_COLUMNS = ["claim_uuid", "field", "old_value", "new_value", "who", "at", "reason", "is_correction"]


def _claim_id_subquery(flt: search.ClaimFilter) -> tuple[str, list]:
    query = Claim.select(Claim.id)
    for condition in search.filter_conditions(flt):
        query = query.where(condition)
    return query.sql()


class _CompressingWriter:
    """Writes into a zip member on a second thread, so deflating overlaps reading the next rows.

    zlib and the file write release the GIL, so on two cores the compression
    (a fifth of a package's time) mostly disappears. The chunks are written
    in order, unchanged: the member's bytes are exactly those of a plain
    ``write``. At most ``QUEUED`` chunks wait, so memory stays flat.
    """

    QUEUED = 8

    def __init__(self, raw):
        self._raw = raw
        self._queue: queue.Queue = queue.Queue(self.QUEUED)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="package-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self._error is None:
                try:
                    self._raw.write(chunk)
                except BaseException as exc:  # handed to the producing thread
                    self._error = exc

    def write(self, chunk: bytes) -> int:
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)
        return len(chunk)

    def finish(self) -> None:
        """Wait for every queued chunk to be written; raise what went wrong on the writing thread."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


@contextmanager
def _member(member, zf: zipfile.ZipFile):
    """A binary stream into the zip member, the UTF-8 byte-order mark already written."""
    with zf.open(member, "w", force_zip64=True) as raw:
        writer = _CompressingWriter(raw)
        try:
            writer.write(b"\xef\xbb\xbf")
            yield writer
        except BaseException:
            try:
                writer.finish()
            except Exception:
                pass  # the first error is the one to report
            raise
        writer.finish()


def _write_member(zf: zipfile.ZipFile, member: str, header: list[str], query: tuple[str, list],
                  empty_text=()) -> int:
    """One CSV member: every cell neutralised (in Python, a column at a time: ``csvcodec.csv_bytes``)."""
    with _member(member, zf) as out:
        out.write(csv_bytes([header]))
        return claims_csv.write_query_csv(out, *query, neutralise=True, empty_text=empty_text)


WITHHELD_TITLE = "Confidential source (withheld from this export)"
OTHER, UNRATED = "'other'", "'unrated'"


def source_query(flt: search.ClaimFilter, include_confidential: bool) -> tuple[str, list]:
    """SQL of the sources rows; a withheld confidential source cited by an exported claim becomes a stub.

    The stub keeps only the uuid (so the claim keeps its link and its stance,
    which a final claim needs) and says the source was withheld: no address,
    title, publisher, notes or archive copies.
    """
    ids_sql, params = _claim_id_subquery(flt)
    cited = f"s.id IN (SELECT source_id FROM evidence WHERE claim_id IN ({ids_sql}))"
    full = "1" if include_confidential else "s.confidential = 0"
    if not flt.is_default:
        where = cited  # the sources the exported claims cite
    elif include_confidential:
        where, params = "1 = 1", []  # the whole library
    else:
        where = f"(s.confidential = 0 OR {cited})"

    def col(name: str, withheld: str = "''") -> str:
        return f"CASE WHEN {full} THEN s.{name} ELSE {withheld} END"

    sql = (
        f"SELECT s.uuid, {col('url', 'NULL')}, {col('title', repr(WITHHELD_TITLE))}, {col('kind', OTHER)},"
        f" {col('credibility', UNRATED)}, {col('publisher')}, {col('published_on')},"
        f" {col('accessed_on')}, {col('language')}, {col('notes')}, CAST(s.confidential AS TEXT),"
        f" CASE WHEN {full} THEN (SELECT group_concat(x, '; ') FROM (SELECT a.service || ' ' || a.url"
        "   || CASE WHEN a.captured_at != '' THEN ' ' || a.captured_at ELSE '' END AS x"
        "   FROM archive a WHERE a.source_id = s.id ORDER BY a.id)) END,"
        f" s.created_at, {col('updated_at', 's.created_at')}, s.deleted_at"
        f" FROM source s WHERE {where} ORDER BY s.uuid"
    )
    return sql, params


def evidence_query(flt: search.ClaimFilter, include_confidential: bool) -> tuple[str, list]:
    """SQL of the evidence rows; a link to a withheld source keeps its stance and locator, not its quote or note."""
    ids_sql, params = _claim_id_subquery(flt)
    full = "1" if include_confidential else "s.confidential = 0"
    sql = (
        f"SELECT c.uuid, s.uuid, e.stance, CASE WHEN {full} THEN e.quote ELSE '' END, e.locator,"
        f" CASE WHEN {full} THEN e.note ELSE '' END, e.created_at"
        " FROM evidence e JOIN claim c ON c.id = e.claim_id JOIN source s ON s.id = e.source_id"
        f" WHERE e.claim_id IN ({ids_sql}) ORDER BY c.uuid, s.uuid, e.locator"
    )
    return sql, params


# old_value and new_value: an empty text is written as a lone ' (csvcodec.EMPTY_TEXT), no value as an empty cell
HISTORY_EMPTY_TEXT = (HISTORY_COLUMNS.index("old_value"), HISTORY_COLUMNS.index("new_value"))


def history_query(flt: search.ClaimFilter) -> tuple[str, list]:
    ids_sql, params = _claim_id_subquery(flt)
    sql = (
        "SELECT c.uuid, h.field, h.old_value, h.new_value, h.who, h.at, h.reason, CAST(h.is_correction AS TEXT)"
        " FROM history h JOIN claim c ON c.id = h.claim_id"
        f" WHERE h.claim_id IN ({ids_sql}) ORDER BY c.uuid, h.at, h.id"
    )
    return sql, params


def export_package(path, flt: search.ClaimFilter | None = None, include_confidential: bool = False,
                   progress=None) -> claims_csv.ExportResult:
    """Write the package zip to ``path`` atomically; read-only on the database."""
    flt = flt or search.ClaimFilter()
    started = utcnow()
    total = search.count_claims(flt) if progress is not None else 0
    with database.atomic(lock_type="DEFERRED"):  # one read snapshot for all five members
        with atomic_output(path, "wb") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                with _member("claims.csv", zf) as out:
                    n_claims = claims_csv.write_claims(out, flt, include_confidential, progress, total)
                n_sources = _write_member(zf, "sources.csv", SOURCE_COLUMNS,
                                          source_query(flt, include_confidential))
                n_evidence = _write_member(zf, "evidence.csv", EVIDENCE_COLUMNS,
                                           evidence_query(flt, include_confidential))
                n_history = _write_member(zf, "history.csv", HISTORY_COLUMNS, history_query(flt),
                                          empty_text=HISTORY_EMPTY_TEXT)
                manifest = {
                    "format": FORMAT_NAME,
                    "format_version": FORMAT_VERSION,
                    "exported_at": started,
                    "claimlog_version": __version__,
                    "include_confidential": bool(include_confidential),
                    "counts": {"claims": n_claims, "sources": n_sources, "evidence": n_evidence,
                               "history": n_history},
                }
                zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return claims_csv.ExportResult(str(path), n_claims, n_sources, n_evidence, n_history, started)
