"""The command line: ``claimlog [--db PATH]`` opens the window; subcommands work without Qt.

Exit codes (also in ``--help``):
  0  success (for ``check``: the database is healthy)
  1  the operation failed, or ``check`` found problems
  2  the command line itself is wrong
  3  the database cannot be opened (not a Claimlog file, damaged, newer, locked)
  4  an input file was rejected (nothing was imported)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop import __version__
from desktop.errors import ClaimlogError, DatabaseOpenError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DATABASE, EXIT_REJECTED = 0, 1, 2, 3, 4

EPILOG = """exit codes:
  0  success (check: the database is healthy)
  1  the operation failed, or check found problems
  2  the command line is wrong
  3  the database cannot be opened (not a Claimlog file, damaged, newer, locked)
  4  an input file was rejected; nothing was imported
"""

# Subcommand modules register themselves here: name -> (module, function). The module's
# ``add_arguments(subparsers)`` adds its options, so it is imported whenever the parser is
# built, the window's start included: light modules only (restore's options are below, since
# ``desktop.backups`` is not one).
COMMANDS: dict[str, tuple[str, str]] = {}
COMMANDS["restore"] = ("desktop.backups", "cmd_restore")
COMMANDS["export"] = ("desktop.exchange.cli_export", "run")
COMMANDS["import"] = ("desktop.exchange.cli_import", "run")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
        if w < 200 or h < 150 or w > 10000 or h > 10000:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1280x800") from None
    return w, h


class _NotTheWindow(Exception):
    """The window's own parser cannot take this command line: the whole parser reads it."""


class _WindowParser(argparse.ArgumentParser):
    def error(self, message):
        raise _NotTheWindow(message)


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; with ``commands=False``, the window's options alone (see ``parse_args``)."""
    parser = (argparse.ArgumentParser if commands else _WindowParser)(
        prog="claimlog",
        description="Claimlog: log claims, link sources, track verdicts; fully offline.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=commands,
    )
    if commands:  # (the whole parser answers --version: it prints before an error it would report)
        parser.add_argument("--version", action="version", version=f"Claimlog {__version__}")
    parser.add_argument("--db", type=Path, help="database file (default: the one in your user data folder)")
    parser.add_argument("--screenshot", type=Path, metavar="OUT.png",
                        help="render the main window to a PNG and exit")
    parser.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="window size for --screenshot")
    parser.add_argument("--search", default="", metavar="TEXT", help="search to apply (with --screenshot)")
    parser.add_argument("--read-only", action="store_true", help="open the database for reading only")
    if not commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="fill a database with original sample claims and sources")
    demo.add_argument("--db", type=Path, required=True)
    demo.add_argument("--claims", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)

    check = sub.add_parser("check", help="check integrity and Claimlog's invariants; exit 0 when healthy")
    check.add_argument("--db", type=Path, required=True)

    backup = sub.add_parser("backup", help="write a verified online backup (owner-only)")
    backup.add_argument("--db", type=Path, required=True)
    backup.add_argument("--out", type=Path, help="backup file (default: beside the database, dated)")

    restore = sub.add_parser(
        "restore", help="replace the database with a verified backup (the current file is kept aside)")
    restore.add_argument("--db", type=Path, required=True)
    restore.add_argument("--from", dest="from_file", type=Path, metavar="FILE",
                         help="backup to restore (default: the newest beside the database)")
    restore.add_argument("--list", action="store_true", help="list the backups with dates and sizes; change nothing")

    for name, (module, _func) in COMMANDS.items():
        if name != "restore":
            __import__(module, fromlist=["add_arguments"]).add_arguments(sub)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` read as the whole parser reads it.

    A command line that only opens the window (the common case) is read by a parser without
    the subcommands (2.6 ms in a fresh process; the whole parser takes 3.8-4.1 ms to build).
    Anything that parser cannot take (a subcommand, ``--help``, ``--version``, a mistake) goes
    to the whole parser, so help, errors and their exit codes are the whole parser's.
    """
    try:
        return build_parser(commands=False).parse_args(argv)
    except _NotTheWindow:
        return build_parser().parse_args(argv)


def _err(message: str) -> None:
    print(f"claimlog: {message}", file=sys.stderr)


def cmd_check(args) -> int:
    from desktop import db as dbmod
    from desktop.checks import check_database

    info = dbmod.inspect_file(args.db)  # refuses foreign files before anything touches them
    if not args.db.exists():
        raise DatabaseOpenError(args.db, "does not exist.", "io")
    if info.empty:
        raise DatabaseOpenError(args.db, "is empty: it holds no Claimlog data to check.", "not_sqlite")
    database = dbmod.connect(args.db, readonly=True)
    try:
        database.connect()
        problems = check_database(database)
        count = database.execute_sql("SELECT count(*) FROM claim").fetchone()[0]
    except Exception as exc:
        cause = dbmod._sqlite_cause(exc)
        if cause is None:
            raise
        raise dbmod._open_error(args.db, cause) from None
    finally:
        database.close()
    if problems:
        _err(f"{args.db}: {len(problems)} problem(s) found:")
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.db}: healthy ({count:,} claims).")
    return EXIT_OK


def cmd_backup(args) -> int:
    from desktop.backups import run_backup_command

    # Without --out: a rotating backup beside the database (older ones rotated).
    print(run_backup_command(args.db, args.out))
    return EXIT_OK


def cmd_demo(args) -> int:
    from desktop import db as dbmod
    from desktop.demo import generate

    if args.claims < 0:
        _err("--claims must be 0 or more")
        return EXIT_USAGE
    database, _report = dbmod.open_checked(args.db)  # a damaged file is refused untouched
    try:
        generate(args.claims, seed=args.seed, progress=_stderr_progress)
    finally:
        dbmod.close_database(database)
    print(f"{args.db}: {args.claims:,} demo claims added.", file=sys.stderr)
    return EXIT_OK


def _stderr_progress(done: int, total: int) -> bool:
    print(f"\r  {done:,} / {total:,} claims", end="" if done < total else "\n", file=sys.stderr, flush=True)
    return True


BUILTIN = {"check": cmd_check, "backup": cmd_backup, "demo": cmd_demo}


def _say_if_upgrading(args) -> None:
    """Commands that open the database to write upgrade an older file first: say so, it can take minutes."""
    path = getattr(args, "db", None)
    if path is None or args.command == "check":  # check reads; it never upgrades
        return
    from desktop import db as dbmod

    if dbmod.needs_upgrade(path):
        _err(f"{path} was made by an older Claimlog: upgrading it first (a backup is written beside it "
             "before anything changes; a large file takes a minute or two).")


def run(args) -> int:
    """Run a subcommand; every failure becomes one line on stderr and an exit code."""
    try:
        _say_if_upgrading(args)
        if args.command in BUILTIN:
            return BUILTIN[args.command](args)
        module, func = COMMANDS[args.command]
        return getattr(__import__(module, fromlist=[func]), func)(args)
    except DatabaseOpenError as exc:
        _err(str(exc))
        return EXIT_DATABASE
    except ClaimlogError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(file=sys.stderr)  # end a progress line left open by \r updates
        _err("interrupted; nothing half-written was kept.")
        return EXIT_FAILED
    except OSError as exc:
        _err(f"{exc.filename or ''}: {exc.strerror or exc}")
        return EXIT_FAILED
    except Exception as exc:  # an SQLite failure that escaped a command: one line, no traceback
        from desktop import db as dbmod

        cause = dbmod._sqlite_cause(exc)
        if cause is None:
            raise
        translated = dbmod.storage_error(exc)
        where = getattr(args, "db", None)
        _err(f"{where}: {translated or cause}" if where else str(translated or cause))
        return EXIT_FAILED
