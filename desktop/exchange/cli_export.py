"""``claimlog export``: claims CSV, package or ClaimReview, from the command line (no Qt)."""

from __future__ import annotations

import sys
from pathlib import Path

FORMATS = ("csv", "package", "claimreview")


def add_arguments(sub) -> None:
    parser = sub.add_parser(
        "export", help="write claims as CSV, a lossless package (.zip) or ClaimReview JSON-LD",
        description="Write the live claims (or those matching --search/--status) to a file. "
                    "The format follows the file's extension (.csv, .zip, .json) unless --format is given.",
    )
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    parser.add_argument("--format", choices=FORMATS, help="csv (claims CSV), package (zip) or claimreview (JSON-LD)")
    parser.add_argument("--include-confidential", action="store_true",
                        help="also export sources marked confidential (withheld by default)")
    parser.add_argument("--author", default="", help="the desk publishing the reviews (ClaimReview author)")
    parser.add_argument("--search", default="", metavar="TEXT", help="only claims matching this search")
    parser.add_argument("--status", action="append", default=[], metavar="STATUS",
                        help="only claims in this work status (repeat for several)")
    parser.add_argument("--no-record-sync", action="store_true",
                        help="do not note in the database that these claims were exchanged")


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return "package"
    if suffix in (".json", ".jsonld"):
        return "claimreview"
    return "csv"


def export(fmt: str, out, flt, include_confidential=False, author="", progress=None):
    """Run one export (read-only on the database); returns an ExportResult."""
    from desktop.exchange import claimreview, claims_csv, package

    if fmt == "package":
        return package.export_package(out, flt, include_confidential, progress)
    if fmt == "claimreview":
        return claimreview.export_claimreview(out, flt, author, progress)
    return claims_csv.export_claims_csv(out, flt, include_confidential, progress)


def record_sync(fmt: str, flt, result) -> str:
    """Note the exchange in the database (CSV and package only); returns a warning or ""."""
    if fmt == "claimreview":
        return ""
    from desktop.errors import ClaimlogError
    from desktop.services.exchange import mark_exported

    try:
        mark_exported(flt, result.started_at)
    except ClaimlogError as exc:
        return f"the export is complete, but the database could not note it ({exc}); a later import of " \
               "these claims may report more conflicts."
    return ""


def run(args) -> int:
    from desktop import cli
    from desktop import db as dbmod
    from desktop.search import ClaimFilter
    from desktop.workflow import STATUSES

    fmt = args.format or guess_format(args.out)
    unknown = [s for s in args.status if s not in STATUSES]
    if unknown:
        print(f"claimlog: --status {unknown[0]}: not a work status; use one of: {', '.join(STATUSES)}",
              file=sys.stderr)
        return cli.EXIT_USAGE
    if fmt == "claimreview" and not args.author.strip():
        print("claimlog: note: no --author given; the reviews will carry no author.", file=sys.stderr)
    flt = ClaimFilter(text=args.search, statuses=frozenset(args.status))
    database = dbmod.open_database(args.db, create=False)
    try:
        result = export(fmt, args.out, flt, args.include_confidential, args.author)
        warning = "" if args.no_record_sync else record_sync(fmt, flt, result)
    finally:
        dbmod.close_database(database)
    what = {"csv": "claims", "package": "claims", "claimreview": "reviews"}[fmt]
    extra = ""
    if fmt == "package":
        extra = f", {result.sources:,} sources, {result.evidence:,} links, {result.history:,} history entries"
    print(f"{args.out}: {result.claims:,} {what}{extra} written.")
    if warning:
        print(f"claimlog: warning: {warning}", file=sys.stderr)
    return cli.EXIT_OK
