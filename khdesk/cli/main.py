"""The `khdesk` command: parse, call a service, print. Messages in Vietnamese.

The grammar is `cli/parser.py`; a command's module (`*_commands.py`, with SQLAlchemy, Qt,
ReportLab… behind it) is imported only when that command runs, so `--help`, `--version`
and a usage error start as fast as Python (tests/integration/cli/test_cli_start.py).

Exit codes (CLI.md): 0 done · 1 input refused, nothing changed · 2 usage · 3 wrong
password, locked profile or not allowed. A traceback is never printed; the log has it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from khdesk.cli.parser import build_parser
from khdesk.cli.terminal import printable_output
from khdesk.core.errors import KhdeskError, UsageError

log = logging.getLogger("khdesk.cli")


def _setup_logging(home: Path) -> Path | None:
    # loaded once a command is parsed: `--help` and `--version` start as fast as Python
    from logging.handlers import RotatingFileHandler

    try:
        logs = home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / "khdesk.log"
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # loaded once a command is parsed: `--help` and `--version` start as fast as Python
    from khdesk.core import logmask

    logmask.install(handler)  # no CCCD/CMND number in the log file (RULES.md §6)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def command_function(spec: str) -> Callable[[argparse.Namespace], int]:
    """The function a command runs, from its "module:function" in khdesk.cli: the
    module (and what it needs: SQLAlchemy, Qt, ReportLab…) is imported only now."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(f"khdesk.cli.{module}"), name)


def resolve_home(args: argparse.Namespace) -> Path:
    if getattr(args, "home", None):
        return Path(args.home)
    if os.environ.get("KHDESK_HOME"):
        return Path(os.environ["KHDESK_HOME"])
    # loaded once a command is parsed: `--help` and `--version` start as fast as Python
    import platformdirs

    return Path(platformdirs.user_data_dir("khdesk", appauthor=False))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--self-test"]:  # the installed app proves itself (khdesk/selftest.py)
        # the self-test (the whole app) loads only for `--self-test`
        from khdesk.selftest import main as self_test

        return self_test(argv[1:])
    if not argv:
        argv = ["gui"]
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors and --help
        return int(exc.code or 0)
    home = resolve_home(args)
    args.home = home
    args.profile = args.profile or os.environ.get("KHDESK_PROFILE")
    args.user = args.user or os.environ.get("KHDESK_USER")
    log_path = _setup_logging(home)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    with printable_output():  # text from outside never drives the terminal
        return _run(args, argv, log_path)


def _run(args: argparse.Namespace, argv: list[str], log_path: Any) -> int:
    try:
        code = command_function(args.func)(args) or 0
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # `khdesk list | head`: the reader stopped reading; what was done is done. Say
        # nothing more (as other command-line tools) and keep Python from complaining.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KhdeskError as exc:
        log.info("refused (%s): %s", type(exc).__name__, exc.message)
        print(f"khdesk: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("khdesk: đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    except Exception:
        # the command's name (argv may begin with options: --profile X form …)
        log.exception("unexpected error in '%s'", getattr(args, "command", None) or argv[:1])
        where = f" Chi tiết ghi trong {log_path}." if log_path else ""
        print(f"khdesk: lỗi không mong đợi, chưa thay đổi gì thêm.{where}", file=sys.stderr)
        return 1


__all__ = ["main", "UsageError"]

if __name__ == "__main__":
    sys.exit(main())
