"""`khdesk gui` (and no command at all): the window. A module of its own, so the launch
imports neither SQLAlchemy nor the other commands' services before the first page shows
(tests/ui/test_launch.py)."""

from __future__ import annotations

import argparse
import sys


def cmd_gui(args: argparse.Namespace) -> int:
    return run_gui(args, exit_when_ready=args.exit_when_ready)


def run_gui(
    args,
    profile: str | None = None,
    exit_when_ready: bool = False,
    password: str | None = None,
    choose: bool = False,
) -> int:
    try:
        # Qt and the window load only for `khdesk gui`
        from khdesk.ui.app import run
    except ImportError as exc:  # Qt missing or broken on this PC
        print(f"khdesk: không mở được giao diện ({exc}).", file=sys.stderr)
        return 1
    return run(
        args.home,
        profile or args.profile,
        exit_when_ready=exit_when_ready,
        password=password,
        choose=choose,
    )
