"""Entry point: ``claimlog`` and ``python -m desktop``.

Subcommands run without importing Qt; only opening a window does.
"""

from __future__ import annotations

import sys

from desktop import cli


def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command:
        return cli.run(args)
    from desktop.views.application import run_gui

    return run_gui(args)


if __name__ == "__main__":
    raise SystemExit(main())
