"""Who may open a profile, and when: the in-use lock and the wrong-password delay.

Both live in small files beside the database, because they matter before it is open:
- `in-use.lock` names the process holding the profile, which keeps an OS lock on it.
  A lock whose process is gone (a crash, a power cut, whatever pid or host it names) is
  taken over and logged; one held by a live process is explained and never broken.
- `unlock-failures.json` counts wrong passwords, per user. After FREE_TRIES, each further
  try for that user must wait a growing delay (nothing is tried while waiting, so
  guessing cannot go faster); the failures go into the audit log at the next successful
  unlock. Opening the profile, unlocking the screen, a restore and the recovery key all
  go through it.
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
from dataclasses import dataclass, field
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


UNKNOWN_USER = "?"  # one counter for every name that is not a user of the profile


@dataclass
class Failures:
    """Wrong passwords, counted per user: a viewer's typos never make the owner wait.
    Names that are not users share one counter, so made-up names cannot grow the file
    or push a real user's count out. A file of the old one-counter format counts for
    every user until the next success (we cannot know whose typos they were)."""

    counts: dict[str, list] = field(default_factory=dict)  # user -> [count, last_at]
    recent: list[list[str]] = field(default_factory=list)  # [at, user], oldest first

    def of(self, who: str) -> tuple[int, str | None]:
        count, last_at = self.counts.get(who) or self.counts.get("*") or [0, None]
        return int(count), last_at

    @classmethod
    def load(cls, folder: Path) -> Failures:
        try:
            data = json.loads((folder / FAILURES_FILE).read_text(encoding="utf-8"))
            recent = [[str(at), str(who)] for at, who in data.get("recent") or []]
            if "by_user" not in data:  # the old format: one counter for the profile
                return cls({"*": [int(data["count"]), data.get("last_at")]}, recent)
            counts = {
                str(who): [int(count), None if last is None else str(last)]
                for who, (count, last) in data["by_user"].items()
            }
            return cls(counts, recent)
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # A mangled counter must not become a way round the delay.
            log.warning("unreadable %s: counting it as %d failures", FAILURES_FILE, FREE_TRIES)
            return cls({"*": [FREE_TRIES, None]})

    def save(self, folder: Path) -> None:
        data = {"by_user": self.counts, "recent": self.recent}
        atomic_write_bytes(folder / FAILURES_FILE, json.dumps(data).encode("utf-8"))


def check_password_attempt(
    folder: Path,
    user: str,
    clock: Clock,
    attempt: Callable[[], T],
    *,
    known: bool = True,
) -> tuple[T, list[list[str]]]:
    """Run `attempt` (which raises AccessDenied on a wrong password) unless a delay is
    still running for this user (`known=False`: a name that is not a user of the
    profile). Returns its result and the failures to write into the audit."""
    failures = Failures.load(folder)
    who = user if known else UNKNOWN_USER
    count, last_at = failures.of(who)
    now = clock()
    wait = delay_after(count)
    if wait and last_at:
        ready = datetime.fromisoformat(last_at) + timedelta(seconds=wait)
        if now < ready:
            left = math.ceil((ready - now).total_seconds())
            raise TooManyAttempts(count, max(1, left))
    try:
        result = attempt()
    except TooManyAttempts:
        raise
    except AccessDenied:
        failures.counts[who] = [count + 1, iso(now)]
        failures.recent = (failures.recent + [[iso(now), user[:64]]])[-KEEP_FAILURES:]
        with contextlib.suppress(Exception):  # a read-only folder must not hide the refusal
            failures.save(folder)
        raise
    recent = failures.recent
    if failures.counts or recent:
        # The audit gets every failure so far; the counters of others keep running.
        failures.counts.pop(who, None)
        failures.counts.pop("*", None)
        failures.recent = []
        with contextlib.suppress(Exception):
            if failures.counts:
                failures.save(folder)
            else:
                (folder / FAILURES_FILE).unlink(missing_ok=True)
    return result, recent


# -- the in-use lock --
#
# Whether a lock is live is decided by the operating system, not by the pid written in
# it: the holder keeps an OS lock (flock; on Windows a byte-range lock) on the file for
# as long as it runs, and the OS drops it when the process ends, however it ends. A lock
# file that nobody holds that way is stale — whatever pid or host it names (pid 1, a pid
# reused by another program, another PC's crash) — and is taken over and audited. Over
# a network share this is the same kind of lock SQLite itself relies on; a share that
# does not carry byte-range locks is no place for the database either.

_POLL = 0.2
_WIN_LOCK_AT = 1 << 30  # Windows: lock a byte far past the text, which stays readable
_held: dict[Path, list] = {}  # lock files this process holds: [sessions, open fd]


def lock_wait_seconds() -> float:
    """How long to wait for a profile another command holds (KHDESK_LOCK_WAIT): scripts
    running short commands one after another should queue, not fail."""
    try:
        return max(0.0, float(os.environ.get("KHDESK_LOCK_WAIT", "10")))
    except ValueError:
        return 10.0


def _os_lock(fd: int) -> bool:
    """Take the OS lock on an open lock file without waiting; False if a live process
    holds it."""
    if os.name == "nt":  # pragma: no cover - Windows only
        # a Windows-only module
        import msvcrt

        os.lseek(fd, _WIN_LOCK_AT, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    # a POSIX-only module
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    """The locked file is still the one at `path` (its holder may have deleted it
    between our open and our lock)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


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
        _held[path][0] += 1
        return None
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": user,
        "since": iso(now),
        "path": str(path),
    }
    waits_left = int((lock_wait_seconds() if wait is None else wait) / _POLL)
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_RDWR | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            raise AccessDenied(f"Không mở được tệp khóa của hồ sơ: {exc.strerror}") from None
        if not _os_lock(fd):
            os.close(fd)
            if waits_left <= 0:
                raise AccessDenied(_held_message(_read_lock(path))) from None
            waits_left -= 1
            sleep(_POLL)
            continue
        if not _same_file(fd, path):
            os.close(fd)
            continue
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            left = os.read(fd, 65536)
            note = _takeover_note(_parse_lock(left), path) if left.strip() else None
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(me).encode("utf-8"))
        except BaseException:
            os.close(fd)
            raise
        if note:
            log.warning("taking over a stale profile lock: %s", note)
        _held[path] = [1, fd]
        return note


def holds_lock(folder: Path) -> bool:
    """Whether this process already holds the profile's lock (another window of it)."""
    return (folder / LOCK_FILE).resolve() in _held


def release_lock(folder: Path) -> None:
    path = (folder / LOCK_FILE).resolve()
    held = _held.get(path)
    if held is None:
        return
    if held[0] > 1:
        held[0] -= 1
        return
    del _held[path]
    fd = held[1]
    # Emptied first: a file left behind (Windows cannot delete an open file) is clean.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
    if os.name != "nt":
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    os.close(fd)
    if os.name == "nt":  # pragma: no cover - Windows only
        with contextlib.suppress(OSError):
            path.unlink()


def _parse_lock(raw: bytes) -> dict | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None  # half-written by a process that died while writing it
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def _read_lock(path: Path) -> dict | None:
    try:
        return _parse_lock(path.read_bytes())
    except OSError:
        return None


def _held_message(holder: dict | None) -> str:
    holder = holder or {}
    since = str(holder.get("since", ""))[:16].replace("T", " ")
    host = holder.get("host")
    where = "" if host in (None, socket.gethostname()) else f" trên máy {host}"
    return (
        f"Hồ sơ này đang được mở bởi người dùng '{holder.get('user', '?')}'{where} "
        f"(chương trình số {holder.get('pid', '?')}, từ {since} giờ quốc tế). Hãy đóng "
        "chương trình đó trước; không mở cùng lúc ở hai nơi để tránh ghi đè dữ liệu."
    )


def _takeover_note(holder: dict | None, path: Path) -> str:
    if holder is None:
        return "khóa hỏng (không đọc được) đã được thay"
    if holder.get("path") not in (None, str(path)):
        return (
            f"khóa chép theo thư mục hồ sơ (từ {holder.get('path')} trên máy "
            f"{holder.get('host')}): đã nhận lại"
        )
    where = "" if holder.get("host") == socket.gethostname() else f" trên máy {holder.get('host')}"
    return (
        f"khóa của chương trình số {holder['pid']}{where} (người dùng {holder.get('user')}, "
        f"từ {holder.get('since')}) không còn giữ hồ sơ: đã nhận lại"
    )
