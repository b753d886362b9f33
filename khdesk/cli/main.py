"""The `khdesk` command: parse, call a service, print. Messages in Vietnamese.

Exit codes (CLI.md): 0 done · 1 input refused, nothing changed · 2 usage · 3 wrong
password, locked profile or not allowed. A traceback is never printed; the log has it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from khdesk import __version__
from khdesk.cli.terminal import printable_output
from khdesk.core.errors import AccessDenied, KhdeskError, UsageError

log = logging.getLogger("khdesk.cli")

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


class _Parser(argparse.ArgumentParser):
    """argparse in Vietnamese where it speaks to the user, exit 2 on usage errors."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"khdesk: lỗi cú pháp lệnh: {message}\n")


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--home", default=default, help="thư mục dữ liệu (KHDESK_HOME)")
    parser.add_argument("--profile", default=default, help="hồ sơ làm việc (KHDESK_PROFILE)")
    parser.add_argument("--user", default=default, help="người dùng (KHDESK_USER)")
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="kết quả dạng JSON",
    )


def action(group, name: str, help_text: str, func) -> argparse.ArgumentParser:
    """A sub-subcommand (`khdesk bundle import`, `backup list`…) with the global options."""
    p = group.add_parser(name, help=help_text, description=help_text)
    _global_options(p, suppress=True)
    p.set_defaults(func=func)
    return p


def build_parser(with_all: bool = True) -> argparse.ArgumentParser:
    """The whole command parser; `with_all=False` only the core commands (opening the
    app should not import every command module: a secretary waits for that)."""
    parser = _Parser(prog="khdesk", description="khdesk — công tác phát triển đảng viên")
    parser.add_argument("--version", action="version", version=f"khdesk {__version__}")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(p, suppress=True)
        p.set_defaults(func=func)
        return p

    from khdesk.cli import commands as c

    p = command("gui", "mở ứng dụng", c.cmd_gui)
    p.add_argument(
        "--exit-when-ready", action="store_true", help="in thời gian khởi động rồi thoát"
    )

    p = command("demo", "tạo dữ liệu mẫu", c.cmd_demo)
    p.add_argument("--open", action="store_true", help="mở ứng dụng sau khi tạo")
    p.add_argument("--scale", choices=["commune", "province"], default="commune")
    p.add_argument("--out", help="thư mục ghi dữ liệu tỉnh (với --scale province)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cells", type=int, default=2000)
    p.add_argument("--people", type=int, default=100_000)
    p.add_argument("--files", type=int, default=10_000)
    p.add_argument("--today", help="ngày làm mốc (yyyy-mm-dd), mặc định hôm nay")

    profile = command("profile", "hồ sơ làm việc", c.cmd_help)
    psub = profile.add_subparsers(dest="action", parser_class=_Parser)
    p = psub.add_parser("create", help="tạo hồ sơ làm việc mới")
    _global_options(p, suppress=True)
    p.set_defaults(func=c.cmd_profile_create)
    p.add_argument("--role", required=True, choices=["cell", "committee", "province"])
    p.add_argument("--org-code", required=True)
    p.add_argument("--org-name", required=True)
    p.add_argument("--parent-code")
    p.add_argument("--name")
    p.add_argument(
        "--db",
        metavar="URL",
        help="cơ sở dữ liệu trên máy chủ PostgreSQL (cấp tỉnh): postgresql://máy:cổng/tên; "
        "người dùng là tài khoản máy chủ của mình (--user hoặc trong URL)",
    )
    p.add_argument("--recovery-key-out", help="ghi khóa khôi phục vào tệp này")
    p = psub.add_parser("list", help="liệt kê hồ sơ làm việc")
    _global_options(p, suppress=True)
    p.set_defaults(func=c.cmd_profile_list)

    user = command("user", "người dùng của hồ sơ", c.cmd_help)
    usub = user.add_subparsers(dest="action", parser_class=_Parser)
    for name, func, help_text in (
        ("add", c.cmd_user_add, "thêm người dùng"),
        ("passwd", c.cmd_user_passwd, "đổi mật khẩu"),
        ("remove", c.cmd_user_remove, "xóa người dùng"),
        ("list", c.cmd_user_list, "liệt kê người dùng"),
        ("recover", c.cmd_user_recover, "đặt lại mật khẩu bằng khóa khôi phục"),
        ("grant", c.cmd_user_grant, "cho người dùng chỉ xem đưa dữ liệu ra khỏi máy, hay thôi"),
        ("new-recovery-key", c.cmd_user_new_recovery_key, "tạo khóa khôi phục mới (đổi khóa)"),
    ):
        p = usub.add_parser(name, help=help_text)
        _global_options(p, suppress=True)
        p.set_defaults(func=func)
        if name in ("add", "remove", "grant"):
            p.add_argument("name")
        if name in ("passwd", "recover"):
            p.add_argument("name", nargs="?")
        if name == "add":
            p.add_argument("--role", default="secretary")
        if name == "grant":
            which = p.add_mutually_exclusive_group(required=True)
            which.add_argument(
                "--take-out",
                dest="take_out",
                action="store_true",
                help="được xuất tệp, lưu bản sao, lưu biểu mẫu/báo cáo ra tệp",
            )
            which.add_argument(
                "--no-take-out", dest="take_out", action="store_false", help="thôi cho phép"
            )

    p = command("import", "nhập Excel/CSV theo mẫu", c.cmd_import)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi gì")
    p.add_argument("--all-or-nothing", action="store_true", help="có lỗi thì không nhập gì")

    p = command("export", "xuất dữ liệu ra Excel/CSV theo mẫu", c.cmd_export)
    p.add_argument("file")

    p = command("list", "danh sách hồ sơ quần chúng", c.cmd_list)
    p.add_argument("--search")
    p.add_argument("--state")
    p.add_argument("--on", help="ngày tính thời hạn (yyyy-mm-dd hoặc dd/mm/yyyy)")

    p = command("check", "kiểm tra hồ sơ: sai sót, thiếu, đến hạn", c.cmd_check)
    p.add_argument("--on", help="ngày kiểm tra (yyyy-mm-dd hoặc dd/mm/yyyy), mặc định hôm nay")
    p.add_argument("--rule", help="chỉ một quy tắc, ví dụ AGE_MIN")
    p.add_argument("--severity", choices=["error", "warning", "info"], help="mức này và nặng hơn")

    p = command("show", "xem một hồ sơ", c.cmd_show)
    p.add_argument("file_code")

    if not with_all:
        return parser
    from khdesk.cli import (
        admin_commands,
        catalogue_commands,
        file_commands,
        report_commands,
        stats_commands,
        sync_commands,
    )

    for module in (
        sync_commands,
        file_commands,
        report_commands,
        catalogue_commands,
        admin_commands,
        stats_commands,
    ):
        module.register(sub, command, _global_options, _Parser)
    return parser


_VALUED = {"--home", "--profile", "--user"}


def _subcommand(argv: list[str]) -> str | None:
    """The subcommand's name: the first word that is not a global option or its value."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def _setup_logging(home: Path) -> Path | None:
    from logging.handlers import RotatingFileHandler

    try:
        logs = home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / "khdesk.log"
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    from khdesk.core import logmask

    logmask.install(handler)  # no CCCD/CMND number in the log file (RULES.md §6)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def resolve_home(args: argparse.Namespace) -> Path:
    if getattr(args, "home", None):
        return Path(args.home)
    if os.environ.get("KHDESK_HOME"):
        return Path(os.environ["KHDESK_HOME"])
    import platformdirs

    return Path(platformdirs.user_data_dir("khdesk", appauthor=False))


def read_password(prompt: str = "Mật khẩu: ", env: str = "KHDESK_PASSWORD") -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise AccessDenied(f"Cần mật khẩu: đặt biến môi trường {env} hoặc chạy trong cửa sổ lệnh.")
    return getpass.getpass(prompt)


def print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--self-test"]:  # the installed app proves itself (khdesk/selftest.py)
        from khdesk.selftest import main as self_test

        return self_test(argv[1:])
    if not argv:
        argv = ["gui"]
    parser = build_parser(with_all=_subcommand(argv) != "gui")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors and --help
        return int(exc.code or 0)
    home = resolve_home(args)
    args.home = home
    args.profile = args.profile or os.environ.get("KHDESK_PROFILE")
    args.user = args.user or os.environ.get("KHDESK_USER")
    log_path = _setup_logging(home)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    with printable_output():  # text from outside never drives the terminal
        return _run(func, args, argv, log_path)


def _run(func: Any, args: argparse.Namespace, argv: list[str], log_path: Any) -> int:
    try:
        return func(args) or 0
    except KhdeskError as exc:
        log.info("refused (%s): %s", type(exc).__name__, exc.message)
        print(f"khdesk: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("khdesk: đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error in %s", argv[:1])
        where = f" Chi tiết ghi trong {log_path}." if log_path else ""
        print(f"khdesk: lỗi không mong đợi, chưa thay đổi gì thêm.{where}", file=sys.stderr)
        return 1


__all__ = ["main", "UsageError"]

if __name__ == "__main__":
    sys.exit(main())
