"""`khdesk gui` (and no command at all): the window. A module of its own, so the launch
imports neither SQLAlchemy nor the other commands' services before the first page shows
(tests/ui/test_launch.py)."""

from __future__ import annotations

import argparse
import os
import sys

NO_SCREEN = (
    "khdesk: không mở được cửa sổ: máy này không có màn hình đồ họa (chạy qua SSH, hoặc "
    "chưa đặt DISPLAY / WAYLAND_DISPLAY). Mở khdesk trên máy có màn hình; các lệnh vẫn dùng "
    "được ở đây (xem 'khdesk --help')."
)


def cmd_gui(args: argparse.Namespace) -> int:
    return run_gui(args, exit_when_ready=args.exit_when_ready)


def run_gui(
    args,
    profile: str | None = None,
    exit_when_ready: bool = False,
    password: str | None = None,
    choose: bool = False,
) -> int:
    if _no_screen():
        print(NO_SCREEN, file=sys.stderr)
        return 1
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


def _no_screen() -> bool:
    """Linux without an X11 or Wayland display, where Qt would abort the process (a
    platform chosen on purpose, QT_QPA_PLATFORM=offscreen in tests, is let be)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
