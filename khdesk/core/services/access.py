"""Who may open a profile, and when: the in-use lock and the wrong-password delay.

Both live in small files beside the database, because they matter before it is open:
- `in-use.lock` names the process holding the profile. A lock whose process is gone
  (a crash, a power cut) is taken over and logged; one held by a live process is
  explained and never broken.
- `unlock-failures.json` counts wrong passwords. After FREE_TRIES, each further try must
  wait a growing delay (nothing is tried while waiting, so guessing cannot go faster);
  the failures go into the audit log at the next successful unlock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from khdesk.core.clock import Clock, iso
from khdesk.core.errors import AccessDenied
from khdesk.core.fsutil import atomic_write_bytes

log = logging.getLogger(__name__)

LOCK_FILE = "in-use.lock"
FAILURES_FILE = "unlock-failures.json"
FREE_TRIES = 3
STEP_SECONDS = 5  # the n-th failure beyond the free ones waits n × 5 s
MAX_DELAY_SECONDS = 300
KEEP_FAILURES = 200  # the newest failures kept for the audit

T = TypeVar("T")


# -- wrong passwords --


class TooManyAttempts(AccessDenied):
    def __init__(self, failures: int, wait_seconds: int):
        super().__init__(
            f"Đã nhập sai mật khẩu {failures} lần. Vui lòng chờ {wait_seconds} giây rồi thử lại."
        )
        self.wait_seconds = wait_seconds


def delay_after(failures: int) -> int:
    """Seconds to wait before the next try, after `failures` wrong passwords in a row."""
    if failures < FREE_TRIES:
        return 0
    return min(STEP_SECONDS * (failures - FREE_TRIES + 1), MAX_DELAY_SECONDS)


@dataclass
class Failures:
    count: int = 0
    last_at: str | None = None
    recent: list[list[str]] | None = None  # [at, user], oldest first

    @classmethod
    def load(cls, folder: Path) -> Failures:
        try:
            data = json.loads((folder / FAILURES_FILE).read_text(encoding="utf-8"))
            return cls(int(data["count"]), data.get("last_at"), list(data.get("recent") or []))
        except FileNotFoundError:
            return cls(0, None, [])
        except (OSError, ValueError, KeyError, TypeError):
            # A mangled counter must not become a way round the delay.
            log.warning("unreadable %s: counting it as %d failures", FAILURES_FILE, FREE_TRIES)
            return cls(FREE_TRIES, None, [])

    def save(self, folder: Path) -> None:
        data = {"count": self.count, "last_at": self.last_at, "recent": self.recent}
        atomic_write_bytes(folder / FAILURES_FILE, json.dumps(data).encode("utf-8"))


def check_password_attempt(
    folder: Path,
    user: str,
    clock: Clock,
    attempt: Callable[[], T],
) -> tuple[T, list[list[str]]]:
    """Run `attempt` (which raises AccessDenied on a wrong password) unless a delay is
    still running. Returns its result and the failures to write into the audit."""
    failures = Failures.load(folder)
    now = clock()
    wait = delay_after(failures.count)
    if wait and failures.last_at:
        ready = datetime.fromisoformat(failures.last_at) + timedelta(seconds=wait)
        if now < ready:
            left = math.ceil((ready - now).total_seconds())
            raise TooManyAttempts(failures.count, max(1, left))
    try:
        result = attempt()
    except TooManyAttempts:
        raise
    except AccessDenied:
        failures.count += 1
        failures.last_at = iso(now)
        failures.recent = ((failures.recent or []) + [[iso(now), user]])[-KEEP_FAILURES:]
        with contextlib.suppress(Exception):  # a read-only folder must not hide the refusal
            failures.save(folder)
        raise
    recent = failures.recent or []
    if failures.count or recent:
        with contextlib.suppress(FileNotFoundError):
            (folder / FAILURES_FILE).unlink()
    return result, recent


# -- the in-use lock --


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


_POLL = 0.2
_held: dict[Path, int] = {}  # lock files this process holds, with how many sessions


def lock_wait_seconds() -> float:
    """How long to wait for a profile another command holds (KHDESK_LOCK_WAIT): scripts
    running short commands one after another should queue, not fail."""
    try:
        return max(0.0, float(os.environ.get("KHDESK_LOCK_WAIT", "10")))
    except ValueError:
        return 10.0


def acquire_lock(
    folder: Path,
    user: str,
    now: datetime,
    wait: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Take the profile's lock, waiting up to `wait` seconds while a live process holds
    it. Returns a note when a stale lock was taken over (for the audit); raises
    AccessDenied naming the holder when a live process keeps it."""
    path = (folder / LOCK_FILE).resolve()
    if path in _held:
        _held[path] += 1
        return None
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": user,
        "since": iso(now),
        "path": str(path),
    }
    note = None
    waits_left = int((lock_wait_seconds() if wait is None else wait) / _POLL)
    takeovers = 0
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            holder = _read_lock(path)
            if holder is not None and not _stale(holder, path):
                if waits_left <= 0:
                    raise AccessDenied(_held_message(holder)) from None
                waits_left -= 1
                sleep(_POLL)
                continue
            takeovers += 1
            if takeovers > 3:  # others keep taking it over too: let the user retry
                raise AccessDenied(
                    "Không lấy được khóa sử dụng hồ sơ; thử lại sau ít phút."
                ) from None
            note = _takeover_note(holder, path)
            log.warning("taking over a stale profile lock: %s", note)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(me, f)
        _held[path] = 1
        return note


def release_lock(folder: Path) -> None:
    path = (folder / LOCK_FILE).resolve()
    count = _held.get(path, 0)
    if count > 1:
        _held[path] = count - 1
        return
    _held.pop(path, None)
    if count:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _read_lock(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None
    except (OSError, ValueError):
        return None  # half-written by a process that died while writing it


def _stale(holder: dict, path: Path) -> bool:
    if holder.get("path") not in (None, str(path)):
        return True  # the folder was copied or moved while open: the lock came along
    if holder.get("host") != socket.gethostname():
        return False  # another PC's process (a shared folder): we cannot know; never break
    return not _alive(holder["pid"])


def _held_message(holder: dict) -> str:
    since = str(holder.get("since", ""))[:16].replace("T", " ")
    where = "" if holder.get("host") == socket.gethostname() else f" trên máy {holder['host']}"
    return (
        f"Hồ sơ này đang được mở bởi người dùng '{holder.get('user', '?')}'{where} "
        f"(chương trình số {holder['pid']}, từ {since} giờ quốc tế). Hãy đóng chương trình "
        "đó trước; không mở cùng lúc ở hai nơi để tránh ghi đè dữ liệu."
    )


def _takeover_note(holder: dict | None, path: Path) -> str:
    if holder is None:
        return "khóa hỏng (không đọc được) đã được thay"
    if holder.get("path") not in (None, str(path)):
        return (
            f"khóa chép theo thư mục hồ sơ (từ {holder.get('path')} trên máy "
            f"{holder.get('host')}): đã nhận lại"
        )
    return (
        f"khóa của chương trình số {holder['pid']} (người dùng {holder.get('user')}, từ "
        f"{holder.get('since')}) không còn chạy: đã nhận lại"
    )
