"""``claimlog import``: a claims CSV or a package, checked first, then one transaction (no Qt)."""

from __future__ import annotations

import sys
from pathlib import Path

SHOW = 50  # rows listed per section of a dry run


def add_arguments(sub) -> None:
    parser = sub.add_parser(
        "import", help="import a claims CSV or a package; nothing is imported if the file has any problem",
        description="Check the whole file first; if anything is wrong, list every problem (file, row, "
                    "column) and import nothing (exit code 4). Otherwise merge it in one transaction.",
    )
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("file", type=Path, metavar="FILE", help="a claims .csv or a package .zip")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be added, updated, kept and in conflict; change nothing")
    parser.add_argument("--who", default=None, help="name recorded in the history (default: none)")


def _label(row) -> str:
    text = " ".join(row.values["text"].split())
    text = text if len(text) <= 60 else text[:59] + "\u2026"
    return f"row {row.row}" + (f" ({row.uuid})" if row.uuid else "") + f": {text}"


def _print_plan(plan, out) -> None:
    from desktop.exchange import importer

    print(f"{plan.incoming.file}: {plan.summary()}.", file=out)
    titles = {
        importer.ADDED: "would be added", importer.UPDATED: "would be updated (the incoming copy is newer)",
        importer.KEPT: "would be kept as they are here (the copy here is newer)",
        importer.CONFLICT: "in conflict (changed on both sides since the last exchange; the copy here is kept)",
    }
    for action, title in titles.items():
        rows = plan.rows(action)
        if not rows:
            continue
        print(f"\n{len(rows):,} {title}:", file=out)
        for row in rows[:SHOW]:
            print(f"  {_label(row)}", file=out)
        if len(rows) > SHOW:
            print(f"  ... and {len(rows) - SHOW:,} more", file=out)
    for note in plan.incoming.notes:
        print(f"note: {note}", file=out)


def print_problems(problems, file_name) -> None:
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    print(f"claimlog: {file_name}: rejected with {len(problems):,} problem(s); nothing was imported.",
          file=sys.stderr)


def run(args) -> int:
    from desktop import cli
    from desktop import db as dbmod
    from desktop.exchange import importer
    from desktop.services.exchange import ImportRejected, apply_import

    if not args.file.is_file():
        what = "is a folder, not a file" if args.file.is_dir() else "no such file"
        print(f"claimlog: {args.file}: {what}; nothing was imported.", file=sys.stderr)
        return cli.EXIT_REJECTED
    incoming = importer.read_file(args.file)
    if incoming.problems:  # no need to open the database for a broken file
        print_problems(incoming.problems, args.file.name)
        return cli.EXIT_REJECTED
    database = dbmod.open_database(args.db, create=not args.dry_run)
    try:
        if args.dry_run:
            plan = importer.plan(incoming)
            if plan.problems:
                print_problems(plan.problems, args.file.name)
                return cli.EXIT_REJECTED
            _print_plan(plan, sys.stdout)
            print("\nDry run: nothing was changed.")
            return cli.EXIT_OK
        try:
            result = apply_import(incoming, who=args.who)
        except ImportRejected as exc:
            print_problems(exc.problems, args.file.name)
            return cli.EXIT_REJECTED
    finally:
        dbmod.close_database(database)
    print(f"{args.file.name}: {result.summary()}.")
    for row in result.conflicts:
        print(f"  conflict, kept as it is here: {_label(row)}")
    return cli.EXIT_OK
