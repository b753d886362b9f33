"""Who may open a profile and when: wrong passwords slow down (and are audited), a profile
in use is locked, a lock left by a dead process is taken over and logged."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from khdesk.core.errors import AccessDenied
from khdesk.core.services import access, profiles
from khdesk.core.services.session import ProfileDir, open_profile
from khdesk.core.store import schema as t
from tests.conftest import FROZEN, PASSWORD, make_profile


class FakeClock:
    def __init__(self):
        self.now = FROZEN

    def __call__(self):
        return self.now


@pytest.fixture
def station(home, clock):
    session, _ = make_profile(home, "cell", "X01-CB01", "Chi bộ thôn Tân Đức", clock, "X01")
    session.close()
    return home


def _audit(session, action: str) -> list[dict]:
    with session.store.read() as conn:
        rows = conn.execute(select(t.audit).where(t.audit.c.action == action)).mappings()
        return [dict(r) for r in rows]


def test_twenty_wrong_passwords_cost_over_a_minute_and_are_audited(station):
    clock = FakeClock()
    waited = 0
    wrong = 0
    while wrong < 20:
        try:
            open_profile(station, None, "bithu", f"doan-sai-{wrong}", clock)
        except access.TooManyAttempts as exc:
            # Even the right password is not tried while the delay runs.
            with pytest.raises(access.TooManyAttempts):
                open_profile(station, None, "bithu", PASSWORD, clock)
            assert f"chờ {exc.wait_seconds} giây" in exc.message
            clock.now += timedelta(seconds=exc.wait_seconds)
            waited += exc.wait_seconds
        except AccessDenied as exc:
            assert exc.message == "Mật khẩu không đúng."
            wrong += 1
    assert waited >= 60
    clock.now += timedelta(seconds=access.MAX_DELAY_SECONDS)
    session = open_profile(station, None, "bithu", PASSWORD, clock)
    try:
        failed = _audit(session, "unlock_failed")
        assert len(failed) == 20
        assert {json.loads(f["detail"])["user"] for f in failed} == {"bithu"}
    finally:
        session.close()
    # A success starts the count again: the next mistake costs nothing.
    with pytest.raises(AccessDenied, match="không đúng"):
        open_profile(station, None, "bithu", "sai", clock)
    assert access.delay_after(1) == 0 and access.delay_after(3) > 0


def test_a_mangled_failure_counter_does_not_reset_the_delay(station):
    folder = ProfileDir(station, "X01-CB01").path
    (folder / access.FAILURES_FILE).write_text("{not json", encoding="utf-8")
    assert access.Failures.load(folder).of("bithu")[0] == access.FREE_TRIES


def _khdesk(home, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env.update(KHDESK_HOME=str(home), KHDESK_PASSWORD=PASSWORD, KHDESK_LOCK_WAIT="0")
    return subprocess.run(
        [sys.executable, "-m", "khdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_a_profile_in_use_is_explained_never_broken(station):
    session = open_profile(station, None, "bithu", PASSWORD)
    lock = session.dir.path / access.LOCK_FILE
    try:
        assert lock.exists()
        out = _khdesk(station, "list")
        assert out.returncode == 3
        assert "đang được mở bởi người dùng 'bithu'" in out.stderr
        assert "Traceback" not in out.stderr
        assert lock.exists()
        # The same program may open it again (two windows of one app).
        again = open_profile(station, None, "bithu", PASSWORD)
        again.close()
        assert lock.exists()
    finally:
        session.close()
    assert not lock.exists()
    assert _khdesk(station, "list").returncode == 0


def test_a_lock_left_by_a_dead_process_is_taken_over_and_audited(station):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    folder = ProfileDir(station, "X01-CB01").path
    (folder / access.LOCK_FILE).write_text(
        json.dumps({"pid": dead_pid, "host": socket.gethostname(), "user": "bithu", "since": "x"})
    )
    session = open_profile(station, None, "bithu", PASSWORD)
    try:
        taken = _audit(session, "lock_takeover")
        assert len(taken) == 1 and str(dead_pid) in taken[0]["detail"]
    finally:
        session.close()


_HOLDER = """
import socket, sys
from datetime import UTC, datetime
from pathlib import Path
from khdesk.core.services import access
if sys.argv[2] != "-":
    socket.gethostname = lambda: sys.argv[2]  # this process plays another PC
access.acquire_lock(Path(sys.argv[1]), "phobithu", datetime.now(UTC), wait=0)
print("held", flush=True)
sys.stdin.read()
access.release_lock(Path(sys.argv[1]))
"""


def _hold_elsewhere(folder, host: str = "-") -> subprocess.Popen:
    """Another live khdesk process (of this PC, or of `host`) holding the profile."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(folder), host],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def _end(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=30)


def test_a_lock_from_another_pc_is_never_broken(station):
    folder = ProfileDir(station, "X01-CB01").path
    other = _hold_elsewhere(folder, "may-khac")
    try:
        with pytest.raises(AccessDenied, match="trên máy may-khac"):
            open_profile(station, None, "bithu", PASSWORD)
        assert (folder / access.LOCK_FILE).exists()
    finally:
        _end(other)
    open_profile(station, None, "bithu", PASSWORD).close()


@pytest.mark.parametrize(
    ("pid", "host"), [(1, socket.gethostname()), (1, "may-khac"), (os.getppid(), "may-khac")]
)
def test_finding_12_a_lock_naming_pid_1_or_another_pc_that_nobody_holds_is_taken_over(
    station, pid, host
):
    """A lock file left by a crash names a pid that may be alive (pid 1, a reused pid) or
    another PC: what decides is whether a live process still holds it."""
    folder = ProfileDir(station, "X01-CB01").path
    (folder / access.LOCK_FILE).write_text(
        json.dumps({"pid": pid, "host": host, "user": "phobithu", "since": "2026-11-26T08:00",
                    "path": str((folder / access.LOCK_FILE).resolve())})
    )  # fmt: skip
    session = open_profile(station, None, "bithu", PASSWORD)
    try:
        (taken,) = _audit(session, "lock_takeover")
        assert f"chương trình số {pid}" in taken["detail"]
        assert ("may-khac" in taken["detail"]) == (host == "may-khac")
    finally:
        session.close()
    assert not (folder / access.LOCK_FILE).exists()


def test_a_short_command_queues_behind_another_instead_of_failing(station):
    folder = ProfileDir(station, "X01-CB01").path
    lock = folder / access.LOCK_FILE
    other = _hold_elsewhere(folder)  # another live command of this PC
    naps = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            _end(other)  # the other command finished

    assert access.acquire_lock(folder, "bithu", FROZEN, wait=5, sleep=sleep) is None
    assert len(naps) == 2 and json.loads(lock.read_text())["user"] == "bithu"
    access.release_lock(folder)
    assert not lock.exists()
    other = _hold_elsewhere(folder)
    try:
        with pytest.raises(AccessDenied, match="đang được mở"):
            access.acquire_lock(folder, "bithu", FROZEN, wait=1, sleep=lambda s: None)
    finally:
        _end(other)


def test_a_lock_copied_along_with_the_profile_folder_is_taken_over(station, tmp_path):
    import shutil

    session = open_profile(station, None, "bithu", PASSWORD)
    try:
        copy = tmp_path / "may-moi"
        shutil.copytree(station / "profiles", copy / "profiles")  # copied while open
        moved = open_profile(copy, None, "bithu", PASSWORD)
        try:
            taken = _audit(moved, "lock_takeover")
            assert len(taken) == 1 and "chép theo thư mục" in taken[0]["detail"]
        finally:
            moved.close()
    finally:
        session.close()


def test_finding_12_a_viewers_wrong_passwords_do_not_delay_the_owner(station):
    clock = FakeClock()
    owner = open_profile(station, None, "bithu", PASSWORD, clock)
    profiles.add_user(owner, "xem", "matkhau-xem", "viewer")
    owner.close()
    for n in range(access.FREE_TRIES):  # the viewer's typos, then made-up names
        with pytest.raises(AccessDenied, match="không đúng"):
            open_profile(station, None, "xem", f"go-nham-{n}", clock)
    for n in range(access.FREE_TRIES):
        with pytest.raises(AccessDenied, match="Không có người dùng"):
            open_profile(station, None, f"ai-do-{n}", "doan-bua", clock)
    # The viewer waits; a made-up name waits; the owner does not.
    with pytest.raises(access.TooManyAttempts):
        open_profile(station, None, "xem", "matkhau-xem", clock)
    with pytest.raises(access.TooManyAttempts):
        open_profile(station, None, "ai-do-moi", "doan-bua", clock)
    session = open_profile(station, None, "bithu", PASSWORD, clock)
    try:
        failed = [json.loads(f["detail"])["user"] for f in _audit(session, "unlock_failed")]
        assert failed.count("xem") == access.FREE_TRIES and len(failed) == 2 * access.FREE_TRIES
    finally:
        session.close()
    # The owner's success leaves the viewer's delay running.
    with pytest.raises(access.TooManyAttempts):
        open_profile(station, None, "xem", "matkhau-xem", clock)
    clock.now += timedelta(seconds=access.MAX_DELAY_SECONDS)
    open_profile(station, None, "xem", "matkhau-xem", clock).close()
