"""What a command says and asks on the terminal: its JSON output and the password
prompt (a module of its own: the command modules import it, not cli.main, which
imports them by name)."""

from __future__ import annotations

import getpass
import json
import os
import sys

from khdesk.core.errors import AccessDenied


def read_password(prompt: str = "Mật khẩu: ", env: str = "KHDESK_PASSWORD") -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise AccessDenied(f"Cần mật khẩu: đặt biến môi trường {env} hoặc chạy trong cửa sổ lệnh.")
    return getpass.getpass(prompt)


def print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
